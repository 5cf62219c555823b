package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// KV buckets handlers share. Names and lifetimes are part of the
// architecture (docs/ARCHITECTURE.md).
const (
	bucketConns   = "mh3_conns"   // connection id → Session
	bucketTickets = "mh3_tickets" // PAT ticket → Session (OPN→LMP→FMP hand-over)
	bucketOnline  = "mh3_online"  // Capcom ID → Presence
	bucketReplies = "mh3_replies" // request id → answer (retries)
)

type buckets struct {
	conns, tickets, online, replies, edges jetstream.KeyValue
}

func openBuckets(ctx context.Context, js jetstream.JetStream) (*buckets, error) {
	var b buckets
	for _, c := range []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{
		{&b.conns, jetstream.KeyValueConfig{Bucket: bucketConns, Description: "live connections' sessions", TTL: 7 * 24 * time.Hour, Storage: jetstream.FileStorage}},
		{&b.tickets, jetstream.KeyValueConfig{Bucket: bucketTickets, Description: "PAT tickets", TTL: 48 * time.Hour, Storage: jetstream.FileStorage}},
		{&b.online, jetstream.KeyValueConfig{Bucket: bucketOnline, Description: "Capcom IDs online", Storage: jetstream.FileStorage}},
		{&b.replies, jetstream.KeyValueConfig{Bucket: bucketReplies, Description: "answers of state-changing requests, for retries", TTL: 2 * time.Minute, Storage: jetstream.MemoryStorage}},
		{&b.edges, bus.EdgesBucketConfig()},
	} {
		kv, err := js.CreateOrUpdateKeyValue(ctx, c.cfg)
		if err != nil {
			return nil, fmt.Errorf("%w: kv bucket %s: %w", errUnavailable, c.cfg.Bucket, err)
		}
		*c.kv = kv
	}
	return &b, nil
}

// getJSON reads key into v; found is false when the key is absent.
func getJSON(ctx context.Context, kv jetstream.KeyValue, key string, v any) (rev uint64, found bool, err error) {
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

// cachedReply returns the answer kept for a request id.
func (b *buckets) cachedReply(ctx context.Context, req string) (data []byte, closeAfter, ok bool) {
	e, err := b.replies.Get(ctx, kvKey(req))
	if err != nil || len(e.Value()) == 0 {
		return nil, false, false
	}
	v := e.Value()
	return v[1:], v[0] == 1, true
}

// keepReply stores the answer of a state-changing request.
func (b *buckets) keepReply(ctx context.Context, req string, data []byte, closeAfter bool) {
	v := make([]byte, 1, 1+len(data))
	if closeAfter {
		v[0] = 1
	}
	v = append(v, data...)
	b.replies.Put(ctx, kvKey(req), v)
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
