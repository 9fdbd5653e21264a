package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/visagehq/visage/store"
)

// usageBuffer holds the calls counted since the last flush.
//
// Counting every API call with its own transaction would cost an fsync per
// call (synchronous=FULL) and take the single writer from enrollments, so
// CountCall only adds to this buffer, and the background loop writes it
// once a second in one transaction; Close writes what is left. A crash
// (SIGKILL, power cut) loses at most the last second of counts, which
// undercounts in the customer's favour; an orderly restart loses none.
type usageBuffer struct {
	mu      sync.Mutex
	closed  bool
	pending map[usageKey]usageCount
	// outcomes are the calls counted by endpoint and outcome
	// (CountOutcome), flushed with pending.
	outcomes map[outcomeKey]int64

	// flushing is held for writing during a flush and for reading while
	// Usage or MonthCalls add the database and the buffer, so that a
	// count being flushed is seen exactly once: either still in the
	// buffer or already in the database.
	flushing sync.RWMutex
}

type usageKey struct {
	appID string
	day   int64 // days since 1970-01-01, UTC
}

type usageCount struct{ calls, succeeded, sessions, frames int64 }

type outcomeKey struct {
	usageKey
	endpoint, code string
}

func (c *usageCount) add(o usageCount) {
	c.calls += o.calls
	c.succeeded += o.succeeded
	c.sessions += o.sessions
	c.frames += o.frames
}

// CountCall counts one API call of the app on the UTC day of at. The count
// is buffered (see usageBuffer); it fails only after Close.
func (s *Store) CountCall(_ context.Context, appID string, at time.Time, success bool) error {
	c := usageCount{calls: 1}
	if success {
		c.succeeded = 1
	}
	return s.count(appID, at, c)
}

// CountSession counts one widget session and its frames, buffered as
// CountCall's calls are.
func (s *Store) CountSession(_ context.Context, appID string, at time.Time, frames int64) error {
	return s.count(appID, at, usageCount{sessions: 1, frames: frames})
}

// CountOutcome counts one API call by endpoint and outcome, buffered as
// CountCall's calls are.
func (s *Store) CountOutcome(_ context.Context, appID string, at time.Time, endpoint, code string) error {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	if s.usage.closed {
		return errors.New("sqlite: store closed")
	}
	s.usage.outcomes[outcomeKey{usageKey{appID, day(at)}, endpoint, code}]++
	return nil
}

func (s *Store) count(appID string, at time.Time, c usageCount) error {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	if s.usage.closed {
		return errors.New("sqlite: store closed")
	}
	k := usageKey{appID, day(at)}
	sum := s.usage.pending[k]
	sum.add(c)
	s.usage.pending[k] = sum
	return nil
}

// flushUsage writes the buffered counts in one transaction. On failure the
// counts go back into the buffer for the next flush. Counts of an app
// deleted meanwhile are dropped (the INSERT finds no app).
func (s *Store) flushUsage(ctx context.Context) error {
	s.usage.flushing.Lock()
	defer s.usage.flushing.Unlock()
	s.usage.mu.Lock()
	batch, outcomes := s.usage.pending, s.usage.outcomes
	s.usage.pending, s.usage.outcomes = map[usageKey]usageCount{}, map[outcomeKey]int64{}
	s.usage.mu.Unlock()
	if len(batch) == 0 && len(outcomes) == 0 {
		return nil
	}
	err := s.writeUsage(ctx, batch, outcomes)
	if err != nil {
		s.usage.mu.Lock()
		for k, c := range batch {
			sum := s.usage.pending[k]
			sum.add(c)
			s.usage.pending[k] = sum
		}
		for k, n := range outcomes {
			s.usage.outcomes[k] += n
		}
		s.usage.mu.Unlock()
	}
	return internal(err, "write usage")
}

