package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/visagehq/visage/store"
)

// write runs fn in a transaction of the writer and writes the journal ctx
// carries (store.WithJournal) in the same transaction, before it commits:
// what every change goes through.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := writeJournal(ctx, tx, store.JournalOf(ctx)); err != nil {
		return err
	}
	return tx.Commit()
}

// Record writes a journal on its own, for what changes nothing else the
// store keeps (a login's event).
func (s *Store) Record(ctx context.Context, j store.Journal) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return internal(err, "record the journal")
	}
	defer tx.Rollback()
	if err := writeJournal(ctx, tx, j); err != nil {
		return internal(err, "record the journal")
	}
	return internal(tx.Commit(), "record the journal")
}

// writeJournal appends j's audit entry, chained to the last one, and its
// events. The writer is one connection, so transactions, and with them
// the sequences, follow each other in commit order.
func writeJournal(ctx context.Context, tx *sql.Tx, j store.Journal) error {
	j.Stamp()
	if e := j.Audit; e != nil {
		var last int64
		var prev []byte
		err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").Scan(&last, &prev)
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_anchor").Scan(&last, &prev)
			if errors.Is(err, sql.ErrNoRows) {
				err = nil
			}
		}
		if err != nil {
			return err
		}
		e.Seq = last + 1
		e.Hash = e.ChainHash(prev)
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit ("+auditColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			e.Seq, micros(e.At), e.Actor, e.ActorID, e.Addr, e.Action, e.AppID, e.Target, []byte(e.Detail), e.Hash); err != nil {
			return err
		}
	}
	for i := range j.Events {
		ev := &j.Events[i]
		err := tx.QueryRowContext(ctx, "INSERT INTO events (id, app_id, type, face_id, at, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
			ev.ID, ev.AppID, ev.Type, ev.FaceID, micros(ev.At), []byte(ev.Data)).Scan(&ev.Seq)
		if err != nil {
			return err
		}
	}
	return nil
}

const auditColumns = "seq, at, actor, actor_id, addr, action, app_id, target, detail, hash"

// AuditLog returns up to limit entries with a sequence above after that
// match f, oldest first.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter, after int64, limit int) ([]store.AuditEntry, error) {
	where, args := auditWhere(f, after)
	rows, err := s.reader.QueryContext(ctx, "SELECT "+auditColumns+" FROM audit WHERE "+where+" ORDER BY seq LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, internal(err, "read the audit log")
	}
	entries, err := collect(rows, store.ScanAudit)
	return entries, internal(err, "read the audit log")
}

// auditWhere is the condition that selects f's entries after a sequence.
func auditWhere(f store.AuditFilter, after int64) (string, []any) {
	conds, args := []string{"seq > ?"}, []any{after}
	for _, c := range []struct{ col, v string }{{"app_id", f.AppID}, {"action", f.Action}, {"actor", f.Actor}, {"target", f.Target}} {
		if c.v != "" {
			conds, args = append(conds, c.col+" = ?"), append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "at >= ?"), append(args, micros(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "at < ?"), append(args, micros(f.To))
	}
	return strings.Join(conds, " AND "), args
}

// AuditAnchor returns the last entry retention pruned.
func (s *Store) AuditAnchor(ctx context.Context) (store.AuditAnchor, error) {
	var a store.AuditAnchor
	err := s.reader.QueryRowContext(ctx, "SELECT seq, hash FROM audit_anchor").Scan(&a.Seq, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	return a, internal(err, "read the audit anchor")
}

// PruneAudit removes the entries older than before, and keeps the last
// one removed as the anchor the log now starts from. The newest entry is
// always kept, so that the next one has something to chain to.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var seq int64
		var hash []byte
		err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit WHERE at < ? AND seq < (SELECT MAX(seq) FROM audit) ORDER BY seq DESC LIMIT 1",
			micros(before)).Scan(&seq, &hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_anchor (one, seq, hash) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", seq, hash); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM audit WHERE seq <= ?", seq)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, internal(err, "prune the audit log")
}

// Events returns up to limit events of the app with a sequence above
// after, oldest first: of the given types, or of every type when types
// is empty.
func (s *Store) Events(ctx context.Context, appID string, after int64, types []string, limit int) ([]store.Event, error) {
	q, args := "SELECT "+eventColumns+" FROM events WHERE app_id = ? AND seq > ?", []any{appID, after}
	if len(types) > 0 {
		q += " AND type IN (?" + strings.Repeat(", ?", len(types)-1) + ")"
		for _, t := range types {
			args = append(args, t)
		}
	}
	rows, err := s.reader.QueryContext(ctx, q+" ORDER BY seq LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, internal(err, "read the events of app %s", appID)
	}
	events, err := collect(rows, store.ScanEvent)
	return events, internal(err, "read the events of app %s", appID)
}

// FaceEvents returns the events about one face of the app, oldest first.
func (s *Store) FaceEvents(ctx context.Context, appID, faceID string) ([]store.Event, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE app_id = ? AND face_id = ? ORDER BY seq", appID, faceID)
	if err != nil {
		return nil, internal(err, "read the events of face %s", faceID)
	}
	events, err := collect(rows, store.ScanEvent)
	return events, internal(err, "read the events of face %s", faceID)
}

const eventColumns = "seq, id, app_id, type, face_id, at, data"
