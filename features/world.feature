Feature: Hunting together
  Hunters meet in the cities of a server, wherever their connections
  land: here every story runs on two edge processes and two handler
  processes (NATS, handlers and edges each a process of the mh3net
  binary, on a locked bus), and the hunters of one city sit on different
  edges. A city holds four; its host is handed over when the host leaves;
  chat stays in the city; a hunter can move to another server. (An edge
  that dies: dead_edge.feature.)

  Background:
    Given a world of two edges and two handler processes

  Scenario: Hunters meet in a city
    Given hunter "Bree" stands at gate 1 of server 1 through edge 2
    And hunter "Aiden" arrives on server 1 through edge 1
    When "Aiden" enters gate 1
    Then "Bree" sees "Aiden" come in
    When "Aiden" creates city 3
    And "Bree" joins city 3
    Then "Bree" is told "Aiden" hosts the city
    And "Aiden" sees "Bree" come in
    And the user list of "Aiden" shows "Aiden" and "Bree"
    And the user list of "Bree" shows "Aiden" and "Bree"
    And "Aiden" and "Bree" see each other move
    And the gate list of "Bree" shows city 3 with 2 hunters

  Scenario: The host leaves and another hunter hosts
    Given hunter "Aiden" stands at gate 2 of server 1 through edge 1
    And hunter "Bree" stands at gate 2 of server 1 through edge 2
    And "Aiden" creates city 5
    And "Bree" joins city 5
    When "Aiden" leaves the city
    Then "Bree" is told "Bree" hosts now
    And "Bree" sees "Aiden" leave
    And the user list of "Bree" shows "Bree"
    Given hunter "Cara" stands at gate 2 of server 1 through edge 1
    When "Cara" joins city 5
    Then "Cara" is told "Bree" hosts the city
    And "Bree" sees "Cara" come in
    And the user list of "Cara" shows "Bree" and "Cara"

  Scenario: A full city refuses a fifth hunter
    Given hunter "Aiden" stands at gate 3 of server 1 through edge 1
    And hunter "Bree" stands at gate 3 of server 1 through edge 2
    And hunter "Cara" stands at gate 3 of server 1 through edge 1
    And hunter "Dale" stands at gate 3 of server 1 through edge 2
    And hunter "Emma" stands at gate 3 of server 1 through edge 1
    And "Aiden" creates city 1
    And "Bree" joins city 1
    And "Cara" joins city 1
    And "Dale" joins city 1
    When "Emma" tries to join city 1
    Then "Emma" is told the city is full
    And nothing changes for "Aiden", "Bree", "Cara" and "Dale"
    And the gate list of "Emma" shows city 1 with 4 hunters

  Scenario: A reserved city frees itself after its creator vanishes
    Given hunter "Aiden" stands at gate 4 of server 1 through edge 1
    And hunter "Bree" stands at gate 4 of server 1 through edge 2
    When "Aiden" starts creating city 7
    Then the gate list of "Bree" shows city 7 as full
    When the connection of "Aiden" drops
    Then "Bree" sees "Aiden" leave
    And "Bree" cannot create city 7: it is reserved
    And "Bree" creates city 7 once the reservation lapses
    And the user list of "Bree" shows "Bree"

  Scenario: Chat reaches everyone in the city and no one outside
    Given hunter "Aiden" stands at gate 5 of server 1 through edge 1
    And hunter "Bree" stands at gate 5 of server 1 through edge 2
    And hunter "Cara" stands at gate 5 of server 1 through edge 2
    And hunter "Dale" stands at gate 5 of server 1 through edge 1
    And hunter "Emma" stands at gate 5 of server 1 through edge 2
    And "Aiden" creates city 2
    And "Bree" joins city 2
    And "Cara" joins city 2
    And "Emma" creates city 4
    When "Bree" says "Rathian spotted at the spring"
    Then "Aiden" hears "Bree" say "Rathian spotted at the spring"
    And "Cara" hears "Bree" say "Rathian spotted at the spring"
    And "Dale" hears no chat
    And "Emma" hears no chat
    And "Bree" hears no chat

  Scenario: Moving to another server
    Given hunter "Dana" arrives on server 1 through edge 1
    And hunter "Eli" stands at gate 1 of server 2 through edge 2
    Then the server list of "Dana" shows server 1 with 1 hunter and server 2 with 1 hunter
    When "Dana" moves to server 2
    Then the server list of "Eli" shows server 1 with 0 hunters and server 2 with 2 hunters
    When "Dana" enters gate 1
    Then "Eli" sees "Dana" come in
    And the user list of "Eli" shows "Dana" and "Eli"
