package store_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// record writes n events of the app about face, named prefix-1…
func record(t *testing.T, s store.Store, app, face, prefix string, n int) []store.Event {
	t.Helper()
	var evs []store.Event
	for i := 1; i <= n; i++ {
		evs = append(evs, store.Event{ID: fmt.Sprintf("%s-%d", prefix, i), AppID: app, Type: "face.enrolled", FaceID: face, Data: json.RawMessage(`{}`)})
	}
	j := store.Journal{Events: evs}
	if err := s.Record(ctx, j); err != nil {
		t.Fatal(err)
	}
	return evs
}

func newHook(app, id string, events ...string) *store.Webhook {
	return &store.Webhook{ID: id, AppID: app, URL: "https://example.com/hooks/" + id, Secret: "whsec_c2VjcmV0LWJ5dGVzLW9mLXRoZS10ZXN0", Events: events}
}

// A webhook starts after the last event, is scoped by its app, keeps its
// secret, and an app has at most MaxWebhooks.
func TestWebhooksCreateReadScope(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-w")
		createApp(t, s, "app-x")
		record(t, s, "app-w", "f1", "before", 3)
		h := newHook("app-w", "hook-1", "face.enrolled", "face.deleted")
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		if h.Cursor == 0 || h.CreatedAt.IsZero() || !h.UpdatedAt.Equal(h.CreatedAt) {
			t.Errorf("created %+v: want the cursor at the last event and times set", h)
		}
		last, _ := s.Events(ctx, "app-w", 0, nil, 10)
		if h.Cursor != last[len(last)-1].Seq {
			t.Errorf("cursor %d, want the last event's %d", h.Cursor, last[len(last)-1].Seq)
		}
		got, err := s.Webhook(ctx, "app-w", "hook-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Secret != h.Secret || got.URL != h.URL || fmt.Sprint(got.Events) != "[face.enrolled face.deleted]" || got.Disabled || got.Cursor != h.Cursor {
			t.Errorf("read back %+v, stored %+v", got, h)
		}
		// Another app sees none of it.
		_, err = s.Webhook(ctx, "app-x", "hook-1")
		wantCode(t, err, visage.CodeNotFound)
		other := *got
		other.AppID = "app-x"
		wantCode(t, s.UpdateWebhook(ctx, &other), visage.CodeNotFound)
		wantCode(t, s.DeleteWebhook(ctx, "app-x", "hook-1"), visage.CodeNotFound)
		if hooks, err := s.Webhooks(ctx, "app-x"); err != nil || len(hooks) != 0 {
			t.Errorf("app-x lists %v, %v", hooks, err)
		}
		if ds, err := s.Deliveries(ctx, "app-x", "hook-1", 0, 10); err != nil || len(ds) != 0 {
			t.Errorf("app-x reads deliveries %v, %v", ds, err)
		}
		_, ok, err := s.ClaimWebhook(ctx, "app-x", "hook-1", "me", time.Now(), time.Now().Add(time.Minute))
		if ok || err != nil {
			t.Errorf("app-x claims hook-1: %v %v", ok, err)
		}
		// The same ID again, an unknown app, and the eleventh webhook.
		wantCode(t, s.CreateWebhook(ctx, newHook("app-w", "hook-1")), visage.CodeConflict)
		wantCode(t, s.CreateWebhook(ctx, newHook("nope", "hook-n")), visage.CodeNotFound)
		for i := 2; i <= store.MaxWebhooks; i++ {
			if err := s.CreateWebhook(ctx, newHook("app-w", fmt.Sprintf("hook-%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.CreateWebhook(ctx, newHook("app-w", "hook-11")), visage.CodeConflict)
		hooks, err := s.Webhooks(ctx, "app-w")
		if err != nil || len(hooks) != store.MaxWebhooks || hooks[0].ID != "hook-1" || hooks[0].Secret != h.Secret {
			t.Fatalf("list: %d hooks, %v", len(hooks), err)
		}
		// Deleting the app deletes its webhooks.
		if err := s.DeleteApp(ctx, "app-w"); err != nil {
			t.Fatal(err)
		}
		if hooks, _ := s.Webhooks(ctx, "app-w"); len(hooks) != 0 {
			t.Errorf("%d webhooks left after the app's deletion", len(hooks))
		}
	})
}

// Updating resets the retry state; enabling again starts after the last
// event; deleting removes the delivery log.
func TestWebhooksUpdateDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-u")
		h := newHook("app-u", "hook-u")
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		record(t, s, "app-u", "f1", "e", 2)
		now := time.Now()
		claimed, ok, err := s.ClaimWebhook(ctx, "app-u", "hook-u", "me", now, now.Add(time.Minute))
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		fail := store.Delivery{AppID: "app-u", WebhookID: "hook-u", EventID: "e-1", EventType: "face.enrolled", EventSeq: claimed.Cursor + 1,
			Attempt: 1, At: now, Status: 500, Outcome: store.OutcomeRetrying, Duration: 12 * time.Millisecond}
		if err := s.AdvanceWebhook(ctx, claimed, "me", store.WebhookProgress{Cursor: claimed.Cursor, Attempts: 1, NextAt: now.Add(time.Hour), Log: []store.Delivery{fail}}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Webhook(ctx, "app-u", "hook-u")
		if got.Attempts != 1 || got.NextAt.IsZero() {
			t.Fatalf("after a failure: %+v", got)
		}
		// Disabled, then events, then enabled again: it starts after them.
		got.Disabled, got.URL = true, "https://example.com/other"
		if err := s.UpdateWebhook(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got.Attempts != 0 || !got.NextAt.IsZero() || !got.Disabled || got.URL != "https://example.com/other" || !got.UpdatedAt.After(h.UpdatedAt) {
			t.Errorf("updated: %+v", got)
		}
		// A deliverer holding it from before the change cannot save.
		wantCode(t, s.AdvanceWebhook(ctx, claimed, "me", store.WebhookProgress{Cursor: claimed.Cursor + 1}), visage.CodeConflict)
		evs := record(t, s, "app-u", "f1", "off", 2)
		if due, _ := s.DueWebhooks(ctx, "other", time.Now().Add(2*time.Minute), 10); len(due) != 0 {
			t.Errorf("a disabled webhook is due: %v", due)
		}
		got.Disabled = false
		if err := s.UpdateWebhook(ctx, got); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Events(ctx, "app-u", 0, nil, 100)
		if got.Cursor != all[len(all)-1].Seq || all[len(all)-1].ID != evs[1].ID {
			t.Errorf("enabled again at cursor %d, want the last event's %d", got.Cursor, all[len(all)-1].Seq)
		}
		ds, err := s.Deliveries(ctx, "app-u", "hook-u", 0, 10)
		if err != nil || len(ds) != 1 || ds[0].Status != 500 || ds[0].Duration != 12*time.Millisecond || ds[0].Outcome != store.OutcomeRetrying || ds[0].ID == 0 {
			t.Fatalf("deliveries: %+v %v", ds, err)
		}
		if err := s.DeleteWebhook(ctx, "app-u", "hook-u"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteWebhook(ctx, "app-u", "hook-u"), visage.CodeNotFound)
		if ds, _ := s.Deliveries(ctx, "app-u", "hook-u", 0, 10); len(ds) != 0 {
			t.Errorf("deliveries left: %v", ds)
		}
		d := store.Delivery{AppID: "app-u", WebhookID: "hook-u", EventID: "x", Outcome: store.OutcomeFailed, Manual: true}
		wantCode(t, s.LogDelivery(ctx, &d), visage.CodeNotFound)
	})
}

// Due: enabled, with an event after the cursor, its retry time come, and
// its lease free or the asker's. A lease is held by one owner at a time,
// even when several claim at once.
func TestWebhooksDueAndLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-d")
		createApp(t, s, "app-e")
		h := newHook("app-d", "hook-d")
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if due, _ := s.DueWebhooks(ctx, "a", now, 10); len(due) != 0 {
			t.Errorf("due without events: %v", due)
		}
		record(t, s, "app-e", "f", "other-app", 1) // another app's event
		if due, _ := s.DueWebhooks(ctx, "a", now, 10); len(due) != 0 {
			t.Errorf("due with another app's event: %v", due)
		}
		record(t, s, "app-d", "f", "mine", 1)
		if due, err := s.DueWebhooks(ctx, "a", now, 10); err != nil || len(due) != 1 || due[0].ID != "hook-d" {
			t.Fatalf("due: %v %v", due, err)
		}

		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		for i := range 8 {
			wg.Go(func() {
				_, ok, err := s.ClaimWebhook(ctx, "app-d", "hook-d", fmt.Sprintf("owner-%d", i), now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					winners++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if winners != 1 {
			t.Fatalf("%d owners hold the lease", winners)
		}
		got, _ := s.Webhook(ctx, "app-d", "hook-d")
		owner := got.LeaseOwner
		if due, _ := s.DueWebhooks(ctx, "stranger", now, 10); len(due) != 0 {
			t.Errorf("due to a stranger while leased: %v", due)
		}
		if due, _ := s.DueWebhooks(ctx, owner, now, 10); len(due) != 1 {
			t.Errorf("not due to its holder: %v", due)
		}
		if _, ok, _ := s.ClaimWebhook(ctx, "app-d", "hook-d", owner, now, now.Add(time.Minute)); !ok {
			t.Error("its holder cannot renew the lease")
		}
		// Past the lease, another may take it; the old holder cannot save.
		later := now.Add(2 * time.Minute)
		claimed, ok, _ := s.ClaimWebhook(ctx, "app-d", "hook-d", "next", later, later.Add(time.Minute))
		if !ok {
			t.Fatal("the lease did not run out")
		}
		wantCode(t, s.AdvanceWebhook(ctx, got, owner, store.WebhookProgress{Cursor: got.Cursor + 1}), visage.CodeConflict)
		// Retry time: not due before it.
		if err := s.AdvanceWebhook(ctx, claimed, "next", store.WebhookProgress{Cursor: claimed.Cursor, Attempts: 1, NextAt: later.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DueWebhooks(ctx, "next", later, 10); len(due) != 0 {
			t.Errorf("due before its retry time: %v", due)
		}
		if due, _ := s.DueWebhooks(ctx, "next", later.Add(time.Minute), 10); len(due) != 1 {
			t.Errorf("not due at its retry time: %v", due)
		}
		if err := s.ReleaseWebhook(ctx, "app-d", "hook-d", "next"); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DueWebhooks(ctx, "anyone", later.Add(time.Minute), 10); len(due) != 1 {
			t.Errorf("not due to anyone once released: %v", due)
		}
		// Past the last event: not due any more.
		claimed, _, _ = s.ClaimWebhook(ctx, "app-d", "hook-d", "next", later, later.Add(time.Minute))
		evs, _ := s.Events(ctx, "app-d", claimed.Cursor, nil, 10)
		if err := s.AdvanceWebhook(ctx, claimed, "next", store.WebhookProgress{Cursor: evs[len(evs)-1].Seq}); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.DueWebhooks(ctx, "next", later.Add(time.Hour), 10); len(due) != 0 {
			t.Errorf("due with no event left: %v", due)
		}
		ev, err := s.EventByID(ctx, "app-d", "mine-1")
		if err != nil || ev.Type != "face.enrolled" || ev.FaceID != "f" {
			t.Errorf("event by ID: %+v %v", ev, err)
		}
		_, err = s.EventByID(ctx, "app-e", "mine-1")
		wantCode(t, err, visage.CodeNotFound)
	})
}

// The delivery log pages newest first.
func TestWebhookDeliveryLogPages(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-l")
		if err := s.CreateWebhook(ctx, newHook("app-l", "hook-l")); err != nil {
			t.Fatal(err)
		}
		for i := range 7 {
			d := store.Delivery{AppID: "app-l", WebhookID: "hook-l", EventID: fmt.Sprint("evt-", i), EventType: "face.enrolled", Manual: true, Outcome: store.OutcomeFailed, Error: "refused"}
			if err := s.LogDelivery(ctx, &d); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		before := int64(0)
		for {
			page, err := s.Deliveries(ctx, "app-l", "hook-l", before, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page {
				seen = append(seen, d.EventID)
			}
			if len(page) < 3 {
				break
			}
			before = page[len(page)-1].ID
		}
		if fmt.Sprint(seen) != "[evt-6 evt-5 evt-4 evt-3 evt-2 evt-1 evt-0]" {
			t.Errorf("pages: %v", seen)
		}
	})
}

// Retention removes old events only once every enabled webhook of their
// app is past them, and old delivery log entries.
func TestPruneEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, s store.Store) {
		createApp(t, s, "app-p")
		createApp(t, s, "app-q")
		old := record(t, s, "app-p", "f", "p-old", 3)
		record(t, s, "app-q", "f", "q-old", 2)
		h := newHook("app-p", "hook-p")
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		// Move the cursor back so that the webhook holds the old events.
		claimed, _, _ := s.ClaimWebhook(ctx, "app-p", "hook-p", "me", time.Now(), time.Now().Add(time.Minute))
		first, _ := s.EventByID(ctx, "app-p", old[0].ID)
		if err := s.AdvanceWebhook(ctx, claimed, "me", store.WebhookProgress{Cursor: first.Seq}); err != nil {
			t.Fatal(err)
		}
		d := store.Delivery{AppID: "app-p", WebhookID: "hook-p", EventID: old[0].ID, Outcome: store.OutcomeDelivered, At: time.Now().Add(-time.Hour)}
		if err := s.LogDelivery(ctx, &d); err != nil {
			t.Fatal(err)
		}
		events, deliveries, err := s.PruneEvents(ctx, time.Now().Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		// app-q's two (no webhook) and app-p's first (the webhook is past it).
		if events != 3 || deliveries != 1 {
			t.Errorf("pruned %d events and %d deliveries, want 3 and 1", events, deliveries)
		}
		left, _ := s.Events(ctx, "app-p", 0, nil, 10)
		if len(left) != 2 || left[0].ID != old[1].ID {
			t.Errorf("app-p keeps %v", left)
		}
		// Disabled webhooks hold nothing back: they start afresh when enabled.
		got, _ := s.Webhook(ctx, "app-p", "hook-p")
		got.Disabled = true
		if err := s.UpdateWebhook(ctx, got); err != nil {
			t.Fatal(err)
		}
		if events, _, _ := s.PruneEvents(ctx, time.Now().Add(time.Second)); events != 2 {
			t.Errorf("pruned %d events past a disabled webhook, want 2", events)
		}
		// Recent events are kept.
		record(t, s, "app-p", "f", "new", 1)
		if events, _, _ := s.PruneEvents(ctx, time.Now().Add(-time.Hour)); events != 0 {
			t.Errorf("pruned %d recent events", events)
		}
	})
}
