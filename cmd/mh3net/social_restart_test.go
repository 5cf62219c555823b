package main

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pgtest"
)

// TestUpKeepsFriendsAcrossKill9: friends, a blacklist and a friend
// request still waiting for its answer are all there after `mh3net up`
// is killed with SIGKILL and started again on the same data, with the
// embedded log and with Postgres.
func TestUpKeepsFriendsAcrossKill9(t *testing.T) {
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
			lmp, fmp := freePort(t), freePort(t)
			args := append([]string{"up", "--http", "", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", t.TempDir(),
				"--opn-port", strconv.Itoa(freePort(t)), "--lmp-port", strconv.Itoa(lmp),
				"--fmp-port", strconv.Itoa(fmp), "--rfp-port", strconv.Itoa(freePort(t)),
				"--connection-delay", "10ms"}, tc.extra...)
			lmpAddr, fmpAddr := fmt.Sprintf("127.0.0.1:%d", lmp), fmt.Sprintf("127.0.0.1:%d", fmp)
			arrive := func(con *gameclient.Console, name string) (*gameclient.Client, string) {
				t.Helper()
				f, id, err := gameclient.LoginFromLMP(lmpAddr, fmpAddr, con, name, 1)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if _, _, err := f.Arrive(50); err != nil {
					t.Fatalf("%s arrives: %v", name, err)
				}
				return f, id
			}
			conA, conB, conC := &gameclient.Console{}, &gameclient.Console{}, &gameclient.Console{}

			up := c.start("up-1", args...)
			waitTCP(t, lmpAddr)
			a, idA := arrive(conA, "Aiden")
			b, idB := arrive(conB, "Bree")
			cc, idC := arrive(conC, "Cara")
			// Aiden and Bree become friends.
			if err := a.FriendAdd(idB, "hunt?"); err != nil {
				t.Fatal(err)
			}
			if from, _, _, err := b.FriendRequest(); err != nil || from != idA {
				t.Fatalf("Bree's request: %q %v", from, err)
			}
			if err := b.FriendAccept(idA, true); err != nil {
				t.Fatal(err)
			}
			for _, h := range []*gameclient.Client{a, b} {
				if _, err := h.FriendAdded(); err != nil {
					t.Fatal(err)
				}
			}
			// Bree blacklists Cara; Cara asks Aiden, who does not answer.
			if err := b.BlackAdd(idC, "Cara"); err != nil {
				t.Fatal(err)
			}
			if err := cc.FriendAdd(idA, "me too?"); err != nil {
				t.Fatal(err)
			}
			if from, _, _, err := a.FriendRequest(); err != nil || from != idC {
				t.Fatalf("Aiden's request: %q %v", from, err)
			}
			up.kill(t) // every answer above was acknowledged: all must survive
			a.Close()
			b.Close()
			cc.Close()

			c.start("up-2", args...)
			waitTCP(t, lmpAddr)
			a2, _ := arrive(conA, "Aiden")
			defer a2.Close()
			// The unanswered request comes again on arrival.
			if from, _, text, err := a2.FriendRequest(); err != nil || from != idC || text != "me too?" {
				t.Fatalf("Aiden's waiting request after kill -9: %q %q %v", from, text, err)
			}
			if fs, err := a2.Friends(); err != nil || len(fs) != 1 || fs[0].CapcomID != idB || fs[0].Name != "Bree" {
				t.Fatalf("Aiden's friends after kill -9: %+v %v", fs, err)
			}
			b2, _ := arrive(conB, "Bree")
			defer b2.Close()
			if fs, err := b2.Friends(); err != nil || len(fs) != 1 || fs[0].CapcomID != idA {
				t.Fatalf("Bree's friends after kill -9: %+v %v", fs, err)
			}
			if bl, err := b2.BlackList(); err != nil || len(bl) != 1 || bl[0].CapcomID != idC || bl[0].Name != "Cara" {
				t.Fatalf("Bree's blacklist after kill -9: %+v %v", bl, err)
			}
		})
	}
}
