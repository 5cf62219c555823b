// Package storetest is the acceptance suite every event store backend
// passes: the one contract of store.Store, checked against the real
// backend (a real NATS server, a real Postgres).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

// Backend opens stores on one persistent log.
type Backend interface {
	// Open returns a store on the backend's log (a new one per call; the
	// log is shared and survives Close).
	Open(t *testing.T) store.Store
	// Restart stops and starts the server behind the store (NATS or
	// Postgres) while stores stay open; they must carry on afterwards.
	Restart(t *testing.T)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

func ev(t *testing.T, id string, slot int) events.Envelope {
	t.Helper()
	e, err := events.Encode(id, events.HunterNamed{Slot: slot, CapcomID: "ABCDEF", Name: []byte(id)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var streamN int
var streamMu sync.Mutex

func newStream(prefix string) string {
	streamMu.Lock()
	defer streamMu.Unlock()
	streamN++
	return fmt.Sprintf("%s.%d.%d", prefix, time.Now().UnixNano(), streamN)
}

// Run runs the suite.
func Run(t *testing.T, b Backend) {
	t.Run("AppendLoad", func(t *testing.T) { appendLoad(t, b) })
	t.Run("LoadFromAnyVersion", func(t *testing.T) { loadFromAnyVersion(t, b) })
	t.Run("ConcurrentWritersOneWinnerPerVersion", func(t *testing.T) { concurrentWriters(t, b) })
	t.Run("IdempotentRetry", func(t *testing.T) { idempotent(t, b) })
	t.Run("ReloadAfterReopen", func(t *testing.T) { reload(t, b) })
	t.Run("SubscribeCatchUp", func(t *testing.T) { subscribe(t, b) })
	t.Run("SubscribeFromTheMiddleOfAnAppend", func(t *testing.T) { subscribeMidAppend(t, b) })
	t.Run("SubscribeStopsAtTheFirstFnError", func(t *testing.T) { subscribeStopsAtFnError(t, b) })
	t.Run("SubscriberSeesEveryConcurrentWrite", func(t *testing.T) { concurrentSubscribe(t, b) })
	t.Run("CorruptEventNamesStreamAndPosition", func(t *testing.T) { corrupt(t, b) })
	t.Run("TwoInstancesKeepVersionOrder", func(t *testing.T) { twoInstances(t, b) })
	t.Run("ServerRestartedMidTest", func(t *testing.T) { restart(t, b) })
}

func appendLoad(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("console")
	if got, err := s.Load(c, stream, 1); err != nil || len(got) != 0 {
		t.Fatalf("absent stream: %v %v", got, err)
	}
	v, err := s.Append(c, stream, 0, []events.Envelope{ev(t, stream+"-1", 1), ev(t, stream+"-2", 2)})
	if err != nil || v != 2 {
		t.Fatalf("append: %d %v", v, err)
	}
	v, err = s.Append(c, stream, 2, []events.Envelope{ev(t, stream+"-3", 3)})
	if err != nil || v != 3 {
		t.Fatalf("append: %d %v", v, err)
	}
	got, err := s.Load(c, stream, 2)
	if err != nil || len(got) != 2 || got[0].Version != 2 || got[1].ID != stream+"-3" || got[0].Stream != stream {
		t.Fatalf("load from 2: %+v %v", got, err)
	}
	if got[0].Position == 0 || got[1].Position < got[0].Position {
		t.Errorf("positions %d %d", got[0].Position, got[1].Position)
	}
	if _, err := s.Append(c, stream, 1, []events.Envelope{ev(t, stream+"-x", 1)}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale append: %v", err)
	}
	var ce *store.ConflictError
	if _, err := s.Append(c, stream, 0, []events.Envelope{ev(t, stream+"-y", 1)}); !errors.As(err, &ce) || ce.Actual != 3 {
		t.Fatalf("create over existing: %v", err)
	}
}

func concurrentWriters(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("race")
	const writers, rounds = 16, 5
	wins := make([][]string, rounds+1)
	var mu sync.Mutex
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("%s-r%d-w%d", stream, round, w)
				_, err := s.Append(c, stream, uint64(round), []events.Envelope{ev(t, id, w)})
				switch {
				case err == nil:
					mu.Lock()
					wins[round] = append(wins[round], id)
					mu.Unlock()
				case errors.Is(err, store.ErrConflict):
				default:
					t.Errorf("writer %d: %v", w, err)
				}
			}()
		}
		wg.Wait()
		if len(wins[round]) != 1 {
			t.Fatalf("version %d: %d winners %v", round+1, len(wins[round]), wins[round])
		}
	}
	got, err := s.Load(c, stream, 1)
	if err != nil || len(got) != rounds {
		t.Fatalf("load: %d events, %v", len(got), err)
	}
	for i, e := range got {
		if e.ID != wins[i][0] || e.Version != uint64(i+1) {
			t.Errorf("version %d holds %s, winner was %s", i+1, e.ID, wins[i][0])
		}
	}
}

func idempotent(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("retry")
	batch := []events.Envelope{ev(t, stream+"-a", 1), ev(t, stream+"-b", 2)}
	for i := 0; i < 3; i++ {
		v, err := s.Append(c, stream, 0, batch)
		if err != nil || v != 2 {
			t.Fatalf("attempt %d: %d %v", i, v, err)
		}
	}
	// A retry after someone else appended more is still recognised.
	if _, err := s.Append(c, stream, 2, []events.Envelope{ev(t, stream+"-c", 3)}); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Append(c, stream, 0, batch); err != nil || v != 2 {
		t.Fatalf("late retry: %d %v", v, err)
	}
	// The same ids at another place are a conflict, not a retry.
	if _, err := s.Append(c, stream, 2, batch[1:]); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("ids at the wrong version: %v", err)
	}
	got, _ := s.Load(c, stream, 1)
	if len(got) != 3 {
		t.Fatalf("%d events after retries, want 3", len(got))
	}
}

