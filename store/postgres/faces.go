package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// CreateFace enrolls a face, sealing its templates and payload for its
// row, and logs the change for the replicas' galleries.
func (s *Store) CreateFace(ctx context.Context, f *visage.Face) error {
	stamp(&f.CreatedAt)
	if f.UpdatedAt.IsZero() {
		f.UpdatedAt = f.CreatedAt
	}
	number := f.Number
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if number == 0 {
			err := tx.QueryRow(ctx, "UPDATE apps SET faces_numbered = faces_numbered + 1 WHERE id = $1 RETURNING faces_numbered", f.AppID).Scan(&number)
			if isNoRows(err) {
				return notFound("app", f.AppID)
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "INSERT INTO faces ("+faceColumns+", templates) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
			store.FaceValues(s.cipher, f, number)...)
		switch {
		case isNoApp(err):
			return notFound("app", f.AppID)
		case isUnique(err):
			// The face ID is new and random: the external ID is what is
			// taken. The message goes to the client, so it names nothing
			// internal.
			return visage.Errorf(visage.CodeConflict, "the external ID %q is taken in this application", f.ExternalID)
		case err != nil:
			return err
		}
		return logChange(ctx, tx, f.AppID, f.ID)
	})
	if err != nil {
		return internal(err, "create face %s of app %s", f.ID, f.AppID)
	}
	f.Number = number
	return nil
}

// Face returns a face of the app with its templates.
func (s *Store) Face(ctx context.Context, appID, faceID string) (*visage.Face, error) {
	f, err := s.face(ctx, "id = $2", appID, faceID)
	if isNoRows(err) {
		return nil, notFound("face", faceID)
	}
	return f, internal(err, "read face %s of app %s", faceID, appID)
}

// FaceByExternalID returns the app's face with this external ID.
func (s *Store) FaceByExternalID(ctx context.Context, appID, externalID string) (*visage.Face, error) {
	f, err := s.face(ctx, "external_id = $2", appID, externalID)
	if isNoRows(err) {
		return nil, notFound("face with external ID", externalID)
	}
	return f, internal(err, "read face with external ID %s of app %s", externalID, appID)
}

// face reads the one face of appID that matches where, with its templates.
func (s *Store) face(ctx context.Context, where, appID, arg string) (*visage.Face, error) {
	row := s.pool.QueryRow(ctx, "SELECT "+faceColumns+", templates FROM faces WHERE app_id = $1 AND "+where, appID, arg)
	return store.ScanFace(s.cipher, row, true)
}

// Faces returns up to limit faces of the app with IDs after the cursor, in
// ID order, without templates.
func (s *Store) Faces(ctx context.Context, appID string, after string, limit int) ([]visage.Face, error) {
	if limit <= 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "limit must be positive")
	}
	rows, err := s.pool.Query(ctx, "SELECT "+faceColumns+" FROM faces WHERE app_id = $1 AND id > $2 ORDER BY id LIMIT $3",
		appID, after, limit)
	if err != nil {
		return nil, internal(err, "list faces of app %s", appID)
	}
	faces, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (visage.Face, error) {
		f, err := store.ScanFace(s.cipher, r, false)
		if err != nil {
			return visage.Face{}, err
		}
		return *f, nil
	})
	return faces, internal(err, "list faces of app %s", appID)
}

// CountFaces returns the number of the app's faces.
func (s *Store) CountFaces(ctx context.Context, appID string) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM faces WHERE app_id = $1", appID).Scan(&n)
	return n, internal(err, "count faces of app %s", appID)
}

// DeleteFace deletes a face of the app and logs the change, so that every
// replica drops it from its gallery (see the package documentation for
// what remains on disk).
func (s *Store) DeleteFace(ctx context.Context, appID, faceID string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM faces WHERE app_id = $1 AND id = $2", appID, faceID)
		if err := affected(tag, err, "face", faceID); err != nil {
			return err
		}
		return logChange(ctx, tx, appID, faceID)
	})
	return internal(err, "delete face %s of app %s", faceID, appID)
}

// ReplaceTemplates gives a face new templates, age and gender, and logs
// the change for the replicas' galleries.
func (s *Store) ReplaceTemplates(ctx context.Context, appID, faceID string, templates []visage.Template, age, female float32) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE faces SET templates = $1, age = $2, female = $3, updated_at = $4 WHERE app_id = $5 AND id = $6",
			s.cipher.SealTemplates(appID, faceID, templates), age, female, time.Now().UnixMicro(), appID, faceID)
		if err := affected(tag, err, "face", faceID); err != nil {
			return err
		}
		return logChange(ctx, tx, appID, faceID)
	})
	return internal(err, "replace templates of face %s of app %s", faceID, appID)
}

// SetPayload replaces a face's payload; nil removes it.
func (s *Store) SetPayload(ctx context.Context, appID, faceID string, payload json.RawMessage) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE faces SET payload = $1, updated_at = $2 WHERE app_id = $3 AND id = $4",
			s.cipher.SealPayload(appID, faceID, payload), time.Now().UnixMicro(), appID, faceID)
		return affected(tag, err, "face", faceID)
	})
	return internal(err, "set payload of face %s of app %s", faceID, appID)
}

// RecentFaces returns the IDs of the app's n newest faces, newest first.
func (s *Store) RecentFaces(ctx context.Context, appID string, n int) ([]string, error) {
	if n <= 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "n must be positive")
	}
	rows, err := s.pool.Query(ctx, "SELECT id FROM faces WHERE app_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2", appID, n)
	if err != nil {
		return nil, internal(err, "recent faces of app %s", appID)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return ids, internal(err, "recent faces of app %s", appID)
}

// EachTemplate streams every face of every app with its templates: the
// rows come through one query as PostgreSQL sends them, so the gallery of
// a large store loads without the store in memory.
func (s *Store) EachTemplate(ctx context.Context, fn func(appID, faceID string, templates []visage.Template) error) error {
	rows, err := s.pool.Query(ctx, "SELECT app_id, id, templates FROM faces")
	if err != nil {
		return internal(err, "read templates")
	}
	defer rows.Close()
	var appID, faceID string
	var sealed []byte
	for rows.Next() {
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
