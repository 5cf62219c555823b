package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/mh3net/mh3net/bus"
)

// replies keeps the answers of state-changing requests under their
// request ids (KV bucket mh3_replies, in memory, bounded in bytes), so a
// retried request gets the first attempt's answer. A request id is
// claimed before the handler runs: a retry that arrives while the first
// attempt still works waits for it instead of racing it.
type replies struct{ kv jetstream.KeyValue }

// reply is a kept answer (or, with Pending, a claim).
type reply struct {
	Pending bool `json:"p,omitempty"`
	// Until is when a pending claim's attempt gives up (its deadline);
	// after it, another attempt may take the claim over.
	Until  int64             `json:"u,omitempty"`
	Data   []byte            `json:"d,omitempty"`
	Close  bool              `json:"c,omitempty"`
	Member map[string]string `json:"m,omitempty"`
	// Session is the connection's session after the request, when it
	// changed (bus.HeaderSession).
	Session *string `json:"s,omitempty"`
	// Events is how many events the request appended (bus.HeaderEvents).
	Events int `json:"e,omitempty"`
}

// header sets the reply's headers for the edge.
func (r *reply) header(h nats.Header) {
	if r.Close {
		h.Set(bus.HeaderClose, "1")
	}
	for k, v := range r.Member {
		h.Set(k, v)
	}
	if r.Session != nil {
		h.Set(bus.HeaderSession, *r.Session)
	}
	if r.Events > 0 {
		h.Set(bus.HeaderEvents, strconv.Itoa(r.Events))
	}
}

func repliesConfig() jetstream.KeyValueConfig {
	return jetstream.KeyValueConfig{
		Bucket:       bucketReplies,
		Description:  "answers of state-changing requests, for retries",
		TTL:          2 * time.Minute,
		Storage:      jetstream.MemoryStorage,
		MaxBytes:     repliesMaxBytes,
		MaxValueSize: repliesMaxValue,
	}
}

// claim takes request id req for an attempt that gives up at until. It
// returns the kept answer when an earlier attempt finished, and waits
// while an earlier attempt is still within its deadline.
func (r replies) claim(ctx context.Context, req string, until time.Time) (*reply, error) {
	key := kvKey(req)
	mine, _ := json.Marshal(reply{Pending: true, Until: until.UnixMilli()})
	wait := 5 * time.Millisecond
	for {
		_, err := r.kv.Create(ctx, key, mine)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return nil, fmt.Errorf("%w: claim request %s: %w", errUnavailable, req, err)
		}
		e, err := r.kv.Get(ctx, key)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("%w: claim request %s: %w", errUnavailable, req, err)
		}
		var cur reply
		if err := json.Unmarshal(e.Value(), &cur); err != nil {
			return nil, fmt.Errorf("%w: request %s holds a bad reply: %w", errUnavailable, req, err)
		}
		if !cur.Pending {
			return &cur, nil
		}
		if time.Now().UnixMilli() > cur.Until {
			// The earlier attempt has given up: take its claim over.
			if _, err := r.kv.Update(ctx, key, mine, e.Revision()); err == nil {
				return nil, nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: waiting for the first attempt of %s: %w", errUnavailable, req, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// keep stores the answer of a finished request.
func (r replies) keep(ctx context.Context, req string, rep reply) {
	b, err := json.Marshal(rep)
	if err == nil {
		_, err = r.kv.Put(ctx, kvKey(req), b)
	}
	if err != nil {
		// A retry will recompute the answer (identifiers and event ids
		// come from the request id), so this only costs time.
		return
	}
}

// release drops a claim whose attempt failed, so a retry runs at once.
func (r replies) release(ctx context.Context, req string) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	r.kv.Delete(ctx, kvKey(req))
}
