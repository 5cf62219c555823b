// Package jsstore keeps the event log in a JetStream stream: the embedded
// backend, for a one-box server with no Postgres.
//
// Layout: stream MH3_EVENTS (file storage; the embedded server syncs every
// write to disk), one subject per event stream, "mh3.events.<stream>".
// One Append is one JetStream message whose body is the JSON array of its
// events, so a multi-event append is atomic; its headers carry the stream
// versions it covers. Optimistic concurrency uses
// Nats-Expected-Last-Subject-Sequence (the JetStream sequence of the
// stream's newest message, read just before); retries are deduplicated by
// Nats-Msg-Id (derived from the event ids) within the stream's duplicate
// window, and beyond it by comparing the stored ids. An event's global
// Position is the JetStream sequence of its message.
package jsstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
)

const (
	// StreamName is the JetStream stream holding the log.
	StreamName    = "MH3_EVENTS"
	subjectPrefix = "mh3.events."

	hdrFirst = "Mh3-Version-First"
	hdrLast  = "Mh3-Version-Last"
)

// Options configures the store.
type Options struct {
	// Replicas of the stream in a NATS cluster (default 1).
	Replicas int
	// DuplicateWindow of Nats-Msg-Id dedup (default 24h).
	DuplicateWindow time.Duration
}

// Store is the JetStream-backed event store.
type Store struct {
	js     jetstream.JetStream
	stream jetstream.Stream
}

// Open creates or updates the events stream and returns the store.
func Open(ctx context.Context, nc *nats.Conn, o Options) (*Store, error) {
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = 24 * time.Hour
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	var st jetstream.Stream
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		st, err = js.CreateOrUpdateStream(cctx, jetstream.StreamConfig{
			Name:        StreamName,
			Description: "mh3net event log",
			Subjects:    []string{subjectPrefix + ">"},
			Storage:     jetstream.FileStorage,
			Retention:   jetstream.LimitsPolicy,
			Discard:     jetstream.DiscardNew,
			Replicas:    o.Replicas,
			Duplicates:  o.DuplicateWindow,
			DenyDelete:  true,
			DenyPurge:   true,
		})
		cancel()
		if err == nil {
			break
		}
		if attempt >= 20 || ctx.Err() != nil {
			return nil, fmt.Errorf("jsstore: create stream %s: %w", StreamName, err)
		}
		time.Sleep(250 * time.Millisecond) // JetStream may still be starting
	}
	return &Store{js: js, stream: st}, nil
}

func subject(stream string) (string, error) {
	if stream == "" || strings.ContainsAny(stream, " \t\r\n*>") || strings.HasPrefix(stream, ".") || strings.HasSuffix(stream, ".") || strings.Contains(stream, "..") {
		return "", fmt.Errorf("jsstore: invalid stream name %q", stream)
	}
	return subjectPrefix + stream, nil
}

// last returns the newest message's version and sequence on a subject.
func (s *Store) last(ctx context.Context, subj string) (version, seq uint64, err error) {
	m, err := s.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("jsstore: read head of %s: %w", subj, err)
	}
	v, err := strconv.ParseUint(m.Header.Get(hdrLast), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("jsstore: %s at sequence %d has no valid %s header", subj, m.Sequence, hdrLast)
	}
	return v, m.Sequence, nil
}

func batchID(stream string, evs []events.Envelope) string {
	h := sha256.New()
	h.Write([]byte(stream))
	for _, e := range evs {
		h.Write([]byte{0})
		h.Write([]byte(e.ID))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Append implements store.Store.
func (s *Store) Append(ctx context.Context, stream string, expected uint64, evs []events.Envelope) (uint64, error) {
	subj, err := subject(stream)
	if err != nil {
		return 0, err
	}
	if len(evs) == 0 {
		return expected, nil
	}
	cur, seq, err := s.last(ctx, subj)
	if err != nil {
		return 0, err
	}
	if cur != expected {
		return s.conflictOrRetry(ctx, stream, expected, cur, evs)
	}
	batch := make([]events.Envelope, len(evs))
	now := time.Now().UTC()
	for i, e := range evs {
		if e.ID == "" {
			return 0, fmt.Errorf("jsstore: event %d of %s has no id", i, stream)
		}
		e.Stream = stream
		e.Version = expected + uint64(i) + 1
		e.Position = 0
		if e.Time.IsZero() {
			e.Time = now
		}
		batch[i] = e
	}
	body, err := json.Marshal(batch)
	if err != nil {
		return 0, err
	}
	msg := nats.NewMsg(subj)
	msg.Data = body
	msg.Header.Set(hdrFirst, strconv.FormatUint(expected+1, 10))
	msg.Header.Set(hdrLast, strconv.FormatUint(expected+uint64(len(evs)), 10))
	msg.Header.Set(jetstream.MsgIDHeader, batchID(stream, evs))
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(seq, 10))
	if _, err := s.js.PublishMsg(ctx, msg); err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			now, _, lerr := s.last(ctx, subj)
			if lerr != nil {
				return 0, lerr
			}
			return s.conflictOrRetry(ctx, stream, expected, now, evs)
		}
		return 0, fmt.Errorf("jsstore: append to %s: %w", stream, err)
	}
	return expected + uint64(len(evs)), nil
}

// conflictOrRetry tells a retried append (its events already stored right
// after expected) from a real conflict.
func (s *Store) conflictOrRetry(ctx context.Context, stream string, expected, actual uint64, evs []events.Envelope) (uint64, error) {
	if actual > expected {
		stored, err := s.Load(ctx, stream, expected+1)
		if err != nil {
			return 0, err
		}
		if store.SameEvents(stored, evs) {
			return expected + uint64(len(evs)), nil
		}
	}
	return 0, &store.ConflictError{Stream: stream, Expected: expected, Actual: actual}
}

func decodeBatch(subj string, seq uint64, data []byte) ([]events.Envelope, error) {
	var batch []events.Envelope
	if err := json.Unmarshal(data, &batch); err != nil {
		return nil, fmt.Errorf("jsstore: corrupt message at position %d (%s): %w", seq, subj, err)
	}
	for i := range batch {
		batch[i].Position = seq
	}
	return batch, nil
}

// Load implements store.Store.
func (s *Store) Load(ctx context.Context, stream string, from uint64) ([]events.Envelope, error) {
	subj, err := subject(stream)
	if err != nil {
		return nil, err
	}
	var out []events.Envelope
	seq := uint64(1)
	for {
		m, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("jsstore: load %s: %w", stream, err)
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

// Subscribe implements store.Store with an ordered consumer, which
// recreates itself after a NATS restart and never skips or repeats.
func (s *Store) Subscribe(ctx context.Context, from uint64, fn func(events.Envelope) error) error {
	if from == 0 {
		from = 1
	}
	cons, err := s.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subjectPrefix + ">"},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    from,
	})
	if err != nil {
		return fmt.Errorf("jsstore: subscribe: %w", err)
	}
	errc := make(chan error, 1)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			select {
			case errc <- err:
			default:
			}
			return
		}
		batch, err := decodeBatch(m.Subject(), md.Sequence.Stream, m.Data())
		if err == nil {
			for _, e := range batch {
				if err = fn(e); err != nil {
					break
				}
			}
		}
		if err != nil {
			select {
			case errc <- err:
			default:
			}
		}
	})
	if err != nil {
		return fmt.Errorf("jsstore: subscribe: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-errc:
		return err
	}
}

// LastPosition implements store.Store.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("jsstore: stream info: %w", err)
	}
	return info.State.LastSeq, nil
}

// Close implements store.Store; the NATS connection belongs to the caller.
func (s *Store) Close() error { return nil }
