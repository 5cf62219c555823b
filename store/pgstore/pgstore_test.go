package pgstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mh3net/mh3net/events"
	"github.com/mh3net/mh3net/pgtest"
	"github.com/mh3net/mh3net/store"
	"github.com/mh3net/mh3net/store/storetest"
)

type backend struct{ pg *pgtest.Server }

func (b *backend) Open(t *testing.T) store.Store {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, b.pg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func (b *backend) Restart(t *testing.T) {
	if err := b.pg.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := b.pg.Start(); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptance(t *testing.T) {
	storetest.Run(t, &backend{pg: pgtest.Start(t)})
}

// Postgres down when the store opens: Open keeps trying (logging each
// failure) and succeeds once Postgres is up.
func TestOpenWaitsForPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	opened := make(chan error, 1)
	go func() {
		s, err := Open(ctx, pg.URL(), nil)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("Open returned while Postgres was down: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	if err := pg.Start(); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("Open after Postgres came up: %v", err)
	}
	if err := pg.Stop(); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if _, err := Open(short, pg.URL(), nil); err == nil || !strings.Contains(err.Error(), "postgres unavailable") {
		t.Fatalf("gave up with %v, want a clear 'postgres unavailable' error", err)
	}
}

// A group commit whose first INSERT waits (here on another transaction's
// uncommitted row of the same stream version) already holds its
// transaction id. If a later INSERT of the group could see a version
// committed meanwhile by a younger transaction, it would store the next
// version under an older txid, and the sequencer would put it first. The
// group's appends must never build on such a commit.
func TestGroupCommitNeverBuildsOnAYoungerCommit(t *testing.T) {
	pg := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := Open(ctx, pg.URL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mk := func(id string) events.Envelope {
		e, err := events.Encode(id, events.ConsoleCreated{SupportCode: id})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	pend := func(stream string, expected uint64, id string) *pending {
		evs := []events.Envelope{mk(id)}
		args, err := insertArgs(stream, expected, evs)
		if err != nil {
			t.Fatal(err)
		}
		return &pending{ctx: ctx, stream: stream, expected: expected, evs: evs, args: args, result: make(chan result, 1)}
	}

	// Another transaction holds an uncommitted version 1 of stream a.
	blocker, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Rollback(ctx)
	if _, err := blocker.Exec(ctx, checkedInsert, pend("a", 0, "blocker").args...); err != nil {
		t.Fatal(err)
	}
	// The group: a version 1 (waits for the blocker), then b version 2.
	type out struct {
		res []result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.commitGroup(ctx, []*pending{pend("a", 0, "a1"), pend("b", 1, "b2")})
		done <- out{res, err}
	}()
	for {
		var waiting bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Meanwhile a younger transaction commits b version 1.
	if _, err := s.appendOne(ctx, "b", 0, []events.Envelope{mk("b1")}); err != nil {
		t.Fatal(err)
	}
	blocker.Rollback(ctx)
	o := <-done
	t.Logf("group results %+v, err %v", o.res, o.err)

	if _, err := s.LastPosition(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "b", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range got {
		t.Logf("b version %d (%s) at position %d", e.Version, e.ID, e.Position)
		if i > 0 && e.Position <= got[i-1].Position {
			t.Errorf("version %d at position %d comes before version %d at %d", e.Version, e.Position, got[i-1].Version, got[i-1].Position)
		}
	}
}
