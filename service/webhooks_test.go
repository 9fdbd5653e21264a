package service_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// Events retention removes what every enabled webhook of an app is past
// and nothing a webhook still has to deliver; apps without webhooks keep
// their events for the retention only.
func TestEventsRetention(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	other := f.app(t, visage.AppSettings{})
	h, err := f.svc.CreateWebhook(f.ctx, app.ID, "http://127.0.0.1:1/hook", []string{service.EventAppSettingsChanged}, true)
	check(t, err)
	if h.Secret == "" || h.Cursor == 0 {
		t.Fatalf("created %+v", h)
	}
	for _, a := range []*visage.App{app, other} {
		check(t, f.svc.UpdateSettings(f.ctx, a, visage.AppSettings{Level: 5}))
	}
	count := func(appID string) int {
		evs, err := f.store.Events(f.ctx, appID, 0, nil, 100)
		check(t, err)
		return len(evs)
	}
	if count(app.ID) != 2 || count(other.ID) != 2 {
		t.Fatalf("events before: %d and %d", count(app.ID), count(other.ID))
	}
	// Not old enough yet.
	f.svc.Housekeep(f.ctx, service.Retention{Events: 30 * 24 * time.Hour})
	if count(app.ID) != 2 || count(other.ID) != 2 {
		t.Fatalf("recent events pruned: %d and %d left", count(app.ID), count(other.ID))
	}
	f.clock.Add(365 * 24 * time.Hour)
	f.svc.Housekeep(f.ctx, service.Retention{Events: 30 * 24 * time.Hour})
	// app keeps the event after its webhook's cursor, other nothing.
	evs, _ := f.store.Events(f.ctx, app.ID, 0, nil, 100)
	if len(evs) != 1 || evs[0].Seq <= h.Cursor || count(other.ID) != 0 {
		t.Errorf("after retention: app %v, other %d events", evs, count(other.ID))
	}
	// Deleting the webhook lets the last one go.
	check(t, f.svc.DeleteWebhook(f.ctx, app.ID, h.ID))
	f.svc.Housekeep(f.ctx, service.Retention{Events: 30 * 24 * time.Hour})
	if n := count(app.ID); n != 0 {
		t.Errorf("%d events left with no webhook", n)
	}
	_, err = f.svc.Webhooks(f.ctx, "no-such-app")
	if visage.ErrorCode(err) != visage.CodeNotFound {
		t.Errorf("webhooks of no app: %v", err)
	}
	// The bound and the checks, through the service.
	for i := range store.MaxWebhooks {
		_, err := f.svc.CreateWebhook(f.ctx, other.ID, fmt.Sprintf("https://example.com/%d", i), nil, i%2 == 0)
		check(t, err)
	}
	if _, err := f.svc.CreateWebhook(f.ctx, other.ID, "https://example.com/x", nil, true); visage.ErrorCode(err) != visage.CodeConflict {
		t.Errorf("the eleventh webhook: %v", err)
	}
}
