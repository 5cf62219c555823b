Feature: Logging a hunter in
  A player goes OPN (TLS) → LMP → FMP as with Capcom's servers: the OPN
  server hands out texts and the LMP address, the LMP server gives the
  console its online support code, a PAT ticket and its Capcom IDs, and
  sends the game to an FMP server from the list.

  Background:
    Given a running mh3net server

  Scenario: Dolphin logs in with a modern TLS hello and creates a hunter
    When a Dolphin console connects to OPN
    Then it receives ReqConnection and answers it
    And OPN sends NtcLogin status 5
    And the OPN texts are served: terms, announcement and no-charge notice
    And ReqLmpConnect sends the game to the LMP server
    When the console connects to LMP without a ticket
    Then LMP sends NtcLogin status 1
    And the console gets an online support code and a PAT ticket
    And its user list shows 6 empty slots
    When the console reconnects to LMP with its ticket
    Then LMP sends NtcLogin status 2
    When it creates hunter "Rathalos" in slot 1
    Then slot 1 holds a new Capcom ID named "Rathalos"
    And the FMP list shows 12 servers
    And ReqFmpInfo for server 1 sends the game to the FMP server
    When the console connects to FMP with its ticket
    Then FMP sends NtcLogin status 3

  Scenario: A real Wii logs in with an SSLv2-format hello
    When a Wii console connects to OPN
    Then it receives ReqConnection and answers it
    And OPN sends NtcLogin status 5
    And ReqLmpConnect sends the game to the LMP server

  Scenario: The same Capcom ID logging in twice kicks the first
    Given a console "A" with hunter "Lagiacrus" online on LMP
    When console "A" logs in again on another connection and picks slot 1
    Then the first connection receives NtcShut and is closed
    And the second connection keeps working

  Scenario: A malformed frame closes only that connection
    Given a console "B" connected to LMP
    When another client sends a frame announcing 65535 bytes
    Then that client is disconnected
    And console "B" still gets answers
