package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// CreateFace enrolls a face, sealing its templates and payload for its row.
func (s *Store) CreateFace(ctx context.Context, f *visage.Face) error {
	stamp(&f.CreatedAt)
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = f.CreatedAt
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return internal(err, "create face %s of app %s", f.ID, f.AppID)
	}
	defer tx.Rollback()
	number := f.Number
	if number == 0 {
		err = tx.QueryRowContext(ctx, "UPDATE apps SET faces_numbered = faces_numbered + 1 WHERE id = ? RETURNING faces_numbered", f.AppID).Scan(&number)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("app", f.AppID)
		}
		if err != nil {
			return internal(err, "number face %s of app %s", f.ID, f.AppID)
		}
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO faces ("+faceColumns+", templates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		store.FaceValues(s.cipher, f, number)...)
	if err == nil {
		err = writeJournal(ctx, tx, store.JournalOf(ctx))
	}
	if err == nil {
		if err = tx.Commit(); err == nil {
			f.Number = number
		}
	}
	switch {
	case isNoApp(err):
		return notFound("app", f.AppID)
	case isUnique(err):
		// The face ID is new and random: the external ID is what is taken.
		// The message goes to the client, so it names nothing internal.
		return visage.Errorf(visage.CodeConflict, "the external ID %q is taken in this application", f.ExternalID)
	}
	return internal(err, "create face %s of app %s", f.ID, f.AppID)
}

// Face returns a face of the app with its templates.
func (s *Store) Face(ctx context.Context, appID, faceID string) (*visage.Face, error) {
	f, err := s.face(ctx, "id = ?", appID, faceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("face", faceID)
	}
	return f, internal(err, "read face %s of app %s", faceID, appID)
}

// FaceByExternalID returns the app's face with this external ID.
func (s *Store) FaceByExternalID(ctx context.Context, appID, externalID string) (*visage.Face, error) {
	f, err := s.face(ctx, "external_id = ?", appID, externalID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("face with external ID", externalID)
	}
	return f, internal(err, "read face with external ID %s of app %s", externalID, appID)
}

// face reads the one face of appID that matches where, with its templates.
func (s *Store) face(ctx context.Context, where, appID, arg string) (*visage.Face, error) {
	row := s.reader.QueryRowContext(ctx, "SELECT "+faceColumns+", templates FROM faces WHERE app_id = ? AND "+where, appID, arg)
	return store.ScanFace(s.cipher, row, true)
}

// Faces returns up to limit faces of the app with IDs after the cursor, in
// ID order, without templates.
func (s *Store) Faces(ctx context.Context, appID string, after string, limit int) ([]visage.Face, error) {
	if limit <= 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "limit must be positive")
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT "+faceColumns+" FROM faces WHERE app_id = ? AND id > ? ORDER BY id LIMIT ?",
		appID, after, limit)
	if err != nil {
		return nil, internal(err, "list faces of app %s", appID)
	}
	defer rows.Close()
	var faces []visage.Face
	for rows.Next() {
		f, err := store.ScanFace(s.cipher, rows, false)
		if err != nil {
			return nil, internal(err, "list faces of app %s", appID)
		}
		faces = append(faces, *f)
	}
	return faces, internal(rows.Err(), "list faces of app %s", appID)
}

// CountFaces returns the number of the app's faces.
func (s *Store) CountFaces(ctx context.Context, appID string) (int, error) {
	var n int
	err := s.reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM faces WHERE app_id = ?", appID).Scan(&n)
	return n, internal(err, "count faces of app %s", appID)
}

// DeleteFace purges a face of the app (see the package documentation for
// what remains on disk, and for how long).
func (s *Store) DeleteFace(ctx context.Context, appID, faceID string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM faces WHERE app_id = ? AND id = ?", appID, faceID)
		return affected(res, err, "face", faceID)
	})
	if err != nil {
		return internal(err, "delete face %s of app %s", faceID, appID)
	}
	s.deleted(ctx)
	return nil
}

// ReplaceTemplates gives a face new templates, age and gender.
func (s *Store) ReplaceTemplates(ctx context.Context, appID, faceID string, templates []visage.Template, age, female float32) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE faces SET templates = ?, age = ?, female = ?, updated_at = ? WHERE app_id = ? AND id = ?",
			s.cipher.SealTemplates(appID, faceID, templates), age, female, time.Now().UnixMicro(), appID, faceID)
		return affected(res, err, "face", faceID)
	})
	return internal(err, "replace templates of face %s of app %s", faceID, appID)
}

// SetPayload replaces a face's payload; nil removes it.
func (s *Store) SetPayload(ctx context.Context, appID, faceID string, payload json.RawMessage) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE faces SET payload = ?, updated_at = ? WHERE app_id = ? AND id = ?",
			s.cipher.SealPayload(appID, faceID, payload), time.Now().UnixMicro(), appID, faceID)
		return affected(res, err, "face", faceID)
	})
	return internal(err, "set payload of face %s of app %s", faceID, appID)
}

// RecentFaces returns the IDs of the app's n newest faces, newest first.
func (s *Store) RecentFaces(ctx context.Context, appID string, n int) ([]string, error) {
	if n <= 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "n must be positive")
	}
	rows, err := s.reader.QueryContext(ctx, "SELECT id FROM faces WHERE app_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", appID, n)
	if err != nil {
		return nil, internal(err, "recent faces of app %s", appID)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, internal(err, "recent faces of app %s", appID)
		}
		ids = append(ids, id)
	}
	return ids, internal(rows.Err(), "recent faces of app %s", appID)
}

// EachTemplate streams every face of every app with its templates.
func (s *Store) EachTemplate(ctx context.Context, fn func(appID, faceID string, templates []visage.Template) error) error {
	rows, err := s.reader.QueryContext(ctx, "SELECT app_id, id, templates FROM faces")
	if err != nil {
		return internal(err, "read templates")
	}
	defer rows.Close()
	for rows.Next() {
		var appID, faceID string
		var sealed []byte
		if err := rows.Scan(&appID, &faceID, &sealed); err != nil {
			return internal(err, "read templates")
		}
		ts, err := s.cipher.OpenTemplates(appID, faceID, sealed)
		if err != nil {
			return err
		}
		if err := fn(appID, faceID, ts); err != nil {
			return err
		}
	}
	return internal(rows.Err(), "read templates")
}
