package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Webhooks (store/webhooks.go). One process writes the file, so the
// leases are always this process's; they are kept all the same, so that
// the deliverer works the same way on both backends.

const webhookColumns = store.WebhookColumns

// lastEvent is the sequence of the last event committed: where a new
// webhook starts.
const lastEvent = "SELECT COALESCE(MAX(seq), 0) FROM events"

func (s *Store) scanWebhook(r store.Row) (store.Webhook, error) {
	return store.ScanWebhook(r, s.cipher)
}

// CreateWebhook stores a new webhook of an existing app, starting after
// the last event; CONFLICT when the app has store.MaxWebhooks already.
func (s *Store) CreateWebhook(ctx context.Context, h *store.Webhook) error {
	stamp(&h.CreatedAt)
	h.UpdatedAt, h.Attempts, h.NextAt, h.LeaseOwner, h.LeaseUntil = h.CreatedAt, 0, time.Time{}, "", time.Time{}
	err := s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhooks WHERE app_id = ?", h.AppID).Scan(&n); err != nil {
			return err
		}
		if n >= store.MaxWebhooks {
			return visage.Errorf(visage.CodeConflict, "app %s has %d webhooks, the most an app may have", h.AppID, store.MaxWebhooks)
		}
		if err := tx.QueryRowContext(ctx, lastEvent).Scan(&h.Cursor); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO webhooks ("+webhookColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', 0)",
			h.ID, h.AppID, h.URL, s.cipher.Seal(store.FieldWebhookSecret, h.AppID, h.ID, []byte(h.Secret)), store.JoinEvents(h.Events),
			h.Disabled, micros(h.CreatedAt), micros(h.UpdatedAt), h.Cursor)
		switch {
		case isNoApp(err):
			return notFound("app", h.AppID)
		case isUnique(err):
			return visage.Errorf(visage.CodeConflict, "webhook ID %s is taken", h.ID)
		}
		return err
	})
	return internal(err, "create webhook %s of app %s", h.ID, h.AppID)
}

// Webhook returns a webhook of the app.
func (s *Store) Webhook(ctx context.Context, appID, id string) (*store.Webhook, error) {
	h, err := s.scanWebhook(s.reader.QueryRowContext(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE app_id = ? AND id = ?", appID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook", id)
	}
	if err != nil {
		return nil, internal(err, "read webhook %s of app %s", id, appID)
	}
	return &h, nil
}

// Webhooks lists the app's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, appID string) ([]store.Webhook, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE app_id = ? ORDER BY created_at, id", appID)
	if err != nil {
		return nil, internal(err, "list the webhooks of app %s", appID)
	}
	hooks, err := collect(rows, s.scanWebhook)
	return hooks, internal(err, "list the webhooks of app %s", appID)
}

// UpdateWebhook saves a webhook's URL, events and Disabled; enabled
// again, it starts after the last event.
func (s *Store) UpdateWebhook(ctx context.Context, h *store.Webhook) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var disabled bool
		var updated int64
		err := tx.QueryRowContext(ctx, "SELECT disabled, updated_at FROM webhooks WHERE app_id = ? AND id = ?", h.AppID, h.ID).Scan(&disabled, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("webhook", h.ID)
		}
		if err != nil {
			return err
		}
		q := "UPDATE webhooks SET url = ?, events = ?, disabled = ?, updated_at = ?, attempts = 0, next_at = 0"
		if disabled && !h.Disabled {
			q += ", last_seq = (" + lastEvent + ")"
		}
		if _, err := tx.ExecContext(ctx, q+" WHERE app_id = ? AND id = ?",
			h.URL, store.JoinEvents(h.Events), h.Disabled, micros(updateTime(fromMicros(updated))), h.AppID, h.ID); err != nil {
			return err
		}
		got, err := s.scanWebhook(tx.QueryRowContext(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE app_id = ? AND id = ?", h.AppID, h.ID))
		*h = got
		return err
	})
	return internal(err, "update webhook %s of app %s", h.ID, h.AppID)
}

// updateTime is the time a webhook is saved at: now, a microsecond past
// its last save if the clock has not moved past it, so that a deliverer
// holding the webhook from before the save sees the change (AdvanceWebhook).
func updateTime(last time.Time) time.Time {
	now := time.Now().UTC().Truncate(time.Microsecond)
	if !now.After(last) {
		now = last.Add(time.Microsecond)
	}
	return now
}

// DeleteWebhook removes a webhook and its delivery log.
func (s *Store) DeleteWebhook(ctx context.Context, appID, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM webhooks WHERE app_id = ? AND id = ?", appID, id)
		return affected(res, err, "webhook", id)
	})
	return internal(err, "delete webhook %s of app %s", id, appID)
}

// DueWebhooks returns the enabled webhooks with an event to work on now
// that owner may claim.
func (s *Store) DueWebhooks(ctx context.Context, owner string, now time.Time, limit int) ([]store.Webhook, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE disabled = 0 AND next_at <= ? AND (lease_until <= ? OR lease_owner = ?)"+
		" AND EXISTS (SELECT 1 FROM events e WHERE e.app_id = w.app_id AND e.seq > w.last_seq) ORDER BY next_at, id LIMIT ?",
		micros(now), micros(now), owner, limit)
	if err != nil {
		return nil, internal(err, "find the webhooks due")
	}
	hooks, err := collect(rows, s.scanWebhook)
	return hooks, internal(err, "find the webhooks due")
}

