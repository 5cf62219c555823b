package server

import (
	"strings"
	"testing"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pat"
)

// connectWith greets a server with ConnectionData cd and returns the
// client and the first packet answered (NtcLogin or NtcShut).
func connectWith(t *testing.T, addr string, cd pat.Data) (*gameclient.Client, pat.Packet) {
	t.Helper()
	c, err := gameclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Expect(pat.IDReqConnection, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(&pat.AnsConnection{Data: cd}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Next()
	if err != nil {
		t.Fatal(err)
	}
	return c, p
}

// Identifiers a client sends become KV keys and subjects. One that NATS
// cannot take (4,100 bytes: longer than a subject may be) used to close
// the process's own NATS connection for good, so every later login failed
// on every port. Now it is refused as a bad packet, on that connection
// only, and logins keep working.
func TestHostileIdentifiersAreRefusedAndHarmless(t *testing.T) {
	s := start(t, Config{})
	long := strings.Repeat("A", 4100)
	for _, c := range []struct {
		name string
		cd   func() pat.Data
	}{
		{"ticket of 4,100 bytes", func() pat.Data {
			var d pat.Data
			d.SetBinary(pat.ConnPatTicket, []byte(long))
			return d
		}},
		{"support code of 4,100 bytes", func() pat.Data {
			var d pat.Data
			d.SetString(pat.ConnOnlineSupportCode, []byte(long))
			return d
		}},
		{"support code with a subject wildcard", func() pat.Data {
			var d pat.Data
			d.SetString(pat.ConnOnlineSupportCode, []byte("ABC.>"))
			return d
		}},
		{"support code that is not UTF-8", func() pat.Data {
			var d pat.Data
			d.SetString(pat.ConnOnlineSupportCode, []byte("ABCDEFGHIJ\xff"))
			return d
		}},
		{"ticket with a space", func() pat.Data {
			var d pat.Data
			d.SetBinary(pat.ConnPatTicket, []byte("ABCDE FGHIJ"))
			return d
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, server := range []string{"opn", "lmp", "fmp"} {
				if server == "opn" {
					continue // TLS: the same handler; covered on lmp and fmp
				}
				cl, p := connectWith(t, s.Addr(server).String(), c.cd())
				if p.ID != pat.IDNtcShut {
					t.Fatalf("%s: answered %s, want NtcShut", server, p.ID)
				}
				var shut pat.NtcShut
				if err := pat.Unmarshal(p.Payload, &shut); err != nil {
					t.Fatal(err)
				}
				msg := string(shut.Message)
				if strings.Contains(msg, "temporarily unavailable") || !strings.Contains(msg, "communication error") {
					t.Fatalf("%s: a client fault reported as %q", server, msg)
				}
				closedWithShut(t, cl) // and the connection ends
			}
			// The process is still whole: a full login works on every port.
			if _, err := gameclient.FullLogin(s.Addr("opn").String(), &gameclient.Console{}, false, "Qurupeco"); err != nil {
				t.Fatalf("login after the hostile packet: %v", err)
			}
		})
	}
}

// Packets are served on the server the game sends them to: ReqUserObject
// on OPN or ReqLoginInfo on RFP create nothing and get no answer.
func TestPacketsAreRoutedByServer(t *testing.T) {
	s := start(t, Config{})
	for _, c := range []struct {
		server string
		req    pat.Message
	}{
		{"rfp", &pat.ReqLoginInfo{}},
		{"fmp", &pat.ReqLoginInfo{}},
		{"rfp", &pat.ReqUserObject{Slot: 1}},
		{"fmp", &pat.ReqTicket{}},
		{"lmp", &pat.ReqTermsVersion{}},
	} {
		cl, err := gameclient.Dial(s.Addr(c.server).String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Greet(&gameclient.Console{}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Send(c.req); err != nil {
			t.Fatal(err)
		}
		// Packets of one connection are answered in order: once the
		// line check is answered, the request before it was not.
		if err := cl.Call(&pat.ReqLineCheck{}, &pat.AnsLineCheck{}); err != nil {
			t.Fatal(err)
		}
		for _, id := range cl.SeenIDs() {
			if id.Base() == c.req.PacketID().Answer() {
				t.Errorf("%s answered with %s on %s", c.req.PacketID(), id, c.server)
			}
		}
		cl.Close()
	}
}
