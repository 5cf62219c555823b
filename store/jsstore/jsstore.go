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
// window, and beyond it by comparing the stored ids.
//
// Positions name one event exactly: an event's global Position is
// seq<<16 | i, where seq is the JetStream sequence of its message and i
// its index in the message (so an append holds at most 65 536 events).
// Positions are not dense, but they only grow, and Subscribe(from) can
// start in the middle of a message.
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
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/internal/jsconsume"
)

const (
	// StreamName is the JetStream stream holding the log.
	StreamName    = "MH3_EVENTS"
	subjectPrefix = "mh3.events."

	hdrFirst = "Mh3-Version-First"
	hdrLast  = "Mh3-Version-Last"

	indexBits = 16
	// MaxAppend is the most events one Append can store.
	MaxAppend = 1 << indexBits
)

// Position is the global position of the i-th event of the message at
// stream sequence seq.
func Position(seq uint64, i int) uint64 { return seq<<indexBits | uint64(i) }

// Sequence is the stream sequence of the message holding position pos.
func Sequence(pos uint64) uint64 { return pos >> indexBits }

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
	heads  heads
}

// head is a stream's newest version and the JetStream sequence of the
// message that holds it, as this store last appended or read them.
type head struct{ version, seq uint64 }

// heads remembers the head of the streams this store appended to or read
// lately, so that an append after a load (a decision's usual order) or
// after the store's own append needs no read of the head first. Messages
// are never deleted (DenyDelete, DenyPurge), so a remembered pair stays
// true; whether it is still the head is what JetStream checks when the
// append names its sequence in Nats-Expected-Last-Subject-Sequence. A
// refused append forgets it and reads the head, as without the memo.
type heads struct {
	mu sync.Mutex
	m  map[string]head
}

// maxHeads bounds the memo; past it an arbitrary entry makes room.
const maxHeads = 16384

func (h *heads) get(subj string) (head, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.m[subj]
	return v, ok
}

// put remembers a head; it never moves a remembered one back.
func (h *heads) put(subj string, version, seq uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]head)
	}
	if cur, ok := h.m[subj]; ok {
		if cur.seq > seq {
			return
		}
	} else if len(h.m) >= maxHeads {
		for k := range h.m {
			delete(h.m, k)
			break
		}
	}
	h.m[subj] = head{version: version, seq: seq}
}

func (h *heads) forget(subj string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, subj)
}

// errCodeWrongLastSequenceConstant is the "wrong last sequence" error a
// clustered stream (replicas > 1) gives when the expected last subject
// sequence does not hold; a single server gives
// jetstream.JSErrCodeStreamWrongLastSequence (10071). Both mean a
// conflicting append.
const errCodeWrongLastSequenceConstant jetstream.ErrorCode = 10164

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
			// One replica: reads of a stream's messages are direct gets
			// (no JSON API request). With more, a follower could answer
			// a direct get with a message older than an acknowledged
			// append, so reads stay with the leader's message API.
			AllowDirect: o.Replicas == 1,
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
	s.heads.put(subj, v, m.Sequence)
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
	if len(evs) > MaxAppend {
		return 0, fmt.Errorf("jsstore: append to %s: %d events, at most %d in one append", stream, len(evs), MaxAppend)
	}
	// A new stream needs no read first: JetStream refuses the publish if
	// the subject holds a message by then (and that path reads it). Nor
	// does one whose head this store remembers at the expected version.
	var seq uint64
	if h, ok := s.heads.get(subj); ok && expected > 0 && h.version == expected {
		seq = h.seq
	} else if expected > 0 {
		cur, last, err := s.last(ctx, subj)
		if err != nil {
			return 0, err
		}
		if cur != expected {
			return s.conflictOrRetry(ctx, stream, expected, cur, evs)
		}
		seq = last
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
	// No responder means no stream leader: a replicated stream electing
	// one after a node died, which takes seconds. The publish was not
	// stored, so it is sent again until ctx ends (the Msg-Id makes even a
	// stored one harmless).
	//
	// And a publish that reached a leader may never be answered: a leader
	// that lost its quorum steps down and drops what it proposed (a full
	// test run here saw an append wait out its whole minute there). So each publish waits
	// appendTry at most and is sent again; one stored after all makes the
	// next a duplicate (its Msg-Id) or a wrong last sequence whose stored
	// events are ours (conflictOrRetry).
	var ack *jetstream.PubAck
	err = inTries(ctx, appendTry, func(ctx context.Context) (err error) {
		ack, err = s.js.PublishMsg(ctx, msg, jetstream.WithRetryAttempts(leaderTries), jetstream.WithRetryWait(leaderWait))
		return err
	})
	if err != nil {
		s.heads.forget(subj)
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == errCodeWrongLastSequenceConstant) {
			now, _, lerr := s.last(ctx, subj)
			if lerr != nil {
				return 0, lerr
			}
			return s.conflictOrRetry(ctx, stream, expected, now, evs)
		}
		return 0, fmt.Errorf("jsstore: append to %s: %w", stream, err)
	}
	if ack.Duplicate {
		s.heads.forget(subj) // stored before, perhaps not as the head
	} else {
		s.heads.put(subj, expected+uint64(len(evs)), ack.Sequence)
	}
	return expected + uint64(len(evs)), nil
}

