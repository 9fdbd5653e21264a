package service

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
)

// Recognized is the person an authentication or verification found.
type Recognized struct {
	FacialID   string
	ExternalID string
	Payload    json.RawMessage
	// Similarity is the calibrated percentage (docs/scores.md).
	Similarity float64
}

// Authenticate finds who is in the photo among the app's faces (1:N) at
// the app's accuracy level. A face with a PIN also needs the PIN.
func (s *Service) Authenticate(ctx context.Context, app *visage.App, image []byte, pin string) (*Recognized, error) {
	probe, err := s.probe(ctx, app, image)
	if err != nil {
		s.loggedIn(ctx, app, "authenticate", "", 0, err)
		return nil, err
	}
	return s.authenticate(ctx, app, probe.Template, pin, app.Settings.RequireLiveness)
}

// AuthenticateTemplate is Authenticate for a face already analysed, by a
// caller that decided its liveness over more than one photo (a widget
// session, whose movements prove a head).
func (s *Service) AuthenticateTemplate(ctx context.Context, app *visage.App, probe *visage.Template, pin string) (*Recognized, error) {
	return s.authenticate(ctx, app, probe, pin, true)
}

// authenticate searches the gallery for probe; live says whether the
// person was proved live, which learning templates needs.
func (s *Service) authenticate(ctx context.Context, app *visage.App, probe *visage.Template, pin string, live bool) (*Recognized, error) {
	threshold, err := s.threshold(app)
	if err != nil {
		return nil, err
	}
	f, score, err := s.identify(ctx, app, probe, threshold)
	if err != nil {
		s.loggedIn(ctx, app, "authenticate", "", 0, err)
		return nil, err
	}
	if err := s.checkPIN(ctx, f, pin); err != nil {
		s.loggedIn(ctx, app, "authenticate", f.ID, 0, err)
		return nil, err
	}
	s.learn(ctx, app, f, probe, score, live)
	s.used(ctx, app.ID, f)
	similarity := s.table.Similarity(score)
	s.loggedIn(ctx, app, "authenticate", f.ID, similarity, nil)
	return &Recognized{FacialID: f.ID, ExternalID: f.ExternalID, Payload: f.Payload, Similarity: similarity}, nil
}

// identifyHits is how many faces a 1:N search considers: the gallery
// ranks them by their best template, but a learned template counts for
// less (faceCosine), so the face ranked first may not be the best.
const identifyHits = 4

// identify finds the face of the app that matches probe best, by
// faceCosine, at threshold or above.
func (s *Service) identify(ctx context.Context, app *visage.App, probe *visage.Template, threshold float32) (*visage.Face, float32, error) {
	var best *visage.Face
	bestScore := float32(-1)
	for _, h := range s.gallery.Search(app.ID, *probe, identifyHits, threshold) {
		if h.Score < bestScore {
			break // its score cannot beat the best: learned ones only lose
		}
		f, err := s.store.Face(ctx, app.ID, h.FaceID)
		if visage.ErrorCode(err) == visage.CodeNotFound {
			continue // deleted since the search
		}
		if err != nil {
			return nil, 0, err
		}
		if c := s.faceCosine(app, f, probe); c >= threshold && c > bestScore {
			best, bestScore = f, c
		}
	}
	if best == nil {
		return nil, 0, visage.Errorf(visage.CodeUnrecognizedFace, "no enrolled person matches this face")
	}
	return best, bestScore, nil
}

// VerifyResult is a 1:1 decision.
type VerifyResult struct {
	Match      bool
	Similarity float64
	Cosine     float32
	FacialID   string
	ExternalID string
	Number     int64 // the face's number in the app (visage.Face.Number)
}

// Verify says whether the photo shows the enrolled person named by
// facialID, or else externalID (1:1). A match returns the person's
// identity, so a face with a PIN needs its PIN too, as Authenticate does
// (PIN_REQUIRED, WRONG_PIN_CODE, PIN_LOCKED); a face that does not match
// is answered without the PIN being looked at.
func (s *Service) Verify(ctx context.Context, app *visage.App, image []byte, facialID, externalID, pin string) (*VerifyResult, error) {
	return s.verify(ctx, app, facialID, externalID, pin, app.Settings.RequireLiveness, func() (*visage.Template, error) {
		probe, err := s.probe(ctx, app, image)
		if err != nil {
			return nil, err
		}
		return probe.Template, nil
	})
}

// VerifyTemplate is Verify for a face already analysed, by a caller that
// decided its liveness (as AuthenticateTemplate).
func (s *Service) VerifyTemplate(ctx context.Context, app *visage.App, probe *visage.Template, facialID, externalID, pin string) (*VerifyResult, error) {
	return s.verify(ctx, app, facialID, externalID, pin, true, func() (*visage.Template, error) { return probe, nil })
}

