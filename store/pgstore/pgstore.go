// Package pgstore keeps the event log in PostgreSQL, the system of record
// of a deployment that outgrows one box.
//
// Table events (migrations/): one row per event, UNIQUE(stream, version)
// for optimistic concurrency and UNIQUE(event_id) for idempotent retries.
//
// Global order without the late-commit skip: an identity column is not a
// safe read order, because a transaction that took a lower number can
// commit after a reader has already passed it (watermill #311, Marten's
// high-water mark). So rows are inserted without a position, stamped with
// their transaction id (xid8), and a sequencer assigns dense positions
// later, in (txid, insertion) order, only to rows whose transaction is
// older than pg_snapshot_xmin(pg_current_snapshot()) - every such
// transaction has committed or aborted, so no row can appear behind a
// position already handed out. Sequencing runs under a transaction-level
// advisory lock, so any number of store instances can run it and they take
// turns; readers (Subscribe, LastPosition) run it before they read. Within
// one stream, version order equals position order: a writer of version n+1
// read version n committed before its own transaction id was assigned
// (group.go says why that holds for a group commit too).
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/migrations"
	"github.com/mh3net/mh3net/store"
)

// sequencerLock is the advisory lock key that serializes sequencing.
const sequencerLock = 0x6d68336e6574 // "mh3net"

const notifyChannel = "mh3_events"

// Store is the PostgreSQL event store.
type Store struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	queue chan *pending
	stop  context.CancelFunc
	done  chan struct{}
}

// Open connects (retrying until ctx ends, with a log line per failure, so
// a Postgres that is down at start is waited for rather than fatal) and
// applies the migrations.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (4 on small machines) is too few once a
		// subscription's listener and the sequencer hold one each.
		cfg.MaxConns = 20
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	backoff := 250 * time.Millisecond
	for {
		err = pool.Ping(ctx)
		if err == nil {
			break
		}
		log.Warn("postgres unavailable, retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			pool.Close()
			return nil, fmt.Errorf("pgstore: postgres unavailable: %w", err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	if err := migrations.Up(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	gctx, stop := context.WithCancel(context.Background())
	st := &Store{pool: pool, log: log, queue: make(chan *pending, 1024), stop: stop, done: make(chan struct{})}
	go st.groupCommit(gctx)
	return st, nil
}

// Close implements store.Store.
func (s *Store) Close() error {
	s.stop()
	<-s.done
	s.pool.Close()
	return nil
}

// appendOne appends in a transaction of its own: the path for appends
// a group commit could not take (a duplicate event id, a race with
// another process).
func (s *Store) appendOne(ctx context.Context, stream string, expected uint64, evs []events.Envelope) (uint64, error) {
	args, err := insertArgs(stream, expected, evs)
	if err != nil {
		return 0, err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("pgstore: append to %s: %w", stream, err)
	}
	defer tx.Rollback(ctx)
	ct, err := tx.Exec(ctx, checkedInsert, args...)
	if err == nil && ct.RowsAffected() > 0 {
		if _, err = tx.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel); err == nil {
			err = tx.Commit(ctx)
		}
		if err == nil {
			return expected + uint64(len(evs)), nil
		}
	}
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && pgErr.Code == "23505") { // not a unique violation
		return 0, fmt.Errorf("pgstore: append to %s: %w", stream, err)
	}
	tx.Rollback(ctx)
	cur, err := s.version(ctx, stream)
	if err != nil {
		return 0, err
	}
	return s.conflictOrRetry(ctx, stream, expected, cur, evs)
}

func (s *Store) version(ctx context.Context, stream string) (uint64, error) {
	var v int64
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = $1`, stream).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("pgstore: version of %s: %w", stream, err)
	}
	return uint64(v), nil
}

func (s *Store) conflictOrRetry(ctx context.Context, stream string, expected, actual uint64, evs []events.Envelope) (uint64, error) {
	if actual > expected {
		stored, err := s.load(ctx, stream, expected+1)
		if err != nil {
			return 0, err
		}
		if store.SameEvents(stored, evs) {
			return expected + uint64(len(evs)), nil
		}
	}
	return 0, &store.ConflictError{Stream: stream, Expected: expected, Actual: actual}
}

const columns = `COALESCE(position, 0), stream, version, event_id, type, schema, time, data::text`

func scan(rows pgx.Rows) ([]events.Envelope, error) {
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var e events.Envelope
		var pos, ver int64
		var data string
		if err := rows.Scan(&pos, &e.Stream, &ver, &e.ID, &e.Type, &e.Schema, &e.Time, &data); err != nil {
			return nil, err
		}
		e.Position, e.Version, e.Data = uint64(pos), uint64(ver), []byte(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) load(ctx context.Context, stream string, from uint64) ([]events.Envelope, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+columns+` FROM events WHERE stream = $1 AND version >= $2 ORDER BY version`, stream, int64(from))
	if err != nil {
		return nil, fmt.Errorf("pgstore: load %s: %w", stream, err)
	}
	out, err := scan(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: load %s: %w", stream, err)
	}
	return out, nil
}

// Load implements store.Store: one index range scan on (stream,
// version). Every loaded event has its global position: events not yet
// sequenced are sequenced first, waiting only for the transactions older
// than theirs to end (not for a whole read barrier, as LastPosition does).
func (s *Store) Load(ctx context.Context, stream string, from uint64) ([]events.Envelope, error) {
	out, err := s.load(ctx, stream, from)
	for wait := time.Millisecond; err == nil && unsequenced(out); wait = min(2*wait, 50*time.Millisecond) {
		if err := s.sequence(ctx); err != nil {
			return nil, fmt.Errorf("pgstore: load %s: sequence: %w", stream, err)
		}
		if out, err = s.load(ctx, stream, from); err != nil || !unsequenced(out) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("pgstore: load %s: waiting for older transactions: %w", stream, ctx.Err())
		case <-time.After(wait):
		}
	}
	return out, err
}

func unsequenced(evs []events.Envelope) bool {
	for _, e := range evs {
		if e.Position == 0 {
			return true
		}
	}
	return false
}

// sequence assigns positions to every row whose transaction is older than
// the oldest one still running.
func (s *Store) sequence(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(sequencerLock)); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `
		UPDATE events e SET position = n.pos
		FROM (
			SELECT ins_id,
			       (SELECT COALESCE(MAX(position), 0) FROM events) + row_number() OVER (ORDER BY txid, ins_id) AS pos
			FROM events
			WHERE position IS NULL AND txid < pg_snapshot_xmin(pg_current_snapshot())
		) n
		WHERE e.ins_id = n.ins_id`)
	if err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// LastPosition implements store.Store: it waits until every transaction
// that could have committed before the call has finished, sequences, and
// returns the newest position - a read barrier for projections.
func (s *Store) LastPosition(ctx context.Context) (uint64, error) {
	var horizon string
	if err := s.pool.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text`).Scan(&horizon); err != nil {
		return 0, fmt.Errorf("pgstore: last position: %w", err)
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		var done bool
		err := s.pool.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot()) >= $1::text::xid8`, horizon).Scan(&done)
		if err != nil {
			return 0, fmt.Errorf("pgstore: last position: %w", err)
		}
		if done {
			break
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("pgstore: last position: waiting for older transactions: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
	if err := s.sequence(ctx); err != nil {
		return 0, fmt.Errorf("pgstore: sequence: %w", err)
	}
	var last int64
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(position), 0) FROM events`).Scan(&last); err != nil {
		return 0, fmt.Errorf("pgstore: last position: %w", err)
	}
	return uint64(last), nil
}