// ClaimWebhook gives owner the lease of an enabled webhook that is free or
// already its own.
func (s *Store) ClaimWebhook(ctx context.Context, appID, id, owner string, now, until time.Time) (*store.Webhook, bool, error) {
	h, err := s.scanWebhook(s.writer.QueryRowContext(ctx, "UPDATE webhooks SET lease_owner = ?, lease_until = ?"+
		" WHERE app_id = ? AND id = ? AND disabled = 0 AND (lease_until <= ? OR lease_owner = ?) RETURNING "+webhookColumns,
		owner, micros(until), appID, id, micros(now), owner))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, internal(err, "claim webhook %s of app %s", id, appID)
	}
	return &h, true, nil
}

// ReleaseWebhook ends owner's lease.
func (s *Store) ReleaseWebhook(ctx context.Context, appID, id, owner string) error {
	_, err := s.writer.ExecContext(ctx, "UPDATE webhooks SET lease_owner = '', lease_until = 0 WHERE app_id = ? AND id = ? AND lease_owner = ?", appID, id, owner)
	return internal(err, "release webhook %s of app %s", id, appID)
}

// AdvanceWebhook logs owner's attempts and saves its progress, if the
// webhook is still its own and unchanged since it claimed it.
func (s *Store) AdvanceWebhook(ctx context.Context, claimed *store.Webhook, owner string, p store.WebhookProgress) error {
	var moved bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := range p.Log {
			if err := insertDelivery(ctx, tx, &p.Log[i]); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, "UPDATE webhooks SET last_seq = ?, attempts = ?, next_at = ?"+
			" WHERE app_id = ? AND id = ? AND lease_owner = ? AND last_seq = ? AND updated_at = ?",
			p.Cursor, p.Attempts, micros(p.NextAt), claimed.AppID, claimed.ID, owner, claimed.Cursor, micros(claimed.UpdatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		moved = n == 1
		return err
	})
	if err == nil && !moved {
		return visage.Errorf(visage.CodeConflict, "webhook %s changed, or another deliverer has it", claimed.ID)
	}
	return internal(err, "save the progress of webhook %s of app %s", claimed.ID, claimed.AppID)
}

// LogDelivery writes an attempt made outside the cursor.
func (s *Store) LogDelivery(ctx context.Context, d *store.Delivery) error {
	err := s.write(ctx, func(tx *sql.Tx) error { return insertDelivery(ctx, tx, d) })
	return internal(err, "log a delivery to webhook %s of app %s", d.WebhookID, d.AppID)
}

func insertDelivery(ctx context.Context, tx *sql.Tx, d *store.Delivery) error {
	stamp(&d.At)
	err := tx.QueryRowContext(ctx, "INSERT INTO webhook_deliveries (app_id, webhook_id, event_id, event_type, event_seq, attempt, manual, at, duration_ms, status, error, outcome)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
		d.AppID, d.WebhookID, d.EventID, d.EventType, d.EventSeq, d.Attempt, d.Manual, micros(d.At), d.Duration.Milliseconds(), d.Status, d.Error, d.Outcome).Scan(&d.ID)
	if isNoApp(err) {
		return notFound("webhook", d.WebhookID)
	}
	return err
}

// Deliveries returns the webhook's delivery log, newest first.
func (s *Store) Deliveries(ctx context.Context, appID, webhookID string, before int64, limit int) ([]store.Delivery, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+store.DeliveryColumns+" FROM webhook_deliveries WHERE webhook_id = ? AND app_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
		webhookID, appID, before, limit)
	if err != nil {
		return nil, internal(err, "read the deliveries of webhook %s", webhookID)
	}
	ds, err := collect(rows, store.ScanDelivery)
	return ds, internal(err, "read the deliveries of webhook %s", webhookID)
}

// EventByID returns an event of the app.
func (s *Store) EventByID(ctx context.Context, appID, eventID string) (*store.Event, error) {
	ev, err := store.ScanEvent(s.reader.QueryRowContext(ctx, "SELECT "+eventColumns+" FROM events WHERE app_id = ? AND id = ?", appID, eventID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event", eventID)
	}
	if err != nil {
		return nil, internal(err, "read event %s", eventID)
	}
	return &ev, nil
}

// PruneEvents removes the events older than before that every enabled
// webhook of their app is past, and the delivery log's older entries.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (events, deliveries int64, err error) {
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM events WHERE at < ? AND seq <= COALESCE("+
			"(SELECT MIN(w.last_seq) FROM webhooks w WHERE w.app_id = events.app_id AND w.disabled = 0), seq)", micros(before))
		if err != nil {
			return err
		}
		if events, err = res.RowsAffected(); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, "DELETE FROM webhook_deliveries WHERE at < ?", micros(before))
		if err != nil {
			return err
		}
		deliveries, err = res.RowsAffected()
		return err
	})
	return events, deliveries, internal(err, "prune the events")
}
