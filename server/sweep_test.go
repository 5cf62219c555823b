package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/rand"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/internal/testlog"
	"github.com/mh3net/mh3net/pat"
)

// Every id of the packet table, sent by a client on each server with
// junk payloads (none, one 0xFF byte, 64 random bytes, 64 bytes of 0xFF,
// 2 000 random bytes), on a connection just greeted on OPN, LMP, FMP and
// RFP, on LMP once it holds a ticket, and on FMP in the world: arrived,
// and in a city with its host. Each is answered,
// ignored, or refused with NtcShut before the close: never a silent
// close, never a connection that stops answering. After each, the
// connection answers ReqServerTime (or, closed, is replaced by a new
// one). Nothing panics, and a new hunter logs in at the end.
func TestEveryPacketOnEveryServer(t *testing.T) {
	var logs testlog.Buffer
	s := start(t, Config{RequestRate: 1e6, RequestBurst: 1 << 20,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	addr := func(server string) string { return s.Addr(server).String() }

	greetOn := func(server string) func(t *testing.T) *gameclient.Client {
		return func(t *testing.T) *gameclient.Client {
			t.Helper()
			return greetedOn(t, s, server)
		}
	}
	hunters := 0
	arrived := func(t *testing.T) *gameclient.Client {
		t.Helper()
		hunters++
		c, _ := hunterOn(t, "", addr("lmp"), addr("fmp"), fmt.Sprintf("Sweep%d", hunters))
		return c
	}
	withTicket := func(t *testing.T) *gameclient.Client {
		t.Helper()
		c := greetOn("lmp")(t)
		var login pat.Data
		login.SetString(pat.ChargeOnlineSupportCode, nil)
		if err := c.Call(&pat.ReqLoginInfo{Info: login}, &pat.AnsLoginInfo{}); err != nil {
			t.Fatal(err)
		}
		if err := c.Call(&pat.ReqTicket{}, &pat.AnsTicket{}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// City 3 of gate 1 is held by a host for the whole test; each sweeper
	// joins it.
	host := arrived(t)
	if err := host.Down(1); err != nil {
		t.Fatal(err)
	}
	if err := host.CreateCity(3, nil); err != nil {
		t.Fatal(err)
	}
	inCity := func(t *testing.T) *gameclient.Client {
		t.Helper()
		c := arrived(t)
		if err := c.Down(1); err != nil {
			t.Fatal(err)
		}
		if _, err := c.JoinCity(1, 1, 3); err != nil {
			t.Fatal(err)
		}
		return c
	}
	rng := rand.New(rand.NewSource(3))
	junk := func(n int) []byte { b := make([]byte, n); rng.Read(b); return b }
	payloads := [][]byte{nil, {0xFF}, junk(64), bytes.Repeat([]byte{0xFF}, 64), junk(2000)}
	stages := []struct {
		name string
		open func(t *testing.T) *gameclient.Client
		// every: each id with every payload; otherwise one payload per
		// id, in turn (an arrival is a whole login).
		every bool
	}{
		{"opn greeted", greetOn("opn"), true},
		{"lmp greeted", greetOn("lmp"), true},
		{"fmp greeted", greetOn("fmp"), true},
		{"rfp greeted", greetOn("rfp"), true},
		{"lmp with a ticket", withTicket, true},
		{"fmp arrived", arrived, false},
		{"fmp in a city", inCity, false},
	}
	sentinel, err := pat.AppendMessage(nil, 0x7FFF, &pat.ReqServerTime{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			var c *gameclient.Client
			outcomes := map[string]int{}
			for i, id := range pat.IDs() {
				for pi, p := range payloads {
					if !st.every && pi != i%len(payloads) {
						continue
					}
					if c == nil {
						c = st.open(t)
					}
					frame, err := pat.AppendFrame(nil, 0x4000, id, p)
					if err != nil {
						t.Fatal(err)
					}
					c.Conn().SetWriteDeadline(time.Now().Add(10 * time.Second))
					if err := c.WriteRaw(append(frame, sentinel...)); err != nil {
						t.Fatalf("%v with payload %d: write: %v", id, pi, err)
					}
					outcome := ""
					shut := false
					for outcome == "" {
						c.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
						pk, err := c.Next()
						var ne net.Error
						switch {
						case errors.As(err, &ne) && ne.Timeout():
							t.Fatalf("%v with payload %d: no answer to ReqServerTime after it, and no close", id, pi)
						case err != nil && shut:
							outcome = "refused"
						case err != nil && id == pat.IDReqShut:
							outcome = "shut by request" // AnsShut, then the close the game asked for
						case err != nil:
							t.Fatalf("%v with payload %d: closed without NtcShut: %v", id, pi, err)
						case pk.ID == pat.IDNtcShut:
							shut = true
						case pk.ID == pat.IDAnsServerTime && pk.Seq == 0x7FFF:
							outcome = "alive"
						}
					}
					if outcome != "alive" {
						c.Close()
						c = nil
					}
					outcomes[outcome]++
				}
			}
			t.Logf("%v", outcomes)
		})
	}
	if text := logs.String(); strings.Contains(text, "panicked") {
		t.Fatalf("a packet made the server panic:\n%s", text)
	}
	// The host's city is as it was once the sweepers' closes are done:
	// the host alone in it.
	eventually(t, 10*time.Second, "the host's city", func() error {
		if users, err := host.Users(); err != nil || len(users) != 1 {
			return fmt.Errorf("it lists %v (%v), want the host alone", users, err)
		}
		return nil
	})
	hunterOn(t, "", addr("lmp"), addr("fmp"), "After")
}
