package postgres

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage/store"
)

// writeJournal appends j's audit entry, chained to the last one, and its
// events, in tx, which inTx then commits. It locks journal_head's row
// until tx commits, which numbers the entries and events of concurrent
// transactions, from every replica, in commit order without a gap (see
// the migration); so it must be the transaction's last statement, after
// logChange, the order every transaction takes the two locks in.
func writeJournal(ctx context.Context, tx pgx.Tx, j store.Journal) error {
	if j.Audit == nil && len(j.Events) == 0 {
		return nil
	}
	j.Stamp()
	var auditSeq, eventSeq int64
	var prev []byte
	if err := tx.QueryRow(ctx, "SELECT audit_seq, audit_hash, event_seq FROM journal_head FOR UPDATE").Scan(&auditSeq, &prev, &eventSeq); err != nil {
		return err
	}
	if e := j.Audit; e != nil {
		e.Seq = auditSeq + 1
		e.Hash = e.ChainHash(prev)
		if _, err := tx.Exec(ctx, "INSERT INTO audit ("+auditColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			e.Seq, micros(e.At), e.Actor, e.ActorID, e.Addr, e.Action, e.AppID, e.Target, []byte(e.Detail), e.Hash); err != nil {
			return err
		}
		auditSeq, prev = e.Seq, e.Hash
	}
	for i := range j.Events {
		ev := &j.Events[i]
		eventSeq++
		ev.Seq = eventSeq
		if _, err := tx.Exec(ctx, "INSERT INTO events ("+eventColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7)",
			ev.Seq, ev.ID, ev.AppID, ev.Type, ev.FaceID, micros(ev.At), []byte(ev.Data)); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, "UPDATE journal_head SET audit_seq = $1, audit_hash = $2, event_seq = $3", auditSeq, prev, eventSeq)
	return err
}

// Record writes a journal on its own, for what changes nothing else the
// store keeps (a login's event).
func (s *Store) Record(ctx context.Context, j store.Journal) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error { return writeJournal(ctx, tx, j) })
	return internal(err, "record the journal")
}

const (
	auditColumns = "seq, at, actor, actor_id, addr, action, app_id, target, detail, hash"
	eventColumns = "seq, id, app_id, type, face_id, at, data"
)

// AuditLog returns up to limit entries with a sequence above after that
// match f, oldest first.
func (s *Store) AuditLog(ctx context.Context, f store.AuditFilter, after int64, limit int) ([]store.AuditEntry, error) {
	conds, args := []string{"seq > $1"}, []any{after}
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, cond+" $"+strconv.Itoa(len(args)))
	}
	for _, c := range []struct{ col, v string }{{"app_id", f.AppID}, {"action", f.Action}, {"actor", f.Actor}, {"target", f.Target}} {
		if c.v != "" {
			add(c.col+" =", c.v)
		}
	}
	if !f.From.IsZero() {
		add("at >=", micros(f.From))
	}
	if !f.To.IsZero() {
		add("at <", micros(f.To))
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, "SELECT "+auditColumns+" FROM audit WHERE "+strings.Join(conds, " AND ")+" ORDER BY seq LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, internal(err, "read the audit log")
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.AuditEntry, error) { return store.ScanAudit(r) })
	return entries, internal(err, "read the audit log")
}

// AuditAnchor returns the last entry retention pruned.
func (s *Store) AuditAnchor(ctx context.Context) (store.AuditAnchor, error) {
	var a store.AuditAnchor
	err := s.pool.QueryRow(ctx, "SELECT seq, hash FROM audit_anchor").Scan(&a.Seq, &a.Hash)
	if isNoRows(err) {
		return a, nil
	}
	return a, internal(err, "read the audit anchor")
}

// PruneAudit removes the entries older than before, and keeps the last
// one removed as the anchor the log now starts from. The newest entry is
// always kept.
func (s *Store) PruneAudit(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var seq int64
		var hash []byte
		err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit WHERE at < $1 AND seq < (SELECT MAX(seq) FROM audit) ORDER BY seq DESC LIMIT 1",
			micros(before)).Scan(&seq, &hash)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO audit_anchor (seq, hash) VALUES ($1, $2) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", seq, hash); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "DELETE FROM audit WHERE seq <= $1", seq)
		n = tag.RowsAffected()
		return err
	})
	return n, internal(err, "prune the audit log")
}

// Events returns up to limit events of the app with a sequence above
// after, oldest first: of the given types, or of every type when types
// is empty.
func (s *Store) Events(ctx context.Context, appID string, after int64, types []string, limit int) ([]store.Event, error) {
	q, args := "SELECT "+eventColumns+" FROM events WHERE app_id = $1 AND seq > $2", []any{appID, after}
	if len(types) > 0 {
		q += " AND type = ANY($3)"
		args = append(args, types)
	}
	args = append(args, limit)
	rows, err := s.pool.Query(ctx, q+" ORDER BY seq LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, internal(err, "read the events of app %s", appID)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) { return store.ScanEvent(r) })
	return events, internal(err, "read the events of app %s", appID)
}

// FaceEvents returns the events about one face of the app, oldest first.
func (s *Store) FaceEvents(ctx context.Context, appID, faceID string) ([]store.Event, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE app_id = $1 AND face_id = $2 ORDER BY seq", appID, faceID)
	if err != nil {
		return nil, internal(err, "read the events of face %s", faceID)
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Event, error) { return store.ScanEvent(r) })
	return events, internal(err, "read the events of face %s", faceID)
}
