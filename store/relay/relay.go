// Package relay carries the Postgres event log into JetStream, where the
// read models of every handler process are built from.
//
// The relay follows the log in its global order (store.Subscribe) and
// publishes one JetStream message per event on stream MH3_FEED, subject
// mh3.feed.<stream>, with the event's position in a header. Exactly once
// and in order:
//
//   - every publish carries Nats-Expected-Last-Sequence, the feed's last
//     sequence as this relay saw it, so two relays (one per handler
//     process may run) can never interleave: the loser's publish fails, it
//     re-reads the feed's head and resumes after it;
//   - the checkpoint is the feed itself (the position header of its last
//     message), so a relay restarted after a crash resumes exactly after
//     what was published, and Nats-Msg-Id (the event id) drops a repeat
//     within the duplicate window.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

const (
	// FeedStream is the JetStream stream read models are built from.
	FeedStream  = "MH3_FEED"
	feedPrefix  = "mh3.feed."
	hdrPosition = "Mh3-Position"
)

// OpenFeed creates or updates the feed stream.
func OpenFeed(ctx context.Context, js jetstream.JetStream) (jetstream.Stream, error) {
	var st jetstream.Stream
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		st, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name:        FeedStream,
			Description: "mh3net events relayed from Postgres, for read models",
			Subjects:    []string{feedPrefix + ">"},
			Storage:     jetstream.FileStorage,
			Duplicates:  time.Hour,
		})
		if err == nil {
			return st, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
	return nil, fmt.Errorf("relay: feed stream: %w", err)
}

// head is the feed's last sequence and the position it carries.
func head(ctx context.Context, st jetstream.Stream) (seq, position uint64, err error) {
	info, err := st.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	if info.State.LastSeq == 0 {
		return 0, 0, nil
	}
	m, err := st.GetMsg(ctx, info.State.LastSeq)
	if err != nil {
		return 0, 0, err
	}
	position, err = strconv.ParseUint(m.Header.Get(hdrPosition), 10, 64)
	return m.Sequence, position, err
}

// Run relays src into the feed until ctx ends, resuming after errors.
func Run(ctx context.Context, src store.Store, js jetstream.JetStream, log *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := runOnce(ctx, src, js)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errLostRace) {
			backoff = 10 * time.Millisecond // another relay moved the feed: resume after it
		} else {
			log.Warn("relay interrupted, resuming", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

var errLostRace = errors.New("relay: another relay published first")

func runOnce(ctx context.Context, src store.Store, js jetstream.JetStream) error {
	st, err := OpenFeed(ctx, js)
	if err != nil {
		return err
	}
	seq, position, err := head(ctx, st)
	if err != nil {
		return fmt.Errorf("relay: read the feed's head: %w", err)
	}
	// Publishes are pipelined: each one expects the sequence the previous
	// one will get, so the feed stays exactly the log's order; acks are
	// checked in batches, and any failure (another relay moved the feed,
	// a duplicate) sends us back to re-read the head.
	var acks []jetstream.PubAckFuture
	check := func() error {
		for _, a := range acks {
			select {
			case <-a.Ok():
			case err := <-a.Err():
				acks = acks[:0]
				var apiErr *jetstream.APIError
				if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
					return errLostRace
				}
				return fmt.Errorf("relay: publish: %w", err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		acks = acks[:0]
		return nil
	}
	err = src.Subscribe(ctx, position+1, func(e events.Envelope) error {
		body, err := json.Marshal(e)
		if err != nil {
			return err
		}
		m := nats.NewMsg(feedPrefix + e.Stream)
		m.Data = body
		m.Header.Set(hdrPosition, strconv.FormatUint(e.Position, 10))
		m.Header.Set(jetstream.MsgIDHeader, e.ID)
		m.Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(seq, 10))
		a, err := js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("relay: publish %s: %w", e.ID, err)
		}
		acks = append(acks, a)
		seq++
		if len(acks) >= 512 {
			return check()
		}
		return nil
	})
	if cerr := check(); err == nil || errors.Is(err, context.Canceled) {
		if cerr != nil {
			return cerr
		}
	}
	return err
}

// Feed is a store whose writes and barrier go to the system of record and
// whose Subscribe reads the JetStream feed: what read models use in a
// Postgres deployment.
type Feed struct {
	store.Store
	js jetstream.JetStream
}

// NewFeed wraps the system of record.
func NewFeed(src store.Store, js jetstream.JetStream) *Feed { return &Feed{Store: src, js: js} }

// Subscribe delivers relayed events with Position >= from, in order.
func (f *Feed) Subscribe(ctx context.Context, from uint64, fn func(events.Envelope) error) error {
	st, err := OpenFeed(ctx, f.js)
	if err != nil {
		return err
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{feedPrefix + ">"}})
	if err != nil {
		return fmt.Errorf("relay: feed consumer: %w", err)
	}
	errc := make(chan error, 1)
	failed := false
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if failed {
			return
		}
		var e events.Envelope
		err := json.Unmarshal(m.Data(), &e)
		if err == nil && e.Position >= from {
			err = fn(e)
		}
		if err != nil {
			failed = true
			errc <- err
		}
	})
	if err != nil {
		return fmt.Errorf("relay: feed consumer: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errc:
		return err
	}
}
