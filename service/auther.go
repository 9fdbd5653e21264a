package service

// The use cases the Auther dialect (dialect/auther) needs beyond the
// native ones: Auther names people by an ID the caller chooses (a face's
// external ID here), enrolls them from one photo that must pass stated
// quality criteria, replaces that photo in place, and matches at fixed
// percentages rather than at the app's level.

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
)

// The photo criteria of PutPerson, beyond one frontal face. Measured on
// 300 genuine LFW pairs, one photo of each degraded (docs/migrating-from-
// auther.md has the table): at level 4, 97.3 % of the pairs match as they
// are; with the face scaled down to 64 px still 96.0 %, but 94.3 % at 48 px
// and 72 % at 32 px. Blurring drives the sharpness (the Laplacian variance
// of the aligned 112×112 face) down with the match rate: a median of 44 and
// 96.3 % at a Gaussian sigma of 1 px, 22 and 93.3 % at 1.5 px, 13 and 89 %
// at 2 px. A reference photo is compared with every later one, so it has
// to be better than what a probe may be: under 20 refuses most faces
// blurred by 2 px and 0.4 % of LFW's photos as they are (8 of 2,206).
const (
	MinPersonFaceSize  = 64 // face box height in pixels of the photo
	MinPersonSharpness = 20
)

// Codes of the photo criteria. The native API has no such rule, so these
// only come from PutPerson.
const (
	CodeFaceTooSmall visage.Code = "FACE_TOO_SMALL"
	CodeFaceBlurred  visage.Code = "FACE_BLURRED"
)

