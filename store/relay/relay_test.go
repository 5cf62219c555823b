package relay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/store/pgstore"
)

// Concurrent writers to Postgres, two relays racing (one restarted
// half-way): the feed holds every event exactly once, positions in order.
func TestFeedGetsEveryEventOnceInOrder(t *testing.T) {
	pg := pgtest.Start(t)
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src, err := pgstore.Open(ctx, pg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); src.Close() }() // relays stop before the pool closes
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	r1ctx, stopR1 := context.WithCancel(ctx)
	defer stopR1()
	go Run(r1ctx, src, js, quiet)
	go Run(ctx, src, js, quiet)

	begin0 := time.Now()
	const writers, each = 8, 40
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("feed.%d", w)
			for i := 0; i < each; i++ {
				e, _ := events.Encode(fmt.Sprintf("w%d-%d", w, i), events.ConsoleCreated{SupportCode: "X"})
				if _, err := src.Append(ctx, stream, uint64(i), []events.Envelope{e}); err != nil {
					t.Error(err)
					return
				}
				if w == 0 && i == each/2 {
					stopR1() // one relay dies mid-way
					go Run(ctx, src, js, quiet)
				}
			}
		}()
	}
	begin := time.Now()
	wg.Wait()
	t.Logf("writers done after %v", time.Since(begin))

	feed := NewFeed(src, js)
	seen := map[string]int{}
	var last uint64
	got := make(chan struct{})
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	go feed.Subscribe(sctx, 0, func(e events.Envelope) error {
		if e.Position <= last {
			t.Errorf("position %d after %d", e.Position, last)
		}
		last = e.Position
		seen[e.ID]++
		if len(seen) == writers*each {
			close(got)
		}
		return nil
	})
	select {
	case <-got:
	case <-time.After(30 * time.Second):
		t.Fatalf("feed holds %d of %d events", len(seen), writers*each)
	}
	t.Logf("feed complete after %v", time.Since(begin0))
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s relayed %d times", id, n)
		}
	}
}

// BenchmarkProjectionLag appends from 16 writers to Postgres while a relay
// runs, and measures the time from an append's acknowledgement to the
// event reaching a feed subscriber (what a read model sees).
func BenchmarkProjectionLag(b *testing.B) {
	pg := pgtest.Start(b)
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithCancel(context.Background())
	src, err := pgstore.Open(ctx, pg.URL(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { cancel(); src.Close() }()
	go Run(ctx, src, js, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var mu sync.Mutex
	acked := map[string]time.Time{}
	var lags []time.Duration
	all := make(chan struct{})
	go NewFeed(src, js).Subscribe(ctx, 0, func(e events.Envelope) error {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if t, ok := acked[e.ID]; ok {
			lags = append(lags, now.Sub(t))
		} else {
			acked[e.ID] = now // arrived before the writer recorded its ack: lag ≤ 0
			lags = append(lags, 0)
		}
		if len(lags) == b.N {
			close(all)
		}
		return nil
	})
	b.ResetTimer()
	var next sync.WaitGroup
	var n int64
	var nmu sync.Mutex
	for w := 0; w < 16; w++ {
		next.Add(1)
		go func() {
			defer next.Done()
			var v uint64
			for {
				nmu.Lock()
				n++
				mine := n
				nmu.Unlock()
				if mine > int64(b.N) {
					return
				}
				id := fmt.Sprintf("lag-%d-%d", w, mine)
				e, _ := events.Encode(id, events.ConsoleCreated{SupportCode: "X"})
				nv, err := src.Append(ctx, fmt.Sprintf("lag.%d", w), v, []events.Envelope{e})
				if err != nil {
					b.Error(err)
					return
				}
				v = nv
				mu.Lock()
				if _, seen := acked[id]; !seen {
					acked[id] = time.Now()
				}
				mu.Unlock()
			}
		}()
	}
	next.Wait()
	select {
	case <-all:
	case <-time.After(60 * time.Second):
		b.Fatalf("feed got %d of %d", len(lags), b.N)
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds()), "lag-p50-µs")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds()), "lag-p99-µs")
}

func TestSeek(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	st, err := OpenFeed(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	// Messages holding positions 1-3, 4-6, 7-9, ...
	for last := 3; last <= 30; last += 3 {
		m := nats.NewMsg(feedSubject)
		m.Data = []byte("[]")
		m.Header.Set(hdrPosition, fmt.Sprint(last))
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for from, want := range map[uint64]uint64{0: 1, 1: 1, 3: 1, 4: 2, 10: 4, 30: 10, 31: 11} {
		got, err := seek(ctx, st, from)
		if err != nil || got != want {
			t.Errorf("seek(%d) = %d, %v; want %d", from, got, err, want)
		}
	}
}

// Feed.Subscribe starts in the middle of a feed message (a batch of
// events) and returns fn's first error without calling fn again.
func TestFeedSubscribeFromMidBatchAndStopsAtFnError(t *testing.T) {
	pg := pgtest.Start(t)
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	src, err := pgstore.Open(ctx, pg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); src.Close() }()
	var batch []events.Envelope
	for i := 0; i < 5; i++ {
		e, _ := events.Encode(fmt.Sprintf("mid-%d", i), events.ConsoleCreated{SupportCode: "X"})
		batch = append(batch, e)
	}
	if _, err := src.Append(ctx, "mid.1", 0, batch); err != nil {
		t.Fatal(err)
	}
	stored, err := src.Load(ctx, "mid.1", 1)
	if err != nil || len(stored) != 5 {
		t.Fatalf("%d events, %v", len(stored), err)
	}
	go Run(ctx, src, js, slog.New(slog.NewTextHandler(io.Discard, nil)))
	feed := NewFeed(src, js)

	sctx, scancel := context.WithCancel(ctx)
	var got []string
	err = feed.Subscribe(sctx, stored[2].Position, func(e events.Envelope) error {
		got = append(got, e.ID)
		if len(got) == 3 {
			scancel()
		}
		return nil
	})
	scancel()
	if !errors.Is(err, context.Canceled) || fmt.Sprint(got) != "[mid-2 mid-3 mid-4]" {
		t.Fatalf("from the 3rd event: %v, %v", got, err)
	}
	st, _ := OpenFeed(ctx, js)
	if info, _ := st.Info(ctx); info.State.Msgs != 1 {
		t.Logf("the 5 events took %d feed messages (the test wants them in one)", info.State.Msgs)
	}

	boom := errors.New("boom")
	calls := 0
	err = feed.Subscribe(ctx, 0, func(events.Envelope) error { calls++; return boom })
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("fn failing: Subscribe returned %v after %d calls", err, calls)
	}
}
