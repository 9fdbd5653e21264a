package service

import (
	"context"
	"crypto/hmac"
	"encoding/json"

	"github.com/visagehq/visage"
)

// Face returns one enrolled face of the app, without its templates. The
// PIN hash stays, as in Faces, for callers to report whether there is one.
func (s *Service) Face(ctx context.Context, app *visage.App, facialID string) (*visage.Face, error) {
	f, err := s.store.Face(ctx, app.ID, facialID)
	if err != nil {
		return nil, err
	}
	f.Templates = nil
	return f, nil
}

// NeedsReenrollment reports whether a face has no template of the current
// recogniser pack: enrolled with another, it cannot be recognised until it
// enrolls again (docs/packs.md).
func (s *Service) NeedsReenrollment(app *visage.App, facialID string) bool {
	return s.table != nil && !s.gallery.HasModel(app.ID, facialID, s.table.Model)
}

// Faces pages through the app's faces after the cursor (a facial ID, ""
// for the first page).
func (s *Service) Faces(ctx context.Context, app *visage.App, after string, limit int) ([]visage.Face, error) {
	if limit <= 0 || limit > 1000 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "limit must be 1 to 1000")
	}
	return s.store.Faces(ctx, app.ID, after, limit)
}

// DeleteFace purges a face: when it returns, its templates, payload and
// PIN are gone from the store and from the gallery.
func (s *Service) DeleteFace(ctx context.Context, app *visage.App, facialID string) error {
	return s.deleteFace(ctx, app.ID, facialID, "request")
}

// deleteFace is DeleteFace, for a reason the audit log and the webhook
// give: "request" (an API call or the console), "erasure" (a data
// subject's request, EraseSubject), "retention" (unused too long).
func (s *Service) deleteFace(ctx context.Context, appID, facialID, reason string) error {
	ctx = journal(ctx, "face.delete", appID, facialID, map[string]any{"reason": reason},
		event(appID, EventFaceDeleted, facialID, map[string]any{"reason": reason}))
	if err := s.store.DeleteFace(ctx, appID, facialID); err != nil {
		return err
	}
	s.indexed(ctx, func() { s.gallery.Delete(appID, facialID) })
	return nil
}

// SetPayload replaces the data the app keeps with a face.
func (s *Service) SetPayload(ctx context.Context, app *visage.App, facialID string, payload json.RawMessage) error {
	if err := validPayload(payload); err != nil {
		return err
	}
	ctx = journal(ctx, "face.payload", app.ID, facialID, nil, event(app.ID, EventPayloadUpdated, facialID, map[string]any{"removed": payload == nil}))
	return s.store.SetPayload(ctx, app.ID, facialID, payload)
}

// SetPIN replaces a face's PIN ("" removes it, unless the app requires one).
func (s *Service) SetPIN(ctx context.Context, app *visage.App, facialID, pin string) error {
	var hash []byte
	switch {
	case pin == "" && app.Settings.RequirePIN:
		return visage.Errorf(visage.CodePINRequired, "this application requires a PIN")
	case pin != "" && !validPIN(pin):
		return visage.Errorf(visage.CodeInvalidRequest, "pin must be %d to %d digits", MinPINDigits, MaxPINDigits)
	case pin != "":
		hash = s.pinHash(pin)
	}
	if hash != nil && app.Settings.UniquePIN {
		unlock, err := s.lockApp(ctx, app.ID)
		if err != nil {
			return err
		}
		defer unlock()
		taken, err := s.store.PINHashes(ctx, app.ID)
		if err != nil {
			return err
		}
		for _, h := range taken {
			if hmac.Equal(h, hash) {
				return visage.Errorf(visage.CodeUniquePINRequired, "another enrolled person has this PIN; choose another")
			}
		}
	}
	return s.store.SetPIN(journal(ctx, "face.pin", app.ID, facialID, map[string]any{"removed": hash == nil}), app.ID, facialID, hash)
}

// FaceByExternalID returns the app's face with this external ID, without
// its templates.
func (s *Service) FaceByExternalID(ctx context.Context, app *visage.App, externalID string) (*visage.Face, error) {
	if err := ValidID("the person's ID", externalID); err != nil {
		return nil, err
	}
	f, err := s.store.FaceByExternalID(ctx, app.ID, externalID)
	if err != nil {
		return nil, err
	}
	f.Templates = nil
	return f, nil
}
