package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/visagehq/visage/store"
)

// migrations are the schema's versions (store.LoadMigrations), applied in
// order, each once.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate brings the database to the last version in fsys. Each migration
// runs in its own transaction together with the row that records it, so a
// crash leaves the database at a whole version and the next start resumes
// there; running it on an up-to-date database changes nothing. A database
// newer than this binary is refused: an older binary cannot know what the
// newer schema means.
func migrate(ctx context.Context, db *sql.DB, fsys fs.FS) error {
	ms, err := store.LoadMigrations(fsys)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: creating schema_migrations: %w", err)
	}
	for {
		done, err := migrateOne(ctx, db, ms)
		if err != nil || done {
			return err
		}
	}
}

// migrateOne applies the next migration, reading the version inside the
// same transaction so that two processes migrating at once cannot both
// apply it. It reports done when there is nothing left to apply.
func migrateOne(ctx context.Context, db *sql.DB, ms []store.Migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock first
	if err != nil {
		return false, fmt.Errorf("sqlite: migrating: %w", err)
	}
	defer tx.Rollback()
	var current int
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return false, fmt.Errorf("sqlite: reading schema version: %w", err)
	}
	if current > len(ms) {
		return false, fmt.Errorf("sqlite: database schema version %d is newer than this binary's %d", current, len(ms))
	}
	if current == len(ms) {
		return true, nil
	}
	m := ms[current]
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, time.Now().UnixMicro()); err != nil {
		return false, fmt.Errorf("sqlite: recording migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	return false, nil
}
