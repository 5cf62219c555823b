package pgstore

import (
	"context"
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
