// Package jsconsume is the one loop that follows events stored in a
// JetStream stream, in stream order: jsstore.Subscribe (the embedded log)
// and relay.Feed.Subscribe (the Postgres log's feed) both use it.
package jsconsume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
)

// Decoder turns the message at stream sequence seq into its events, each
// with its global Position set.
type Decoder func(m jetstream.Msg, seq uint64) ([]events.Envelope, error)

// Run reads st's messages on the subjects of filters from stream sequence start
// on, with an ordered consumer, decodes each and calls fn for every event
// whose Position is >= from, in order. It returns fn's first error (fn is
// never called again after it fails), a decoding error, or ctx's error
// once ctx ends. A lost consumer (NATS restarting) is recreated after
// the last message delivered, so events are never skipped or repeated;
// each interruption is logged.
func Run(ctx context.Context, st jetstream.Stream, filters []string, start, from uint64, decode Decoder, fn func(events.Envelope) error, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	next := max(start, 1)
	backoff := 100 * time.Millisecond
	for {
		before := next
		err := consume(ctx, st, filters, &next, from, decode, fn)
		var stop *stopError
		if errors.As(err, &stop) {
			return stop.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if next != before {
			backoff = 100 * time.Millisecond
		}
		log.Warn("event consumer interrupted, resuming", "subjects", filters, "from_seq", next, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// stopError carries an error that ends Run: fn's or a decoding error.
type stopError struct{ err error }

func (e *stopError) Error() string { return e.err.Error() }

// consume delivers from *next on until an error, advancing *next past
// every message whose events were all delivered.
func consume(ctx context.Context, st jetstream.Stream, filters []string, next *uint64, from uint64, decode Decoder, fn func(events.Envelope) error) error {
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    *next,
	})
	if err != nil {
		return fmt.Errorf("create consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	defer it.Stop()
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return err
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("message metadata: %w", err)
		}
		seq := md.Sequence.Stream
		evs, err := decode(m, seq)
		if err != nil {
			return &stopError{err}
		}
		for _, e := range evs {
			if e.Position < from {
				continue
			}
			if err := fn(e); err != nil {
				return &stopError{err}
			}
		}
		*next = seq + 1
	}
}
