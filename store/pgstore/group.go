package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mh3net/mh3net/events"
)

// Group commit: appends that arrive while a transaction is being written
// wait for the next one, and up to maxGroup of them share a transaction
// (and its WAL flush). Each append's version check is part of its own
// INSERT (it inserts nothing when the stream has moved), so one append's
// conflict does not disturb the others. A statement error (a duplicate
// event id: a retry; or a race with another process) aborts the group,
// whose appends then each run on their own.
//
// Why the group runs in REPEATABLE READ. Positions follow transaction ids
// (see the package comment), so version n+1 of a stream must get a larger
// txid than version n. The group's txid is assigned by its first INSERT.
// In READ COMMITTED every later statement takes a new snapshot, so a
// later INSERT could see version n committed by a transaction whose txid
// was assigned after ours (another process's), build n+1 on it, and be
// sequenced before it. In REPEATABLE READ every statement uses the one
// snapshot taken when the first statement starts, before that statement
// assigns our txid. A transaction visible in that snapshot committed
// before it was taken, so its txid is below the snapshot's xmax, which is
// at most ours: every version an INSERT of the group builds on has a
// smaller txid. A commit the snapshot misses makes the version check
// fail; the append then looks at the stream afresh (Append below), and
// if the stream is exactly at the expected version it is retried in a
// transaction of its own (a single statement, whose snapshot likewise
// precedes its txid). A unique violation against such a commit aborts the
// group as before.

const maxGroup = 128

type pending struct {
	ctx      context.Context
	stream   string
	expected uint64
	evs      []events.Envelope
	args     []any
	result   chan result
}

type result struct {
	inserted bool // false: the version check failed
	err      error
}

// Append implements store.Store.
func (s *Store) Append(ctx context.Context, stream string, expected uint64, evs []events.Envelope) (uint64, error) {
	if len(evs) == 0 {
		return expected, nil
	}
	args, err := insertArgs(stream, expected, evs)
	if err != nil {
		return 0, err
	}
	p := &pending{ctx: ctx, stream: stream, expected: expected, evs: evs, args: args, result: make(chan result, 1)}
	select {
	case s.queue <- p:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	var r result
	select {
	case r = <-p.result:
	case <-ctx.Done():
		return 0, fmt.Errorf("pgstore: append to %s: %w", stream, ctx.Err())
	}
	switch {
	case errors.Is(r.err, errGroupFailed):
		return s.appendOne(ctx, stream, expected, evs)
	case r.err != nil:
		return 0, fmt.Errorf("pgstore: append to %s: %w", stream, r.err)
	case !r.inserted:
		cur, err := s.version(ctx, stream)
		if err != nil {
			return 0, err
		}
		if cur == expected {
			// Moved to expected after the group's snapshot: not a conflict.
			return s.appendOne(ctx, stream, expected, evs)
		}
		return s.conflictOrRetry(ctx, stream, expected, cur, evs)
	}
	return expected + uint64(len(evs)), nil
}

var errGroupFailed = errors.New("group commit failed")

func insertArgs(stream string, expected uint64, evs []events.Envelope) ([]any, error) {
	n := len(evs)
	versions, ids, types := make([]int64, n), make([]string, n), make([]string, n)
	schemas, times, datas := make([]int32, n), make([]time.Time, n), make([]string, n)
	now := time.Now().UTC()
	for i, e := range evs {
		if e.ID == "" {
			return nil, fmt.Errorf("pgstore: event %d of %s has no id", i, stream)
		}
		versions[i] = int64(expected) + int64(i) + 1
		ids[i], types[i], schemas[i], times[i], datas[i] = e.ID, e.Type, int32(e.Schema), e.Time, string(e.Data)
		if times[i].IsZero() {
			times[i] = now
		}
	}
	return []any{stream, versions, ids, types, schemas, times, datas, int64(expected)}, nil
}

const checkedInsert = `
	INSERT INTO events (stream, version, event_id, type, schema, time, data)
	SELECT $1, v, i, t, sc, tm, d::jsonb
	FROM unnest($2::bigint[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::text[]) AS x(v, i, t, sc, tm, d)
	WHERE (SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = $1) = $8`

func (s *Store) groupCommit(ctx context.Context) {
	defer close(s.done)
	for {
		var group []*pending
		select {
		case <-ctx.Done():
			return
		case p := <-s.queue:
			group = append(group, p)
		}
	fill:
		for len(group) < maxGroup {
			select {
			case p := <-s.queue:
				group = append(group, p)
			default:
				break fill
			}
		}
		results, err := s.commitGroup(ctx, group)
		for i, p := range group {
			if err != nil {
				p.result <- result{err: errGroupFailed}
			} else {
				p.result <- results[i]
			}
		}
	}
}

func (s *Store) commitGroup(ctx context.Context, group []*pending) ([]result, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(ctx)
	b := &pgx.Batch{}
	for _, p := range group {
		b.Queue(checkedInsert, p.args...)
	}
	b.Queue(`SELECT pg_notify($1, '')`, notifyChannel)
	br := tx.SendBatch(ctx, b)
	results := make([]result, len(group))
	for i := range group {
		ct, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, err
		}
		results[i] = result{inserted: ct.RowsAffected() > 0}
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	if err := br.Close(); err != nil {
		return nil, err
	}
	return results, tx.Commit(ctx)
}
