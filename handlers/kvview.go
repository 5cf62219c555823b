package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// kvView is this instance's live copy of a KV bucket (presences, edge
// leases), for reads that may lag a little: population counts, redirects,
// the sweep. A KV watcher does not survive a NATS restart, so the view is
// rebuilt from a fresh watcher every viewResync, and at once when a
// watcher ends.
type kvView[T any] struct {
	name    string
	mu      sync.Mutex
	entries map[string]T
	seenAt  map[string]time.Time // when each key was last written, as seen here
	rev     uint64               // bumped on every change (tests wait on it)
	synced  time.Time
	cancel  context.CancelFunc
	done    chan struct{}
}

// viewResync is how often a view is rebuilt (a variable for tests).
var viewResync = 15 * time.Second

func watchKV[T any](ctx context.Context, kv jetstream.KeyValue, log *slog.Logger) (*kvView[T], error) {
	// The first watch is made here, so a bucket that cannot be watched
	// fails the start.
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: watch %s: %w", errUnavailable, kv.Bucket(), err)
	}
	ctx, cancel := context.WithCancel(ctx)
	v := &kvView[T]{name: kv.Bucket(), entries: map[string]T{}, seenAt: map[string]time.Time{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(v.done)
		for ctx.Err() == nil {
			if w == nil {
				if w, err = kv.WatchAll(ctx); err != nil {
					log.Warn("kv watch failed, retrying", "bucket", v.name, "err", err)
					select {
					case <-ctx.Done():
					case <-time.After(time.Second):
					}
					continue
				}
			}
			v.follow(ctx, w, log)
			w.Stop()
			w = nil
		}
	}()
	return v, nil
}

// follow applies one watcher's updates until it ends or the resync time
// comes; the view is swapped in once the watcher's initial values are in.
func (v *kvView[T]) follow(ctx context.Context, w jetstream.KeyWatcher, log *slog.Logger) {
	fresh := map[string]T{}
	live := false
	resync := time.NewTimer(viewResync)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-resync.C:
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			v.mu.Lock()
			if e == nil { // end of the initial values
				v.entries, live, v.synced = fresh, true, time.Now()
				v.rev++
				v.mu.Unlock()
				continue
			}
			if e.Operation() != jetstream.KeyValuePut {
				delete(fresh, e.Key())
			} else {
				v.seenAt[e.Key()] = time.Now()
				var x T
				if err := json.Unmarshal(e.Value(), &x); err != nil {
					log.Warn("bad kv entry", "bucket", v.name, "key", e.Key(), "err", err)
				} else {
					fresh[e.Key()] = x
				}
			}
			if live {
				v.entries = fresh
				v.synced = time.Now()
				v.rev++
			}
			v.mu.Unlock()
		}
	}
}

// snapshot returns a copy of the entries and when they were last known
// to be current.
func (v *kvView[T]) snapshot() (map[string]T, time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]T, len(v.entries))
	for k, x := range v.entries {
		out[k] = x
	}
	return out, v.synced
}

// snapshotRev is snapshot with the view's revision (bumped on every
// change), so that what is derived from a snapshot can be kept until the
// view changes.
func (v *kvView[T]) snapshotRev() (map[string]T, uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]T, len(v.entries))
	for k, x := range v.entries {
		out[k] = x
	}
	return out, v.rev
}

// each calls fn for every entry, under the view's lock (fn must not
// call back into the view): a pass without copying the map.
func (v *kvView[T]) each(fn func(key string, x T)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for k, x := range v.entries {
		fn(k, x)
	}
}

// revision is the view's revision.
func (v *kvView[T]) revision() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.rev
}

// lastSeen is when key was last written, as seen by this view.
func (v *kvView[T]) lastSeen(key string) (time.Time, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.seenAt[key]
	return t, ok
}

// get returns one entry.
func (v *kvView[T]) get(key string) (T, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	x, ok := v.entries[key]
	return x, ok
}

func (v *kvView[T]) stop() {
	if v == nil {
		return
	}
	v.cancel()
	<-v.done
}
