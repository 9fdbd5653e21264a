package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// Webhooks (store/webhooks.go). Replicas share them through a lease per
// webhook: ClaimWebhook's UPDATE re-checks its condition on the row it
// locks, so of replicas claiming at once exactly one gets the lease, and
// only that one delivers the webhook's events until the lease runs out.

const webhookColumns = store.WebhookColumns

func (s *Store) scanWebhook(r store.Row) (store.Webhook, error) {
	return store.ScanWebhook(r, s.cipher)
}

func (s *Store) collectWebhooks(rows pgx.Rows) ([]store.Webhook, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Webhook, error) { return s.scanWebhook(r) })
}

// CreateWebhook stores a new webhook of an existing app, starting after
// the last event committed; CONFLICT when the app has store.MaxWebhooks
// already.
func (s *Store) CreateWebhook(ctx context.Context, h *store.Webhook) error {
	stamp(&h.CreatedAt)
	h.UpdatedAt, h.Attempts, h.NextAt, h.LeaseOwner, h.LeaseUntil = h.CreatedAt, 0, time.Time{}, "", time.Time{}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO webhooks ("+webhookColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, 0, '', 0)",
			h.ID, h.AppID, h.URL, s.cipher.Seal(store.FieldWebhookSecret, h.AppID, h.ID, []byte(h.Secret)), store.JoinEvents(h.Events),
			h.Disabled, micros(h.CreatedAt), micros(h.UpdatedAt))
		switch {
		case isNoApp(err):
			return notFound("app", h.AppID)
		case isUnique(err):
			return visage.Errorf(visage.CodeConflict, "webhook ID %s is taken", h.ID)
		case err != nil:
			return err
		}
		// journal_head's lock (which writeJournal takes anyway) orders
		// this with every transaction that writes events, and with the
		// other webhooks created: the count below sees those committed
		// before, and the cursor is the last event committed before this
		// webhook is.
		if err := tx.QueryRow(ctx, "SELECT event_seq FROM journal_head FOR UPDATE").Scan(&h.Cursor); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM webhooks WHERE app_id = $1", h.AppID).Scan(&n); err != nil {
			return err
		}
		if n > store.MaxWebhooks {
			return visage.Errorf(visage.CodeConflict, "app %s has %d webhooks, the most an app may have", h.AppID, store.MaxWebhooks)
		}
		_, err = tx.Exec(ctx, "UPDATE webhooks SET last_seq = $1 WHERE id = $2", h.Cursor, h.ID)
		return err
	})
	return internal(err, "create webhook %s of app %s", h.ID, h.AppID)
}

// Webhook returns a webhook of the app.
func (s *Store) Webhook(ctx context.Context, appID, id string) (*store.Webhook, error) {
	h, err := s.scanWebhook(s.pool.QueryRow(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE app_id = $1 AND id = $2", appID, id))
	if isNoRows(err) {
		return nil, notFound("webhook", id)
	}
	if err != nil {
		return nil, internal(err, "read webhook %s of app %s", id, appID)
	}
	return &h, nil
}

// Webhooks lists the app's webhooks, oldest first.
func (s *Store) Webhooks(ctx context.Context, appID string) ([]store.Webhook, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+webhookColumns+" FROM webhooks WHERE app_id = $1 ORDER BY created_at, id", appID)
	if err != nil {
		return nil, internal(err, "list the webhooks of app %s", appID)
	}
	hooks, err := s.collectWebhooks(rows)
	return hooks, internal(err, "list the webhooks of app %s", appID)
}

// UpdateWebhook saves a webhook's URL, events and Disabled; enabled
// again, it starts after the last event committed.
func (s *Store) UpdateWebhook(ctx context.Context, h *store.Webhook) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var disabled bool
		var updated int64
		err := tx.QueryRow(ctx, "SELECT disabled, updated_at FROM webhooks WHERE app_id = $1 AND id = $2 FOR UPDATE", h.AppID, h.ID).Scan(&disabled, &updated)
		if isNoRows(err) {
			return notFound("webhook", h.ID)
		}
		if err != nil {
			return err
		}
		q, args := "UPDATE webhooks SET url = $3, events = $4, disabled = $5, updated_at = $6, attempts = 0, next_at = 0",
			[]any{h.AppID, h.ID, h.URL, store.JoinEvents(h.Events), h.Disabled, micros(updateTime(fromMicros(updated)))}
		if disabled && !h.Disabled {
			// The webhook row's lock, then journal_head's: the order
			// every transaction takes them in.
			var last int64
			if err := tx.QueryRow(ctx, "SELECT event_seq FROM journal_head FOR UPDATE").Scan(&last); err != nil {
				return err
			}
			q, args = q+", last_seq = $7", append(args, last)
		}
		got, err := s.scanWebhook(tx.QueryRow(ctx, q+" WHERE app_id = $1 AND id = $2 RETURNING "+webhookColumns, args...))
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
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM webhooks WHERE app_id = $1 AND id = $2", appID, id)
		return affected(tag, err, "webhook", id)
	})
	return internal(err, "delete webhook %s of app %s", id, appID)
}

