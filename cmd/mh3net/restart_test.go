package main

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pgtest"
)

// TestUpKeepsProfilesAcrossKill9 creates a hunter through `mh3net up`,
// kills the process with SIGKILL, starts it again with the same data (the
// embedded JetStream log, or Postgres) and finds the hunter in the user
// list.
func TestUpKeepsProfilesAcrossKill9(t *testing.T) {
	bin := buildBinary(t)
	pg := pgtest.Start(t)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"embedded", nil},
		{"postgres", []string{"--postgres", pg.URL()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &cluster{t: t, bin: bin}
			lmp, data := freePort(t), t.TempDir()
			args := append([]string{"up", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", data,
				"--opn-port", strconv.Itoa(freePort(t)), "--lmp-port", strconv.Itoa(lmp),
				"--fmp-port", strconv.Itoa(freePort(t)), "--rfp-port", strconv.Itoa(freePort(t)),
				"--connection-delay", "10ms"}, tc.extra...)
			lmpAddr := fmt.Sprintf("127.0.0.1:%d", lmp)

			up := c.start("up-1", args...)
			waitTCP(t, lmpAddr)
			con := &gameclient.Console{}
			first, err := gameclient.Dial(lmpAddr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := first.LMPFirst(con); err != nil {
				t.Fatal(err)
			}
			second, err := gameclient.Dial(lmpAddr)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := second.Greet(con, true); err != nil {
				t.Fatal(err)
			}
			id, err := second.PickSlot(3, true, "Deviljho")
			if err != nil {
				t.Fatal(err)
			}
			up.kill(t) // acknowledged to the player: must survive

			c.start("up-2", args...)
			waitTCP(t, lmpAddr)
			again, err := gameclient.Dial(lmpAddr)
			if err != nil {
				t.Fatal(err)
			}
			slots, err := again.LMPFirst(&gameclient.Console{SupportCode: con.SupportCode})
			if err != nil {
				t.Fatal(err)
			}
			if slots[2].CapcomID != id || slots[2].Name != "Deviljho" {
				t.Fatalf("slot 3 after kill -9 and restart = %+v, want %s Deviljho", slots[2], id)
			}
		})
	}
}
