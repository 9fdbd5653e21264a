package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// with returns ctx carrying an audit entry of action on app and target,
// and an event of type typ about face (none when typ is "").
func with(action, app, target, typ, face string) context.Context {
	j := store.Journal{Audit: &store.AuditEntry{Actor: "admin", ActorID: "tok-1", Addr: "192.0.2.7", Action: action, AppID: app, Target: target,
		Detail: json.RawMessage(`{"why":"test"}`)}}
	if typ != "" {
		j.Events = []store.Event{{ID: "evt_" + action + target, AppID: app, Type: typ, FaceID: face, Data: json.RawMessage(`{"facial_id":"` + face + `"}`)}}
	}
	return store.WithJournal(ctx, j)
}

// The journal is written with the change, in its transaction: a change
// that fails leaves no entry and no event, and the chain verifies.
func TestJournalWrittenWithTheChange(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		app := &visage.App{ID: "app-j", PublicID: "pub-j", Name: "J", Plan: "free"}
		if err := s.CreateApp(with("app.create", "app-j", "", "", ""), app); err != nil {
			t.Fatal(err)
		}
		f := newFace("app-j", "face-1", "alice")
		if err := s.CreateFace(with("face.enroll", "app-j", "face-1", "face.enrolled", "face-1"), f); err != nil {
			t.Fatal(err)
		}
		// The same external ID again: refused, so nothing is recorded.
		dup := newFace("app-j", "face-2", "alice")
		wantCode(t, s.CreateFace(with("face.enroll", "app-j", "face-2", "face.enrolled", "face-2"), dup), visage.CodeConflict)
		wantCode(t, s.DeleteFace(with("face.delete", "app-j", "nobody", "face.deleted", "nobody"), "app-j", "nobody"), visage.CodeNotFound)
		if err := s.SetPayload(with("face.payload", "app-j", "face-1", "face.payload_updated", "face-1"), "app-j", "face-1", json.RawMessage(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteFace(with("face.delete", "app-j", "face-1", "face.deleted", "face-1"), "app-j", "face-1"); err != nil {
			t.Fatal(err)
		}
		// A login changes nothing the store keeps: its event goes alone.
		if err := s.Record(ctx, store.Journal{Events: []store.Event{{ID: "evt_login", AppID: "app-j", Type: "authentication.failed", Data: json.RawMessage(`{}`)}}}); err != nil {
			t.Fatal(err)
		}

		entries, err := s.AuditLog(ctx, store.AuditFilter{}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for i, e := range entries {
			actions = append(actions, e.Action)
			if e.Seq != int64(i+1) || e.At.IsZero() || e.Addr != "192.0.2.7" || string(e.Detail) != `{"why":"test"}` {
				t.Errorf("entry %d: %+v", i, e)
			}
		}
		if fmt.Sprint(actions) != "[app.create face.enroll face.payload face.delete]" {
			t.Errorf("audit actions %v", actions)
		}
		events, err := s.Events(ctx, "app-j", 0, nil, 100)
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for i, ev := range events {
			types = append(types, ev.Type)
			if i > 0 && ev.Seq <= events[i-1].Seq {
				t.Errorf("events out of order: %d after %d", ev.Seq, events[i-1].Seq)
			}
		}
		if fmt.Sprint(types) != "[face.enrolled face.payload_updated face.deleted authentication.failed]" {
			t.Errorf("event types %v", types)
		}
		only, err := s.Events(ctx, "app-j", events[0].Seq, []string{"face.deleted"}, 100)
		if err != nil || len(only) != 1 || only[0].Type != "face.deleted" || only[0].FaceID != "face-1" {
			t.Errorf("filtered events %+v, %v", only, err)
		}
		if other, err := s.Events(ctx, "app-other", 0, nil, 100); err != nil || len(other) != 0 {
			t.Errorf("another app's events: %v, %v", other, err)
		}
		faceEvents, err := s.FaceEvents(ctx, "app-j", "face-1")
		if err != nil || len(faceEvents) != 3 {
			t.Errorf("face events %+v, %v", faceEvents, err)
		}
		n, last, problem, err := store.VerifyAudit(ctx, s)
		if err != nil || problem != nil || n != 4 || last.Seq != 4 {
			t.Errorf("verify: %d checked, last %d, problem %+v, %v", n, last.Seq, problem, err)
		}
	})
}

// Concurrent changes are journaled in commit order without gaps: the
// chain holds and every event has its own sequence.
func TestJournalConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-c")
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				id := fmt.Sprintf("face-%02d", i)
				if err := s.CreateFace(with("face.enroll", "app-c", id, "face.enrolled", id), newFace("app-c", id, id)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		n, _, problem, err := store.VerifyAudit(ctx, s)
		if err != nil || problem != nil || n != 20 {
			t.Errorf("verify: %d checked, problem %+v, %v", n, problem, err)
		}
		events, err := s.Events(ctx, "app-c", 0, nil, 100)
		if err != nil || len(events) != 20 {
			t.Fatalf("%d events, %v", len(events), err)
		}
		for i, ev := range events {
			if ev.Seq != events[0].Seq+int64(i) {
				t.Errorf("event %d has seq %d after %d", i, ev.Seq, events[0].Seq)
			}
		}
	})
}

// Retention prunes old entries and the log still verifies from its
// anchor; the entries after it chain on.
func TestPruneAudit(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		old := time.Now().Add(-48 * time.Hour).UTC().Truncate(time.Microsecond)
		for i := range 3 {
			ctx := store.WithJournal(ctx, store.Journal{Audit: &store.AuditEntry{At: old.Add(time.Duration(i) * time.Minute), Actor: "system", Action: "test.old"}})
			if err := s.CreateAdminToken(ctx, fmt.Sprint("tok-", i), fmt.Sprint("pre-", i), []byte("h")); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateAdminToken(with("admin.token", "", "tok-new", "", ""), "tok-new", "pre-new", []byte("h")); err != nil {
			t.Fatal(err)
		}
		n, err := s.PruneAudit(ctx, time.Now().Add(-24*time.Hour))
		if err != nil || n != 3 {
			t.Fatalf("pruned %d, %v", n, err)
		}
		anchor, err := s.AuditAnchor(ctx)
		if err != nil || anchor.Seq != 3 || len(anchor.Hash) != 32 {
			t.Fatalf("anchor %+v, %v", anchor, err)
		}
		if err := s.RevokeKey(with("key.revoke", "app-x", "k", "", ""), "app-x", "k"); visage.ErrorCode(err) != visage.CodeNotFound {
			t.Fatalf("revoke: %v", err)
		}
		if err := s.CreateAdminToken(with("admin.token", "", "tok-2", "", ""), "tok-newer", "pre-newer", []byte("h")); err != nil {
			t.Fatal(err)
		}
		checked, last, problem, err := store.VerifyAudit(ctx, s)
		if err != nil || problem != nil || checked != 2 || last.Seq != 5 {
			t.Errorf("verify after pruning: %d checked, last %d, problem %+v, %v", checked, last.Seq, problem, err)
		}
		// The newest entry is never pruned, so the chain has a link.
		if n, err := s.PruneAudit(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("pruned %d, %v", n, err)
		}
		entries, err := s.AuditLog(ctx, store.AuditFilter{Action: "admin.token"}, 0, 10)
		if err != nil || len(entries) != 1 || entries[0].Seq != 5 {
			t.Errorf("remaining %+v, %v", entries, err)
		}
	})
}
