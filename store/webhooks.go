package store

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/visagehq/visage"
)

// Webhooks deliver an app's events (Event) to its endpoints
// (docs/webhooks.md). The events table is their outbox: each webhook
// keeps a cursor, the sequence of the last event it is done with, and
// the retry state of the event after it (its head), so that what was
// committed is delivered even when the server dies between the change
// and the delivery, and in order. Several replicas share the work
// through a lease per webhook, taken with a conditional UPDATE: only its
// holder delivers, so each event goes out once (and again only after a
// failure, or a holder that died before it recorded a success).

// MaxWebhooks is how many webhooks an app may have.
const MaxWebhooks = 10

// Webhook is an endpoint an app's events are delivered to.
type Webhook struct {
	ID, AppID string
	URL       string
	// Secret signs the deliveries: "whsec_" and the base64 of random
	// bytes (Standard Webhooks). The store keeps it sealed and gives it
	// back opened; the API shows it once, at creation.
	Secret string
	// Events are the types delivered; empty for every type.
	Events   []string
	Disabled bool
	// CreatedAt and UpdatedAt are set by the store.
	CreatedAt, UpdatedAt time.Time

	// The delivery state, kept by the store and the deliverer.

	// Cursor is the sequence of the last event done with: delivered,
	// given up, or of a type not subscribed to. A new webhook starts at
	// the last event committed before it.
	Cursor int64
	// Attempts are the failed attempts at the head, the first event
	// after Cursor of a subscribed type, and NextAt when it is tried
	// again (zero: at once).
	Attempts int
	NextAt   time.Time
	// LeaseOwner is the deliverer that holds the webhook until
	// LeaseUntil ("" and zero when none has).
	LeaseOwner string
	LeaseUntil time.Time
}

// Wants says whether the webhook is subscribed to events of type typ.
func (h *Webhook) Wants(typ string) bool {
	if len(h.Events) == 0 {
		return true
	}
	for _, t := range h.Events {
		if t == typ {
			return true
		}
	}
	return false
}

// WebhookProgress is what a deliverer has done with a webhook: its new
// cursor and head retry state, and the attempts it made (the delivery
// log's entries).
type WebhookProgress struct {
	Cursor   int64
	Attempts int
	NextAt   time.Time
	Log      []Delivery
}

// What a delivery attempt came to (Delivery.Outcome).
const (
	OutcomeDelivered = "delivered" // the receiver answered 2xx
	OutcomeRetrying  = "retrying"  // it failed and the event will be tried again
	OutcomeGivenUp   = "given_up"  // it failed and the event is too old to be tried again
	OutcomeFailed    = "failed"    // a manual redelivery that failed
)

// Delivery is one attempt to deliver an event to a webhook: an entry of
// the delivery log. It holds no part of the receiver's answer but its
// status.
type Delivery struct {
	ID                 int64 // from 1, set by the store
	AppID, WebhookID   string
	EventID, EventType string
	EventSeq           int64
	// Attempt counts the attempts at the event, from 1; 0 for a manual
	// redelivery, which is outside the count.
	Attempt int
	Manual  bool
	At      time.Time // when the attempt started
	// Duration is how long it took, to the millisecond.
	Duration time.Duration
	// Status is the receiver's HTTP status, 0 when there was none.
	Status int
	// Error says why an attempt without a status failed (refused,
	// timed out), or what else went wrong; "" for a 2xx.
	Error   string
	Outcome string // OutcomeDelivered…
}

// MarshalJSON is how a delivery is shown by the admin API.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type shown struct {
		ID         int64     `json:"id"`
		EventID    string    `json:"event_id"`
		EventType  string    `json:"event_type"`
		Attempt    int       `json:"attempt,omitempty"`
		Manual     bool      `json:"manual,omitempty"`
		At         time.Time `json:"at"`
		DurationMS int64     `json:"duration_ms"`
		Status     int       `json:"status,omitempty"`
		Error      string    `json:"error,omitempty"`
		Outcome    string    `json:"outcome"`
	}
	return json.Marshal(shown{d.ID, d.EventID, d.EventType, d.Attempt, d.Manual, d.At, d.Duration.Milliseconds(), d.Status, d.Error, d.Outcome})
}

// WebhookColumns are the columns ScanWebhook reads, in order.
const WebhookColumns = "id, app_id, url, secret, events, disabled, created_at, updated_at, last_seq, attempts, next_at, lease_owner, lease_until"

// DeliveryColumns are the columns ScanDelivery reads, in order.
const DeliveryColumns = "id, app_id, webhook_id, event_id, event_type, event_seq, attempt, manual, at, duration_ms, status, error, outcome"

// JoinEvents is how a webhook's event types are stored: one text, the
// types separated by commas ("" for every type).
func JoinEvents(types []string) string { return strings.Join(types, ",") }

// ScanWebhook reads a webhook selected as WebhookColumns and opens its
// secret.
func ScanWebhook(r Row, c *Cipher) (Webhook, error) {
	var h Webhook
	var secret []byte
	var events string
	var created, updated, next, until int64
	if err := r.Scan(&h.ID, &h.AppID, &h.URL, &secret, &events, &h.Disabled, &created, &updated,
		&h.Cursor, &h.Attempts, &next, &h.LeaseOwner, &until); err != nil {
		return h, err
	}
	h.CreatedAt, h.UpdatedAt, h.NextAt, h.LeaseUntil = FromMicros(created), FromMicros(updated), FromMicros(next), FromMicros(until)
	if events != "" {
		h.Events = strings.Split(events, ",")
	}
	plain, err := c.Open(FieldWebhookSecret, h.AppID, h.ID, secret)
	if err != nil {
		return h, visage.Wrap(visage.CodeInternal, err, "the secret of webhook "+h.ID+" of app "+h.AppID+" does not decrypt")
	}
	h.Secret = string(plain)
	return h, nil
}

// ScanDelivery reads a delivery selected as DeliveryColumns.
func ScanDelivery(r Row) (Delivery, error) {
	var d Delivery
	var at, ms int64
	err := r.Scan(&d.ID, &d.AppID, &d.WebhookID, &d.EventID, &d.EventType, &d.EventSeq, &d.Attempt, &d.Manual,
		&at, &ms, &d.Status, &d.Error, &d.Outcome)
	d.At, d.Duration = FromMicros(at), time.Duration(ms)*time.Millisecond
	return d, err
}
