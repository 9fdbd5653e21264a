package service

import (
	"context"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// AppByPublicID finds the app a browser widget names. The public ID grants
// nothing by itself: it only says which app's rules the widget runs under.
func (s *Service) AppByPublicID(ctx context.Context, publicID string) (*visage.App, error) {
	if publicID == "" {
		return nil, visage.Errorf(visage.CodeUnauthorized, "a public ID is required")
	}
	app, err := s.store.AppByPublicID(ctx, publicID)
	if visage.ErrorCode(err) == visage.CodeNotFound {
		return nil, visage.Errorf(visage.CodeUnauthorized, "no application has this public ID")
	}
	return app, err
}

// Frame analyses one camera frame of a widget session: exactly one face
// (NO_FACE or MANY_FACES otherwise; as everywhere, faces under half the
// tallest's height do not count), its template, pose and grey crop (for
// the movement checks of package liveness), and its passive liveness
// when the app requires it. Nothing is stored.
func (s *Service) Frame(ctx context.Context, app *visage.App, image []byte) (*face.Face, error) {
	return s.frame(ctx, app, image, false)
}

// EnrollmentFrame is Frame that also estimates age and gender, as a frame
// a person may be enrolled from needs (EnrollRequest.Faces).
func (s *Service) EnrollmentFrame(ctx context.Context, app *visage.App, image []byte) (*face.Face, error) {
	return s.frame(ctx, app, image, true)
}

func (s *Service) frame(ctx context.Context, app *visage.App, image []byte, attributes bool) (*face.Face, error) {
	faces, err := s.engine.Analyze(ctx, image, face.Options{Single: true, Background: Background, Embed: true, Crop: true,
		Liveness: app.Settings.RequireLiveness, Attributes: attributes})
	if err != nil {
		return nil, err
	}
	return &faces[0], nil
}

// SamePerson says whether two templates match at the app's level, as the
// frames of one enrollment must.
func (s *Service) SamePerson(app *visage.App, a, b *visage.Template) (bool, error) {
	threshold, err := s.threshold(app)
	if err != nil {
		return false, err
	}
	return a.Model == b.Model && match.Cosine(a.Vector, b.Vector) >= threshold, nil
}
