// Package storetest is the acceptance suite every event store backend
// passes: the one contract of store.Store, checked against the real
// backend (a real NATS server, a real Postgres).
package storetest

import (
	"context"
	"errors"
	"fmt"
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
	t.Run("ConcurrentWritersOneWinnerPerVersion", func(t *testing.T) { concurrentWriters(t, b) })
	t.Run("IdempotentRetry", func(t *testing.T) { idempotent(t, b) })
	t.Run("ReloadAfterReopen", func(t *testing.T) { reload(t, b) })
	t.Run("SubscribeCatchUp", func(t *testing.T) { subscribe(t, b) })
	t.Run("SubscriberSeesEveryConcurrentWrite", func(t *testing.T) { concurrentSubscribe(t, b) })
	t.Run("CorruptEventNamesStreamAndPosition", func(t *testing.T) { corrupt(t, b) })
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