// DueWebhooks returns the enabled webhooks with an event to work on now
// that owner may claim.
func (s *Store) DueWebhooks(ctx context.Context, owner string, now time.Time, limit int) ([]store.Webhook, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+webhookColumns+" FROM webhooks w WHERE NOT disabled AND next_at <= $1 AND (lease_until <= $1 OR lease_owner = $2)"+
		" AND EXISTS (SELECT 1 FROM events e WHERE e.app_id = w.app_id AND e.seq > w.last_seq) ORDER BY next_at, id LIMIT $3",
		micros(now), owner, limit)
	if err != nil {
		return nil, internal(err, "find the webhooks due")
	}
	hooks, err := s.collectWebhooks(rows)
	return hooks, internal(err, "find the webhooks due")
}

// ClaimWebhook gives owner the lease of an enabled webhook that is free or
// already its own. Under READ COMMITTED, an UPDATE that finds its row
// locked by another waits, then checks its WHERE again on the row as the
// other left it: two replicas claiming at once cannot both succeed.
func (s *Store) ClaimWebhook(ctx context.Context, appID, id, owner string, now, until time.Time) (*store.Webhook, bool, error) {
	h, err := s.scanWebhook(s.pool.QueryRow(ctx, "UPDATE webhooks SET lease_owner = $1, lease_until = $2"+
		" WHERE app_id = $3 AND id = $4 AND NOT disabled AND (lease_until <= $5 OR lease_owner = $1) RETURNING "+webhookColumns,
		owner, micros(until), appID, id, micros(now)))
	if isNoRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, internal(err, "claim webhook %s of app %s", id, appID)
	}
	return &h, true, nil
}

// ReleaseWebhook ends owner's lease.
func (s *Store) ReleaseWebhook(ctx context.Context, appID, id, owner string) error {
	_, err := s.pool.Exec(ctx, "UPDATE webhooks SET lease_owner = '', lease_until = 0 WHERE app_id = $1 AND id = $2 AND lease_owner = $3", appID, id, owner)
	return internal(err, "release webhook %s of app %s", id, appID)
}

// AdvanceWebhook logs owner's attempts and saves its progress, if the
// webhook is still its own and unchanged since it claimed it.
func (s *Store) AdvanceWebhook(ctx context.Context, claimed *store.Webhook, owner string, p store.WebhookProgress) error {
	var moved bool
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for i := range p.Log {
			if err := insertDelivery(ctx, tx, &p.Log[i]); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, "UPDATE webhooks SET last_seq = $1, attempts = $2, next_at = $3"+
			" WHERE app_id = $4 AND id = $5 AND lease_owner = $6 AND last_seq = $7 AND updated_at = $8",
			p.Cursor, p.Attempts, micros(p.NextAt), claimed.AppID, claimed.ID, owner, claimed.Cursor, micros(claimed.UpdatedAt))
		moved = tag.RowsAffected() == 1
		return err
	})
	if err == nil && !moved {
		return visage.Errorf(visage.CodeConflict, "webhook %s changed, or another deliverer has it", claimed.ID)
	}
	return internal(err, "save the progress of webhook %s of app %s", claimed.ID, claimed.AppID)
}

// LogDelivery writes an attempt made outside the cursor.
func (s *Store) LogDelivery(ctx context.Context, d *store.Delivery) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error { return insertDelivery(ctx, tx, d) })
	return internal(err, "log a delivery to webhook %s of app %s", d.WebhookID, d.AppID)
}

func insertDelivery(ctx context.Context, tx pgx.Tx, d *store.Delivery) error {
	stamp(&d.At)
	err := tx.QueryRow(ctx, "INSERT INTO webhook_deliveries (app_id, webhook_id, event_id, event_type, event_seq, attempt, manual, at, duration_ms, status, error, outcome)"+
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
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
	rows, err := s.pool.Query(ctx, "SELECT "+store.DeliveryColumns+" FROM webhook_deliveries WHERE webhook_id = $1 AND app_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4",
		webhookID, appID, before, limit)
	if err != nil {
		return nil, internal(err, "read the deliveries of webhook %s", webhookID)
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Delivery, error) { return store.ScanDelivery(r) })
	return ds, internal(err, "read the deliveries of webhook %s", webhookID)
}

// EventByID returns an event of the app.
func (s *Store) EventByID(ctx context.Context, appID, eventID string) (*store.Event, error) {
	ev, err := store.ScanEvent(s.pool.QueryRow(ctx, "SELECT "+eventColumns+" FROM events WHERE app_id = $1 AND id = $2", appID, eventID))
	if isNoRows(err) {
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
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM events WHERE at < $1 AND seq <= COALESCE("+
			"(SELECT MIN(w.last_seq) FROM webhooks w WHERE w.app_id = events.app_id AND NOT w.disabled), seq)", micros(before))
		if err != nil {
			return err
		}
		events = tag.RowsAffected()
		tag, err = tx.Exec(ctx, "DELETE FROM webhook_deliveries WHERE at < $1", micros(before))
		deliveries = tag.RowsAffected()
		return err
	})
	return events, deliveries, internal(err, "prune the events")
}
