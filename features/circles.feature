Feature: Quest parties
  In a city, a hunter posts a quest on the board and others join the
  party; when the leader departs, everyone ready goes on the quest. The
  hunters of one city sit on different edges, and two handler processes
  serve them: every notice crosses the bus. (A race for the last slot of
  a party: server/circle_race_test.go.)

  Background:
    Given a world of two edges and two handler processes

  Scenario: A party departs on a quest and a member who is not ready is left behind
    Given "Aiden" through edge 1, "Bree" through edge 2, "Cara" through edge 1 and "Dale" through edge 2 meet in city 1 of gate 1 on server 1
    When "Aiden" posts quest 10101 for 4 hunters with password "rath"
    Then "Bree", "Cara" and "Dale" see the party of "Aiden" on the board with 1 of 4 hunters
    When "Bree" tries to join the party of "Aiden" with password "ratt"
    Then "Bree" is told "Wrong Password!"
    When "Bree" joins the party of "Aiden" with password "rath"
    Then "Bree" is in slot 2
    And "Aiden" sees "Bree" join the party in slot 2
    And "Bree" and "Dale" are not told it
    And "Cara" and "Dale" see the party of "Aiden" on the board with 2 of 4 hunters
    When "Cara" joins the party of "Aiden" with password "rath"
    Then "Aiden" and "Bree" see "Cara" join the party in slot 3
    And the party list of "Bree" shows "Aiden", "Bree" and "Cara"
    When "Bree" is ready
    Then "Aiden" and "Cara" see "Bree" ready
    And "Bree" and "Dale" are not told it
    When "Aiden" is ready
    Then "Bree" and "Cara" see "Aiden" ready
    When "Aiden" changes the quest to 20202 with remarks "Rathalos at dawn"
    Then "Bree" and "Cara" are told the quest is now 20202 with remarks "Rathalos at dawn"
    And "Aiden" and "Dale" are not told it
    And "Aiden", "Bree", "Cara" and "Dale" see the party of "Aiden" on the board with quest 20202
    When "Aiden" departs
    Then "Cara" is dropped from the party
    And "Aiden" and "Bree" see "Cara" leave the party from slot 3
    And "Aiden" and "Bree" get the roster "Aiden" and "Bree"
    And "Cara" and "Dale" get no roster
    And "Dale" sees the party of "Aiden" departed on the board with 2 hunters
    And the board of "Cara" shows the party of "Aiden" departed with 2 hunters
    When "Dale" tries to join the party of "Aiden" with password "rath"
    Then "Dale" is told "Quest is full!"
    And "Aiden" ends the quest

  Scenario: The leader leaves before departure and the party breaks
    Given "Aiden" through edge 1, "Bree" through edge 2 and "Cara" through edge 1 meet in city 2 of gate 1 on server 1
    And "Aiden" posts quest 10101 for 4 hunters
    And "Bree" joins the party of "Aiden"
    And "Cara" sees the party of "Aiden" on the board with 2 of 4 hunters
    When "Aiden" leaves the party
    Then "Bree" sees "Aiden" leave the party from slot 1
    And "Bree" is told the party broke up
    And "Cara" sees the party of "Aiden" gone from the board
    And the board of "Bree" shows no party
    When "Cara" posts quest 30303 for 2 hunters
    And "Aiden" joins the party of "Cara"
    Then "Cara" sees "Aiden" join the party in slot 2
    And "Bree" is not told it
    When "Bree" posts quest 40404 for 4 hunters
    Then "Aiden" and "Cara" see the party of "Bree" on the board with 1 of 4 hunters

  Scenario: The leader leaves after departure and another leads
    Given "Aiden" through edge 1, "Bree" through edge 2, "Cara" through edge 1 and "Dale" through edge 2 meet in city 3 of gate 1 on server 1
    And "Aiden" posts quest 10101 for 3 hunters
    And "Bree" joins the party of "Aiden"
    And "Cara" joins the party of "Aiden"
    And "Aiden", "Bree" and "Cara" are ready
    And "Aiden" departs
    And "Aiden", "Bree" and "Cara" get the roster "Aiden", "Bree" and "Cara"
    When "Aiden" leaves the party
    Then "Bree" and "Cara" see "Aiden" leave the party from slot 1
    And "Bree" and "Cara" are told "Bree" leads now
    And "Cara" asks who leads the party and is told "Bree"
    And "Dale" sees the party of "Bree" departed on the board with 2 hunters
    And the party list of "Cara" shows "Bree" and "Cara"

  Scenario: What a party says and sends stays in the party
    Given "Aiden" through edge 1, "Bree" through edge 2, "Cara" through edge 1 and "Dale" through edge 2 meet in city 4 of gate 1 on server 1
    And "Aiden" posts quest 10101 for 4 hunters
    And "Bree" joins the party of "Aiden"
    And "Cara" joins the party of "Aiden"
    When "Aiden" sends "monster at area 5" to the party
    Then "Bree" and "Cara" get "monster at area 5" from "Aiden"
    And "Aiden" and "Dale" get no party data
    When "Bree" sends "trap set" to "Cara" alone
    Then "Cara" gets "trap set" from "Bree" alone
    And "Aiden", "Bree" and "Dale" get no party data
    When "Cara" says "ready when you are" to the party
    Then "Aiden" and "Bree" hear "Cara" say "ready when you are" to the party
    And "Cara" and "Dale" hear no party chat
    And "Dale" hears no chat

  Scenario: A full party refuses
    Given "Aiden" through edge 1, "Bree" through edge 2 and "Cara" through edge 1 meet in city 5 of gate 1 on server 1
    And "Aiden" posts quest 10101 for 2 hunters
    And "Bree" joins the party of "Aiden"
    When "Cara" tries to join the party of "Aiden"
    Then "Cara" is told "Quest is full!"
    And "Aiden" and "Bree" are told of no one joining
    And the board of "Cara" shows the party of "Aiden" full with 2 of 2 hunters
    And the party list of "Aiden" shows "Aiden" and "Bree"