// PutPerson enrolls one photo as the person named externalID, or with
// replace gives the person who has that external ID this photo in place
// of their templates: the facial ID, creation time, payload and PIN stay,
// the update time moves. The photo must show one frontal face, at least
// MinPersonFaceSize tall and MinPersonSharpness sharp, and pass the app's
// liveness, age and duplicate rules. The returned face has no templates.
func (s *Service) PutPerson(ctx context.Context, app *visage.App, externalID string, image []byte, replace bool) (*visage.Face, error) {
	if err := ValidID("the person's ID", externalID); err != nil {
		return nil, err
	}
	set := app.Settings
	if set.RequirePIN {
		return nil, visage.Errorf(visage.CodePINRequired, "this application requires a PIN at enrollment")
	}
	threshold, err := s.threshold(app)
	if err != nil {
		return nil, err
	}
	// Existence first: an unknown or taken ID is cheaper to find than a face.
	_, err = s.store.FaceByExternalID(ctx, app.ID, externalID)
	switch {
	case err == nil && !replace:
		return nil, visage.Errorf(visage.CodeConflict, "the person ID %q is taken", externalID)
	case err != nil && (replace || visage.ErrorCode(err) != visage.CodeNotFound):
		return nil, err
	}
	faces, err := s.engine.Analyze(ctx, image, face.Options{Single: true, Background: Background, Embed: true,
		Quality: true, Liveness: set.RequireLiveness, Attributes: true})
	if err != nil {
		return nil, err
	}
	if err := s.gates(set, faces); err != nil {
		return nil, err
	}
	fc := faces[0]
	if err := photoCriteria(fc.Quality); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	f := &visage.Face{ID: newUUID(), AppID: app.ID, ExternalID: externalID, Templates: []visage.Template{*fc.Template},
		Age: *fc.Age, Female: *fc.Female, CreatedAt: now, UpdatedAt: now}

	unlock, err := s.lockApp(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var old *visage.Face
	if replace {
		// Read again under the lock: the person may have changed meanwhile.
		if old, err = s.store.FaceByExternalID(ctx, app.ID, externalID); err != nil {
			return nil, err
		}
		f.ID, f.Payload, f.PINHash, f.CreatedAt = old.ID, old.Payload, old.PINHash, old.CreatedAt
		f.PINFailures, f.PINLockedUntil, f.Number = old.PINFailures, old.PINLockedUntil, old.Number
	}
	if set.PreventDuplicates {
		if err := s.caughtUp(ctx); err != nil {
			return nil, err
		}
		// The person's own old photo is not a duplicate of the new one.
		for _, h := range s.gallery.Search(app.ID, f.Templates[0], 2, threshold) {
			if h.FaceID != f.ID {
				return nil, visage.Errorf(visage.CodeFaceDuplication, "this person is already enrolled in the application")
			}
		}
	}
	if old == nil {
		err = s.store.CreateFace(journalEnroll(ctx, app.ID, f, false), f)
	} else {
		err = s.store.ReplaceTemplates(journalEnroll(ctx, app.ID, f, true), app.ID, f.ID, f.Templates, f.Age, f.Female)
	}
	if visage.ErrorCode(err) == visage.CodeConflict {
		// Taken since the check above; the store's message names the app.
		return nil, visage.Errorf(visage.CodeConflict, "the person ID %q is taken", externalID)
	}
	if err != nil {
		return nil, err
	}
	s.indexed(ctx, func() {
		if err := s.gallery.Put(app.ID, f.ID, f.Templates); err != nil {
			s.log.Error("enrolled face not indexed", "app", app.ID, "face", f.ID, "err", err)
		}
	})
	out := *f
	out.Templates = nil
	return &out, nil
}

// photoCriteria refuses a reference face too small or too blurred to make
// a reliable template (see MinPersonFaceSize).
func photoCriteria(q face.Quality) error {
	if q.Size < MinPersonFaceSize {
		return visage.Errorf(CodeFaceTooSmall, "the face is %.0f px tall; at least %d px are needed", q.Size, MinPersonFaceSize)
	}
	if q.Sharpness != nil && *q.Sharpness < MinPersonSharpness {
		return visage.Errorf(CodeFaceBlurred, "the face is too blurred (sharpness %.0f, at least %d needed)", *q.Sharpness, MinPersonSharpness)
	}
	return nil
}

// DeleteByExternalID purges the face with this external ID, as DeleteFace
// does, and returns it as it was (without templates).
func (s *Service) DeleteByExternalID(ctx context.Context, app *visage.App, externalID string) (*visage.Face, error) {
	f, err := s.FaceByExternalID(ctx, app, externalID)
	if err != nil {
		return nil, err
	}
	return f, s.DeleteFace(ctx, app, f.ID)
}

// Scored is a face and the calibrated similarity (percent) it scored.
type Scored struct {
	Face       *visage.Face // without templates
	Similarity float64
	Match      bool
}

// atLeast is the cosine a match needs when a client asks for pct percent:
// the stricter of pct and the app's level, which the operator set as a
// floor for every decision about who someone is.
func (s *Service) atLeast(app *visage.App, pct float64) (float32, error) {
	threshold, err := s.threshold(app)
	if err != nil {
		return 0, err
	}
	return max(threshold, s.table.CosineAtSimilarity(pct)), nil
}

// Identify finds the app's face most similar to the photo (1:N), if it
// scores at least pct percent (and the app's level). A face with a PIN is
// not given away without it: PIN_REQUIRED, as Authenticate without a PIN.
func (s *Service) Identify(ctx context.Context, app *visage.App, image []byte, pct float64) (*Scored, error) {
	threshold, err := s.atLeast(app, pct)
	if err != nil {
		return nil, err
	}
	probe, err := s.probe(ctx, app, image)
	if err != nil {
		return nil, err
	}
	hits := s.gallery.Search(app.ID, *probe.Template, 1, threshold)
	if len(hits) == 0 {
		return nil, visage.Errorf(visage.CodeUnrecognizedFace, "no enrolled person matches this face at %g %%", pct)
	}
	f, err := s.store.Face(ctx, app.ID, hits[0].FaceID)
	if err != nil {
		return nil, err
	}
	if err := s.checkPIN(ctx, f, ""); err != nil {
		return nil, err
	}
	f.Templates = nil
	return &Scored{Face: f, Similarity: s.table.Similarity(hits[0].Score), Match: true}, nil
}

// VerifyPerson says whether the photo shows the person with this external
// ID (1:1), at pct percent or the app's level, whichever is stricter.
func (s *Service) VerifyPerson(ctx context.Context, app *visage.App, image []byte, externalID string, pct float64) (*Scored, error) {
	threshold, err := s.atLeast(app, pct)
	if err != nil {
		return nil, err
	}
	if err := ValidID("the person's ID", externalID); err != nil {
		return nil, err
	}
	f, err := s.store.FaceByExternalID(ctx, app.ID, externalID)
	if err != nil {
		return nil, err
	}
	probe, err := s.probe(ctx, app, image)
	if err != nil {
		return nil, err
	}
	best := s.faceCosine(app, f, probe.Template)
	// A match answers with the person, so a person with a PIN is refused
	// as Identify refuses them: the request cannot carry the PIN.
	if best >= threshold {
		if err := s.checkPIN(ctx, f, ""); err != nil {
			return nil, err
		}
	}
	f.Templates = nil
	return &Scored{Face: f, Similarity: s.table.Similarity(best), Match: best >= threshold}, nil
}

// CompareAt scores the largest face of a against the largest face of b,
// as Compare does, but decides the match at pct percent, a threshold the
// caller chose for this one comparison, instead of at the app's level.
func (s *Service) CompareAt(ctx context.Context, app *visage.App, a, b []byte, pct float64) (*Comparison, error) {
	c, err := s.Compare(ctx, app, a, b)
	if err != nil {
		return nil, err
	}
	c.Match = c.Cosine >= s.table.CosineAtSimilarity(pct)
	return c, nil
}

// ParseSigningKey reads the PEM of an RSA public key of at least 2048
// bits, as SubjectPublicKeyInfo ("PUBLIC KEY", what `openssl rsa -pubout`
// writes) or PKCS #1 ("RSA PUBLIC KEY").
func ParseSigningKey(s string) (*rsa.PublicKey, error) {
	bad := func(why string) error {
		return visage.Errorf(visage.CodeInvalidRequest, "auther_signing_key: %s", why)
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, bad("not a PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, bad("a " + block.Type + " block; send the public key (PUBLIC KEY)")
	}
	if err != nil {
		return nil, bad("unreadable public key")
	}
	rk, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, bad("not an RSA key")
	}
	if rk.N.BitLen() < 2048 {
		return nil, bad("RSA keys of at least 2048 bits are accepted")
	}
	return rk, nil
}

// checkSigning validates the signing settings, wherever they come from
// (UpdateSettings calls it).
func checkSigning(set visage.AppSettings) error {
	if set.AutherSigningKey != "" {
		_, err := ParseSigningKey(set.AutherSigningKey)
		return err
	}
	if set.AutherRequireSignature {
		return visage.Errorf(visage.CodeInvalidRequest, "requiring signatures needs a registered public key")
	}
	return nil
}

// SetRequestSigning registers the app's RSA public key for the Auther
// dialect's request signing ("" removes it) and whether unsigned requests
// are refused. Requiring signatures without a key is refused: no request
// could pass.
func (s *Service) SetRequestSigning(ctx context.Context, app *visage.App, publicKeyPEM string, require bool) error {
	set := app.Settings
	set.AutherSigningKey, set.AutherRequireSignature = publicKeyPEM, require
	return s.UpdateSettings(ctx, app, set)
}