// appendTry bounds how long one publish of an append waits for its
// acknowledgement before it is sent again (a variable for tests).
var appendTry = 5 * time.Second

// leaderWait is how long an append waits between tries while its stream
// has no leader, leaderTries how many it makes: an election takes 4–9 s
// in nats-server, and a lost quorum longer.
const (
	leaderWait  = 100 * time.Millisecond
	leaderTries = 300
)

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
		batch[i].Position = Position(seq, i)
	}
	return batch, nil
}

// versions reads the first and last stream version a message holds.
func versions(m *jetstream.RawStreamMsg) (first, last uint64, err error) {
	first, err1 := strconv.ParseUint(m.Header.Get(hdrFirst), 10, 64)
	last, err2 := strconv.ParseUint(m.Header.Get(hdrLast), 10, 64)
	if err1 != nil || err2 != nil || first == 0 || last < first || last-first >= MaxAppend {
		return 0, 0, fmt.Errorf("jsstore: %s at sequence %d has no valid version headers", m.Subject, m.Sequence)
	}
	return first, last, nil
}

// walkSteps is how many messages Load reads one request each before it
// reads the rest through a consumer (whose creation costs about as much).
const walkSteps = 4

// Load implements store.Store. It reads the stream's last message first:
// when that holds from (reading the tail), it is the only request.
// Otherwise it finds the message holding from (seek) and reads from there
// to the last message, the first few one request each, the rest in
// batches through a consumer filtered to the stream's subject.
func (s *Store) Load(ctx context.Context, stream string, from uint64) ([]events.Envelope, error) {
	subj, err := subject(stream)
	if err != nil {
		return nil, err
	}
	from = max(from, 1)
	head, err := s.stream.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jsstore: load %s: %w", stream, err)
	}
	headFirst, headLast, err := versions(head)
	if err != nil {
		return nil, err
	}
	s.heads.put(subj, headLast, head.Sequence)
	if headLast < from {
		return nil, nil
	}
	var out []events.Envelope
	// keep decodes a message, keeps its events from version from on and
	// returns its last version.
	keep := func(seq uint64, data []byte) (uint64, error) {
		batch, err := decodeBatch(subj, seq, data)
		if err != nil || len(batch) == 0 {
			return 0, fmt.Errorf("jsstore: load %s at sequence %d: %d events, %v", stream, seq, len(batch), err)
		}
		for _, e := range batch {
			if e.Version >= from {
				out = append(out, e)
			}
		}
		return batch[len(batch)-1].Version, nil
	}
	if headFirst > from {
		seq := uint64(1)
		if from > 1 {
			if seq, err = s.seek(ctx, subj, from, head.Sequence); err != nil {
				return nil, fmt.Errorf("jsstore: load %s: %w", stream, err)
			}
		}
		for step := 0; seq < head.Sequence && step < walkSteps; step++ {
			m, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
			if err != nil {
				return nil, fmt.Errorf("jsstore: load %s: %w", stream, err)
			}
			if m.Sequence >= head.Sequence {
				seq = head.Sequence
				break
			}
			last, err := keep(m.Sequence, m.Data)
			if err != nil {
				return nil, err
			}
			seq = m.Sequence + 1
			if last+1 >= headFirst {
				seq = head.Sequence // the next message is the head
			}
		}
		if seq < head.Sequence {
			if err := s.consumeRange(ctx, subj, seq, headFirst-1, keep); err != nil {
				return nil, fmt.Errorf("jsstore: load %s: %w", stream, err)
			}
		}
	}
	if _, err := keep(head.Sequence, head.Data); err != nil {
		return nil, err
	}
	return out, nil
}

