package postgres

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
	"github.com/visagehq/visage/store"
)

// wantChanges fails the test unless the log holds exactly want after
// after (Seq, AppID and FaceID compared), and returns what it read.
func wantChanges(t *testing.T, s *Store, after int64, want ...store.Change) []store.Change {
	t.Helper()
	got, _, err := s.Changes(ctx, after, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(cs []store.Change) string {
		var out string
		for _, c := range cs {
			out += fmt.Sprintf("%d %s/%s; ", c.Seq, c.AppID, c.FaceID)
		}
		return out
	}
	if ids(got) != ids(want) {
		t.Fatalf("changes after %d: %s\nwant %s", after, ids(got), ids(want))
	}
	return got
}

// Enrolling a face, deleting one and deleting an app each log exactly one
// change, with the IDs, in its own transaction; nothing else logs one,
// and a write that fails logs nothing.
func TestChangeLogged(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	if seq, at, err := s.Head(ctx); err != nil || seq != 0 || !at.IsZero() {
		t.Fatalf("head of a new log: %d, %v, %v; want 0 and no time", seq, at, err)
	}
	storetest.CreateApp(t, s, "app1")
	storetest.CreateApp(t, s, "app2")
	before := time.Now()
	storetest.CreateFace(t, s, "app1", "f1", "taken")
	after := time.Now()
	got := wantChanges(t, s, 0, store.Change{Seq: 1, AppID: "app1", FaceID: "f1"})
	if at := got[0].At; at.Before(before.Truncate(time.Microsecond)) || at.After(after) || at.Location() != time.UTC {
		t.Fatalf("change made between %v and %v logged at %v", before, after, at)
	}
	if seq, at, err := s.Head(ctx); err != nil || seq != 1 || !at.Equal(got[0].At) {
		t.Fatalf("head: %d, %v, %v; want 1 at %v", seq, at, err, got[0].At)
	}

	// What fails, and what changes no gallery, logs nothing.
	storetest.WantCode(t, s.CreateFace(ctx, storetest.NewFace("app1", "f2", "taken")), visage.CodeConflict)
	storetest.WantCode(t, s.CreateFace(ctx, storetest.NewFace("nope", "f3", "")), visage.CodeNotFound)
	storetest.WantCode(t, s.DeleteFace(ctx, "app1", "nope"), visage.CodeNotFound)
	storetest.WantCode(t, s.DeleteFace(ctx, "app2", "f1"), visage.CodeNotFound)
	storetest.WantCode(t, s.DeleteApp(ctx, "nope"), visage.CodeNotFound)
	if err := s.SetPayload(ctx, "app1", "f1", json.RawMessage(`{"v":2}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPIN(ctx, "app1", "f1", []byte("pin")); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.PINAttempt(ctx, "app1", "f1", 3, time.Minute, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.CountCall(ctx, "app1", time.Now(), true); err != nil {
		t.Fatal(err)
	}
	wantChanges(t, s, 0, store.Change{Seq: 1, AppID: "app1", FaceID: "f1"})

	storetest.CreateFace(t, s, "app1", "f2", "")
	storetest.CreateFace(t, s, "app2", "f1", "") // the same face ID in another app
	if err := s.DeleteFace(ctx, "app1", "f1"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteApp(ctx, "app1"); err != nil { // one change for the app, whatever its faces
		t.Fatal(err)
	}
	wantChanges(t, s, 1,
		store.Change{Seq: 2, AppID: "app1", FaceID: "f2"},
		store.Change{Seq: 3, AppID: "app2", FaceID: "f1"},
		store.Change{Seq: 4, AppID: "app1", FaceID: "f1"},
		store.Change{Seq: 5, AppID: "app1", FaceID: ""})
	if page, first, err := s.Changes(ctx, 2, 2); err != nil || first != 1 || len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Fatalf("a page of 2 after 2: %+v, first %d, %v", page, first, err)
	}
	if seq, _, _ := s.Head(ctx); seq != 5 {
		t.Fatalf("head %d, want 5", seq)
	}
}

// Replicas writing at once, each through its own pool, log their changes
// with sequences 1..N, without a gap or a repeat, in commit order: a
// reader polling meanwhile only ever sees a prefix of the log, never a
// sequence that comes to light after a higher one did.
func TestChangesFromReplicas(t *testing.T) {
	t.Parallel()
	first, url := openTest(t)
	replicas := []*Store{first, openURL(t, url), openURL(t, url)}
	storetest.CreateApp(t, first, "app1")

	var done atomic.Bool
	var polls, seen atomic.Int64
	var reader sync.WaitGroup
	reader.Go(func() {
		for !done.Load() {
			cs, _, err := first.Changes(ctx, 0, 1000)
			if err != nil {
				t.Error(err)
				return
			}
			for i, c := range cs {
				if c.Seq != int64(i+1) {
					t.Errorf("a reader saw %d changes with sequence %d at %d: a change came to light after a later one", len(cs), c.Seq, i+1)
					return
				}
			}
			polls.Add(1)
			seen.Store(int64(len(cs)))
		}
	})

	const writers = 60
	var wg sync.WaitGroup
	var logged atomic.Int64
	for i := range writers {
		wg.Go(func() {
			s := replicas[i%len(replicas)]
			id := fmt.Sprintf("face-%02d", i)
			if err := s.CreateFace(ctx, storetest.NewFace("app1", id, "")); err != nil {
				t.Error(err)
				return
			}
			logged.Add(1)
			if i%2 == 0 {
				if err := s.DeleteFace(ctx, "app1", id); err != nil {
					t.Error(err)
					return
				}
				logged.Add(1)
			}
		})
	}
	wg.Wait()
	done.Store(true)
	reader.Wait()
	t.Logf("the reader polled %d times, and saw at most %d changes", polls.Load(), seen.Load())

	n := logged.Load()
	cs, _, err := replicas[2].Changes(ctx, 0, 1000)
	if err != nil || int64(len(cs)) != n {
		t.Fatalf("%d changes, %v; want %d", len(cs), err, n)
	}
	created := map[string]int64{}
	for i, c := range cs {
		if c.Seq != int64(i+1) {
			t.Fatalf("change %d has sequence %d", i+1, c.Seq)
		}
		if c.AppID != "app1" {
			t.Fatalf("change %d of app %q", c.Seq, c.AppID)
		}
		if _, ok := created[c.FaceID]; ok {
			created[c.FaceID] = -1 // deleted after
		} else {
			created[c.FaceID] = c.Seq
		}
	}
	for i := range writers {
		id := fmt.Sprintf("face-%02d", i)
		if deleted := created[id] == -1; deleted != (i%2 == 0) {
			t.Errorf("%s: logged %v (-1: created then deleted)", id, created[id])
		}
	}
	if seq, _, err := replicas[1].Head(ctx); err != nil || seq != n {
		t.Fatalf("head %d, %v; want %d", seq, err, n)
	}
}

// A change committed through one replica's store wakes the waiters of
// another's within a second.
func TestChangedWakesOtherReplicas(t *testing.T) {
	t.Parallel()
	waiter, url := openTest(t)
	writer := openURL(t, url)
	storetest.CreateApp(t, writer, "app1")
	select { // the first channel closes once listening starts
	case <-waiter.Changed():
	case <-time.After(5 * time.Second):
		t.Fatal("not listening after 5 s")
	}
	ch := waiter.Changed()
	for _, change := range []struct {
		name string
		do   func() error
	}{
		{"CreateFace", func() error { return writer.CreateFace(ctx, storetest.NewFace("app1", "f1", "")) }},
		{"DeleteFace", func() error { return writer.DeleteFace(ctx, "app1", "f1") }},
		{"DeleteApp", func() error { return writer.DeleteApp(ctx, "app1") }},
	} {
		select {
		case <-ch:
			t.Fatalf("before %s: woken without a change", change.name)
		default:
		}
		if err := change.do(); err != nil {
			t.Fatal(err)
		}
		committed := time.Now()
		select {
		case <-ch:
			t.Logf("%s woke the other replica after %v", change.name, time.Since(committed))
		case <-time.After(time.Second):
			t.Fatalf("%s: not woken within a second", change.name)
		}
		ch = waiter.Changed()
	}
}

// PruneChanges drops changes older than a day but the head's, and a
// reader that was behind them learns it from Changes.
func TestPruneChanges(t *testing.T) {
	t.Parallel()
	s, _ := openTest(t)
	storetest.CreateApp(t, s, "app1")
	for i := range 5 {
		storetest.CreateFace(t, s, "app1", fmt.Sprintf("f%d", i+1), "")
	}
	// Changes 1..4 are two days old, and so is the head, 5.
	if _, err := s.pool.Exec(ctx, "UPDATE changes SET at = at - $1", (48 * time.Hour).Microseconds()); err != nil {
		t.Fatal(err)
	}
	_, headAt, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PruneChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if seq, at, err := s.Head(ctx); err != nil || seq != 5 || !at.Equal(headAt) {
		t.Fatalf("head after pruning: %d, %v, %v; want 5 at %v", seq, at, err, headAt)
	}
	cs, first, err := s.Changes(ctx, 0, 100)
	if err != nil || first != 5 || len(cs) != 1 || cs[0].Seq != 5 {
		t.Fatalf("a reader behind: %+v, first %d, %v; want change 5, first 5", cs, first, err)
	}
	if cs, first, _ := s.Changes(ctx, 4, 100); first != 5 || len(cs) != 1 {
		t.Fatalf("a reader at 4 (not behind): %+v, first %d", cs, first)
	}

	// Recent changes stay; the old head goes once it is not the head.
	storetest.CreateFace(t, s, "app1", "f6", "")
	if err := s.PruneChanges(ctx); err != nil {
		t.Fatal(err)
	}
	if cs, first, err := s.Changes(ctx, 5, 100); err != nil || first != 6 || len(cs) != 1 || cs[0].Seq != 6 {
		t.Fatalf("a reader at 5: %+v, first %d, %v; want change 6, first 6 (5 was pruned)", cs, first, err)
	}
	if cs, first, _ := s.Changes(ctx, 6, 100); first != 6 || len(cs) != 0 {
		t.Fatalf("a reader at the head: %+v, first %d", cs, first)
	}
}
