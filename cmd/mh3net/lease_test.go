package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/store/pgstore"
	"github.com/mh3net/mh3net/store/relay"
)

// TestOneRelayPerDeploymentWithTakeover runs two `mh3net handlers
// --postgres` processes: only the lease holder relays the Postgres log to
// the feed. The holder is SIGKILLed; the other takes the lease over once
// it lapses, and events appended after the kill reach the feed.
func TestOneRelayPerDeploymentWithTakeover(t *testing.T) {
	const period = time.Second
	pg := pgtest.Start(t)
	c := &cluster{t: t, bin: buildBinary(t)}
	natsPort := freePort(t)
	c.nats = fmt.Sprintf("nats://127.0.0.1:%d", natsPort)
	c.start("nats", "nats", "--host", "127.0.0.1", "--nats-port", strconv.Itoa(natsPort), "--data", t.TempDir())
	waitTCP(t, fmt.Sprintf("127.0.0.1:%d", natsPort))

	args := []string{"handlers", "--nats", c.nats, "--postgres", pg.URL(), "--relay-lease", period.String()}
	hs := []*procLog{c.start("handlers-1", args...), c.start("handlers-2", args...)}
	for _, h := range hs {
		h.waitFor(t, "handlers ready")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := pgstore.Open(ctx, pg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nc, err := nats.Connect(c.nats)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)

	// The feed, as a read model sees it.
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	fctx, fcancel := context.WithCancel(ctx)
	defer fcancel()
	go relay.NewFeed(st, js).Subscribe(fctx, 0, func(e events.Envelope) error {
		mu.Lock()
		arrived[e.ID] = time.Now()
		mu.Unlock()
		return nil
	})
	appendAndWait := func(stream string, n int) time.Duration {
		t.Helper()
		begin := time.Now()
		var ids []string
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("%s-%d", stream, i)
			e, _ := events.Encode(id, events.ConsoleCreated{SupportCode: "X"})
			if _, err := st.Append(ctx, stream, uint64(i), []events.Envelope{e}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			n := 0
			for _, id := range ids {
				if _, ok := arrived[id]; ok {
					n++
				}
			}
			mu.Unlock()
			if n == len(ids) {
				return time.Since(begin)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events of %s reached the feed", n, len(ids), stream)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	holders := func() []int {
		var out []int
		for i, h := range hs {
			for _, l := range h.lines() {
				if strings.Contains(l, "lease acquired") {
					out = append(out, i)
					break
				}
			}
		}
		return out
	}

	appendAndWait("before", 20)
	// Both run for a few lease periods: one holds the lease and relays.
	time.Sleep(3 * period)
	appendAndWait("both", 20)
	held := holders()
	if len(held) != 1 {
		t.Fatalf("processes that took the relay's lease while both ran: %v", held)
	}
	for i, h := range hs {
		relaying := false
		for _, l := range h.lines() {
			relaying = relaying || strings.Contains(l, "relaying the event log")
		}
		if relaying != (i == held[0]) {
			t.Fatalf("handlers-%d relaying=%v, lease holder is handlers-%d", i+1, relaying, held[0]+1)
		}
	}

	killed := held[0]
	hs[killed].kill(t)
	took := appendAndWait("after-kill", 20)
	t.Logf("events appended after SIGKILL of the relay's holder reached the feed in %v (lease period %v)", took.Round(time.Millisecond), period)
	other := hs[1-killed]
	other.waitFor(t, "lease acquired")
	other.waitFor(t, "relaying the event log")
}
