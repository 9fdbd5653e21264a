package store_test

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

func TestPINLockout(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		f := newFace("app1", "face1", "")
		f.PINHash = []byte("pin")
		if err := s.CreateFace(ctx, f); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		const lockAfter, lockFor = 3, 15 * time.Minute
		attempt := func(at time.Time, wantOK bool, wantFailures int, wantLock time.Time) {
			t.Helper()
			n, until, ok, err := s.PINAttempt(ctx, "app1", "face1", lockAfter, lockFor, at)
			if err != nil || ok != wantOK || n != wantFailures || !until.Equal(wantLock) {
				t.Fatalf("PINAttempt: %d, %v, %v, %v; want %d, %v, %v", n, until, ok, err, wantFailures, wantLock, wantOK)
			}
		}
		attempt(now, true, 1, time.Time{})
		attempt(now, true, 2, time.Time{})
		attempt(now, true, 3, now.Add(lockFor)) // the third claims the last try and sets the lock
		got, _ := s.Face(ctx, "app1", "face1")
		if got.PINFailures != 3 || !got.PINLockedUntil.Equal(now.Add(lockFor)) {
			t.Fatalf("stored lockout: %d, %v", got.PINFailures, got.PINLockedUntil)
		}
		// Locked: refused unchecked and not counted, until the lock runs out.
		attempt(now.Add(lockFor-time.Second), false, 3, now.Add(lockFor))
		// After the lock runs out, one more attempt locks again.
		later := now.Add(time.Hour)
		attempt(later, true, 4, later.Add(lockFor))

		if err := s.PINSucceeded(ctx, "app1", "face1"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face1"); got.PINFailures != 0 || !got.PINLockedUntil.IsZero() {
			t.Fatalf("after success: %d, %v", got.PINFailures, got.PINLockedUntil)
		}
		attempt(later, true, 1, time.Time{})

		// A new PIN starts clean.
		attempt(later, true, 2, time.Time{})
		attempt(later, true, 3, later.Add(lockFor))
		if err := s.SetPIN(ctx, "app1", "face1", []byte("pin2")); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Face(ctx, "app1", "face1"); got.PINFailures != 0 || !got.PINLockedUntil.IsZero() {
			t.Fatalf("after SetPIN: %d, %v", got.PINFailures, got.PINLockedUntil)
		}

		// lockAfter <= 0 counts but never locks.
		for i := range 5 {
			n, until, ok, err := s.PINAttempt(ctx, "app1", "face1", 0, lockFor, now)
			if err != nil || !ok || n != i+1 || !until.IsZero() {
				t.Fatalf("lockAfter 0: %d, %v, %v, %v", n, until, ok, err)
			}
		}
		_, _, _, err := s.PINAttempt(ctx, "app1", "nope", lockAfter, lockFor, now)
		wantCode(t, err, visage.CodeNotFound)
		wantCode(t, s.PINSucceeded(ctx, "app1", "nope"), visage.CodeNotFound)
	})
}

// Attempts sent at once each claim their own count: exactly lockAfter of
// 20 are let through to be checked, the rest find the lock.
func TestPINAttemptConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		createFace(t, s, "app1", "face1", "")
		var wg sync.WaitGroup
		var claimed atomic.Int64
		now := time.Now()
		for range 20 {
			wg.Go(func() {
				_, _, ok, err := s.PINAttempt(ctx, "app1", "face1", 5, time.Minute, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					claimed.Add(1)
				}
			})
		}
		wg.Wait()
		if got, _ := s.Face(ctx, "app1", "face1"); claimed.Load() != 5 || got.PINFailures != 5 {
			t.Fatalf("%d attempts claimed, %d failures counted; want 5 and 5", claimed.Load(), got.PINFailures)
		}
	})
}

func TestPINHashes(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app1")
		for i, pin := range []string{"h1", "", "h2"} {
			f := newFace("app1", string(rune('a'+i)), "")
			f.PINHash = []byte(pin)
			if err := s.CreateFace(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		hashes, err := s.PINHashes(ctx, "app1")
		if err != nil || len(hashes) != 2 {
			t.Fatalf("hashes %q, %v", hashes, err)
		}
		for _, h := range hashes {
			if !bytes.Equal(h, []byte("h1")) && !bytes.Equal(h, []byte("h2")) {
				t.Fatalf("unexpected hash %q", h)
			}
		}
	})
}