func (s *Store) writeUsage(ctx context.Context, batch map[usageKey]usageCount, outcomes map[outcomeKey]int64) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO usage (app_id, day, calls, succeeded, sessions, frames)
		SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM apps WHERE id = ?)
		ON CONFLICT (app_id, day) DO UPDATE SET
			calls = calls + excluded.calls,
			succeeded = succeeded + excluded.succeeded,
			sessions = sessions + excluded.sessions,
			frames = frames + excluded.frames`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for k, c := range batch {
		if _, err := stmt.ExecContext(ctx, k.appID, k.day, c.calls, c.succeeded, c.sessions, c.frames, k.appID); err != nil {
			return err
		}
	}
	byOutcome, err := tx.PrepareContext(ctx, `INSERT INTO usage_calls (app_id, day, endpoint, code, calls)
		SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM apps WHERE id = ?)
		ON CONFLICT (app_id, day, endpoint, code) DO UPDATE SET calls = calls + excluded.calls`)
	if err != nil {
		return err
	}
	defer byOutcome.Close()
	for k, n := range outcomes {
		if _, err := byOutcome.ExecContext(ctx, k.appID, k.day, k.endpoint, k.code, n, k.appID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// dropUsage forgets the buffered counts of a deleted app.
func (s *Store) dropUsage(appID string) {
	s.usage.mu.Lock()
	defer s.usage.mu.Unlock()
	for k := range s.usage.pending {
		if k.appID == appID {
			delete(s.usage.pending, k)
		}
	}
	for k := range s.usage.outcomes {
		if k.appID == appID {
			delete(s.usage.outcomes, k)
		}
	}
}

// Usage returns the app's calls per UTC day from the day of from to the
// day of to, both included, oldest first, buffered counts included.
func (s *Store) Usage(ctx context.Context, appID string, from, to time.Time) ([]store.DayUsage, error) {
	first, last := day(from), day(to)
	s.usage.flushing.RLock()
	defer s.usage.flushing.RUnlock()
	rows, err := s.reader.QueryContext(ctx,
		"SELECT day, calls, succeeded, sessions, frames, COALESCE(faces, -1) FROM usage WHERE app_id = ? AND day BETWEEN ? AND ?", appID, first, last)
	if err != nil {
		return nil, internal(err, "read usage of app %s", appID)
	}
	defer rows.Close()
	days := map[int64]usageCount{}
	faces := map[int64]int64{}
	for rows.Next() {
		var d, n int64
		var c usageCount
		if err := rows.Scan(&d, &c.calls, &c.succeeded, &c.sessions, &c.frames, &n); err != nil {
			return nil, internal(err, "read usage of app %s", appID)
		}
		days[d], faces[d] = c, n
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read usage of app %s", appID)
	}
	s.usage.mu.Lock()
	for k, c := range s.usage.pending {
		if k.appID == appID && k.day >= first && k.day <= last {
			sum := days[k.day]
			sum.add(c)
			days[k.day] = sum
		}
	}
	s.usage.mu.Unlock()
	out := make([]store.DayUsage, 0, len(days))
	for d, c := range days {
		n, ok := faces[d]
		if !ok {
			n = -1
		}
		out = append(out, store.DayUsage{Day: time.Unix(d*86400, 0).UTC(), Calls: c.calls, Succeeded: c.succeeded, Sessions: c.sessions, Frames: c.frames, Faces: n})
	}
	slices.SortFunc(out, func(a, b store.DayUsage) int { return a.Day.Compare(b.Day) })
	return out, nil
}

// MonthCalls returns the app's calls in the UTC month of month, buffered
// counts included.
func (s *Store) MonthCalls(ctx context.Context, appID string, month time.Time) (int64, error) {
	return s.monthCount(ctx, appID, month, "calls", func(c usageCount) int64 { return c.calls })
}

// MonthSessions returns the app's widget sessions in the UTC month of
// month, buffered counts included.
func (s *Store) MonthSessions(ctx context.Context, appID string, month time.Time) (int64, error) {
	return s.monthCount(ctx, appID, month, "sessions", func(c usageCount) int64 { return c.sessions })
}

// monthCount sums one of usage's columns (a constant of the caller's)
// over the UTC month of month.
func (s *Store) monthCount(ctx context.Context, appID string, month time.Time, column string, of func(usageCount) int64) (int64, error) {
	m := month.UTC()
	first := day(time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC))
	next := day(time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, time.UTC))
	s.usage.flushing.RLock()
	defer s.usage.flushing.RUnlock()
	var n int64
	err := s.reader.QueryRowContext(ctx,
		"SELECT COALESCE(SUM("+column+"), 0) FROM usage WHERE app_id = ? AND day >= ? AND day < ?", appID, first, next).Scan(&n)
	if err != nil {
		return 0, internal(err, "read month %s of app %s", column, appID)
	}
	s.usage.mu.Lock()
	for k, c := range s.usage.pending {
		if k.appID == appID && k.day >= first && k.day < next {
			n += of(c)
		}
	}
	s.usage.mu.Unlock()
	return n, nil
}

// Outcomes returns the app's calls by day, endpoint and outcome,
// buffered counts included.
func (s *Store) Outcomes(ctx context.Context, appID string, from, to time.Time) ([]store.Outcome, error) {
	first, last := day(from), day(to)
	s.usage.flushing.RLock()
	defer s.usage.flushing.RUnlock()
	rows, err := s.reader.QueryContext(ctx,
		"SELECT day, endpoint, code, calls FROM usage_calls WHERE app_id = ? AND day BETWEEN ? AND ?", appID, first, last)
	if err != nil {
		return nil, internal(err, "read the calls of app %s", appID)
	}
	defer rows.Close()
	counts := map[outcomeKey]int64{}
	for rows.Next() {
		k := outcomeKey{usageKey: usageKey{appID: appID}}
		var n int64
		if err := rows.Scan(&k.day, &k.endpoint, &k.code, &n); err != nil {
			return nil, internal(err, "read the calls of app %s", appID)
		}
		counts[k] += n
	}
	if err := rows.Err(); err != nil {
		return nil, internal(err, "read the calls of app %s", appID)
	}
	s.usage.mu.Lock()
	for k, n := range s.usage.outcomes {
		if k.appID == appID && k.day >= first && k.day <= last {
			counts[k] += n
		}
	}
	s.usage.mu.Unlock()
	out := make([]store.Outcome, 0, len(counts))
	for k, n := range counts {
		out = append(out, store.Outcome{Day: store.DayTime(k.day), Endpoint: k.endpoint, Code: k.code, Calls: n})
	}
	store.SortOutcomes(out)
	return out, nil
}

// RecordFaces records how many faces the app holds on the day of at.
func (s *Store) RecordFaces(ctx context.Context, appID string, at time.Time, faces int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO usage (app_id, day, calls, succeeded, faces) SELECT ?, ?, 0, 0, ? WHERE EXISTS (SELECT 1 FROM apps WHERE id = ?)
			ON CONFLICT (app_id, day) DO UPDATE SET faces = excluded.faces`, appID, day(at), faces, appID)
		return err
	})
	return internal(err, "record the faces of app %s", appID)
}
