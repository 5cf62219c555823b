package jsstore

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/metrics"
	"github.com/mh3net/mh3net/natsrv"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/storetest"
)

// backend is a real NATS server on loopback, restartable on the same
// port and directory.
type backend struct {
	dir  string
	port int
	ns   *natsserver.Server
}

func newBackend(t *testing.T) *backend {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{dir: t.TempDir(), port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	b.start(t)
	t.Cleanup(func() { b.ns.Shutdown(); b.ns.WaitForShutdown() })
	return b
}

func (b *backend) start(t *testing.T) {
	ns, err := natsrv.Start(natsrv.Options{Port: b.port, StoreDir: b.dir})
	if err != nil {
		t.Fatal(err)
	}
	b.ns = ns
}

func (b *backend) Open(t *testing.T) store.Store {
	nc, err := nats.Connect(b.ns.ClientURL(), nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, nc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *backend) Restart(t *testing.T) {
	b.ns.Shutdown()
	b.ns.WaitForShutdown()
	b.start(t)
}

func TestAcceptance(t *testing.T) {
	storetest.Run(t, newBackend(t))
}

func BenchmarkAppend(b *testing.B) {
	be := &backend{dir: b.TempDir(), port: -1}
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: be.dir})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	s, err := Open(context.Background(), nc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, writers := range []int{1, 16} {
		b.Run(map[int]string{1: "1writer", 16: "16writers"}[writers], func(b *testing.B) {
			b.SetParallelism(writers)
			b.RunParallel(func(pb *testing.PB) {
				stream := events.NewID()
				var v uint64
				for pb.Next() {
					e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: stream})
					nv, err := s.Append(context.Background(), "bench."+stream, v, []events.Envelope{e})
					if err != nil {
						b.Error(err)
						return
					}
					v = nv
				}
			})
		})
	}
}

// BenchmarkReplay1M appends a million events (in appends of 1000) and
// times replaying the log from zero. Run with -benchtime 1x.
func BenchmarkReplay1M(b *testing.B) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, _ := nats.Connect(ns.ClientURL())
	defer nc.Close()
	ctx := context.Background()
	s, err := Open(ctx, nc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const total, per = 1_000_000, 1000
	for i := 0; i < total/per; i++ {
		batch := make([]events.Envelope, per)
		for k := range batch {
			batch[k], _ = events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: "X"})
		}
		stream := "replay." + strconv.Itoa(i%100)
		if _, err := s.Append(ctx, stream, uint64(i/100*per), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	t0 := time.Now()
	sctx, cancel := context.WithCancel(ctx)
	n := 0
	s.Subscribe(sctx, 1, func(events.Envelope) error {
		if n++; n == total {
			cancel()
		}
		return nil
	})
	b.ReportMetric(float64(total)/time.Since(t0).Seconds(), "replayed-events/s")
}

// BenchmarkLoad loads one stream of 10 000 events (one append each,
// interleaved with as many appends to other streams) whole and its last
// event only: what a decision does when it reads an aggregate.
func BenchmarkLoad(b *testing.B) {
	ns, err := natsrv.Start(natsrv.Options{Port: -1, StoreDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	s, err := Open(ctx, nc, Options{})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10_000
	fill := func(stream string) error {
		for v := uint64(0); v < n; v++ {
			e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: stream})
			if _, err := s.Append(ctx, stream, v, []events.Envelope{e}); err != nil {
				return err
			}
		}
		return nil
	}
	errc := make(chan error, 1)
	go func() { errc <- fill("noise.1") }()
	if err := fill("long.1"); err != nil {
		b.Fatal(err)
	}
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	for _, from := range []uint64{1, n / 2, n - 9, n} {
		for _, how := range []string{"load", "walk"} {
			load := s.Load
			if how == "walk" {
				load = func(ctx context.Context, stream string, from uint64) ([]events.Envelope, error) {
					return loadWalk(ctx, s, stream, from)
				}
			}
			b.Run(how+"/from="+strconv.FormatUint(from, 10), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					got, err := load(ctx, "long.1", from)
					if err != nil || len(got) != int(n-from+1) {
						b.Fatalf("%d events, %v", len(got), err)
					}
				}
			})
		}
	}
	// A short stream, loaded whole: a console's or a hunter's.
	for v := uint64(0); v < 5; v++ {
		e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: "short"})
		if _, err := s.Append(ctx, "short.1", v, []events.Envelope{e}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("load/short-stream-of-5", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if got, err := s.Load(ctx, "short.1", 1); err != nil || len(got) != 5 {
				b.Fatalf("%d events, %v", len(got), err)
			}
		}
	})
}

