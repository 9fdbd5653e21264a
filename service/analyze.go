package service

import (
	"context"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// Comparison is the score of two faces on the calibrated scale.
type Comparison struct {
	Match      bool
	Similarity float64
	Cosine     float32
	Distance   float64
}

// Compare scores the largest face of one image against the largest face
// of another, at the app's level.
func (s *Service) Compare(ctx context.Context, app *visage.App, a, b []byte) (*Comparison, error) {
	threshold, err := s.threshold(app)
	if err != nil {
		return nil, err
	}
	var t [2]*visage.Template
	for i, img := range [][]byte{a, b} {
		faces, err := s.engine.Analyze(ctx, img, face.Options{Embed: true, MaxFaces: 1})
		if err != nil {
			return nil, imageError(err, i, 2)
		}
		if len(faces) == 0 {
			return nil, visage.Errorf(visage.CodeNoFace, "image %d: no face found", i+1)
		}
		t[i] = faces[0].Template
	}
	cos := match.Cosine(t[0].Vector, t[1].Vector)
	return &Comparison{Match: cos >= threshold, Similarity: s.table.Similarity(cos), Cosine: cos, Distance: s.table.Distance(cos)}, nil
}

// Detect returns the faces in the image, the largest MaxDetectFaces of
// them, with everything the engine estimates, except templates.
func (s *Service) Detect(ctx context.Context, image []byte) ([]face.Face, error) {
	return s.engine.Analyze(ctx, image, face.Options{Liveness: true, Attributes: true, Quality: true, MaxFaces: MaxDetectFaces})
}
