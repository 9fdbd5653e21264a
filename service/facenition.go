package service

import (
	"context"

	"github.com/visagehq/visage"
)

// FaceNamed returns the app's face whose external ID is externalID,
// without its templates. Dialects whose clients name people by their own
// identifiers (Facenition's user_id) look a person up with it before
// verifying or deleting them. The name avoids clashing with lookups
// other dialects may add.
func (s *Service) FaceNamed(ctx context.Context, app *visage.App, externalID string) (*visage.Face, error) {
	if externalID == "" {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "an external ID is required")
	}
	f, err := s.store.FaceByExternalID(ctx, app.ID, externalID)
	if err != nil {
		return nil, err
	}
	f.Templates = nil
	return f, nil
}
