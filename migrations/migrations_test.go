package migrations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/mh3net/mh3net/migrations"
	"github.com/mh3net/mh3net/pgtest"
)

// Handler processes started together against a fresh database each apply
// the migrations at start: all must succeed, none may see half a schema.
func TestConcurrentUpOnAFreshDatabase(t *testing.T) {
	pg := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		pool, err := pgxpool.New(ctx, pg.URL())
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = migrations.Up(ctx, pool)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
}
