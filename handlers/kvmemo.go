package handlers

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// kvMemo remembers, for a short while, the last entry this process wrote
// or read at each key of a bucket (tickets, presences). A login touches
// the same ticket and presence on every connection it makes, and on one
// box the process that wrote an entry is the one that reads it next; the
// memo spares those reads.
//
// What the memo answers can be stale (another process wrote since), so
// it is only used where a compare-and-set follows the read and checks
// the revision it gave: a lost compare-and-set forgets the key, and the
// caller decides again on a fresh read. A decision not to write is never
// taken on the memo's word alone, except where the memo holds the very
// revision the connection's session says it wrote last (a close with no
// request left unanswered: nothing can be newer that is the
// connection's). Absent
// keys are not remembered, and a reconnection to NATS or a bucket made
// again forgets everything (a restarted server's memory buckets start
// again at revision 1).
type kvMemo[T any] struct {
	kv jetstream.KeyValue
	// gen changes whenever remembered revisions may stop meaning what
	// they meant: a reconnection to NATS, a bucket made again.
	gen func() uint64
	ttl time.Duration
	max int

	mu     sync.Mutex
	m      map[string]memoEntry[T]
	recon  uint64    // gen when the memo was last valid
	swept  time.Time // last sweep of expired entries
	hits   uint64
	misses uint64
}

// memoEntry holds an entry decoded: callers get a shallow copy, and
// handlers replace a session's slices rather than write into them.
type memoEntry[T any] struct {
	val T
	rev uint64
	at  time.Time
}

// memoTTL bounds how long an entry is believed: a login's connections
// follow each other within seconds, a server change within transitGrace.
// memoMax bounds its size (about 10 MiB of records): past it, what is
// older than memoTTL goes, and if that is not enough, everything (a
// burst of logins then reads the bucket, as without a memo).
const (
	memoTTL = 2 * time.Minute
	memoMax = 1 << 14
)

func newKVMemo[T any](kv jetstream.KeyValue, gen func() uint64) *kvMemo[T] {
	return &kvMemo[T]{kv: kv, gen: gen, ttl: memoTTL, max: memoMax, m: map[string]memoEntry[T]{}}
}

func (m *kvMemo[T]) reconnects() uint64 {
	if m.gen == nil {
		return 0
	}
	return m.gen()
}

// get reads key into v, from the memo when it holds the key (cached is
// then true) and the context does not ask for leader reads.
func (m *kvMemo[T]) get(ctx context.Context, key string, v *T) (rev uint64, found, cached bool, err error) {
	if _, leader := ctx.Value(leaderReadsKey{}).(*nats.Conn); !leader {
		if e, ok := m.lookup(key); ok {
			*v = e.val
			return e.rev, true, true, nil
		}
	}
	rev, found, err = m.fresh(ctx, key, v)
	return rev, found, false, err
}

// fresh reads key from the bucket (through the leader when ctx says so)
// and remembers what it found.
func (m *kvMemo[T]) fresh(ctx context.Context, key string, v *T) (uint64, bool, error) {
	recon := m.reconnects()
	var x T
	rev, found, err := getJSON(ctx, m.kv, key, &x)
	if err != nil || !found {
		if err == nil {
			m.forget(key)
		}
		return rev, found, err
	}
	*v = x
	m.remember(key, x, rev, recon)
	return rev, true, nil
}

// create writes v at an absent key.
func (m *kvMemo[T]) create(ctx context.Context, key string, v T) (uint64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	recon := m.reconnects()
	rev, err := m.kv.Create(ctx, key, b)
	m.wrote(key, v, rev, recon, err)
	return rev, err
}

// update writes v at key if the key is still at rev.
func (m *kvMemo[T]) update(ctx context.Context, key string, v T, rev uint64) (uint64, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	recon := m.reconnects()
	rev, err = m.kv.Update(ctx, key, b, rev)
	m.wrote(key, v, rev, recon, err)
	return rev, err
}

// delete deletes key if it is still at rev (0: whatever it holds).
func (m *kvMemo[T]) delete(ctx context.Context, key string, rev uint64) error {
	var opts []jetstream.KVDeleteOpt
	if rev != 0 {
		opts = append(opts, jetstream.LastRevision(rev))
	}
	err := m.kv.Delete(ctx, key, opts...)
	m.forget(key)
	return err
}

func (m *kvMemo[T]) wrote(key string, val T, rev, recon uint64, err error) {
	if err != nil {
		m.forget(key)
		return
	}
	m.remember(key, val, rev, recon)
}

// holds reports whether the memo would answer for key now.
func (m *kvMemo[T]) holds(key string) bool {
	recon := m.reconnects()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter(recon)
	e, ok := m.m[key]
	return ok && time.Since(e.at) <= m.ttl
}

func (m *kvMemo[T]) lookup(key string) (memoEntry[T], bool) {
	recon := m.reconnects()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter(recon)
	e, ok := m.m[key]
	if ok && time.Since(e.at) > m.ttl {
		delete(m.m, key)
		ok = false
	}
	if ok {
		m.hits++
	} else {
		m.misses++
	}
	return e, ok
}

// enter forgets everything when generation recon is not the memo's
// (m.mu held).
func (m *kvMemo[T]) enter(recon uint64) {
	if recon != m.recon {
		clear(m.m)
		m.recon = recon
	}
}

// remember keeps an entry read or written in generation recon (a
// generation begun since is a reason not to believe it).
func (m *kvMemo[T]) remember(key string, val T, rev, recon uint64) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.enter(recon)
	if recon != m.reconnects() {
		return
	}
	if now.Sub(m.swept) > m.ttl || len(m.m) >= m.max {
		for k, e := range m.m {
			if now.Sub(e.at) > m.ttl {
				delete(m.m, k)
			}
		}
		m.swept = now
		if len(m.m) >= m.max {
			clear(m.m)
		}
	}
	if cur, ok := m.m[key]; ok && cur.rev > rev {
		return // a later revision is already known
	}
	m.m[key] = memoEntry[T]{val: val, rev: rev, at: now}
}

func (m *kvMemo[T]) forget(key string) {
	m.mu.Lock()
	delete(m.m, key)
	m.mu.Unlock()
}

// stats is how often the memo answered and did not.
func (m *kvMemo[T]) stats() (hits, misses uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits, m.misses
}
