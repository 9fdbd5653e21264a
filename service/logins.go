package service

import (
	"context"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Logins change nothing the store keeps, so their events
// (authentication.succeeded, authentication.failed, liveness.attack) are
// written on their own, and only for an app with an enabled webhook that
// wants them: an event nobody will receive would cost every login a
// write. Which types an app's webhooks want is cached for
// subscriptionTTL, so a new webhook hears of logins within that time.

// subscriptionTTL is how long the types an app's webhooks want are
// cached.
const subscriptionTTL = 10 * time.Second

// subscription is the cached answer for one app.
type subscription struct {
	wants   map[string]bool
	expires time.Time
}

// wants says whether an enabled webhook of the app wants events of typ.
func (s *Service) wants(ctx context.Context, appID, typ string) bool {
	now := time.Now()
	if v, ok := s.subscribed.Load(appID); ok && now.Before(v.(subscription).expires) {
		return v.(subscription).wants[typ]
	}
	hooks, err := s.store.Webhooks(ctx, appID)
	if err != nil {
		s.log.Warn("an app's webhooks could not be read; its login events are not recorded", "app", appID, "err", err)
		return false
	}
	sub := subscription{wants: map[string]bool{}, expires: now.Add(subscriptionTTL)}
	for _, h := range hooks {
		for _, t := range EventTypes {
			if !h.Disabled && h.Wants(t) {
				sub.wants[t] = true
			}
		}
	}
	s.subscribed.Store(appID, sub)
	return sub.wants[typ]
}

// notLogins are the codes that say nothing of the person trying to log
// in: the request, the caller's limits, or the server failed.
var notLogins = map[visage.Code]bool{visage.CodeInvalidRequest: true, visage.CodeRateLimit: true, visage.CodeQuotaExceeded: true,
	visage.CodeInternal: true, visage.CodeUnavailable: true, visage.CodeUnauthorized: true}

// loggedIn records a login's outcome for the app's webhooks: method is
// "authenticate" or "verify", faceID the face it was about ("" when none
// matched), err its failure. A failure to record is logged, and the
// login answered as it was.
func (s *Service) loggedIn(ctx context.Context, app *visage.App, method, faceID string, similarity float64, err error) {
	code := visage.ErrorCode(err)
	if err != nil && notLogins[code] {
		return
	}
	data := map[string]any{"method": method, "channel": CallerOf(ctx).Kind}
	var events []store.Event
	switch {
	case err == nil && s.wants(ctx, app.ID, EventAuthSucceeded):
		data["similarity"] = similarity
		events = append(events, event(app.ID, EventAuthSucceeded, faceID, data))
	case err != nil && s.wants(ctx, app.ID, EventAuthFailed):
		data["code"] = string(code)
		events = append(events, event(app.ID, EventAuthFailed, faceID, data))
	}
	if code == visage.CodePadAttack {
		events = append(events, s.attackEvent(ctx, app.ID, method, "passive")...)
	}
	if len(events) == 0 {
		return
	}
	if err := s.store.Record(ctx, store.Journal{Events: events}); err != nil {
		s.log.Warn("a login's event was not recorded", "app", app.ID, "err", err)
	}
}

// attackEvent is the liveness.attack event of a presentation attack
// refused, when the app's webhooks want it.
func (s *Service) attackEvent(ctx context.Context, appID, method, reason string) []store.Event {
	if !s.wants(ctx, appID, EventLivenessAttack) {
		return nil
	}
	return []store.Event{event(appID, EventLivenessAttack, "", map[string]any{"method": method, "reason": reason, "channel": CallerOf(ctx).Kind})}
}

// ReportAttack records a presentation attack that a caller of the
// service refused on its own evidence (a widget session's movements),
// for the app's webhooks: reason is the liveness verdict's.
func (s *Service) ReportAttack(ctx context.Context, app *visage.App, method, reason string) {
	if events := s.attackEvent(ctx, app.ID, method, reason); events != nil {
		if err := s.store.Record(ctx, store.Journal{Events: events}); err != nil {
			s.log.Warn("an attack's event was not recorded", "app", app.ID, "err", err)
		}
	}
}
