// Package relay carries the Postgres event log into JetStream, where the
// read models of every handler process are built from.
//
// The relay follows the log in its global order (store.Subscribe) and
// publishes them on stream MH3_FEED (subject mh3.feed.log), in batches of
// up to 256 events per message, with the last event's position in a
// header. Exactly once and in order:
//
//   - every publish carries Nats-Expected-Last-Sequence, the feed's last
//     sequence as this relay saw it, so two relays (one per handler
//     process may run) can never interleave: the loser's publish fails, it
//     re-reads the feed's head and resumes after it;
//   - the checkpoint is the feed itself (the position header of its last
//     message), so a relay restarted after a crash resumes exactly after
//     what was published, and Nats-Msg-Id (first and last event ids)
//     drops a repeat within the duplicate window.
package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/internal/jsconsume"
)

const (
	// FeedStream is the JetStream stream read models are built from.
	FeedStream  = "MH3_FEED"
	feedPrefix  = "mh3.feed."
	feedSubject = feedPrefix + "log"
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
	// Events are published in batches (one feed message per batch, at
	// most 256 events or 2 ms old), so the feed's fsyncs do not limit
	// the relay to one event each. Publishes are pipelined: each one
	// expects the sequence the previous one will get, so the feed stays
	// exactly the log's order; acks are checked in groups, and any failure
	// (another relay moved the feed) sends us back to re-read the head.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var mu sync.Mutex
	var buf []events.Envelope
	var acks []jetstream.PubAckFuture
	check := func() error {
		defer func() { acks = acks[:0] }()
		for _, a := range acks {
			select {
			case <-a.Ok():
			case err := <-a.Err():
				var apiErr *jetstream.APIError
				if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
					return errLostRace
				}
				return fmt.Errorf("relay: publish: %w", err)
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}
		return nil
	}
	flush := func() error { // with mu held
		if len(buf) == 0 {
			return nil
		}
		body, err := json.Marshal(buf)
		if err != nil {
			return err
		}
		m := nats.NewMsg(feedSubject)
		m.Data = body
		m.Header.Set(hdrPosition, strconv.FormatUint(buf[len(buf)-1].Position, 10))
		m.Header.Set(jetstream.MsgIDHeader, buf[0].ID+"…"+buf[len(buf)-1].ID)
		m.Header.Set(jetstream.ExpectedLastSeqHeader, strconv.FormatUint(seq, 10))
		a, err := js.PublishMsgAsync(m)
		if err != nil {
			return fmt.Errorf("relay: publish: %w", err)
		}
		acks = append(acks, a)
		seq++
		buf = buf[:0]
		if len(acks) >= 64 {
			return check()
		}
		return nil
	}
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			err := flush()
			if err == nil && len(acks) > 0 {
				err = check()
			}
			mu.Unlock()
			if err != nil {
				cancel(err)
				return
			}
		}
	}()
	err = src.Subscribe(ctx, position+1, func(e events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		buf = append(buf, e)
		if len(buf) >= 256 {
			return flush()
		}
		return nil
	})
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
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
	start, err := seek(ctx, st, from)
	if err != nil {
		return fmt.Errorf("relay: seek position %d in the feed: %w", from, err)
	}
	return jsconsume.Run(ctx, st, []string{feedPrefix + ">"}, start, from, func(m jetstream.Msg, seq uint64) ([]events.Envelope, error) {
		var batch []events.Envelope
		if err := json.Unmarshal(m.Data(), &batch); err != nil {
			return nil, fmt.Errorf("relay: corrupt feed message %d: %w", seq, err)
		}
		return batch, nil
	}, fn, nil)
}

// seek finds the first feed message that can hold position from: the
// first whose last position is >= from (binary search over sequences;
// a message's header carries its last event's position).
func seek(ctx context.Context, st jetstream.Stream, from uint64) (uint64, error) {
	info, err := st.Info(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := info.State.FirstSeq, info.State.LastSeq+1
	if lo == 0 {
		lo = 1
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		m, err := st.GetMsg(ctx, mid)
		if err != nil {
			return 0, err
		}
		last, err := strconv.ParseUint(m.Header.Get(hdrPosition), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("feed message %d has no position", mid)
		}
		if last >= from {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo, nil
}
