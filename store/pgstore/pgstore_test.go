package pgstore

import (
	"context"
	"strings"
	"testing"
	"time"

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
