package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage/store"
)

// Usage counts are written at once, one upsert per count, but committed
// with synchronous_commit off: the commit does not wait for the WAL's
// flush, so counting costs no fsync per API call. A PostgreSQL crash may
// lose the counts of its last fraction of a second, which undercounts in
// the customer's favour (the embedded store buffers a second of counts
// for the same reason). Every replica writes its own counts; the row's
// lock adds them up.

// CountCall counts one API call of the app on the UTC day of at.
func (s *Store) CountCall(ctx context.Context, appID string, at time.Time, success bool) error {
	var succeeded int64
	if success {
		succeeded = 1
	}
	return internal(s.count(ctx, appID, at, 1, succeeded, 0, 0), "count a call of app %s", appID)
}

// CountSession counts one widget session and its frames.
func (s *Store) CountSession(ctx context.Context, appID string, at time.Time, frames int64) error {
	return internal(s.count(ctx, appID, at, 0, 0, 1, frames), "count a session of app %s", appID)
}

// count adds to the app's day. Counts of an app that does not exist (it
// was deleted meanwhile) are dropped: the INSERT … SELECT finds no app.
func (s *Store) count(ctx context.Context, appID string, at time.Time, calls, succeeded, sessions, frames int64) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO usage (app_id, day, calls, succeeded, sessions, frames)
			SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
			ON CONFLICT (app_id, day) DO UPDATE SET
				calls = usage.calls + excluded.calls,
				succeeded = usage.succeeded + excluded.succeeded,
				sessions = usage.sessions + excluded.sessions,
				frames = usage.frames + excluded.frames`,
			appID, day(at), calls, succeeded, sessions, frames)
		return err
	})
}

// Usage returns the app's calls per UTC day from the day of from to the
// day of to, both included, oldest first.
func (s *Store) Usage(ctx context.Context, appID string, from, to time.Time) ([]store.DayUsage, error) {
	rows, err := s.pool.Query(ctx, `SELECT day, calls, succeeded, sessions, frames, COALESCE(faces, -1) FROM usage
		WHERE app_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`, appID, day(from), day(to))
	if err != nil {
		return nil, internal(err, "read usage of app %s", appID)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.DayUsage, error) {
		var d int64
		var u store.DayUsage
		err := r.Scan(&d, &u.Calls, &u.Succeeded, &u.Sessions, &u.Frames, &u.Faces)
		u.Day = time.Unix(d*86400, 0).UTC()
		return u, err
	})
	return out, internal(err, "read usage of app %s", appID)
}

// MonthCalls returns the app's calls in the UTC month of month.
func (s *Store) MonthCalls(ctx context.Context, appID string, month time.Time) (int64, error) {
	return s.monthCount(ctx, appID, month, "calls")
}

// MonthSessions returns the app's widget sessions in the UTC month of
// month.
func (s *Store) MonthSessions(ctx context.Context, appID string, month time.Time) (int64, error) {
	return s.monthCount(ctx, appID, month, "sessions")
}

// monthCount sums one of usage's columns (a constant of the caller's)
// over the UTC month of month.
func (s *Store) monthCount(ctx context.Context, appID string, month time.Time, column string) (int64, error) {
	m := month.UTC()
	first := day(time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC))
	next := day(time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, time.UTC))
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT COALESCE(SUM("+column+"), 0)::bigint FROM usage WHERE app_id = $1 AND day >= $2 AND day < $3",
		appID, first, next).Scan(&n)
	return n, internal(err, "read month %s of app %s", column, appID)
}

// CountOutcome counts one API call by endpoint and outcome, committed as
// the other counts are.
func (s *Store) CountOutcome(ctx context.Context, appID string, at time.Time, endpoint, code string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO usage_calls (app_id, day, endpoint, code, calls)
			SELECT $1, $2, $3, $4, 1 WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
			ON CONFLICT (app_id, day, endpoint, code) DO UPDATE SET calls = usage_calls.calls + 1`,
			appID, day(at), endpoint, code)
		return err
	})
	return internal(err, "count a call of app %s", appID)
}

// Outcomes returns the app's calls by day, endpoint and outcome.
func (s *Store) Outcomes(ctx context.Context, appID string, from, to time.Time) ([]store.Outcome, error) {
	rows, err := s.pool.Query(ctx, `SELECT day, endpoint, code, calls FROM usage_calls
		WHERE app_id = $1 AND day BETWEEN $2 AND $3`, appID, day(from), day(to))
	if err != nil {
		return nil, internal(err, "read the calls of app %s", appID)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Outcome, error) {
		var d int64
		var o store.Outcome
		err := r.Scan(&d, &o.Endpoint, &o.Code, &o.Calls)
		o.Day = store.DayTime(d)
		return o, err
	})
	store.SortOutcomes(out)
	return out, internal(err, "read the calls of app %s", appID)
}

// RecordFaces records how many faces the app holds on the day of at.
func (s *Store) RecordFaces(ctx context.Context, appID string, at time.Time, faces int64) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO usage (app_id, day, faces) SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM apps WHERE id = $1)
		ON CONFLICT (app_id, day) DO UPDATE SET faces = excluded.faces`, appID, day(at), faces)
	return internal(err, "record the faces of app %s", appID)
}