// seek returns a stream sequence from which the first message on subj is
// the one holding version from, which is below the versions of the
// message at headSeq. It gallops back from the head over
// next-message-for-subject lookups, then bisects: O(log distance)
// requests, few for a read near the tail.
func (s *Store) seek(ctx context.Context, subj string, from, headSeq uint64) (uint64, error) {
	// holds reports whether the first message on subj at or after seq
	// ends at or past from, and that message's sequence.
	holds := func(seq uint64) (bool, uint64, error) {
		m, err := s.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subj))
		if err != nil {
			return false, 0, err
		}
		_, last, err := versions(m)
		return last >= from, m.Sequence, err
	}
	// Invariant: the answer is in (lo, hi].
	lo, hi := uint64(0), headSeq
	for d := uint64(1); ; d *= 2 {
		if d >= hi {
			break // lo stays 0: the answer may be the subject's first message
		}
		p := hi - d
		ok, at, err := holds(p)
		if err != nil {
			return 0, err
		}
		if !ok {
			lo = at
			break
		}
		hi = p
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, at, err := holds(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = at
		}
	}
	return hi, nil
}

// consumerTry bounds one request to make a read consumer. In a cluster
// the request goes to the meta leader, and when leadership moves while
// it proposes the consumer, no answer ever comes: CI saw a load wait out
// its whole minute there.
const consumerTry = 5 * time.Second

// inTries runs f with a deadline of try at most, again while only that
// deadline (not ctx's) ended it. f must be safe to repeat.
func inTries(ctx context.Context, try time.Duration, f func(context.Context) error) error {
	for {
		tctx, cancel := context.WithTimeout(ctx, try)
		err := f(tctx)
		cancel()
		if err == nil || ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
	}
}

