package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mh3net/mh3net/gameclient"
	"github.com/mh3net/mh3net/pgtest"
)

// TestHandlersDrainOnSIGTERM runs Postgres, NATS, one edge and two
// handler processes, keeps whole logins flowing through the edge from
// several consoles at once, and SIGTERMs one handler process while it
// holds requests in the middle of their work: the test holds a lock on
// the events table, so every append waits, and signals once Postgres
// shows that process's appends waiting. The process must leave the queue
// group, finish those requests once the lock is gone, and exit 0; no
// console may see a failure. The edge waits 10 s for an answer, so what
// the consoles get comes from the draining process, not from a retry.
func TestHandlersDrainOnSIGTERM(t *testing.T) {
	pg := pgtest.Start(t)
	c := &cluster{t: t, bin: buildBinary(t)}
	natsPort := freePort(t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	c.start("nats", "nats", "--nats-port", strconv.Itoa(natsPort), "--data", t.TempDir())
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))
	handlers := func(name string) *procLog {
		// application_name tells the processes' sessions apart in
		// pg_stat_activity.
		return c.start(name, "handlers", "--nats", c.nats, "--postgres", pg.URL()+"&application_name="+name)
	}
	h1, h2 := handlers("handlers-1"), handlers("handlers-2")
	h1.waitFor(t, "handlers ready")
	h2.waitFor(t, "handlers ready")
	e := edgePorts{freePort(t), freePort(t), freePort(t), freePort(t)}
	c.start("edge", "edge", "--nats", c.nats, "--host", "127.0.0.1", "--advertise", "127.0.0.1",
		"--opn-port", strconv.Itoa(e.opn), "--lmp-port", strconv.Itoa(e.lmp),
		"--fmp-port", strconv.Itoa(e.fmp), "--rfp-port", strconv.Itoa(e.rfp),
		"--connection-delay", "20ms", "--request-timeout", "10s").waitFor(t, "mh3net running")

	// The container healthchecks' command sees both roles up.
	for _, args := range [][]string{{"health", "--handlers", "--nats", c.nats}, {"health", "--tcp", e.addr(e.lmp)}} {
		if out, err := exec.Command(c.bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, err := exec.Command(c.bin, "health", "--tcp", fmt.Sprintf("127.0.0.1:%d", freePort(t))).CombinedOutput(); err == nil {
		t.Fatalf("health of a port nobody listens on passed: %s", out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := pgx.Connect(ctx, pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())

	const workers = 6
	var (
		stop     atomic.Bool
		phase    atomic.Int32 // 0: before SIGTERM, 1: draining, 2: after the exit
		mu       sync.Mutex
		failures []error
		done     [3][workers]int
		progress = make(chan struct{}, 1)
		wg       sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				ph := phase.Load()
				f, _, err := gameclient.LoginToFMP(e.addr(e.opn), &gameclient.Console{}, false, fmt.Sprintf("W%dN%d", w, n), 1)
				if err == nil {
					// FMP requests too: arrival writes the hunter's profile.
					_, _, err = f.Arrive(50)
					f.Close()
				}
				mu.Lock()
				if err != nil {
					failures = append(failures, fmt.Errorf("worker %d login %d (phase %d): %w", w, n, ph, err))
				} else {
					done[ph][w]++
				}
				mu.Unlock()
				select {
				case progress <- struct{}{}:
				default:
				}
			}
		}()
	}
	// waitAll waits until every worker finished n logins in phase ph.
	waitAll := func(ph, n int) {
		for {
			mu.Lock()
			ok, failed := true, len(failures) > 0
			for w := range workers {
				ok = ok && done[ph][w] >= n
			}
			mu.Unlock()
			if ok || failed {
				return
			}
			<-progress
		}
	}
	waitAll(0, 2)

	// Hold every append, and wait until a request handlers-1 took has
	// one waiting (not its relay, which waits too when it holds the
	// relay's lease). The queue group may have given every waiting
	// request to handlers-2: then let them through and hold again.
	// A round holds the lock for at most 2 s of wall clock, not a number
	// of polls: everything held waits with it, and a wait that reaches
	// the handlers' and the edge's 10 s deadline is a retry (a loaded CI
	// machine once made 200 polls take longer than that).
	var tx pgx.Tx
	for round := 0; tx == nil; round++ {
		if round == 20 {
			t.Fatal("handlers-1 never had an append waiting in 20 rounds")
		}
		hold, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold.Exec(ctx, "LOCK TABLE events IN EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		for until := time.Now().Add(2 * time.Second); time.Now().Before(until) && tx == nil; {
			var waiting int
			err := db.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE application_name = 'handlers-1' AND wait_event_type = 'Lock'
				AND query LIKE '%INSERT INTO events%'`).Scan(&waiting)
			if err != nil {
				t.Fatal(err)
			}
			if waiting > 0 {
				tx = hold
				t.Logf("%s round %d: events locked, handlers-1 has %d appends waiting", time.Now().UTC().Format(time.StampMilli), round, waiting)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if tx == nil {
			if err := hold.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	phase.Store(1)
	if err := h1.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	h1.waitFor(t, "left the queue group")
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s events unlocked", time.Now().UTC().Format(time.StampMilli))
	err = h1.cmd.Wait()
	phase.Store(2)
	waitAll(2, 2)
	stop.Store(true)
	wg.Wait()

	if err != nil {
		t.Errorf("handlers-1 after SIGTERM: %v, want exit 0", err)
	}
	for _, err := range failures {
		t.Error(err)
	}
	t.Logf("logins before SIGTERM %v, while draining %v, after %v", done[0], done[1], done[2])
	h1.waitFor(t, "handlers drained")
	for _, l := range c.proc("edge").lines() {
		if strings.Contains(l, "retrying") {
			t.Errorf("the edge retried a request: %s", l)
		}
	}
}