// loadWalk is Load as it was before the tail read and the consumer: one
// next-message-for-subject request per message from sequence 1. Kept
// for BenchmarkLoad's comparison only.
func loadWalk(ctx context.Context, s *Store, stream string, from uint64) ([]events.Envelope, error) {
	subj, err := subject(stream)
	if err != nil {
		return nil, err
	}
	var out []events.Envelope
	for seq := uint64(1); ; {
		m, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		batch, err := decodeBatch(subj, m.Sequence, m.Data)
		if err != nil {
			return nil, err
		}
		for _, e := range batch {
			if e.Version >= from {
				out = append(out, e)
			}
		}
		seq = m.Sequence + 1
	}
}

// A load that reads through a consumer deletes it: a stream holds at
// most 1 000 consumers (nats-server's default), and consumers left for
// the server to expire ran out under many long loads at once (the sweep
// of a dead edge's hunters: "maximum consumers limit reached").
func TestLongLoadsLeaveNoConsumers(t *testing.T) {
	b := newBackend(t)
	s := b.Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const n = 12
	for v := uint64(0); v < n; v++ {
		e, _ := events.Encode(events.NewID(), events.ConsoleCreated{SupportCode: "long"})
		if _, err := s.Append(ctx, "long.1", v, []events.Envelope{e}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1100 {
		got, err := s.Load(ctx, "long.1", 1)
		if err != nil || len(got) != n {
			t.Fatalf("load %d: %d events, %v", i, len(got), err)
		}
	}
	for {
		info, err := s.stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Consumers == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d consumers left after the loads", info.State.Consumers)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// An append after this store's own append or load takes the head it
// remembers instead of reading it, and JetStream still refuses it when
// another store moved the stream meanwhile.
func TestRememberedHeadIsCheckedByJetStream(t *testing.T) {
	be := newBackend(t)
	a, b := be.Open(t).(*Store), be.Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spy, err := nats.Connect(be.ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer spy.Close()
	reads, err := spy.SubscribeSync("$JS.API.DIRECT.GET.>")
	if err != nil {
		t.Fatal(err)
	}
	spy.Flush()
	readsSoFar := func() int {
		spy.Flush()
		n := 0
		for {
			if _, err := reads.NextMsg(100 * time.Millisecond); err != nil {
				return n
			}
			n++
		}
	}
	ev := func(id string) []events.Envelope {
		env, err := events.Encode(id, events.ConsoleCreated{SupportCode: id})
		if err != nil {
			t.Fatal(err)
		}
		return []events.Envelope{env}
	}
	const stream = "console.HEADS"
	if _, err := a.Append(ctx, stream, 0, ev("e1")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Append(ctx, stream, 1, ev("e2")); err != nil {
		t.Fatal(err)
	}
	if n := readsSoFar(); n != 0 {
		t.Fatalf("appends after the store's own append read the head %d times", n)
	}
	// Another store moves the stream on; a's memory (version 2) is stale.
	if _, err := b.Append(ctx, stream, 2, ev("e3")); err != nil {
		t.Fatal(err)
	}
	readsSoFar()
	if _, err := a.Append(ctx, stream, 2, ev("e4")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("append on a stale remembered head: %v, want a conflict", err)
	}
	if _, err := a.Append(ctx, stream, 3, ev("e4")); err != nil {
		t.Fatalf("append after the conflict: %v", err)
	}
	// A retried append (same events, same expected version) is found
	// stored, memory or not.
	if v, err := a.Append(ctx, stream, 3, ev("e4")); err != nil || v != 4 {
		t.Fatalf("retried append: version %d, %v", v, err)
	}
	got, err := b.Load(ctx, stream, 1)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, ",") != "e1,e2,e3,e4" {
		t.Fatalf("stream holds %v", ids)
	}
	// b loaded the head: its next append needs no read either.
	readsSoFar()
	if _, err := b.Append(ctx, stream, 4, ev("e5")); err != nil {
		t.Fatal(err)
	}
	if n := readsSoFar(); n != 0 {
		t.Fatalf("append after a load read the head %d times", n)
	}
}

// The memory of heads stays bounded and never moves a head back.
func TestHeadsAreBounded(t *testing.T) {
	var h heads
	for i := range maxHeads + 100 {
		h.put("s."+strconv.Itoa(i), 1, uint64(i+1))
	}
	if len(h.m) > maxHeads {
		t.Fatalf("%d heads remembered, at most %d", len(h.m), maxHeads)
	}
	h.put("x", 5, 50)
	h.put("x", 4, 40)
	if got, _ := h.get("x"); got.version != 5 {
		t.Fatalf("head moved back to %+v", got)
	}
}

// A read model that follows some kinds of stream gets their events only,
// at the positions the whole log gives them, and LastPositionOfKinds is
// the newest of them; through a wrapping store (metrics) too. A kind
// that is not one (a dot, a wildcard) is refused.
func TestSubscribeKindsDeliversOnlyThoseKinds(t *testing.T) {
	be := newBackend(t)
	st := be.Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	appendOne := func(stream string, expected uint64) {
		t.Helper()
		env, err := events.Encode(stream+"/"+strconv.FormatUint(expected, 10), events.ConsoleCreated{SupportCode: stream})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Append(ctx, stream, expected, []events.Envelope{env}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne("console.A", 0)
	appendOne("hunter.B", 0)
	appendOne("city.1.1.1", 0)
	appendOne("console.A", 1)
	appendOne("consoles.C", 0) // another kind, though it starts alike
	appendOne("hunter.B", 1)

	collect := func(sub func(context.Context, func(events.Envelope) error) error, n int) []events.Envelope {
		t.Helper()
		var got []events.Envelope
		sctx, scancel := context.WithCancel(ctx)
		defer scancel()
		err := sub(sctx, func(e events.Envelope) error {
			got = append(got, e)
			if len(got) == n {
				scancel()
			}
			return nil
		})
		if len(got) != n {
			t.Fatalf("%d events, want %d (%v)", len(got), n, err)
		}
		return got
	}
	all := collect(func(ctx context.Context, fn func(events.Envelope) error) error { return st.Subscribe(ctx, 1, fn) }, 6)
	wrapped := metrics.New("handlers").Store(st, "jetstream")
	some := collect(func(ctx context.Context, fn func(events.Envelope) error) error {
		return store.SubscribeKinds(ctx, wrapped, 1, []string{"console", "city"}, fn)
	}, 3)
	want := []events.Envelope{all[0], all[2], all[3]}
	for i := range want {
		if some[i].Stream != want[i].Stream || some[i].Position != want[i].Position || some[i].Version != want[i].Version {
			t.Fatalf("event %d: %s v%d at %d, want %s v%d at %d", i, some[i].Stream, some[i].Version, some[i].Position, want[i].Stream, want[i].Version, want[i].Position)
		}
	}
	last, err := store.LastPositionOfKinds(ctx, wrapped, []string{"console", "city"})
	if err != nil || last != all[3].Position {
		t.Fatalf("last position of the kinds %d (%v), want %d", last, err, all[3].Position)
	}
	if last, err := store.LastPositionOfKinds(ctx, wrapped, []string{"ops"}); err != nil || last != 0 {
		t.Fatalf("last position of a kind with no events %d (%v), want 0", last, err)
	}
	for _, bad := range []string{"", "console.A", "*", ">", "con sole"} {
		if err := st.SubscribeKinds(ctx, 1, []string{bad}, func(events.Envelope) error { return nil }); err == nil {
			t.Fatalf("kind %q accepted", bad)
		}
	}
}

// While no stream answers an append's subject (a replicated stream
// electing its leader; here, a stream deleted and made again), the append
// waits and retries until a stream stores it. CI once saw a cluster's
// append fail with "no response from stream" after the client's default
// half second of retries.
func TestAppendWaitsForItsStream(t *testing.T) {
	s := newBackend(t).Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info := deleteEventStream(ctx, t, s)
	e, err := events.Encode("gone-1", events.ConsoleCreated{SupportCode: "X"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(ctx, "gone", 0, []events.Envelope{e})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("append without a stream ended: %v", err)
	case <-time.After(1500 * time.Millisecond):
	}
	if _, err := s.js.CreateStream(ctx, info.Config); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("append once the stream is back: %v", err)
	}
	got, err := s.Load(ctx, "gone", 1)
	if err != nil || len(got) != 1 || got[0].ID != "gone-1" {
		t.Fatalf("loaded %v, %v", got, err)
	}
	// An append past ctx's end still ends, with ctx's error.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if err := s.js.DeleteStream(ctx, info.Config.Name); err != nil {
		t.Fatal(err)
	}
	e2, _ := events.Encode("gone-2", events.ConsoleCreated{SupportCode: "X"})
	if _, err := s.Append(short, "gone2", 0, []events.Envelope{e2}); err == nil {
		t.Fatal("append without a stream succeeded")
	}
}

// inTries repeats a request whose own deadline ended it, and stops at
// ctx's end or at any other error.
func TestInTriesRepeatsOnlyTimedOutTries(t *testing.T) {
	calls := 0
	err := inTries(context.Background(), 20*time.Millisecond, func(ctx context.Context) error {
		calls++
		if calls < 3 {
			<-ctx.Done() // an answer that never comes
			return ctx.Err()
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls, want nil after 3", err, calls)
	}
	boom := errors.New("boom")
	calls = 0
	if err := inTries(context.Background(), time.Second, func(context.Context) error { calls++; return boom }); err != boom || calls != 1 {
		t.Fatalf("err %v after %d calls, want boom after 1", err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	calls = 0
	err = inTries(ctx, 20*time.Millisecond, func(ctx context.Context) error { calls++; <-ctx.Done(); return ctx.Err() })
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		t.Fatalf("err %v after ctx's end", err)
	}
}

// A publish that reached the stream's subject but was never answered (a
// leader that lost its quorum drops what it proposed) is sent again after
// appendTry: the append ends stored, once, well before its context.
func TestAppendSendsAgainAPublishNeverAnswered(t *testing.T) {
	defer func(d time.Duration) { appendTry = d }(appendTry)
	appendTry = 300 * time.Millisecond
	s := newBackend(t).Open(t).(*Store)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info := deleteEventStream(ctx, t, s)
	subj, err := subject("unanswered")
	if err != nil {
		t.Fatal(err)
	}
	swallowed := make(chan struct{}, 16)
	sink, err := s.js.Conn().Subscribe(subj, func(*nats.Msg) { swallowed <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	e, err := events.Encode("unanswered-1", events.ConsoleCreated{SupportCode: "X"})
	if err != nil {
		t.Fatal(err)
	}
	actx, cancelAppend := context.WithTimeout(ctx, 10*time.Second)
	defer cancelAppend()
	done := make(chan error, 1)
	go func() {
		_, err := s.Append(actx, "unanswered", 0, []events.Envelope{e})
		done <- err
	}()
	<-swallowed // the first publish, taken and never answered
	if err := sink.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.js.CreateStream(ctx, info.Config); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("append after an unanswered publish: %v", err)
	}
	got, err := s.Load(ctx, "unanswered", 1)
	if err != nil || len(got) != 1 || got[0].ID != "unanswered-1" {
		t.Fatalf("loaded %v, %v; want the one event", got, err)
	}
}

// deleteEventStream deletes s's JetStream stream and returns what it was,
// to make it again.
func deleteEventStream(ctx context.Context, t *testing.T, s *Store) *jetstream.StreamInfo {
	t.Helper()
	info, err := s.stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.js.DeleteStream(ctx, info.Config.Name); err != nil {
		t.Fatal(err)
	}
	return info
}
