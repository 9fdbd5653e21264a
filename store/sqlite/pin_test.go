package sqlite

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
)

func TestPINLockout(t *testing.T) {
	s, _ := openTest(t)
	createApp(t, s, "app1")
	f := newFace("app1", "face1", "")
	f.PINHash = []byte("pin")
	if err := s.CreateFace(ctx, f); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const lockAfter, lockFor = 3, 15 * time.Minute
	fail := func(at time.Time, wantFailures int, wantLock time.Time) {
		t.Helper()
		n, until, err := s.PINFailed(ctx, "app1", "face1", lockAfter, lockFor, at)
		if err != nil || n != wantFailures || !until.Equal(wantLock) {
			t.Fatalf("PINFailed: %d, %v, %v; want %d, %v", n, until, err, wantFailures, wantLock)
		}
	}
	fail(now, 1, time.Time{})
	fail(now, 2, time.Time{})
	fail(now, 3, now.Add(lockFor))
	got, _ := s.Face(ctx, "app1", "face1")
	if got.PINFailures != 3 || !got.PINLockedUntil.Equal(now.Add(lockFor)) {
		t.Fatalf("stored lockout: %d, %v", got.PINFailures, got.PINLockedUntil)
	}
	// After the lock runs out, one more failure locks again.
	later := now.Add(time.Hour)
	fail(later, 4, later.Add(lockFor))

	if err := s.PINSucceeded(ctx, "app1", "face1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Face(ctx, "app1", "face1"); got.PINFailures != 0 || !got.PINLockedUntil.IsZero() {
		t.Fatalf("after success: %d, %v", got.PINFailures, got.PINLockedUntil)
	}
	fail(later, 1, time.Time{})

	// A new PIN starts clean.
	fail(later, 2, time.Time{})
	fail(later, 3, later.Add(lockFor))
	if err := s.SetPIN(ctx, "app1", "face1", []byte("pin2")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Face(ctx, "app1", "face1"); got.PINFailures != 0 || !got.PINLockedUntil.IsZero() {
		t.Fatalf("after SetPIN: %d, %v", got.PINFailures, got.PINLockedUntil)
	}

	// lockAfter <= 0 counts but never locks.
	for i := range 5 {
		n, until, err := s.PINFailed(ctx, "app1", "face1", 0, lockFor, now)
		if err != nil || n != i+1 || !until.IsZero() {
			t.Fatalf("lockAfter 0: %d, %v, %v", n, until, err)
		}
	}
	_, _, err := s.PINFailed(ctx, "app1", "nope", lockAfter, lockFor, now)
	wantCode(t, err, visage.CodeNotFound)
	wantCode(t, s.PINSucceeded(ctx, "app1", "nope"), visage.CodeNotFound)
}

// Concurrent wrong PINs are all counted: an attacker cannot get extra
// guesses by sending them at once.
func TestPINFailedConcurrent(t *testing.T) {
	s, _ := openTest(t)
	createApp(t, s, "app1")
	createFace(t, s, "app1", "face1", "")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := s.PINFailed(ctx, "app1", "face1", 5, time.Minute, time.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, _ := s.Face(ctx, "app1", "face1"); got.PINFailures != 20 {
		t.Fatalf("%d failures counted, want 20", got.PINFailures)
	}
}

func TestPINHashes(t *testing.T) {
	s, _ := openTest(t)
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
}
