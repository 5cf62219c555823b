// Package store is the event log's interface. Every backend (embedded
// JetStream now, Postgres next) passes the one acceptance suite in
// store/storetest.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/mh3net/mh3net/events"
)

// Store is an append-only log of event streams with optimistic
// concurrency.
type Store interface {
	// Append appends evs to stream if the stream's version equals
	// expected (0: the stream must not exist yet) and returns the new
	// version. A moved version is a *ConflictError. Appending events
	// whose ids are already stored at exactly those places is a no-op
	// that succeeds (a retried append). The events of one call are
	// stored atomically.
	Append(ctx context.Context, stream string, expected uint64, evs []events.Envelope) (uint64, error)
	// Load returns the stream's events with Version >= from, in order.
	// An absent stream has no events and is not an error.
	Load(ctx context.Context, stream string, from uint64) ([]events.Envelope, error)
	// Subscribe calls fn for every event with Position >= from, in
	// global order, until ctx ends (returning ctx's error) or fn fails
	// (returning fn's error; fn is not called again). Positions only
	// grow and name one event each, also within one append; they need
	// not be dense.
	Subscribe(ctx context.Context, from uint64, fn func(events.Envelope) error) error
	// LastPosition is the Position of the newest event (0: empty log):
	// Subscribe(LastPosition) delivers exactly that event first.
	LastPosition(ctx context.Context) (uint64, error)
	Close() error
}

// KindFilter is a Store that can follow only the streams of some kinds:
// a stream's kind is its name up to the first dot ("console" for
// "console.ABC"). A read model that needs a few kinds then gets only
// their events, not every event of the log.
type KindFilter interface {
	// SubscribeKinds is Subscribe for the streams of kinds only.
	SubscribeKinds(ctx context.Context, from uint64, kinds []string, fn func(events.Envelope) error) error
	// LastPositionOfKinds is LastPosition among the streams of kinds (0:
	// none has an event).
	LastPositionOfKinds(ctx context.Context, kinds []string) (uint64, error)
}

// Wrapper is a Store that wraps another (adding metrics, say).
type Wrapper interface{ Unwrap() Store }

func kindFilter(st Store) (KindFilter, bool) {
	for {
		if f, ok := st.(KindFilter); ok {
			return f, true
		}
		w, ok := st.(Wrapper)
		if !ok {
			return nil, false
		}
		st = w.Unwrap()
	}
}

// SubscribeKinds follows the events of the streams of kinds: through
// st's KindFilter when it has one, otherwise every event of the log
// comes (and the caller ignores the others), so that positions and
// LastPositionOfKinds agree either way.
func SubscribeKinds(ctx context.Context, st Store, from uint64, kinds []string, fn func(events.Envelope) error) error {
	if f, ok := kindFilter(st); ok {
		return f.SubscribeKinds(ctx, from, kinds, fn)
	}
	return st.Subscribe(ctx, from, fn)
}

// LastPositionOfKinds is the position SubscribeKinds reaches once it
// delivered everything in the log now.
func LastPositionOfKinds(ctx context.Context, st Store, kinds []string) (uint64, error) {
	if f, ok := kindFilter(st); ok {
		return f.LastPositionOfKinds(ctx, kinds)
	}
	return st.LastPosition(ctx)
}

// ErrConflict is matched (errors.Is) by every *ConflictError.
var ErrConflict = errors.New("store: version conflict")

// ConflictError reports an append whose expected version had moved.
type ConflictError struct {
	Stream   string
	Expected uint64
	Actual   uint64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("store: stream %q is at version %d, append expected %d", e.Stream, e.Actual, e.Expected)
}

func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// SameEvents reports whether stored holds exactly the ids of evs, in order:
// the test backends use to tell a retried append from a conflict.
func SameEvents(stored, evs []events.Envelope) bool {
	if len(stored) < len(evs) || len(evs) == 0 {
		return false
	}
	for i := range evs {
		if stored[i].ID != evs[i].ID {
			return false
		}
	}
	return true
}
