// Package sqlite is the embedded store of Visage: one SQLite file in the
// data directory, through modernc.org/sqlite (pure Go, so the server stays
// one static binary).
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: every commit, an
// enrollment included, is fsynced to the WAL before the call returns, so
// an acknowledged write survives a SIGKILL and, on a disk that honours
// fsync, a power cut. The price is
// one fsync per write transaction, which is the write ceiling
// (BenchmarkCreateFace measures it). Usage counts are the exception: they
// are buffered and written once a second (see usageBuffer).
//
// # One writer
//
// SQLite lets one connection write at a time. The store has two pools: a
// writer *sql.DB with exactly one connection, through which every write
// goes, and a reader pool of query_only connections. Writers therefore
// queue in Go, in database/sql's pool, instead of contending for the file
// lock and spinning in the busy handler (or failing with SQLITE_BUSY when
// a deferred transaction cannot upgrade its lock); readers run
// concurrently with each other and with the writer, which WAL allows, and
// cannot write by mistake. The busy timeout is for other processes that
// open the file (a backup, the sqlite3 shell). The cost is that code
// holding the writer connection (a transaction) must not call back into
// the writer pool, or it waits for itself.
//
// # What "deleted" means
//
// DeleteFace and DeleteApp remove rows; nothing is soft-deleted. The
// writer connection runs with secure_delete=ON, so SQLite overwrites the
// deleted cells, and pages that become free, with zeros in the new page
// images it writes. Older images of those pages, which still hold the
// face, remain in the WAL and, until a checkpoint, in the database file;
// so a delete is followed by a TRUNCATE checkpoint, which copies the
// zeroed pages into the database file and empties the WAL. When a long
// reader keeps that checkpoint from completing within purgeWait, the
// store retries it once a second until it does. After that, no byte of
// the face (external ID, PIN hash, templates, payload) is in the database
// file or the WAL; VACUUM is not needed, since secure_delete already
// zeroed the free space. What the store cannot reach: copies made by the
// filesystem or the disk (journals, SSD remapped blocks, snapshots) and
// backups. Those hold templates and payloads only encrypted, and
// destroying the key (see store.LoadOrCreateKey) makes them unreadable.
// An older payload replaced by SetPayload remains in the WAL until the
// next checkpoint.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/visagehq/visage/store"
)

// busyTimeout is how long a statement waits for a lock held by another
// process before failing.
const busyTimeout = 5 * time.Second

// Store is the SQLite store. Its methods are safe for concurrent use.
type Store struct {
	writer *sql.DB // one connection: every write goes through it
	reader *sql.DB // query_only connections
	cipher *store.Cipher

	usage usageBuffer

	// Deletes counted and deletes purged by a completed checkpoint; the
	// background loop retries the checkpoint while they differ.
	purgeMu         sync.Mutex
	deletes, purged uint64

	stop chan struct{}
	done chan struct{}
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if need be) the database at path, makes its
// files private (mode 0600, see private), migrates it to the current
// schema, and checks that key is the key the database was created with:
// a wrong key is refused here rather than discovered when a face fails to
// decrypt. key is 32 bytes (store.LoadOrCreateKey,
// store.ParseKey).
func Open(path string, key []byte) (*Store, error) {
	c, err := store.NewCipher(key)
	if err != nil {
		return nil, err
	}
	path, err = filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if strings.ContainsRune(path, '?') {
		// The driver reads what follows a '?' as parameters.
		return nil, fmt.Errorf("sqlite: database path %q contains '?'", path)
	}
	if err := private(path); err != nil {
		return nil, err
	}
	s := &Store{cipher: c, stop: make(chan struct{}), done: make(chan struct{})}
	s.usage.pending, s.usage.outcomes = map[usageKey]usageCount{}, map[outcomeKey]int64{}
	if err := s.open(path); err != nil {
		s.closeDBs()
		return nil, err
	}
	go s.background()
	return s, nil
}

func (s *Store) open(path string) error {
	ctx := context.Background()
	timeout := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	var err error
	s.writer, err = sql.Open("sqlite", path+"?"+strings.Join([]string{
		timeout,
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_pragma=secure_delete(1)",
		"_txlock=immediate", // a write transaction takes the lock at BEGIN
	}, "&"))
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	var mode string
	if err := s.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	if mode != "wal" {
		// The durability and concurrency above assume WAL; a filesystem
		// without shared memory (some network mounts) cannot give it.
		return fmt.Errorf("sqlite: %s: journal mode is %q, not WAL", path, mode)
	}
	if err := migrate(ctx, s.writer, migrations); err != nil {
		return err
	}
	if err := s.checkKey(ctx); err != nil {
		return err
	}
	s.reader, err = sql.Open("sqlite", path+"?"+timeout+"&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.reader.SetMaxOpenConns(n)
	s.reader.SetMaxIdleConns(n)
	return nil
}

// checkKey stores the key check in a new database and verifies it in an
// existing one.
func (s *Store) checkKey(ctx context.Context) error {
	var check []byte
	err := s.writer.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = 'key_check'").Scan(&check)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = s.writer.ExecContext(ctx, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", s.cipher.KeyCheck())
		if err != nil {
			return fmt.Errorf("sqlite: storing key check: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: reading key check: %w", err)
	}
	return s.cipher.CheckKey(check)
}

// Ping checks that both pools can reach the database.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := s.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// Close stops the background loop, writes the buffered usage counts and
// closes the database. The readers are closed first so that the writer is
// the last connection, whose close checkpoints the WAL into the database
// file and removes it, completing any purge still pending.
func (s *Store) Close() error {
	s.usage.mu.Lock()
	closed := s.usage.closed
	s.usage.closed = true
	s.usage.mu.Unlock()
	if closed {
		return errors.New("sqlite: store already closed")
	}
	close(s.stop)
	<-s.done
	return errors.Join(s.flushUsage(context.Background()), s.closeDBs())
}

func (s *Store) closeDBs() error {
	var errs []error
	for _, db := range []*sql.DB{s.reader, s.writer} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// background flushes usage counts and retries purges once a second.
func (s *Store) background() {
	defer close(s.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// A failed flush keeps its counts for the next tick (Close
			// reports a failure that lasts); a failed purge stays pending.
			_ = s.flushUsage(context.Background())
			if s.purgePending() {
				s.purge(context.Background())
			}
		}
	}
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

// collect scans every row of rows with scan, and closes rows.
func collect[T any](rows *sql.Rows, scan func(store.Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
