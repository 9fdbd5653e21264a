package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/visagehq/visage"
)

// CreateApp stores a new app; CONFLICT when its ID or public ID is taken.
func (s *Store) CreateApp(ctx context.Context, a *visage.App) error {
	return internal(s.write(ctx, func(tx *sql.Tx) error { return insertApp(ctx, tx, a) }), "create app %s", a.ID)
}

// execer is the writer pool or one of its transactions.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertApp(ctx context.Context, db execer, a *visage.App) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return internal(err, "create app %s", a.ID)
	}
	stamp(&a.CreatedAt)
	_, err = db.ExecContext(ctx, "INSERT INTO apps ("+appColumns+") VALUES (?, ?, ?, ?, ?, ?)",
		a.ID, a.PublicID, a.Name, a.Plan, string(settings), micros(a.CreatedAt))
	if isUnique(err) {
		return visage.Errorf(visage.CodeConflict, "app ID %s or public ID %s is taken", a.ID, a.PublicID)
	}
	return internal(err, "create app %s", a.ID)
}

// App returns the app with this (internal) ID.
func (s *Store) App(ctx context.Context, id string) (*visage.App, error) {
	a, err := scanApp(s.reader.QueryRowContext(ctx, "SELECT "+appColumns+" FROM apps WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("app", id)
	}
	return a, internal(err, "read app %s", id)
}

// AppByPublicID returns the app with this public ID.
func (s *Store) AppByPublicID(ctx context.Context, publicID string) (*visage.App, error) {
	a, err := scanApp(s.reader.QueryRowContext(ctx, "SELECT "+appColumns+" FROM apps WHERE public_id = ?", publicID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("app with public ID", publicID)
	}
	return a, internal(err, "read app with public ID %s", publicID)
}

// Apps lists every app in creation order.
func (s *Store) Apps(ctx context.Context) ([]visage.App, error) {
	rows, err := s.reader.QueryContext(ctx, "SELECT "+appColumns+" FROM apps ORDER BY created_at, id")
	if err != nil {
		return nil, internal(err, "list apps")
	}
	defer rows.Close()
	var apps []visage.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, internal(err, "list apps")
		}
		apps = append(apps, *a)
	}
	return apps, internal(rows.Err(), "list apps")
}

// UpdateApp saves an app's name, plan and settings.
func (s *Store) UpdateApp(ctx context.Context, a *visage.App) error {
	settings, err := json.Marshal(a.Settings)
	if err != nil {
		return internal(err, "update app %s", a.ID)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE apps SET name = ?, plan = ?, settings = ? WHERE id = ?",
			a.Name, a.Plan, string(settings), a.ID)
		return affected(res, err, "app", a.ID)
	})
	return internal(err, "update app %s", a.ID)
}

// DeleteApp removes the app; its keys, faces and usage go with it (ON
// DELETE CASCADE), and its faces are purged as DeleteFace purges one.
func (s *Store) DeleteApp(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM apps WHERE id = ?", id)
		return affected(res, err, "app", id)
	})
	if err != nil {
		return internal(err, "delete app %s", id)
	}
	s.dropUsage(id)
	s.deleted(ctx)
	return nil
}
