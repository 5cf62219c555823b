package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

// Store wraps st so its appends are timed and their conflicts and
// errors counted, labelled backend (jetstream, postgres). Everything
// else passes through. A nil set returns st itself.
func (s *Set) Store(st store.Store, backend string) store.Store {
	if s == nil {
		return st
	}
	s.register(&s.storeOnce, s.appendDuration, s.appendConflict, s.appendErrors)
	return &timedStore{
		Store:     st,
		duration:  s.appendDuration.WithLabelValues(backend),
		conflicts: s.appendConflict.WithLabelValues(backend),
		errors:    s.appendErrors.WithLabelValues(backend),
	}
}

type timedStore struct {
	store.Store
	duration  prometheus.Observer
	conflicts prometheus.Counter
	errors    prometheus.Counter
}

// Unwrap implements store.Wrapper.
func (t *timedStore) Unwrap() store.Store { return t.Store }

func (t *timedStore) Append(ctx context.Context, stream string, expected uint64, evs []events.Envelope) (uint64, error) {
	start := time.Now()
	v, err := t.Store.Append(ctx, stream, expected, evs)
	t.duration.Observe(time.Since(start).Seconds())
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			t.conflicts.Inc()
		} else {
			t.errors.Inc()
		}
	}
	return v, err
}
