package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/store/pgstore"
	"github.com/mh3net/mh3net/store/relay"
)

// TestScaleOutOnPostgres is TestScaleOut's deployment with Postgres as the
// system of record: a 3-node NATS cluster, two handler processes relaying
// the log to the JetStream feed (one holds the relay's lease), two edges
// on shared ports, and the bot's 40 hunters. The relay's holder is
// SIGKILLed while they play: the other takes the lease over, every hunter
// fails at most the request it had in flight, and the feed ends up
// holding every event Postgres holds, each once, in order: no gap and no
// duplicate across the hand-over.
func TestScaleOutOnPostgres(t *testing.T) {
	const lease = 2 * time.Second
	pg := pgtest.Start(t)
	c := &cluster{t: t, bin: buildBinary(t)}
	sec := makeSecrets(t, c.bin)
	_, urls := c.natsCluster(sec, 3)
	extra := []string{"--lease", lease.String(), "--postgres", pg.URL(), "--relay-lease", "1s"}
	hs := []*procLog{c.handlersProc("handlers-1", sec, extra...), c.handlersProc("handlers-2", sec, extra...)}
	ports := edgePorts{freePort(t), freePort(t), freePort(t), freePort(t)}
	for i := range 2 {
		c.startEdgeOn("edge-"+strconv.Itoa(i+1), sec, ports, "--reuse-port").waitFor(t, "mh3net running")
	}

	report := filepath.Join(t.TempDir(), "bot.json")
	botStart := time.Now()
	botProc := c.start("bot", "bot", "--opn", ports.addr(ports.opn), "--hunters", "40", "--duration", "40s",
		"--ramp", "5s", "--think-min", "300ms", "--think-max", "2s", "--timeout", "15s", "--progress", "5s",
		"--local-ips", "127.0.0.12-127.0.0.21", "--seed", strconv.FormatInt(time.Now().UnixNano()%1000, 10), "--json", report)
	time.Sleep(15 * time.Second)

	holder := -1
	for i, h := range hs {
		for _, l := range h.lines() {
			if strings.Contains(l, "relaying the event log") {
				holder = i
			}
		}
	}
	if holder < 0 {
		t.Fatal("no handler process relays the log")
	}
	tKill := time.Since(botStart)
	hs[holder].kill(t)
	hs[1-holder].waitFor(t, "relaying the event log")

	if err := botProc.cmd.Wait(); err != nil {
		c.fatalf("bot: %v", err)
	}
	rep := readBotReport(t, report)
	tKill -= rep.Began.Sub(botStart)
	if f := failuresIn(rep, 0, tKill); len(f) > 0 {
		c.fatalf("%d failures before the relay holder's SIGKILL, first %+v", len(f), f[0])
	}
	per := map[int]int{}
	for _, f := range failuresIn(rep, tKill, time.Hour) {
		if per[f.Hunter]++; per[f.Hunter] > 1 {
			c.fatalf("hunter %d failed more than once after the SIGKILL of a handler process: %+v", f.Hunter, failuresIn(rep, tKill, time.Hour))
		}
	}
	if rep.Sessions < 40 {
		c.fatalf("%d sessions, want every hunter online at least once", rep.Sessions)
	}

	// The feed against Postgres.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := pgstore.Open(ctx, pg.URL(), nil)
	if err != nil {
		c.fatalf("%v", err)
	}
	defer st.Close()
	last, err := st.LastPosition(ctx)
	if err != nil || last == 0 {
		c.fatalf("Postgres holds up to position %d (%v)", last, err)
	}
	js := handlersJetStream(t, sec, urls)
	feed, err := js.Stream(ctx, relay.FeedStream)
	if err != nil {
		c.fatalf("%v", err)
	}
	if info, err := feed.Info(ctx); err != nil || info.Config.Replicas != 3 {
		c.fatalf("the feed: %v, replicas %d, want 3", err, info.Config.Replicas)
	}
	cons, err := feed.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		c.fatalf("%v", err)
	}
	want := uint64(1)
	deadline := time.Now().Add(30 * time.Second)
	for want <= last {
		if time.Now().After(deadline) {
			c.fatalf("the feed reached position %d of Postgres's %d", want-1, last)
		}
		m, err := cons.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			continue
		}
		var batch []events.Envelope
		if err := json.Unmarshal(m.Data(), &batch); err != nil {
			c.fatalf("%v", err)
		}
		for _, e := range batch {
			if e.Position != want {
				c.fatalf("the feed holds position %d where %d was due: a gap or a duplicate across the relay's hand-over", e.Position, want)
			}
			want++
		}
	}
	t.Logf("the feed holds positions 1..%d, each once, as Postgres; the relay's holder was killed %v into the run", last, tKill.Round(time.Second))
}
