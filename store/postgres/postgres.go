// Package postgres is the store of Visage for many replicas: PostgreSQL,
// through pgx v5 and its pool, the system of record that every replica
// shares.
//
// It keeps the same data as the embedded store (store/sqlite), sealed the
// same way (templates and payloads AES-GCM under the data key, which every
// replica must share), and adds what replicas need: a change log that each
// replica's in-memory gallery follows (changes.go), and the list of
// replicas serving (replicas.go).
//
// # Durability
//
// Every write is one transaction committed before the call returns, with
// the server's synchronous_commit (on by default): an acknowledged
// enrollment survives a crash of the replica and of PostgreSQL. Usage
// counts are the exception: they commit with synchronous_commit off, so a
// PostgreSQL crash may lose the last fraction of a second of counts, which
// undercounts in the customer's favour (usage.go).
//
// # Unavailability
//
// An error that means PostgreSQL cannot be reached (a refused or broken
// connection, a server shutting down or starting) carries
// visage.CodeUnavailable, which every API answers 503 with Retry-After:
// the client learns to come back, and nothing was changed. The pool opens
// new connections as the server comes back.
//
// # What "deleted" means
//
// DeleteFace and DeleteApp delete rows. PostgreSQL keeps a deleted row's
// bytes in its page until VACUUM reclaims the space and a later write
// reuses it, and in the WAL until it is recycled; those bytes hold the
// templates and payload only sealed, and the external ID and PIN hash in
// clear. Autovacuum reclaims them in the normal course; `VACUUM faces`
// does it at once. Backups and WAL archives keep what they copied; the
// sealed fields in them are unreadable without the data key.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/visagehq/visage/store"
)

// Store is the PostgreSQL store. Its methods are safe for concurrent use.
type Store struct {
	pool   *pgxpool.Pool
	cipher *store.Cipher
	notes  notifier
	// locks holds a token for each app lock held (LockApp): at most half
	// the pool's connections, so the holders always find one to write.
	locks chan struct{}
	// created is set when Open made the schema: a new deployment.
	created bool
}

var _ store.Store = (*Store)(nil)

// connectTimeout bounds opening a connection, so that an unreachable server
// fails a request in seconds rather than at the client's deadline.
const connectTimeout = 3 * time.Second

// Open connects to the database at url (postgres://…; its search_path
// parameter selects a schema), migrates it to the current schema and
// checks that key is the key the database was created with: a wrong key
// is refused here rather than discovered when a face fails to decrypt.
func Open(ctx context.Context, url string, key []byte) (*Store, error) {
	c, err := store.NewCipher(key)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > connectTimeout {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, cipher: c, locks: make(chan struct{}, max(1, pool.Config().MaxConns/2))}
	s.notes.init(pool)
	if err := s.open(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) open(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: cannot reach the database: %w", err)
	}
	var err error
	if s.created, err = migrate(ctx, s.pool); err != nil {
		return err
	}
	return s.checkKey(ctx)
}

// Created says whether Open made the schema: the database is new, and the
// server shows its first admin token. Of replicas starting at once on a
// new database, one reports it.
func (s *Store) Created() bool { return s.created }

// checkKey stores the key check in a new database and verifies it in an
// existing one. Two replicas starting at once on a new database both try
// to store theirs; the one that loses reads the winner's.
func (s *Store) checkKey(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, "INSERT INTO meta (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING",
		s.cipher.KeyCheck()); err != nil {
		return fmt.Errorf("postgres: storing key check: %w", err)
	}
	var check []byte
	if err := s.pool.QueryRow(ctx, "SELECT value FROM meta WHERE name = 'key_check'").Scan(&check); err != nil {
		return fmt.Errorf("postgres: reading key check: %w", err)
	}
	return s.cipher.CheckKey(check)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return internal(s.pool.Ping(ctx), "ping")
}

// Close stops listening for changes and closes the pool.
func (s *Store) Close() error {
	s.notes.close()
	s.pool.Close()
	return nil
}

// inTx runs fn in a transaction and commits it.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	if err := writeJournal(ctx, tx, store.JournalOf(ctx)); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

var errNoRows = pgx.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }

// querier is the pool or one of its transactions.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// The row helpers both SQL backends share (package store).
var (
	micros, fromMicros, stamp = store.Micros, store.FromMicros, store.Stamp
	day                       = store.Day
	nullString, nullBytes     = store.NullString, store.NullBytes
	scanApp                   = store.ScanApp
)

const (
	appColumns  = store.AppColumns
	keyColumns  = store.KeyColumns
	faceColumns = store.FaceColumns
)
