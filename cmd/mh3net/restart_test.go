package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
			lmp, data, natsPort := freePort(t), t.TempDir(), freePort(t)
			args := append([]string{"up", "--http", "", "--host", "127.0.0.1", "--advertise", "127.0.0.1", "--data", data,
				"--opn-port", strconv.Itoa(freePort(t)), "--lmp-port", strconv.Itoa(lmp),
				"--fmp-port", strconv.Itoa(freePort(t)), "--rfp-port", strconv.Itoa(freePort(t)),
				"--connection-delay", "10ms", "--nats-port", strconv.Itoa(natsPort)}, tc.extra...)
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
			// The hunter goes online on server 1 and stays there.
			fmp, err := second.FmpInfo(1)
			if err != nil {
				t.Fatal(err)
			}
			second.Shut(2)
			f, err := gameclient.Dial(fmp)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if st, err := f.Greet(con, true); err != nil || st != 3 {
				t.Fatalf("FMP: %d %v", st, err)
			}
			if pop, err := gameclient.Populations(lmpAddr); err != nil || pop[1] != 1 {
				t.Fatalf("server 1 population before the kill: %v (%v), want 1", pop[1], err)
			}
			up.kill(t) // acknowledged to the player: must survive

			up2 := c.start("up-2", args...)
			waitTCP(t, lmpAddr)
			// Nobody is online after a restart, before anyone logs in: the
			// hunter of the killed process is not a ghost.
			if pop, err := gameclient.Populations(lmpAddr); err != nil || pop[1] != 0 {
				t.Fatalf("server 1 population after kill -9 and restart: %v (%v), want 0", pop[1], err)
			}
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

			// Replaying the log from zero gives the same read model (from
			// Postgres directly and from the JetStream feed).
			rebuild := []string{"projections", "rebuild"}
			if tc.name == "postgres" {
				rebuild = append(rebuild, "--postgres", pg.URL(), "--nats", fmt.Sprintf("nats://127.0.0.1:%d", natsPort))
			} else {
				up2.cmd.Process.Signal(syscall.SIGTERM) // the log's directory is the server's
				up2.cmd.Wait()
				rebuild = append(rebuild, "--data", data)
			}
			rctx, rcancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer rcancel()
			out, err := exec.CommandContext(rctx, bin, append(rebuild, "--log-level", "debug")...).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "profiles 1") {
				t.Fatalf("projections rebuild: %v\n%s", err, out)
			}
			t.Logf("%s", out)
		})
	}
}
