package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// KV buckets handlers share. Names and lifetimes are part of the
// architecture (docs/ARCHITECTURE.md).
const (
	bucketTickets = "mh3_tickets" // PAT ticket → Session (OPN→LMP→FMP hand-over)
	bucketOnline  = "mh3_online"  // Capcom ID → Presence
	bucketReplies = "mh3_replies" // request id → answer (retries)
	bucketHunters = "mh3_hunters" // Capcom ID → HunterProfile (display binary, search, status)
)

// The reply cache is bounded: hostile clients can make state-changing
// requests with large answers as fast as the edge lets them, and every
// answer is kept for two minutes. Past repliesMaxBytes the oldest answers
// go first (a retry comes within seconds of its request); an answer over
// repliesMaxValue is not kept at all, and a retry of it recomputes it,
// which request-id-derived identifiers make give the same result.
const (
	repliesMaxBytes = 64 << 20
	repliesMaxValue = 128 << 10
)

type buckets struct {
	tickets, online, replies, edges, hunters, mediation jetstream.KeyValue
	js                                                  jetstream.JetStream
	lease                                               time.Duration
	// recreated counts buckets keep made again (their revisions start
	// over).
	recreated atomic.Uint64
}

func (b *buckets) configs() []struct {
	kv  *jetstream.KeyValue
	cfg jetstream.KeyValueConfig
} {
	return []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{
		{&b.tickets, jetstream.KeyValueConfig{Bucket: bucketTickets, Description: "PAT tickets", TTL: 48 * time.Hour, Storage: jetstream.MemoryStorage}},
		{&b.online, jetstream.KeyValueConfig{Bucket: bucketOnline, Description: "Capcom IDs online", Storage: jetstream.MemoryStorage}},
		{&b.replies, repliesConfig()},
		{&b.edges, bus.EdgesBucketConfig(b.lease)},
		{&b.mediation, jetstream.KeyValueConfig{Bucket: "mh3_mediation", Description: "who holds a city's seats", TTL: 6 * time.Hour, Storage: jetstream.MemoryStorage, MaxValueSize: 4 << 10}},
		{&b.hunters, jetstream.KeyValueConfig{Bucket: bucketHunters, Description: "what others see of online hunters", TTL: 24 * time.Hour, Storage: jetstream.MemoryStorage, MaxValueSize: 16 << 10}},
	}
}

// startPatience is how long a starting handler process waits for
// JetStream to make its buckets: a NATS cluster that has just started
// elects its meta leader first, and replicated buckets need the
// servers' agreement.
var startPatience = 2 * time.Minute

func openBuckets(ctx context.Context, js jetstream.JetStream, lease time.Duration, log *slog.Logger) (*buckets, error) {
	deadline := time.Now().Add(startPatience)
	for {
		b, err := openBucketsOnce(ctx, js, lease)
		if err == nil || ctx.Err() != nil || time.Now().After(deadline) {
			return b, err
		}
		log.Warn("kv buckets not ready, trying again", "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
}

func openBucketsOnce(ctx context.Context, js jetstream.JetStream, lease time.Duration) (*buckets, error) {
	b := buckets{js: js, lease: lease}
	for _, c := range b.configs() {
		kv, err := js.CreateOrUpdateKeyValue(ctx, c.cfg)
		if err != nil && c.cfg.Storage == jetstream.MemoryStorage {
			// These buckets hold only what lives while players are
			// connected (sessions, tickets, presences, claims): an older
			// build made some on disk, and a stream cannot change its
			// storage, so start them afresh.
			if derr := js.DeleteKeyValue(ctx, c.cfg.Bucket); derr == nil {
				kv, err = js.CreateOrUpdateKeyValue(ctx, c.cfg)
			}
		}
		if err == nil && c.cfg.Bucket == bucketReplies {
			err = discardOld(ctx, js, c.cfg.Bucket)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: kv bucket %s: %w", errUnavailable, c.cfg.Bucket, err)
		}
		*c.kv = patientKV{kv}
	}
	return &b, nil
}

// keep re-creates buckets that vanished (memory buckets do not survive a
// NATS restart) until ctx ends.
func (b *buckets) keep(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, c := range b.configs() {
			cctx, cancel := context.WithTimeout(ctx, every)
			_, err := b.js.Stream(cctx, "KV_"+c.cfg.Bucket)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				if _, err = b.js.CreateOrUpdateKeyValue(cctx, c.cfg); err == nil && c.cfg.Bucket == bucketReplies {
					err = discardOld(cctx, b.js, c.cfg.Bucket)
				}
				if err == nil {
					b.recreated.Add(1)
					log.Info("kv bucket re-created", "bucket", c.cfg.Bucket)
				}
			}
			cancel()
		}
	}
}

// getJSON reads key into v; found is false when the key is absent.
func getJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any) (rev uint64, found bool, err error) {
	if nc, ok := ctx.Value(leaderReadsKey{}).(*nats.Conn); ok {
		data, rev, found, err := leaderGet(ctx, nc, kv.Bucket(), key)
		if err != nil {
			return 0, false, fmt.Errorf("%w: kv %s get %s: %w", errUnavailable, kv.Bucket(), key, err)
		}
		if found {
			if err := json.Unmarshal(data, v); err != nil {
				return 0, false, fmt.Errorf("kv %s: %s holds bad JSON: %w", kv.Bucket(), key, err)
			}
		}
		return rev, found, nil
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("%w: kv %s get %s: %w", errUnavailable, kv.Bucket(), key, err)
	}
	if err := json.Unmarshal(e.Value(), v); err != nil {
		return 0, false, fmt.Errorf("kv %s: %s holds bad JSON: %w", kv.Bucket(), key, err)
	}
	return e.Revision(), true, nil
}

func putJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := kv.Put(ctx, key, b); err != nil {
		return fmt.Errorf("%w: kv %s put %s: %w", errUnavailable, kv.Bucket(), key, err)
	}
	return nil
}

// casJSON writes v at key if the key is still at rev (0: absent).
func casJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any, rev uint64) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if rev == 0 {
		_, err = kv.Create(ctx, key, b)
	} else {
		_, err = kv.Update(ctx, key, b, rev)
	}
	if err != nil && !isConflict(err) {
		return fmt.Errorf("%w: kv %s put %s: %w", errUnavailable, kv.Bucket(), key, err)
	}
	return err
}

// isConflict reports a compare-and-set that lost.
func isConflict(err error) bool {
	return errors.Is(err, jetstream.ErrKeyExists) || isWrongLastSequence(err)
}

// kvKey makes an arbitrary id usable as a KV key.
func kvKey(s string) string {
	out := []byte(s)
	for i, ch := range out {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_', ch == '=', ch == '.':
		default:
			out[i] = '_'
		}
	}
	return string(out)
}

// discardOld makes a full bucket drop its oldest entries instead of
// refusing new ones (KV buckets are made with discard-new, and their
// configuration has no field for it).
func discardOld(ctx context.Context, js jetstream.JetStream, bucket string) error {
	st, err := js.Stream(ctx, "KV_"+bucket)
	if err != nil {
		return err
	}
	cfg := st.CachedInfo().Config
	if cfg.Discard == jetstream.DiscardOld {
		return nil
	}
	cfg.Discard = jetstream.DiscardOld
	_, err = js.UpdateStream(ctx, cfg)
	return err
}

// A follower may answer a JetStream direct get (what KeyValue.Get uses)
// with a value older than a write already acknowledged: every replica of
// a clustered bucket serves direct gets. A decision that lost a
// compare-and-set, or that must see another process's write (a ticket
// handed over), reads through the stream leader instead.
type leaderReadsKey struct{}

// withLeaderReads makes getJSON under ctx read through the stream leader.
func withLeaderReads(ctx context.Context, nc *nats.Conn) context.Context {
	if nc == nil {
		return ctx
	}
	return context.WithValue(ctx, leaderReadsKey{}, nc)
}

// leaderGet reads a key's last entry with the stream's message-get API,
// which only the stream's leader answers.
func leaderGet(ctx context.Context, nc *nats.Conn, bucket, key string) (data []byte, rev uint64, found bool, err error) {
	req, _ := json.Marshal(struct {
		LastBySubject string `json:"last_by_subj"`
	}{"$KV." + bucket + "." + key})
	m, err := nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET.KV_"+bucket, req)
	if err != nil {
		return nil, 0, false, err
	}
	var resp struct {
		Message *struct {
			Seq     uint64 `json:"seq"`
			Headers []byte `json:"hdrs"`
			Data    []byte `json:"data"`
		} `json:"message"`
		Error *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return nil, 0, false, fmt.Errorf("kv %s: bad message-get answer: %w", bucket, err)
	}
	if resp.Error != nil {
		if resp.Error.ErrorCode == jetstream.JSErrCodeMessageNotFound {
			return nil, 0, false, nil
		}
		return nil, 0, false, resp.Error
	}
	if resp.Message == nil {
		return nil, 0, false, fmt.Errorf("kv %s: empty message-get answer", bucket)
	}
	if h := resp.Message.Headers; bytes.Contains(h, []byte("KV-Operation: DEL")) || bytes.Contains(h, []byte("KV-Operation: PURGE")) {
		return nil, 0, false, nil
	}
	return resp.Message.Data, resp.Message.Seq, true, nil
}

// patientKV is a bucket whose writes wait out a moment with no stream
// to store them: a replicated bucket electing its leader after a NATS
// node died, a memory bucket lost with a NATS restart until keep makes
// it again. nats.go retries such a write for half a second; this goes on
// until ctx ends. A write no stream answered was not stored, so sending
// it again is safe, compare-and-set ones included.
type patientKV struct{ jetstream.KeyValue }

// kvRetryWait is the pause between a write's tries while no stream
// answers it.
const kvRetryWait = 100 * time.Millisecond

func untilStored[T any](ctx context.Context, write func() (T, error)) (T, error) {
	for {
		v, err := write()
		if !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, nats.ErrNoResponders) {
			return v, err
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(kvRetryWait):
		}
	}
}

func (k patientKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	return untilStored(ctx, func() (uint64, error) { return k.KeyValue.Put(ctx, key, value) })
}

func (k patientKV) PutString(ctx context.Context, key string, value string) (uint64, error) {
	return untilStored(ctx, func() (uint64, error) { return k.KeyValue.PutString(ctx, key, value) })
}

func (k patientKV) Create(ctx context.Context, key string, value []byte, opts ...jetstream.KVCreateOpt) (uint64, error) {
	return untilStored(ctx, func() (uint64, error) { return k.KeyValue.Create(ctx, key, value, opts...) })
}

func (k patientKV) Update(ctx context.Context, key string, value []byte, revision uint64) (uint64, error) {
	return untilStored(ctx, func() (uint64, error) { return k.KeyValue.Update(ctx, key, value, revision) })
}

func (k patientKV) Delete(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	_, err := untilStored(ctx, func() (struct{}, error) { return struct{}{}, k.KeyValue.Delete(ctx, key, opts...) })
	return err
}

func (k patientKV) Purge(ctx context.Context, key string, opts ...jetstream.KVDeleteOpt) error {
	_, err := untilStored(ctx, func() (struct{}, error) { return struct{}{}, k.KeyValue.Purge(ctx, key, opts...) })
	return err
}
