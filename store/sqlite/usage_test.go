package sqlite

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	s, _ := openTest(t)
	createApp(t, s, "app1")
	createApp(t, s, "app2")
	may31 := time.Date(2026, 5, 31, 23, 59, 59, 0, time.UTC)
	june1 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	// 01:30 on June 1st in UTC+2 is still May 31st in UTC.
	june1Local := time.Date(2026, 6, 1, 1, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	count := func(app string, at time.Time, success bool, n int) {
		for range n {
			if err := s.CountCall(ctx, app, at, success); err != nil {
				t.Fatal(err)
			}
		}
	}
	count("app1", may31, true, 3)
	count("app1", june1Local, false, 1)
	count("app1", june1, true, 2)
	count("app1", june1.Add(36*time.Hour), false, 4)
	count("app2", june1, true, 100)
	// Widget sessions are counted apart from calls, with their frames.
	for _, f := range []int64{20, 35} {
		if err := s.CountSession(ctx, "app1", june1, f); err != nil {
			t.Fatal(err)
		}
	}

	check := func(when string) {
		t.Helper()
		if n, err := s.MonthCalls(ctx, "app1", may31); err != nil || n != 4 {
			t.Fatalf("%s: May calls %d, %v; want 4", when, n, err)
		}
		if n, err := s.MonthCalls(ctx, "app1", june1.Add(20*24*time.Hour)); err != nil || n != 6 {
			t.Fatalf("%s: June calls %d, %v; want 6", when, n, err)
		}
		if n, err := s.MonthSessions(ctx, "app1", june1); err != nil || n != 2 {
			t.Fatalf("%s: June widget sessions %d, %v; want 2", when, n, err)
		}
		if n, err := s.MonthSessions(ctx, "app1", may31); err != nil || n != 0 {
			t.Fatalf("%s: May widget sessions %d, %v; want 0", when, n, err)
		}
		days, err := s.Usage(ctx, "app1", may31, june1.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := "[{2026-05-31 00:00:00 +0000 UTC 4 3 0 0} {2026-06-01 00:00:00 +0000 UTC 2 2 2 55} {2026-06-02 00:00:00 +0000 UTC 4 0 0 0}]"
		if got := fmt.Sprint(days); got != want {
			t.Fatalf("%s: usage %s, want %s", when, got, want)
		}
		if days, _ := s.Usage(ctx, "app1", june1, june1); len(days) != 1 || days[0].Calls != 2 {
			t.Fatalf("%s: one day: %v", when, days)
		}
	}
	check("buffered")
	if err := s.flushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	check("flushed")
	count("app1", june1, true, 1) // half flushed, half buffered
	days, _ := s.Usage(ctx, "app1", june1, june1)
	if days[0].Calls != 3 || days[0].Succeeded != 3 {
		t.Fatalf("flushed plus buffered: %v", days)
	}
}

// The monthly count survives a restart: Close writes the buffer.
func TestUsageSurvivesReopen(t *testing.T) {
	s, path := openTest(t)
	createApp(t, s, "app1")
	now := time.Now()
	for i := range 7 {
		if err := s.CountCall(ctx, "app1", now, i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.CountCall(ctx, "app1", now, true); err == nil {
		t.Fatal("CountCall after Close succeeded")
	}
	s = reopen(t, path)
	if n, err := s.MonthCalls(ctx, "app1", now); err != nil || n != 7 {
		t.Fatalf("after reopen: %d calls, %v; want 7", n, err)
	}
	days, err := s.Usage(ctx, "app1", now, now)
	if err != nil || len(days) != 1 || days[0].Calls != 7 || days[0].Succeeded != 4 {
		t.Fatalf("after reopen: %v, %v", days, err)
	}
}

// The background loop writes the buffer without a Close.
func TestUsageFlushedInBackground(t *testing.T) {
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
