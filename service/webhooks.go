package service

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
	"github.com/visagehq/visage/webhook"
)

// Webhooks: an app's endpoints that its events are delivered to
// (docs/webhooks.md). The administrator sets them up; package webhook
// delivers.

// MaxWebhookURL is the longest webhook URL, in bytes.
const MaxWebhookURL = 2048

// WebhookChange is what a PATCH of a webhook changes: the fields left
// nil keep their value.
type WebhookChange struct {
	URL     *string
	Events  *[]string
	Enabled *bool
}

// redeliverer makes manual redeliveries.
var redeliverer = &webhook.Sender{}

// checkWebhookURL accepts an absolute http or https URL with a host and
// no credentials in it (the secret signs; a password in a URL ends up in
// logs), at most MaxWebhookURL bytes of visible characters.
func checkWebhookURL(raw string) (*url.URL, error) {
	if raw == "" || len(raw) > MaxWebhookURL {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url must be 1 to %d bytes", MaxWebhookURL)
	}
	if strings.IndexFunc(raw, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) }) >= 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url holds spaces or invisible characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url must start with http:// or https://")
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url has no host")
	case u.User != nil:
		return nil, visage.Errorf(visage.CodeInvalidRequest, "url must not carry a user name or password: receivers check the signature")
	}
	return u, nil
}

// checkEvents returns the event types given, each once, in EventTypes'
// order; none means every type.
func checkEvents(types []string) ([]string, error) {
	for _, t := range types {
		if !slices.Contains(EventTypes, t) {
			return nil, visage.Errorf(visage.CodeInvalidRequest, "unknown event type %q: the types are %s", t, strings.Join(EventTypes, ", "))
		}
	}
	var out []string
	for _, t := range EventTypes {
		if slices.Contains(types, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// eventsDetail is how the audit log names a webhook's events.
func eventsDetail(types []string) any {
	if len(types) == 0 {
		return "all"
	}
	return types
}

// CreateWebhook adds a webhook to the app, with a new signing secret: the
// returned webhook's Secret is the only time it is shown. It receives
// the events committed from now on, not those before.
func (s *Service) CreateWebhook(ctx context.Context, appID, rawURL string, events []string, enabled bool) (*store.Webhook, error) {
	u, err := checkWebhookURL(rawURL)
	if err != nil {
		return nil, err
	}
	if events, err = checkEvents(events); err != nil {
		return nil, err
	}
	h := &store.Webhook{ID: newUUID(), AppID: appID, URL: rawURL, Secret: webhook.NewSecret(), Events: events, Disabled: !enabled,
		CreatedAt: s.now().UTC()}
	ctx = journal(ctx, "webhook.create", appID, h.ID, map[string]any{"host": u.Host, "events": eventsDetail(events), "enabled": enabled})
	if err := s.store.CreateWebhook(ctx, h); err != nil {
		return nil, err
	}
	s.subscribed.Delete(appID) // this replica records logins for it at once (logins.go)
	return h, nil
}

// Webhooks lists the app's webhooks, oldest first; NOT_FOUND for an app
// that does not exist.
func (s *Service) Webhooks(ctx context.Context, appID string) ([]store.Webhook, error) {
	if _, err := s.store.App(ctx, appID); err != nil {
		return nil, err
	}
	return s.store.Webhooks(ctx, appID)
}

// Webhook returns a webhook of the app.
func (s *Service) Webhook(ctx context.Context, appID, id string) (*store.Webhook, error) {
	return s.store.Webhook(ctx, appID, id)
}

// UpdateWebhook changes a webhook of the app. Its next event is tried at
// once; enabled again, it starts from the events committed from then on.
func (s *Service) UpdateWebhook(ctx context.Context, appID, id string, c WebhookChange) (*store.Webhook, error) {
	h, err := s.store.Webhook(ctx, appID, id)
	if err != nil {
		return nil, err
	}
	var changed []string
	detail := map[string]any{}
	if c.URL != nil {
		u, err := checkWebhookURL(*c.URL)
		if err != nil {
			return nil, err
		}
		if *c.URL != h.URL {
			h.URL, changed, detail["host"] = *c.URL, append(changed, "url"), u.Host
		}
	}
	if c.Events != nil {
		events, err := checkEvents(*c.Events)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(events, h.Events) {
			h.Events, changed, detail["events"] = events, append(changed, "events"), eventsDetail(events)
		}
	}
	if c.Enabled != nil && *c.Enabled == h.Disabled {
		h.Disabled, changed, detail["enabled"] = !*c.Enabled, append(changed, "enabled"), *c.Enabled
	}
	if len(changed) == 0 {
		return h, nil
	}
	detail["changed"] = changed
	if err := s.store.UpdateWebhook(journal(ctx, "webhook.update", appID, id, detail), h); err != nil {
		return nil, err
	}
	s.subscribed.Delete(appID)
	return h, nil
}

// DeleteWebhook removes a webhook of the app and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, appID, id string) error {
	if err := s.store.DeleteWebhook(journal(ctx, "webhook.delete", appID, id, nil), appID, id); err != nil {
		return err
	}
	s.subscribed.Delete(appID)
	return nil
}

// WebhookDeliveries returns up to limit entries of the webhook's delivery
// log with an ID below before (0: from the newest), newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, appID, id string, before int64, limit int) ([]store.Delivery, error) {
	if limit <= 0 || limit > 1000 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "limit must be 1 to 1000")
	}
	if _, err := s.store.Webhook(ctx, appID, id); err != nil {
		return nil, err
	}
	return s.store.Deliveries(ctx, appID, id, before, limit)
}

// Redeliver sends one event of the app to its webhook once, now, whatever
// the webhook's place in the events, and logs the attempt (manual): the
// webhook's own deliveries go on as they were. The event must still be
// kept (events retention) and of a type the webhook is subscribed to.
func (s *Service) Redeliver(ctx context.Context, appID, id, eventID string) (*store.Delivery, error) {
	h, err := s.store.Webhook(ctx, appID, id)
	if err != nil {
		return nil, err
	}
	ev, err := s.store.EventByID(ctx, appID, eventID)
	if err != nil {
		return nil, err
	}
	if !h.Wants(ev.Type) {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "webhook %s is not subscribed to %s events", id, ev.Type)
	}
	d, ok := redeliverer.Send(ctx, h, ev, s.now())
	d.Manual, d.Outcome = true, store.OutcomeDelivered
	if !ok {
		d.Outcome = store.OutcomeFailed
	}
	ctx = journal(context.WithoutCancel(ctx), "webhook.redeliver", appID, id, map[string]any{"event_id": ev.ID, "outcome": d.Outcome})
	if err := s.store.LogDelivery(ctx, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// PruneEvents removes the events older than retention that every enabled
// webhook of their app is past, and the delivery log's entries older than
// retention (see store.Store.PruneEvents).
func (s *Service) PruneEvents(ctx context.Context, retention time.Duration) (events, deliveries int64, err error) {
	return s.store.PruneEvents(ctx, s.now().Add(-retention))
}