func reload(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("reload")
	if _, err := s.Append(c, stream, 0, []events.Envelope{ev(t, stream+"-1", 1)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := b.Open(t)
	got, err := s2.Load(c, stream, 1)
	if err != nil || len(got) != 1 || got[0].ID != stream+"-1" {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	if _, err := events.Decode(got[0]); err != nil {
		t.Fatal(err)
	}
}

func subscribe(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("sub")
	for i := 1; i <= 5; i++ {
		if _, err := s.Append(c, stream, uint64(i-1), []events.Envelope{ev(t, fmt.Sprintf("%s-%d", stream, i), i)}); err != nil {
			t.Fatal(err)
		}
	}
	evs, _ := s.Load(c, stream, 1)
	last, err := s.LastPosition(c)
	if err != nil || last < evs[4].Position {
		t.Fatalf("last position %d < %d (%v)", last, evs[4].Position, err)
	}
	for _, from := range []uint64{0, evs[2].Position} {
		sctx, cancel := context.WithCancel(c)
		var got []events.Envelope
		var mu sync.Mutex
		done := make(chan error, 1)
		go func() {
			done <- s.Subscribe(sctx, from, func(e events.Envelope) error {
				mu.Lock()
				defer mu.Unlock()
				if e.Stream == stream {
					got = append(got, e)
				}
				if len(got) == 5-int(countBefore(evs, from)) {
					cancel()
				}
				return nil
			})
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("subscribe from %d never caught up (%d events)", from, len(got))
		}
		mu.Lock()
		for i := 1; i < len(got); i++ {
			if got[i].Version != got[i-1].Version+1 {
				t.Errorf("out of order: %d after %d", got[i].Version, got[i-1].Version)
			}
		}
		mu.Unlock()
		cancel()
	}
}

func countBefore(evs []events.Envelope, from uint64) uint64 {
	var n uint64
	for _, e := range evs {
		if e.Position < from {
			n++
		}
	}
	return n
}

func corrupt(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("odd")
	e := ev(t, stream+"-1", 1)
	e.Type = "NoSuchEvent"
	if _, err := s.Append(c, stream, 0, []events.Envelope{e}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(c, stream, 1)
	if err != nil || len(got) != 1 {
		t.Fatal(err)
	}
	_, err = events.Decode(got[0])
	var de *events.DecodeError
	if !errors.As(err, &de) || de.Stream != stream || de.Position == 0 {
		t.Fatalf("decode error %v does not name stream and position", err)
	}
}

func restart(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("restart")
	if _, err := s.Append(c, stream, 0, []events.Envelope{ev(t, stream+"-1", 1)}); err != nil {
		t.Fatal(err)
	}
	// A subscription running across the restart goes on after it,
	// skipping and repeating nothing.
	sctx, cancel := context.WithCancel(c)
	defer cancel()
	var mu sync.Mutex
	var seen []string
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(sctx, 0, func(e events.Envelope) error {
			if e.Stream == stream {
				mu.Lock()
				seen = append(seen, e.ID)
				mu.Unlock()
			}
			return nil
		})
	}()
	waitSeen := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := append([]string(nil), seen...)
			mu.Unlock()
			if len(got) >= n {
				for i, id := range got {
					if want := fmt.Sprintf("%s-%d", stream, i+1); id != want {
						t.Fatalf("subscription delivered %v", got)
					}
				}
				return
			}
			select {
			case err := <-subDone:
				t.Fatalf("subscription ended: %v", err)
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("subscription delivered %v, want %d events", got, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitSeen(1)
	b.Restart(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Each try is bounded: a request sent while the server restarts
		// may never be answered.
		ac, cancel := context.WithTimeout(c, 3*time.Second)
		_, err := s.Append(ac, stream, 1, []events.Envelope{ev(t, stream+"-2", 2)})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store never came back after the restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := s.Load(c, stream, 1)
	if err != nil || len(got) != 2 {
		t.Fatalf("after restart: %d events, %v", len(got), err)
	}
	waitSeen(2)
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("subscription delivered %v", seen)
	}
}

// concurrentSubscribe appends from many writers to many streams while a
// subscriber follows: it must see every acknowledged event exactly once,
// positions never going back, versions of each stream in order - the
// late-commit skip would lose events here.
func concurrentSubscribe(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	prefix := newStream("conc")
	start, err := s.LastPosition(c)
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 8, 25
	seen := map[string]int{}
	lastVersion := map[string]uint64{}
	var mu sync.Mutex
	var lastPos uint64
	sctx, cancel := context.WithCancel(c)
	defer cancel()
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(sctx, start+1, func(e events.Envelope) error {
			mu.Lock()
			defer mu.Unlock()
			if e.Position < lastPos {
				return fmt.Errorf("position %d after %d", e.Position, lastPos)
			}
			lastPos = e.Position
			if len(e.Stream) < len(prefix) || e.Stream[:len(prefix)] != prefix {
				return nil
			}
			if e.Version != lastVersion[e.Stream]+1 {
				return fmt.Errorf("%s version %d after %d", e.Stream, e.Version, lastVersion[e.Stream])
			}
			lastVersion[e.Stream] = e.Version
			seen[e.ID]++
			return nil
		})
	}()
	var wg sync.WaitGroup
	var acked sync.Map
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := fmt.Sprintf("%s.w%d", prefix, w%4) // two writers per stream
			for i := 0; i < perWriter; i++ {
				id := fmt.Sprintf("%s-w%d-%d", prefix, w, i)
				for {
					cur, err := s.Load(c, stream, 1)
					if err != nil {
						t.Error(err)
						return
					}
					_, err = s.Append(c, stream, uint64(len(cur)), []events.Envelope{ev(t, id, i)})
					if err == nil {
						acked.Store(id, true)
						break
					}
					if !errors.Is(err, store.ErrConflict) {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == writers*perWriter {
			break
		}
		select {
		case err := <-subDone:
			t.Fatalf("subscription ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscriber saw %d of %d events", n, writers*perWriter)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	acked.Range(func(k, _ any) bool {
		if seen[k.(string)] != 1 {
			t.Errorf("%s seen %d times", k, seen[k.(string)])
		}
		return true
	})
}

// twoInstances runs two store instances on one log (two processes'
// worth: two Postgres pools, two NATS connections), whose writers hammer
// the same few streams at once. Half of their appends are speculative:
// they expect a version one past the last they saw, so they succeed only
// if another writer's append lands in between - the case where an append
// checks its version against a write that committed after the append's
// own transaction began. Afterwards a subscription from the start must
// see, for every stream, each version exactly once and positions rising
// with versions.
func twoInstances(t *testing.T, b Backend) {
	c := ctx(t)
	instances := []store.Store{b.Open(t), b.Open(t)}
	prefix := newStream("two")
	const hot, writersPer, perWriter = 3, 32, 30
	var wg sync.WaitGroup
	for i, s := range instances {
		for w := 0; w < writersPer; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(i), uint64(w)))
				known := map[string]uint64{}
				for n, tries := 0, 0; n < perWriter && tries < 50*perWriter; tries++ {
					stream := fmt.Sprintf("%s.%d", prefix, rng.IntN(hot))
					if rng.IntN(3) > 0 {
						// Its own stream: keeps transactions long, as
						// busy group commits are.
						stream = fmt.Sprintf("%s.own.i%d.w%d", prefix, i, w)
					}
					expected := known[stream]
					if !strings.Contains(stream, ".own.") && rng.IntN(2) == 0 {
						expected++ // speculative: someone else may append the one before
					}
					// Own streams get appends of up to 16 events: long
					// statements, so a group's INSERTs span more time.
					size := 1 + rng.IntN(2)
					if strings.Contains(stream, ".own.") {
						size = 1 + rng.IntN(16)
					}
					var evs []events.Envelope
					for k := 0; k < size; k++ {
						evs = append(evs, ev(t, fmt.Sprintf("%s-i%d-w%d-%d-%d", prefix, i, w, tries, k), k+1))
					}
					v, err := s.Append(c, stream, expected, evs)
					var ce *store.ConflictError
					switch {
					case err == nil:
						known[stream] = v
						n++
					case errors.As(err, &ce):
						known[stream] = ce.Actual
					default:
						t.Errorf("instance %d writer %d: %v", i, w, err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	want := map[string]uint64{}
	total := 0
	var all []string
	for k := 0; k < hot; k++ {
		all = append(all, fmt.Sprintf("%s.%d", prefix, k))
	}
	for i := range instances {
		for w := 0; w < writersPer; w++ {
			all = append(all, fmt.Sprintf("%s.own.i%d.w%d", prefix, i, w))
		}
	}
	for _, stream := range all {
		evs, err := instances[0].Load(c, stream, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range evs {
			if e.Version != uint64(i+1) {
				t.Fatalf("%s: Load gave version %d at index %d", stream, e.Version, i)
			}
		}
		want[stream] = uint64(len(evs))
		total += len(evs)
	}
	t.Logf("%d events on %d streams", total, len(all))

	// A fresh instance subscribes from the start.
	s := b.Open(t)
	sctx, cancel := context.WithCancel(c)
	defer cancel()
	type seen struct{ version, position uint64 }
	got := map[string][]seen{}
	n := 0
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(sctx, 0, func(e events.Envelope) error {
			if !strings.HasPrefix(e.Stream, prefix+".") {
				return nil
			}
			mu.Lock()
			defer mu.Unlock()
			got[e.Stream] = append(got[e.Stream], seen{e.Version, e.Position})
			if n++; n == total {
				cancel()
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cancel()
		<-done
	}
	mu.Lock()
	defer mu.Unlock()
	if n != total {
		t.Errorf("subscription delivered %d of %d events", n, total)
	}
	streams := make([]string, 0, len(got))
	for st := range got {
		streams = append(streams, st)
	}
	sort.Strings(streams)
	for _, st := range streams {
		list := got[st]
		for i, e := range list {
			if e.version != uint64(i+1) {
				t.Errorf("%s: delivered version %d (position %d) as its event #%d", st, e.version, e.position, i+1)
				break
			}
			if i > 0 && e.position <= list[i-1].position {
				t.Errorf("%s: version %d at position %d, not after version %d at %d", st, e.version, e.position, list[i-1].version, list[i-1].position)
				break
			}
		}
		if uint64(len(list)) != want[st] {
			t.Errorf("%s: %d events delivered, %d stored", st, len(list), want[st])
		}
	}
}

// subscribeMidAppend: the events of one append each have a position of
// their own, Subscribe can start at any of them, and LastPosition is the
// last one's.
func subscribeMidAppend(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("mid")
	batch := []events.Envelope{ev(t, stream+"-1", 1), ev(t, stream+"-2", 2), ev(t, stream+"-3", 3)}
	if _, err := s.Append(c, stream, 0, batch); err != nil {
		t.Fatal(err)
	}
	stored, err := s.Load(c, stream, 1)
	if err != nil || len(stored) != 3 {
		t.Fatalf("load: %d events, %v", len(stored), err)
	}
	if !(stored[0].Position < stored[1].Position && stored[1].Position < stored[2].Position) {
		t.Fatalf("positions %d %d %d do not name one event each", stored[0].Position, stored[1].Position, stored[2].Position)
	}
	if last, err := s.LastPosition(c); err != nil || last != stored[2].Position {
		t.Fatalf("last position %d, want the third event's %d (%v)", last, stored[2].Position, err)
	}
	sctx, cancel := context.WithCancel(c)
	defer cancel()
	var got []string
	err = s.Subscribe(sctx, stored[1].Position, func(e events.Envelope) error {
		if e.Position < stored[1].Position {
			return fmt.Errorf("event at %d delivered for from=%d", e.Position, stored[1].Position)
		}
		got = append(got, e.ID)
		if e.Position == stored[2].Position {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != stream+"-2" || got[1] != stream+"-3" {
		t.Fatalf("subscribe from the 2nd event's position gave %v", got)
	}
}

// subscribeStopsAtFnError: Subscribe returns fn's first error and never
// calls fn again.
func subscribeStopsAtFnError(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream := newStream("stop")
	batch := []events.Envelope{ev(t, stream+"-1", 1), ev(t, stream+"-2", 2), ev(t, stream+"-3", 3)}
	if _, err := s.Append(c, stream, 0, batch); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(c, stream, 3, []events.Envelope{ev(t, stream+"-4", 4)}); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.Load(c, stream, 1)
	boom := errors.New("boom")
	calls := 0
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(c, stored[0].Position, func(e events.Envelope) error {
			calls++
			return boom
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, boom) {
			t.Fatalf("Subscribe returned %v, want fn's error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Subscribe went on after fn failed")
	}
	if calls != 1 {
		t.Fatalf("fn called %d times after failing", calls)
	}
}

// loadFromAnyVersion: a stream of appends of mixed sizes, interleaved
// with another stream's, loads right from every version (and past the
// end).
func loadFromAnyVersion(t *testing.T, b Backend) {
	s := b.Open(t)
	c := ctx(t)
	stream, noise := newStream("load"), newStream("noise")
	var v, nv uint64
	for i, n := range []int{1, 3, 1, 2, 1, 1, 5, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 4} {
		var batch []events.Envelope
		for k := 0; k < n; k++ {
			batch = append(batch, ev(t, fmt.Sprintf("%s-%d-%d", stream, i, k), k+1))
		}
		var err error
		if v, err = s.Append(c, stream, v, batch); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < i%3; k++ {
			if nv, err = s.Append(c, noise, nv, []events.Envelope{ev(t, fmt.Sprintf("%s-%d-%d", noise, i, k), 1)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for from := uint64(0); from <= v+1; from++ {
		got, err := s.Load(c, stream, from)
		if err != nil {
			t.Fatalf("load from %d: %v", from, err)
		}
		first := max(from, 1)
		if uint64(len(got)) != v+1-first {
			t.Fatalf("load from %d: %d events, want %d", from, len(got), v+1-first)
		}
		for i, e := range got {
			if e.Version != first+uint64(i) || e.Stream != stream || (i > 0 && e.Position <= got[i-1].Position) {
				t.Fatalf("load from %d: event %d is version %d of %s at position %d", from, i, e.Version, e.Stream, e.Position)
			}
		}
	}
}
