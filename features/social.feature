Feature: Tells, friends, the blacklist and the player search
  Hunters reach each other wherever they stand: on another server,
  behind another edge, served by another handler process. A friend
  request waits for a hunter who is away; a blacklist silences a hunter;
  the player search looks at every server. (That friends, blacklists and
  waiting requests survive kill -9 of the server, on both stores:
  cmd/mh3net/social_restart_test.go.)

  Background:
    Given a world of two edges and two handler processes

  Scenario: A tell reaches a hunter on another server and edge
    Given hunter "Aiden" arrives on server 1 through edge 1
    And hunter "Bree" stands at gate 2 of server 2 through edge 2
    When "Aiden" tells "Bree" "meet me at the spring"
    Then "Bree" gets the tell "meet me at the spring" from "Aiden"
    When "Bree" tells "Aiden" "on my way"
    Then "Aiden" gets the tell "on my way" from "Bree"
    And "Aiden" gets no other tell
    And "Bree" gets no other tell

  Scenario: Friends find each other across servers, and a request waits for an offline hunter
    Given hunter "Aiden" arrives on server 1 through edge 1
    And hunter "Bree" arrives on server 2 through edge 2
    When "Bree" goes offline
    Then "Aiden" sees "Bree" offline
    When "Aiden" asks "Bree" to be friends saying "hunt with me?"
    And hunter "Bree" comes back on server 3 through edge 1
    Then "Bree" gets the friend request of "Aiden" saying "hunt with me?"
    When "Bree" accepts the friend request of "Aiden"
    Then "Aiden" and "Bree" are told they are friends
    And the friend list of "Aiden" shows "Bree" online
    And the friend list of "Bree" shows "Aiden" online
    When "Bree" enters gate 3
    Then the friend list of "Aiden" shows "Bree" online
    When "Bree" goes offline
    Then the friend list of "Aiden" shows "Bree" offline
    When hunter "Bree" comes back on server 2 through edge 2
    Then "Bree" gets no friend request

  Scenario: A blacklisted hunter's tells never arrive
    Given hunter "Aiden" arrives on server 1 through edge 1
    And hunter "Bree" arrives on server 2 through edge 2
    And hunter "Cara" arrives on server 1 through edge 2
    When "Bree" blacklists "Cara"
    And "Cara" tells "Bree" "psst"
    And "Cara" asks "Bree" to be friends saying "please"
    And "Aiden" tells "Bree" "hello"
    Then "Bree" gets the tell "hello" from "Aiden"
    And "Bree" gets no other tell
    And "Bree" gets no friend request
    When "Bree" takes "Cara" off the blacklist
    And "Cara" tells "Bree" "now?"
    Then "Bree" gets the tell "now?" from "Cara"

  Scenario: Searching finds a hunter on another edge and every server
    Given hunter "Aiden" arrives on server 1 through edge 1
    And hunter "Bree" stands at gate 1 of server 2 through edge 2
    And hunter "Cara" stands at gate 2 of server 3 through edge 1
    And "Cara" creates city 4
    And hunter "Dale" arrives on server 1 through edge 2
    When "Dale" goes offline
    Then "Aiden" sees "Dale" offline
    And "Aiden" searching for "a" finds "Aiden" and "Cara" where they stand
    And "Aiden" searching for "E" finds "Aiden" and "Bree" where they stand
    And "Bree" searching for the Capcom ID of "Cara" finds "Cara" where she stands
    And "Bree" searching for the Capcom ID of "Dale" finds nobody
