package sqlite

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Counts are buffered and written once a second (usageBuffer); reads add
// the buffer to what is written, so they answer the same before a flush,
// after it, and with counts in both.
func TestUsageBufferedAndWritten(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	createApp(t, s, "app1")
	day := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	count := func(calls int) {
		t.Helper()
		for range calls {
			if err := s.CountCall(ctx, "app1", day, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CountSession(ctx, "app1", day, 10); err != nil {
			t.Fatal(err)
		}
	}
	check := func(when string, calls, sessions int64) {
		t.Helper()
		if n, err := s.MonthCalls(ctx, "app1", day); err != nil || n != calls {
			t.Fatalf("%s: %d calls, %v; want %d", when, n, err, calls)
		}
		if n, err := s.MonthSessions(ctx, "app1", day); err != nil || n != sessions {
			t.Fatalf("%s: %d sessions, %v; want %d", when, n, err, sessions)
		}
		days, err := s.Usage(ctx, "app1", day, day)
		if err != nil || len(days) != 1 || days[0].Calls != calls || days[0].Succeeded != calls ||
			days[0].Sessions != sessions || days[0].Frames != 10*sessions {
			t.Fatalf("%s: usage %v, %v; want %d calls and %d sessions", when, days, err, calls, sessions)
		}
	}
	flush := func() {
		t.Helper()
		if err := s.flushUsage(ctx); err != nil {
			t.Fatal(err)
		}
	}
	count(2)
	check("buffered", 2, 1)
	flush()
	check("written", 2, 1)
	count(3)
	check("written and buffered", 5, 2)
	flush()
	check("written twice", 5, 2)
}

// The background loop writes the buffer without a Close.
func TestUsageFlushedInBackground(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	createApp(t, s, "app1")
	if err := s.CountCall(ctx, "app1", time.Now(), true); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := s.reader.QueryRow("SELECT COALESCE(SUM(calls), 0) FROM usage").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the count was not written within 5 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// While counts are being added and flushed, a reader sees each count
// exactly once: never fewer than were counted before it asked, never more
// than were counted by the time it answered (give or take the one call
// each counter may have made but not yet tallied).
func TestUsageCountedOnceDuringFlushes(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	createApp(t, s, "app1")
	now := time.Now()
	var counted atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	const counters = 4
	for range counters {
		wg.Go(func() {
			for range 500 {
				if err := s.CountCall(ctx, "app1", now, true); err != nil {
					t.Error(err)
					return
				}
				counted.Add(1)
			}
		})
	}
	var flushes sync.WaitGroup
	flushes.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				if err := s.flushUsage(ctx); err != nil {
					t.Error(err)
				}
			}
		}
	})
	for range 200 {
		before := counted.Load()
		n, err := s.MonthCalls(ctx, "app1", now)
		after := counted.Load()
		if err != nil {
			t.Fatal(err)
		}
		if n < before || n > after+counters {
			t.Fatalf("MonthCalls %d while %d to %d were counted", n, before, after)
		}
	}
	wg.Wait()
	close(stop)
	flushes.Wait()
	if n, _ := s.MonthCalls(ctx, "app1", now); n != 2000 {
		t.Fatalf("%d calls, want 2000", n)
	}
}
