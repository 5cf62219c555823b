Feature: A dead edge takes its hunters out of the world
  Every edge process holds a lease; when one dies (SIGKILL: no goodbye
  reaches anyone), its lease lapses and the handlers sweep its hunters
  out of the world as if their connections had closed: the others in
  their city see them leave and get a new host, and the lists are right
  again, within about two lease periods. The world runs on two edges and
  two handler processes, with a short lease.

  Background:
    Given a world of two edges and two handler processes with a 2 s lease

  Scenario: A hunter whose edge dies disappears from the city
    Given hunter "Aiden" stands at gate 6 of server 1 through edge 1
    And hunter "Bree" stands at gate 6 of server 1 through edge 2
    And hunter "Cara" stands at gate 6 of server 1 through edge 2
    And "Aiden" creates city 8
    And "Bree" joins city 8
    When edge 1 dies
    Then within two lease periods "Bree" is told "Bree" hosts now
    And within two lease periods "Bree" sees "Aiden" leave
    And the user list of "Bree" shows "Bree"
    And the gate list of "Cara" shows city 8 with 1 hunter
    And the server list of "Cara" shows server 1 with 2 hunters and server 2 with 0 hunters

  Scenario: A guest whose edge dies leaves the host in charge
    Given hunter "Aiden" stands at gate 7 of server 1 through edge 1
    And hunter "Bree" stands at gate 7 of server 1 through edge 2
    And hunter "Cara" stands at gate 7 of server 1 through edge 2
    And "Bree" creates city 9
    And "Aiden" joins city 9
    When edge 1 dies
    Then within two lease periods "Bree" sees "Aiden" leave
    And "Bree" is told of no new host
    And the user list of "Bree" shows "Bree"
    When "Cara" joins city 9
    Then "Cara" is told "Bree" hosts the city
    And the gate list of "Bree" shows city 9 with 2 hunters