// verify finds the enrolled face first, so that an unknown one is
// answered without analysing the photo; live says whether the person
// will have been proved live, which learning templates needs.
func (s *Service) verify(ctx context.Context, app *visage.App, facialID, externalID, pin string, live bool, probe func() (*visage.Template, error)) (*VerifyResult, error) {
	threshold, err := s.threshold(app)
	if err != nil {
		return nil, err
	}
	var f *visage.Face
	switch {
	case facialID != "":
		f, err = s.store.Face(ctx, app.ID, facialID)
	case externalID != "":
		if err = ValidID("external_id", externalID); err == nil {
			f, err = s.store.FaceByExternalID(ctx, app.ID, externalID)
		}
	default:
		err = visage.Errorf(visage.CodeInvalidRequest, "verify needs facial_id or external_id")
	}
	if err != nil {
		return nil, err
	}
	t, err := probe()
	if err != nil {
		s.loggedIn(ctx, app, "verify", f.ID, 0, err)
		return nil, err
	}
	best := s.faceCosine(app, f, t)
	if best >= threshold {
		if err := s.checkPIN(ctx, f, pin); err != nil {
			s.loggedIn(ctx, app, "verify", f.ID, 0, err)
			return nil, err
		}
		s.learn(ctx, app, f, t, best, live)
		s.used(ctx, app.ID, f)
		s.loggedIn(ctx, app, "verify", f.ID, s.table.Similarity(best), nil)
	} else {
		s.loggedIn(ctx, app, "verify", f.ID, 0, visage.Errorf(visage.CodeUnrecognizedFace, "the face does not match"))
	}
	return &VerifyResult{Match: best >= threshold, Similarity: s.table.Similarity(best), Cosine: best, FacialID: f.ID, ExternalID: f.ExternalID, Number: f.Number}, nil
}

// probe analyses the photo of someone claiming to be enrolled: one face,
// live when the app requires it.
func (s *Service) probe(ctx context.Context, app *visage.App, image []byte) (*face.Face, error) {
	faces, err := s.engine.Analyze(ctx, image, face.Options{Single: true, Background: Background, Embed: true, Liveness: app.Settings.RequireLiveness})
	if err != nil {
		return nil, err
	}
	if err := s.gates(visage.AppSettings{RequireLiveness: app.Settings.RequireLiveness}, faces); err != nil {
		return nil, err
	}
	return &faces[0], nil
}

// checkPIN enforces a face's PIN: wrong PINs count, and PINLockAfter in a
// row lock the check for PINLockFor, during which even the right PIN is
// refused — otherwise the lock would not slow a guesser down.
func (s *Service) checkPIN(ctx context.Context, f *visage.Face, pin string) error {
	if f.PINHash == nil {
		return nil
	}
	now := s.now()
	locked := func(until time.Time) error {
		return visage.Errorf(visage.CodePINLocked, "too many wrong PINs; try again after %s", until.UTC().Format(time.RFC3339))
	}
	if now.Before(f.PINLockedUntil) {
		return locked(f.PINLockedUntil)
	}
	if pin == "" {
		return visage.Errorf(visage.CodePINRequired, "this person's PIN is required")
	}
	// The check is claimed (and counted as a failure) before it is made:
	// see store.Store.PINAttempt.
	n, until, ok, err := s.store.PINAttempt(ctx, f.AppID, f.ID, PINLockAfter, PINLockFor, now)
	if err != nil {
		return err
	}
	if !ok {
		return locked(until)
	}
	if !hmac.Equal(s.pinHash(pin), f.PINHash) {
		if now.Before(until) {
			return visage.Errorf(visage.CodePINLocked, "%d wrong PINs in a row; the PIN check is locked until %s", n, until.UTC().Format(time.RFC3339))
		}
		return visage.Errorf(visage.CodeWrongPIN, "wrong PIN (%d of %d tries)", n, PINLockAfter)
	}
	return s.store.PINSucceeded(ctx, f.AppID, f.ID)
}

// touchEvery is how stale a face's LastUsedAt may be before a login
// writes it again: the hour it gives is enough for retention counted in
// days, and a face that logs in all day costs a write an hour, not one
// per login.
const touchEvery = time.Hour

// used records that f authenticated now; a failure to record it is
// logged, not the login's.
func (s *Service) used(ctx context.Context, appID string, f *visage.Face) {
	now := s.now().UTC()
	if now.Sub(f.LastUsedAt) < touchEvery {
		return
	}
	if err := s.store.TouchFace(ctx, appID, f.ID, now); err != nil && visage.ErrorCode(err) != visage.CodeNotFound {
		s.log.Warn("a login's time was not recorded", "app", appID, "face", f.ID, "err", err)
	}
}

// keyUsed records that k authenticated a request now, when its last use
// is older than touchEvery; a failure to record it is logged, not the
// request's.
func (s *Service) keyUsed(ctx context.Context, k *visage.APIKey) {
	now := s.now().UTC()
	if now.Sub(k.LastUsedAt) < touchEvery {
		return
	}
	if err := s.store.TouchKey(ctx, k.AppID, k.ID, now); err != nil && visage.ErrorCode(err) != visage.CodeNotFound {
		s.log.Warn("a key's use was not recorded", "app", k.AppID, "key", k.Prefix, "err", err)
	}
}
