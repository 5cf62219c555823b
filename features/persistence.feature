Feature: Hunters are kept
  A console's Capcom IDs and hunter names are events in the log: they are
  still there after the server restarts, with the embedded log or with
  Postgres as the system of record.

  Scenario: A hunter is still there after a restart (embedded log)
    Given a running mh3net server
    And a console "C" with hunter "Nargacuga" online on LMP
    When the server restarts
    Then console "C" finds hunter "Nargacuga" in slot 1

  Scenario: A hunter is still there after a restart (Postgres)
    Given a running mh3net server with Postgres
    And a console "D" with hunter "Barioth" online on LMP
    When the server restarts
    Then console "D" finds hunter "Barioth" in slot 1
