package service

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// EnrollRequest is one person to enroll: 1 to MaxImages photos of them,
// or as many faces of them that the engine already analysed.
type EnrollRequest struct {
	Images [][]byte
	// Faces, in place of Images, are the person's faces as analysed from
	// camera frames (EnrollmentFrame: templates, age and gender), so that
	// a caller keeps these rather than the frames' bytes and nothing is
	// decoded twice.
	Faces      []face.Face
	ExternalID string
	Payload    json.RawMessage
	PIN        string
	// Live says the caller proved the person live over more than these
	// photos (a widget session, whose movements prove a head and whose
	// frames' texture scores it weighed together): the single-photo
	// liveness rule is not applied to each again.
	Live bool
}

// Enrolled is what an enrollment returns.
type Enrolled struct {
	FacialID   string
	ExternalID string
	Number     int64 // the face's number in the app (visage.Face.Number)
	Timestamp  time.Time
	// Age and Female are the mean estimates over the images.
	Age, Female float32
	// Quality of the best image's face.
	Quality face.Quality
}

// Enroll checks the photos against the app's rules and stores the person.
// Each image must show exactly one face; all must be the same person.
func (s *Service) Enroll(ctx context.Context, app *visage.App, req EnrollRequest) (*Enrolled, error) {
	if n := len(req.Images) + len(req.Faces); n == 0 || n > MaxImages || len(req.Images) > 0 && len(req.Faces) > 0 {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "enroll takes 1 to %d images, got %d", MaxImages, n)
	}
	if req.ExternalID != "" {
		if err := ValidID("external_id", req.ExternalID); err != nil {
			return nil, err
		}
	}
	if err := validPayload(req.Payload); err != nil {
		return nil, err
	}
	set := app.Settings
	if req.PIN != "" && !validPIN(req.PIN) {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "pin must be %d to %d digits", MinPINDigits, MaxPINDigits)
	}
	if set.RequirePIN && req.PIN == "" {
		return nil, visage.Errorf(visage.CodePINRequired, "this application requires a PIN at enrollment")
	}
	threshold, err := s.threshold(app)
	if err != nil {
		return nil, err
	}

	if req.Live {
		set.RequireLiveness = false
	}
	faces := req.Faces
	if len(faces) == 0 {
		faces, err = s.analyzeAll(ctx, req.Images, face.Options{
			Single: true, Background: Background, Embed: true, Quality: true,
			Liveness: set.RequireLiveness, Attributes: true,
		})
	} else {
		err = analysed(faces, set.RequireLiveness)
	}
	if err != nil {
		return nil, err
	}
	if err := s.gates(set, faces); err != nil {
		return nil, err
	}
	// A widget session picked its frames by quality as they came; photos
	// sent to enroll are checked here.
	if len(req.Images) > 0 {
		for i, f := range faces {
			if err := lowQuality(i, f.Quality); err != nil {
				return nil, err
			}
		}
	}
	// Every image must show the same person as the first.
	for i := 1; i < len(faces); i++ {
		if c := match.Cosine(faces[0].Template.Vector, faces[i].Template.Vector); c < threshold {
			return nil, visage.Errorf(visage.CodeFaceMismatch, "image %d does not show the same person as image 1", i+1)
		}
	}

	f := &visage.Face{ID: newUUID(), AppID: app.ID, ExternalID: req.ExternalID, Payload: req.Payload}
	var best int
	for i, fc := range faces {
		f.Templates = append(f.Templates, *fc.Template)
		f.Age += *fc.Age / float32(len(faces))
		f.Female += *fc.Female / float32(len(faces))
		if fc.Quality.Size > faces[best].Quality.Size {
			best = i
		}
	}
	if req.PIN != "" {
		f.PINHash = s.pinHash(req.PIN)
	}
	f.CreatedAt = s.now().UTC()
	f.UpdatedAt = f.CreatedAt

	// The duplicate and unique-PIN checks and the insert must not
	// interleave with another enrollment of the same app.
	unlock, err := s.lockApp(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if set.PreventDuplicates {
		if err := s.caughtUp(ctx); err != nil {
			return nil, err
		}
		for _, t := range f.Templates {
			if hits := s.gallery.Search(app.ID, t, 1, threshold); len(hits) > 0 {
				return nil, visage.Errorf(visage.CodeFaceDuplication, "this person is already enrolled in the application")
			}
		}
	}
	if set.UniquePIN && f.PINHash != nil {
		taken, err := s.store.PINHashes(ctx, app.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range taken {
			if hmac.Equal(h, f.PINHash) {
				return nil, visage.Errorf(visage.CodeUniquePINRequired, "another enrolled person has this PIN; choose another")
			}
		}
	}
	if err := s.store.CreateFace(journalEnroll(ctx, app.ID, f, false), f); err != nil {
		return nil, err
	}
	s.indexed(ctx, func() {
		if err := s.gallery.Put(app.ID, f.ID, f.Templates); err != nil {
			// Stored but not searchable until the next start rebuilds the
			// gallery; the engine's templates never fail this, so it is a bug.
			s.log.Error("enrolled face not indexed", "app", app.ID, "face", f.ID, "err", err)
		}
	})
	return &Enrolled{FacialID: f.ID, ExternalID: f.ExternalID, Number: f.Number, Timestamp: f.CreatedAt, Age: f.Age, Female: f.Female, Quality: faces[best].Quality}, nil
}

// analyzeAll analyses each image, naming the image in any error.
func (s *Service) analyzeAll(ctx context.Context, images [][]byte, opts face.Options) ([]face.Face, error) {
	out := make([]face.Face, len(images))
	for i, img := range images {
		faces, err := s.engine.Analyze(ctx, img, opts)
		if err != nil {
			return nil, imageError(err, i, len(images))
		}
		out[i] = faces[0]
	}
	return out, nil
}

// analysed checks that faces given to Enroll carry what it uses: a
// caller's mistake, not the client's.
func analysed(faces []face.Face, liveness bool) error {
	for _, f := range faces {
		if f.Template == nil || f.Age == nil || f.Female == nil || liveness && f.Liveness == nil {
			return visage.Errorf(visage.CodeInternal, "enroll: a face was analysed without its template, age, gender or liveness")
		}
	}
	return nil
}

// imageError says which image an error is about when there are several.
func imageError(err error, i, n int) error {
	if n == 1 {
		return err
	}
	if ve, ok := err.(*visage.Error); ok {
		return &visage.Error{Code: ve.Code, Message: fmt.Sprintf("image %d: %s", i+1, ve.Message), Err: ve.Err}
	}
	return err
}

// gates applies the pose limit and the app's liveness and age rules to
// analysed faces (analysed with Liveness or Attributes as the rules need).
func (s *Service) gates(set visage.AppSettings, faces []face.Face) error {
	for _, f := range faces {
		if y := f.Quality.Yaw; y > MaxYaw || y < -MaxYaw {
			return visage.Errorf(visage.CodeFaceNotFrontal, "the head is turned %.0f° to the side; face the camera", math.Abs(float64(y)))
		}
		if set.RequireLiveness && *f.Liveness < face.DefaultLivenessThreshold {
			return visage.Errorf(visage.CodePadAttack, "the face does not appear to be a live person in front of the camera")
		}
		if set.MinAge > 0 && *f.Age < float32(set.MinAge+MinorsMargin) {
			return visage.Errorf(visage.CodeMinorsNotAllowed, "the application requires users aged %d or over", set.MinAge)
		}
	}
	return nil
}

// lowQuality refuses image i when its face is unlikely to be recognised
// later (face.Quality.Score under MinEnrollQuality), saying what to
// change: the signal that most probably let it down.
func lowQuality(i int, q face.Quality) error {
	if q.Score == nil || *q.Score >= MinEnrollQuality {
		return nil
	}
	var advice string
	switch turned := max(math.Abs(float64(q.Yaw)), math.Abs(float64(q.Pitch))); {
	case q.Size < qualitySmallFace:
		advice = fmt.Sprintf("the face is only %.0f pixels tall: use a photo where it is at least %d", q.Size, qualityGoodSize)
	case turned > qualityTurned:
		advice = fmt.Sprintf("the head is turned %.0f°: use a photo of the face looking at the camera", turned)
	case q.Sharpness != nil && *q.Sharpness < qualityBlurred:
		advice = "the face is blurred: use a sharp photo, taken with the camera held still"
	default:
		advice = "the face is hard to make out: use an evenly lit photo, without sunglasses, mask or deep shadow"
	}
	return visage.Errorf(visage.CodeLowQuality, "image %d is unlikely to be recognised later (quality %.2f, %.2f needed): %s", i+1, *q.Score, MinEnrollQuality, advice)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