// Subscribe implements store.Store: it sequences, reads what is new in
// position order, and waits for a notification (or a short poll) for
// more. Connection errors (Postgres restarting) are waited out.
func (s *Store) Subscribe(ctx context.Context, from uint64, fn func(events.Envelope) error) error {
	if from == 0 {
		from = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listener with the subscription
	wake := make(chan struct{}, 1)
	go s.listen(ctx, wake)
	for {
		n, next, err := s.deliver(ctx, from, fn)
		from = next
		if err != nil {
			var fnErr *callbackError
			if errors.As(err, &fnErr) {
				return fnErr.err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, puddle.ErrClosedPool) {
				return fmt.Errorf("pgstore: subscription: store closed: %w", err)
			}
			s.log.Warn("event subscription interrupted, retrying", "from", from, "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-time.After(250 * time.Millisecond):
		}
	}
}

type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }

func (s *Store) deliver(ctx context.Context, from uint64, fn func(events.Envelope) error) (int, uint64, error) {
	if err := s.sequence(ctx); err != nil {
		return 0, from, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+columns+` FROM events WHERE position >= $1 ORDER BY position LIMIT 10000`, int64(from))
	if err != nil {
		return 0, from, err
	}
	batch, err := scan(rows)
	if err != nil {
		return 0, from, err
	}
	for _, e := range batch {
		if err := fn(e); err != nil {
			return 0, from, &callbackError{err}
		}
		from = e.Position + 1
	}
	return len(batch), from, nil
}

// listen turns NOTIFY into wake-ups until ctx ends, reconnecting as needed.
func (s *Store) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		conn, err := s.pool.Acquire(ctx)
		if errors.Is(err, puddle.ErrClosedPool) {
			return
		}
		if err != nil {
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if _, err = conn.Exec(ctx, "LISTEN "+notifyChannel); err == nil {
			for {
				if _, err = conn.Conn().WaitForNotification(ctx); err != nil {
					break
				}
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
		conn.Conn().Close(context.Background())
		conn.Release()
	}
}
