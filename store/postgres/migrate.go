package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/visagehq/visage/store"
)

// migrations are the schema's versions (store.LoadMigrations), applied in
// order, each once.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock migrations hold: replicas starting
// at once on one database take turns, and each finds the work done by the
// one before. Its number is arbitrary but fixed.
const migrationLock = 0x76697361 // "visa"

// migrate brings the schema to the last version. Each migration runs in
// its own transaction together with the row that records it, so a crash
// leaves the schema at a whole version. A schema newer than this binary
// is refused: an older binary cannot know what the newer one means. It
// reports whether it created the schema (applied the first migration).
func migrate(ctx context.Context, pool *pgxpool.Pool) (created bool, err error) {
	ms, err := store.LoadMigrations(migrations)
	if err != nil {
		return false, err
	}
	for {
		applied, err := migrateOne(ctx, pool, ms)
		if err != nil || applied == 0 {
			return created, err
		}
		created = created || applied == 1
	}
}

// migrateOne applies the next migration under the migration lock, reading
// the version inside the transaction, and returns its version: 0 when
// there is nothing left to apply.
func migrateOne(ctx context.Context, pool *pgxpool.Pool, ms []store.Migration) (applied int, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// Scoped to the schema in use, so that databases holding several
		// deployments (one schema each) do not wait for each other.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))", migrationLock); err != nil {
			return err
		}
		// Under the lock too: CREATE TABLE IF NOT EXISTS is not safe
		// against itself (of two sessions that both find no table, one
		// fails on the catalog's unique index).
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at BIGINT NOT NULL
		)`); err != nil {
			return fmt.Errorf("creating schema_migrations: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("database schema version %d is newer than this binary's %d", current, len(ms))
		}
		if current == len(ms) {
			return nil
		}
		m := ms[current]
		applied = m.Version
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
			m.Version, m.Name, time.Now().UnixMicro())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: migrating: %w", err)
	}
	return applied, nil
}
