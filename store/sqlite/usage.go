package sqlite

import (
	"context"
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

type usageCount struct{ calls, succeeded int64 }

func (c *usageCount) add(o usageCount) {
	c.calls += o.calls
	c.succeeded += o.succeeded
}

// CountCall counts one API call of the app on the UTC day of at. The count
// is buffered (see usageBuffer); it fails only after Close.
func (s *Store) CountCall(_ context.Context, appID string, at time.Time, success bool) error {
	c := usageCount{calls: 1}
	if success {
		c.succeeded = 1
	}
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
	batch := s.usage.pending
	s.usage.pending = map[usageKey]usageCount{}
	s.usage.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.writeUsage(ctx, batch)
	if err != nil {
		s.usage.mu.Lock()
		for k, c := range batch {
			sum := s.usage.pending[k]
			sum.add(c)
			s.usage.pending[k] = sum
		}
		s.usage.mu.Unlock()
	}
	return internal(err, "write usage")
}

func (s *Store) writeUsage(ctx context.Context, batch map[usageKey]usageCount) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO usage (app_id, day, calls, succeeded)
		SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM apps WHERE id = ?)
		ON CONFLICT (app_id, day) DO UPDATE SET
			calls = calls + excluded.calls,
			succeeded = succeeded + excluded.succeeded`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for k, c := range batch {
		if _, err := stmt.ExecContext(ctx, k.appID, k.day, c.calls, c.succeeded, k.appID); err != nil {
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
}

// Usage returns the app's calls per UTC day from the day of from to the
// day of to, both included, oldest first, buffered counts included.
func (s *Store) Usage(ctx context.Context, appID string, from, to time.Time) ([]store.DayUsage, error) {
	first, last := day(from), day(to)
	s.usage.flushing.RLock()
	defer s.usage.flushing.RUnlock()
	rows, err := s.reader.QueryContext(ctx,
		"SELECT day, calls, succeeded FROM usage WHERE app_id = ? AND day BETWEEN ? AND ?", appID, first, last)
	if err != nil {
		return nil, internal(err, "read usage of app %s", appID)
	}
	defer rows.Close()
	days := map[int64]usageCount{}
	for rows.Next() {
		var d int64
		var c usageCount
		if err := rows.Scan(&d, &c.calls, &c.succeeded); err != nil {
			return nil, internal(err, "read usage of app %s", appID)
		}
		days[d] = c
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
		out = append(out, store.DayUsage{Day: time.Unix(d*86400, 0).UTC(), Calls: c.calls, Succeeded: c.succeeded})
	}
	slices.SortFunc(out, func(a, b store.DayUsage) int { return a.Day.Compare(b.Day) })
	return out, nil
}

// MonthCalls returns the app's calls in the UTC month of month, buffered
// counts included.
func (s *Store) MonthCalls(ctx context.Context, appID string, month time.Time) (int64, error) {
	m := month.UTC()
	first := day(time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC))
	next := day(time.Date(m.Year(), m.Month()+1, 1, 0, 0, 0, 0, time.UTC))
	s.usage.flushing.RLock()
	defer s.usage.flushing.RUnlock()
	var calls int64
	err := s.reader.QueryRowContext(ctx,
		"SELECT COALESCE(SUM(calls), 0) FROM usage WHERE app_id = ? AND day >= ? AND day < ?", appID, first, next).Scan(&calls)
	if err != nil {
		return 0, internal(err, "read month calls of app %s", appID)
	}
	s.usage.mu.Lock()
	for k, c := range s.usage.pending {
		if k.appID == appID && k.day >= first && k.day < next {
			calls += c.calls
		}
	}
	s.usage.mu.Unlock()
	return calls, nil
}

// day returns the days since 1970-01-01 of t's UTC date.
func day(t time.Time) int64 {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
}
