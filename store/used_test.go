package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// A face's last use, the faces unused since a time, and an erasure that
// takes the face's events with it, on every backend.
func TestLastUseAndErasure(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-u")
		enrolled := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for _, id := range []string{"used", "idle"} {
			f := newFace("app-u", id, id)
			f.CreatedAt = enrolled
			ctx := with("face.enroll", "app-u", id, "face.enrolled", id)
			if err := s.CreateFace(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		used := enrolled.Add(40 * 24 * time.Hour)
		if err := s.TouchFace(ctx, "app-u", "used", used); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.TouchFace(ctx, "app-other", "used", used), visage.CodeNotFound)
		f, err := s.Face(ctx, "app-u", "used")
		if err != nil || !f.LastUsedAt.Equal(used) {
			t.Fatalf("last used %v, %v", f.LastUsedAt, err)
		}
		ids, err := s.UnusedFaces(ctx, "app-u", enrolled.Add(30*24*time.Hour), 10)
		if err != nil || len(ids) != 1 || ids[0] != "idle" {
			t.Errorf("unused after 30 days: %v, %v", ids, err)
		}
		if ids, err := s.UnusedFaces(ctx, "app-u", enrolled, 10); err != nil || len(ids) != 0 {
			t.Errorf("unused since enrollment: %v, %v", ids, err)
		}

		if err := s.Record(ctx, store.Journal{Events: []store.Event{{ID: "evt_login", AppID: "app-u", Type: "authentication.succeeded", FaceID: "idle", Data: json.RawMessage(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
		n, err := s.EraseFace(with("subject.erase", "app-u", "idle", "face.deleted", "idle"), "app-u", "idle")
		if err != nil || n != 2 {
			t.Fatalf("erase removed %d events, %v", n, err)
		}
		events, err := s.FaceEvents(ctx, "app-u", "idle")
		if err != nil || len(events) != 1 || events[0].Type != "face.deleted" {
			t.Errorf("events after the erasure: %+v, %v", events, err)
		}
		wantCode(t, func() error { _, err := s.Face(ctx, "app-u", "idle"); return err }(), visage.CodeNotFound)
		if kept, err := s.FaceEvents(ctx, "app-u", "used"); err != nil || len(kept) != 1 {
			t.Errorf("another face's events: %+v, %v", kept, err)
		}
		_, err = s.EraseFace(ctx, "app-u", "idle")
		wantCode(t, err, visage.CodeNotFound)
	})
}
