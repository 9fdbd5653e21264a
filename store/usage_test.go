package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/visagehq/visage/store"
)

func TestUsage(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
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
			want := "[{2026-05-31 00:00:00 +0000 UTC 4 3 0 0 -1} {2026-06-01 00:00:00 +0000 UTC 2 2 2 55 -1} {2026-06-02 00:00:00 +0000 UTC 4 0 0 0 -1}]"
			if got := fmt.Sprint(days); got != want {
				t.Fatalf("%s: usage %s, want %s", when, got, want)
			}
			if days, _ := s.Usage(ctx, "app1", june1, june1); len(days) != 1 || days[0].Calls != 2 {
				t.Fatalf("%s: one day: %v", when, days)
			}
			if n, err := s.MonthCalls(ctx, "app2", june1); err != nil || n != 100 {
				t.Fatalf("%s: app2's June calls %d, %v; want 100", when, n, err)
			}
		}
		check("counted")
		// The counts survive a restart: Close writes what a backend buffers.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.CountCall(ctx, "app1", june1, true); err == nil {
			t.Fatal("CountCall after Close succeeded")
		}
		s = open()
		check("after reopen")
		count("app1", june1, true, 1) // added to the written counts
		days, _ := s.Usage(ctx, "app1", june1, june1)
		if len(days) != 1 || days[0].Calls != 3 || days[0].Succeeded != 3 {
			t.Fatalf("written plus new: %v", days)
		}
	})
}

// Calls are counted by endpoint and outcome, and an app's number of faces
// is recorded by day, on every backend, across a restart.
func TestOutcomesAndFaces(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func() store.Store) {
		s := open()
		createApp(t, s, "app1")
		createApp(t, s, "app2")
		june1 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		for _, c := range []struct {
			app      string
			at       time.Time
			endpoint string
			code     string
		}{
			{"app1", june1, "POST /v1/enroll", ""},
			{"app1", june1, "POST /v1/authenticate", ""},
			{"app1", june1, "POST /v1/authenticate", ""},
			{"app1", june1, "POST /v1/authenticate", "PAD_ATTACK"},
			{"app1", june1.Add(24 * time.Hour), "faceio enroll", "NO_FACE"},
			{"app2", june1, "POST /v1/enroll", ""},
		} {
			if err := s.CountOutcome(ctx, c.app, c.at, c.endpoint, c.code); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []int64{3, 5} { // the day's last record counts
			if err := s.RecordFaces(ctx, "app1", june1, n); err != nil {
				t.Fatal(err)
			}
		}
		want := "[{2026-06-01 00:00:00 +0000 UTC POST /v1/authenticate  2} {2026-06-01 00:00:00 +0000 UTC POST /v1/authenticate PAD_ATTACK 1} " +
			"{2026-06-01 00:00:00 +0000 UTC POST /v1/enroll  1} {2026-06-02 00:00:00 +0000 UTC faceio enroll NO_FACE 1}]"
		for _, when := range []string{"counted", "after reopen"} {
			got, err := s.Outcomes(ctx, "app1", june1, june1.Add(24*time.Hour))
			if err != nil || fmt.Sprint(got) != want {
				t.Errorf("%s: outcomes %v, %v\nwant %s", when, got, err, want)
			}
			days, err := s.Usage(ctx, "app1", june1, june1)
			if err != nil || len(days) != 1 || days[0].Faces != 5 {
				t.Errorf("%s: faces recorded %+v, %v", when, days, err)
			}
			if when == "counted" {
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = open()
			}
		}
	})
}
