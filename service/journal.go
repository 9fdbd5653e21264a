package service

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// What a change records besides itself (store.Journal): the audit entry
// saying who did what from where, and the events the app's webhooks
// deliver. Both name IDs, codes and setting names, never a template, a
// photo, a payload's content or a PIN.

// The events (docs/webhooks.md).
const (
	EventFaceEnrolled       = "face.enrolled"
	EventFaceDeleted        = "face.deleted"
	EventPayloadUpdated     = "face.payload_updated"
	EventAuthSucceeded      = "authentication.succeeded"
	EventAuthFailed         = "authentication.failed"
	EventLivenessAttack     = "liveness.attack"
	EventAppSettingsChanged = "app.settings_changed"
)

// EventTypes lists every event a webhook can subscribe to.
var EventTypes = []string{EventFaceEnrolled, EventFaceDeleted, EventPayloadUpdated,
	EventAuthSucceeded, EventAuthFailed, EventLivenessAttack, EventAppSettingsChanged}

// journal returns ctx carrying the audit entry of action, made by ctx's
// caller on target of the app, and the events: the store writes them
// with the change that ctx is passed to, in its transaction.
func journal(ctx context.Context, action, appID, target string, detail map[string]any, events ...store.Event) context.Context {
	c := CallerOf(ctx)
	e := &store.AuditEntry{Actor: c.Kind, ActorID: c.ID, Addr: c.Addr, Action: action, AppID: appID, Target: target}
	if len(detail) > 0 {
		e.Detail, _ = json.Marshal(detail) // maps of strings and numbers always marshal
	}
	return store.WithJournal(ctx, store.Journal{Audit: e, Events: events})
}

// event is an event of the app about face ("" for none), with its data.
func event(appID, typ, faceID string, data map[string]any) store.Event {
	if faceID != "" {
		data["facial_id"] = faceID
	}
	body, _ := json.Marshal(data)
	return store.Event{ID: randomToken("msg_", 16), AppID: appID, Type: typ, FaceID: faceID, Data: body}
}

// journalEnroll is the journal of a face enrolled, or with again of one
// enrolled anew in place of its old templates.
func journalEnroll(ctx context.Context, appID string, f *visage.Face, again bool) context.Context {
	data := map[string]any{}
	if f.ExternalID != "" {
		data["external_id"] = f.ExternalID
	}
	action := "face.enroll"
	if again {
		action, data["reenrolled"] = "face.reenroll", true
	}
	return journal(ctx, action, appID, f.ID, nil, event(appID, EventFaceEnrolled, f.ID, data))
}

// changedSettings names the settings (their JSON names) that differ
// between two: what the audit log and the webhook say changed, never the
// values, since one of them is a signing key.
func changedSettings(before, after visage.AppSettings) []string {
	var a, b map[string]any
	ja, _ := json.Marshal(before)
	jb, _ := json.Marshal(after)
	json.Unmarshal(ja, &a)
	json.Unmarshal(jb, &b)
	changed := []string{}
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			changed = append(changed, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	return changed
}

// AuditLog returns up to limit audit entries after the sequence after
// that match f, oldest first (admin).
func (s *Service) AuditLog(ctx context.Context, f store.AuditFilter, after int64, limit int) ([]store.AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "limit must be 1 to 1000")
	}
	return s.store.AuditLog(ctx, f, after, limit)
}

// PruneAudit removes audit entries older than retention (see
// store.Store.PruneAudit); the removal is itself recorded.
func (s *Service) PruneAudit(ctx context.Context, retention time.Duration) (int64, error) {
	n, err := s.store.PruneAudit(ctx, s.now().Add(-retention))
	if err != nil || n == 0 {
		return n, err
	}
	return n, s.store.Record(ctx, store.JournalOf(journal(ctx, "audit.prune", "", "", map[string]any{"removed": n, "retention_hours": retention.Hours()})))
}