// consumeRange reads the messages on subj from stream sequence seq on
// through an ordered consumer (pulling up to 1 000 at a time) until it
// has kept the one ending at version until. An ordered consumer is made
// and, when its messages stop (a pull that reached a clustered stream's
// server before the consumer did, a lost node), made again from where it
// stopped by the client library, so a load never waits on a dead pull.
func (s *Store) consumeRange(ctx context.Context, subj string, seq, until uint64, keep func(seq uint64, data []byte) (uint64, error)) error {
	var cons jetstream.Consumer
	err := inTries(ctx, consumerTry, func(ctx context.Context) (err error) {
		cons, err = s.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
			FilterSubjects:    []string{subj},
			DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
			OptStartSeq:       seq,
			InactiveThreshold: 10 * time.Second,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("read consumer: %w", err)
	}
	// The server keeps an idle consumer until its inactivity threshold,
	// and a stream holds at most 1 000 (nats-server's default): under
	// many long loads at once (a sweep of a dead edge's hunters) they ran
	// out ("maximum consumers limit reached") and requests failed. So the
	// consumer is deleted once read, off the request's path.
	defer func() {
		info := cons.CachedInfo()
		if info == nil {
			return
		}
		go func() {
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			s.stream.DeleteConsumer(dctx, info.Name)
		}()
	}()
	// A continuous pull (not fetches that may answer "no messages" while
	// a new consumer is still counting what it has): every message up to
	// the head is in the stream, so each Next gets one.
	it, err := cons.Messages(jetstream.PullMaxMessages(1000), jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return err
	}
	defer it.Stop()
	for last := uint64(0); last < until; {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("from sequence %d (version %d expected): %w", seq, until, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return err
		}
		if last, err = keep(md.Sequence.Stream, m.Data()); err != nil {
			return err
		}
		seq = md.Sequence.Stream + 1
	}
	return nil
}

// Subscribe implements store.Store with an ordered consumer, which is
// recreated after a NATS restart and never skips or repeats; it starts at
// the message holding from, and skips that message's earlier events.
func (s *Store) Subscribe(ctx context.Context, from uint64, fn func(events.Envelope) error) error {
	return s.subscribe(ctx, from, []string{subjectPrefix + ">"}, fn)
}

func (s *Store) subscribe(ctx context.Context, from uint64, filters []string, fn func(events.Envelope) error) error {
	return jsconsume.Run(ctx, s.stream, filters, Sequence(from), from, func(m jetstream.Msg, seq uint64) ([]events.Envelope, error) {
		return decodeBatch(m.Subject(), seq, m.Data())
	}, fn, nil)
}

// kindSubjects are the subjects of the streams of kinds.
func kindSubjects(kinds []string) ([]string, error) {
	if len(kinds) == 0 {
		return nil, errors.New("jsstore: no stream kinds to follow")
	}
	out := make([]string, len(kinds))
	for i, k := range kinds {
		if k == "" || strings.ContainsAny(k, ". \t\r\n*>") {
			return nil, fmt.Errorf("jsstore: invalid stream kind %q", k)
		}
		out[i] = subjectPrefix + k + ".>"
	}
	return out, nil
}

// SubscribeKinds implements store.KindFilter with a consumer filtered on
// the kinds' subjects: JetStream delivers nothing else.
func (s *Store) SubscribeKinds(ctx context.Context, from uint64, kinds []string, fn func(events.Envelope) error) error {
	filters, err := kindSubjects(kinds)
	if err != nil {
		return err
	}
	return s.subscribe(ctx, from, filters, fn)
}

// LastPositionOfKinds implements store.KindFilter: the newest position
// among the kinds' subjects.
func (s *Store) LastPositionOfKinds(ctx context.Context, kinds []string) (uint64, error) {
	filters, err := kindSubjects(kinds)
	if err != nil {
		return 0, err
	}
	var last uint64
	for _, f := range filters {
		p, err := s.lastPositionOn(ctx, f)
		if err != nil {
			return 0, err
		}
		last = max(last, p)
	}
	return last, nil
}

// LastPosition implements store.Store: the position of the newest
// message's last event.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	return s.lastPositionOn(ctx, subjectPrefix+">")
}

// lastPositionOn is the position of the last event of the newest message
// on subject (a wildcard).
func (s *Store) lastPositionOn(ctx context.Context, subject string) (uint64, error) {
	m, err := s.stream.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("jsstore: last position: %w", err)
	}
	first, err1 := strconv.ParseUint(m.Header.Get(hdrFirst), 10, 64)
	last, err2 := strconv.ParseUint(m.Header.Get(hdrLast), 10, 64)
	if err1 != nil || err2 != nil || last < first || last-first >= MaxAppend {
		return 0, fmt.Errorf("jsstore: %s at sequence %d has no valid version headers", m.Subject, m.Sequence)
	}
	return Position(m.Sequence, int(last-first)), nil
}

// Close implements store.Store; the NATS connection belongs to the caller.
func (s *Store) Close() error { return nil }
