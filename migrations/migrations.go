// Package migrations holds the Postgres schema as goose migrations,
// embedded in the binary and applied by `mh3net migrate` and at the start
// of `mh3net up|handlers --postgres URL`.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// Up applies every pending migration.
func Up(ctx context.Context, pool *pgxpool.Pool) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	return up(ctx, db)
}

// up holds a Postgres advisory lock while it migrates: handler processes
// that start together against a fresh database would otherwise create
// the same tables at once and all but one fail.
func up(ctx context.Context, db *sql.DB) error {
	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockTimeout(1, 120), // wait up to 2 minutes for another process's migration
	)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return nil
}
