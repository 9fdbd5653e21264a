package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage"
)

// CreateApp stores a new app; CONFLICT when its ID or public ID is taken.
func (s *Store) CreateApp(ctx context.Context, a *visage.App) error {
	return internal(s.inTx(ctx, func(tx pgx.Tx) error { return insertApp(ctx, tx, a) }), "create app %s", a.ID)
}

func insertApp(ctx context.Context, db querier, a *visage.App) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return internal(err, "create app %s", a.ID)
	}
	stamp(&a.CreatedAt)
	_, err = db.Exec(ctx, "INSERT INTO apps ("+appColumns+") VALUES ($1, $2, $3, $4, $5, $6)",
		a.ID, a.PublicID, a.Name, a.Plan, string(settings), micros(a.CreatedAt))
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "app ID %s or public ID %s is taken", a.ID, a.PublicID)
	}
	return internal(err, "create app %s", a.ID)
}

// App returns the app with this (internal) ID.
func (s *Store) App(ctx context.Context, id string) (*visage.App, error) {
	a, err := scanApp(s.pool.QueryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE id = $1", id))
	if isNoRows(err) {
		return nil, notFound("app", id)
	}
	return a, internal(err, "read app %s", id)
}

// AppByPublicID returns the app with this public ID.
func (s *Store) AppByPublicID(ctx context.Context, publicID string) (*visage.App, error) {
	a, err := scanApp(s.pool.QueryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE public_id = $1", publicID))
	if isNoRows(err) {
		return nil, notFound("app with public ID", publicID)
	}
	return a, internal(err, "read app with public ID %s", publicID)
}

// Apps lists every app in creation order.
func (s *Store) Apps(ctx context.Context) ([]visage.App, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+appColumns+" FROM apps ORDER BY created_at, id")
	if err != nil {
		return nil, internal(err, "list apps")
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (visage.App, error) {
		a, err := scanApp(r)
		if err != nil {
			return visage.App{}, err
		}
		return *a, nil
	})
	return apps, internal(err, "list apps")
}

// UpdateApp saves an app's name, plan and settings.
func (s *Store) UpdateApp(ctx context.Context, a *visage.App) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return internal(err, "update app %s", a.ID)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE apps SET name = $1, plan = $2, settings = $3 WHERE id = $4",
			a.Name, a.Plan, string(settings), a.ID)
		return affected(tag, err, "app", a.ID)
	})
	return internal(err, "update app %s", a.ID)
}

// DeleteApp removes the app; its keys, faces, usage and account go with it
// (ON DELETE CASCADE), and the change log tells every replica to drop the
// app's faces from its gallery.
func (s *Store) DeleteApp(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM apps WHERE id = $1", id)
		if err := affected(tag, err, "app", id); err != nil {
			return err
		}
		return logChange(ctx, tx, id, "")
	})
	return internal(err, "delete app %s", id)
}
