package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/mh3net/mh3net/ids"
	"github.com/mh3net/mh3net/pat"
)

// Packets every server answers: connection set-up, shut, time, tickets.

// AnsConnection is the game's answer to ReqConnection: its ConnectionData
// (support code, PAT ticket, media version). The server's verdict is
// NtcLogin with a status byte that picks the game's next step. The
// support code and ticket become KV keys and stream names, so anything
// that cannot be one is refused as a bad packet.
func (s *Service) AnsConnection(c *Call, m *pat.AnsConnection) error {
	cd := m.Data
	hasTicket := cd.Has(pat.ConnPatTicket)
	var ticket, code string
	if raw := cd.Bytes(pat.ConnPatTicket); len(raw) > 0 {
		t, err := ids.Ticket(raw)
		if err != nil {
			return badID(err)
		}
		ticket = t
	}
	if raw := cd.Bytes(pat.ConnOnlineSupportCode); !ids.NoSupportCode(raw) {
		sc, err := ids.SupportCode(raw)
		if err != nil {
			return badID(err)
		}
		code = sc
	}

	if c.Server == "opn" || c.Server == "rfp" {
		// Nothing of the session is used there (no ticket is made, no
		// Capcom ID chosen): answer without storing one, so the
		// connection costs no KV writes and nothing to clean up.
		// During maintenance (admin API) OPN answers status 2, the
		// maintenance path of #96 and MHTS: the game asks ReqMaintenance
		// and shows its text instead of logging in.
		status := uint8(5)
		if c.Server == "opn" && s.view.Admin().Maintenance {
			status = 2
		}
		c.info("connection", "status", status, "ticket", ticket != "", "support_code", code != "", "media_version", string(cd.Bytes(pat.ConnMediaVersion)))
		return c.Answer(&pat.NtcLogin{Status: status})
	}
	sess, err := c.Session()
	if err != nil {
		return err
	}
	if ticket != "" {
		adopted, err := c.adopt(ticket)
		if err != nil {
			return err
		}
		sess = &c.sess.s
		if !adopted {
			// As MH3SP: a ticket whose session is gone (the first LMP
			// connection closed without expecting this one) is kept by the
			// new session; the support code carries the console over.
			c.newTicket(sess, ticket)
		}
	}
	if sess.SupportCode == "" && code != "" {
		sess.SupportCode = code
	}
	// MH3SP keeps the session for a later connection only when the game
	// came without ticket and support code (a first contact).
	sess.Reconnect = !(hasTicket || cd.Has(pat.ConnOnlineSupportCode))
	if c.Server == "lmp" && !hasTicket {
		sess.Began = s.cfg.Now().UnixMilli() // a login starts (metrics)
	}
	c.Changed()

	var status uint8
	switch c.Server {
	case "lmp":
		status = 1
		if hasTicket {
			status = 2
		}
	case "fmp":
		status = 3
		if sess.CapcomID != "" {
			if err := c.claimOnline(sess); err != nil {
				return err
			}
			if sess.Began != 0 {
				// A login completes (counted once the packet succeeds);
				// a later server change is not one.
				c.loginTook = s.cfg.Now().Sub(time.UnixMilli(sess.Began))
				c.loggedIn = true
				sess.Began = 0
			}
		}
	default: // opn, rfp
		status = 5
	}
	c.info("connection", "status", status, "ticket", ticket != "", "support_code", sess.SupportCode != "", "media_version", string(cd.Bytes(pat.ConnMediaVersion)))
	return c.Answer(&pat.NtcLogin{Status: status})
}

func (s *Service) ReqLineCheck(c *Call, m *pat.ReqLineCheck) error {
	return c.Answer(&pat.AnsLineCheck{})
}

// ReqShut: the game leaves (1: logout, 2: moving to another server). The
// answer echoes the type and the connection closes.
func (s *Service) ReqShut(c *Call, m *pat.ReqShut) error {
	if m.Type == 1 {
		sess, err := c.Session()
		if err != nil {
			return err
		}
		if sess.Reconnect {
			sess.Reconnect = false
			c.Changed()
		}
	}
	c.CloseAfter()
	return c.Answer(&pat.AnsShut{Type: m.Type})
}

// ReqServerTime: both clocks are Unix seconds, as on MH3SP (the first
// drives day and night, the second the Wii Shop ticket).
func (s *Service) ReqServerTime(c *Call, m *pat.ReqServerTime) error {
	now := uint32(s.cfg.Now().Unix())
	return c.Answer(&pat.AnsServerTime{ServerTime: now, CurrentTime: now})
}

func (s *Service) NtcCollectionLog(c *Call, m *pat.NtcCollectionLog) error {
	c.info("client error report", "error_code", m.Data.Num(0x01), "unknown", m.Data.Num(0x02), "timeout", m.Data.Num(0x03))
	return nil
}

// ReqTicket gives the game a PAT ticket it shows on its next connections.
func (s *Service) ReqTicket(c *Call, m *pat.ReqTicket) error {
	sess, err := c.Session()
	if err != nil {
		return err
	}
	c.newTicket(sess, c.random("ticket", 0, ids.TicketLen))
	if sess.Reconnect {
		// A first contact (MH3SP's request_reconnection): the game
		// closes this connection and comes back with the ticket, so the
		// record is written in transit now and the close has nothing
		// left to write.
		c.sess.leaving = true
	}
	return c.Answer(&pat.AnsTicket{Ticket: []byte(sess.Ticket)})
}

const charset = ids.Alphabet

// random makes an identifier of n characters from MH3SP's alphabet. It is
// derived from the request id, so a retried request (after a handler died
// mid-way) makes the same identifier and the same events; attempt picks
// the next candidate after a collision.
func (c *Call) random(purpose string, attempt, n int) string {
	seed := make([]byte, 32)
	if c.Req == "" {
		rand.Read(seed)
	} else {
		sum := sha256.Sum256([]byte(c.Req + "\x00" + purpose + "\x00" + strconv.Itoa(attempt)))
		seed = sum[:]
	}
	out := make([]byte, n)
	for i := range out {
		if len(seed) < 2 {
			sum := sha256.Sum256(seed)
			seed = sum[:]
		}
		out[i] = charset[binary.BigEndian.Uint16(seed)%uint16(len(charset))]
		seed = seed[2:]
	}
	return string(out)
}

// eventID names the k-th event a request appends, so retries append the
// same ids and the store drops them as duplicates.
func (c *Call) eventID(k string) string {
	if c.Req == "" {
		return c.random("event-id", 0, 20)
	}
	return c.Req + "/" + k
}
