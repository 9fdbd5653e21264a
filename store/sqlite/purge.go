package sqlite

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// purgeWait bounds how long a delete waits for readers to leave the WAL
// before its checkpoint gives up and leaves the rest to the background
// loop. The writer connection is held meanwhile, so it must stay short.
const purgeWait = 100 * time.Millisecond

// deleted completes a committed delete: it checkpoints the WAL so that the
// deleted bytes leave the database file and the WAL (see the package
// documentation). The delete itself has committed, so a checkpoint that
// does not complete is retried later instead of failing the call.
func (s *Store) deleted(ctx context.Context) {
	s.purgeMu.Lock()
	s.deletes++
	s.purgeMu.Unlock()
	s.purge(ctx)
}

// purgePending reports whether a delete still waits for its checkpoint.
func (s *Store) purgePending() bool {
	s.purgeMu.Lock()
	defer s.purgeMu.Unlock()
	return s.purged < s.deletes
}

// purge runs a TRUNCATE checkpoint. If it completes, every delete counted
// before it started (and so committed before it) is purged.
func (s *Store) purge(ctx context.Context) {
	s.purgeMu.Lock()
	target := s.deletes
	s.purgeMu.Unlock()
	if s.checkpoint(ctx) == nil {
		s.purgeMu.Lock()
		s.purged = max(s.purged, target)
		s.purgeMu.Unlock()
	}
}

// checkpoint copies every WAL frame into the database file and truncates
// the WAL to zero bytes, waiting at most purgeWait for readers.
func (s *Store) checkpoint(ctx context.Context) error {
	conn, err := s.writer.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", purgeWait.Milliseconds())); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	var busy, logFrames, checkpointed int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &checkpointed)
	if err != nil {
		return err
	}
	if busy != 0 {
		return errors.New("sqlite: checkpoint blocked by readers")
	}
	return nil
}
