package face

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/visagehq/visage/face/photo"
)

// Candidate detectors: face detectors measured beside the engine's own
// (`visage bench detect`), each with its model's pre- and post-processing.
// An Engine uses one of them, MediaPipe's short-range detector, as its
// fallback (worker.detectTurned).

// Detector finds faces in a decoded photo. A Detector is used by one
// goroutine at a time.
type Detector interface {
	// Detect returns the faces found, in img's pixels, best first.
	Detect(img *photo.RGB) []Detection
	Close()
}

// Detection is a face a Detector found.
type Detection struct {
	Box   Rect    `json:"box"`
	Score float32 `json:"score"`
	// Keypoints are the detector's own landmarks in img's pixels, when it
	// has any: BlazeFace's six (eyes, nose tip, mouth, ear tragions).
	Keypoints []Point `json:"keypoints,omitempty"`
}

// ultraFace is the engine's detector on its own: the same model, input,
// threshold, suppression and minimum size as an Engine's.
type ultraFace struct {
	w       *worker
	minSize float32
	score   float32
}

// NewUltraFace opens the engine's detector alone, as cfg configures an
// Engine's (ModelDir, RuntimeLib, MinScore, MinFaceSize).
func NewUltraFace(cfg Config) (Detector, error) {
	cfg = cfg.withDefaults()
	if err := initRuntime(cfg.RuntimeLib); err != nil {
		return nil, err
	}
	m, err := loadModel(cfg.ModelDir, ModelDetect)
	if err != nil {
		return nil, err
	}
	w := &worker{detImg: newRGB(detW, detH), cands: make([]detection, 0, detPriors)}
	w.det, err = newSession(m, []ioSpec{{"input", []int64{1, 3, detH, detW}}},
		[]ioSpec{{"scores", []int64{1, detPriors, 2}}, {"boxes", []int64{1, detPriors, 4}}})
	if err != nil {
		return nil, err
	}
	return &ultraFace{w: w, minSize: cfg.MinFaceSize, score: cfg.MinScore}, nil
}

func (u *ultraFace) Detect(img *photo.RGB) []Detection {
	var out []Detection
	for _, d := range u.w.detect(img, u.score) {
		if d.box.H >= u.minSize {
			out = append(out, Detection{Box: d.box, Score: d.score})
		}
	}
	return out
}

func (u *ultraFace) Close() { u.w.det.destroy() }

// candidate is what every converted detector holds: its session, the
// square input it resamples photos into, and the scratch of that.
type candidate struct {
	s     *session
	size  int
	input photo.RGB
	warper
	// found gathers the detections above the threshold, in input pixels.
	found []Detection
}

// newCandidate loads an ONNX model given as bytes (converted at run time
// from its npm package) for a size×size input, on the runtime cfg names
// (Config.RuntimeLib and its default).
func newCandidate(cfg Config, name string, model []byte, size int, in, out []ioSpec) (*candidate, error) {
	m, err := modelBytes(cfg, name, model)
	if err != nil {
		return nil, err
	}
	return openCandidate(m, size, in, out)
}

// modelBytes readies the runtime cfg names for a model given as bytes.
func modelBytes(cfg Config, name string, model []byte) (*modelFile, error) {
	if err := initRuntime(cfg.withDefaults().RuntimeLib); err != nil {
		return nil, err
	}
	h := sha256.Sum256(model)
	return &modelFile{name: name, data: model, sum: hex.EncodeToString(h[:])}, nil
}

// openCandidate is newCandidate on a model already loaded, as an
// Engine's workers open their fallback detector.
func openCandidate(m *modelFile, size int, in, out []ioSpec) (*candidate, error) {
	s, err := newSession(m, in, out)
	if err != nil {
		return nil, err
	}
	return &candidate{s: s, size: size, input: newRGB(size, size)}, nil
}

func (c *candidate) Close() { c.s.destroy() }

// square resamples the square region sq of img (which may reach past its
// edges, black there) into the model's input, and returns the map from
// input pixels back to img's: p ↦ p·scale + origin.
func (c *candidate) square(img *photo.RGB, sq Rect) (scale float32, origin Point) {
	c.warp(&c.input, img, boxAffine(sq, c.size, c.size))
	return sq.W / float32(c.size), Point{sq.X, sq.Y}
}

// padded is the square that pads img at the bottom or right, as face-api
// feeds its detectors.
func padded(img *photo.RGB) Rect {
	s := float32(max(img.W, img.H))
	return Rect{0, 0, s, s}
}

// letterboxed is the square that pads img equally on both sides, as
// MediaPipe feeds its detectors (keeping the aspect ratio).
func letterboxed(img *photo.RGB) Rect {
	w, h := float32(img.W), float32(img.H)
	s := max(w, h)
	return Rect{(w - s) / 2, (h - s) / 2, s, s}
}

// suppress runs non-maximum suppression on the detections gathered in
// c.found, in the model's input pixels: the best-scoring boxes are kept,
// any overlapping a kept one by more than maxIoU dropped. The kept ones are
// mapped back to img's pixels (p·scale + origin) and clipped to it.
func (c *candidate) suppress(img *photo.RGB, maxIoU, scale float32, origin Point) []Detection {
	slices.SortStableFunc(c.found, func(a, b Detection) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	var kept []Detection
next:
	for _, d := range c.found {
		if d.Box.W <= 0 || d.Box.H <= 0 {
			continue
		}
		for _, k := range kept {
			if iou(d.Box, k.Box) > maxIoU {
				continue next
			}
		}
		kept = append(kept, d)
		if len(kept) == maxDetected {
			break
		}
	}
	back := func(p Point) Point { return Point{p.X*scale + origin.X, p.Y*scale + origin.Y} }
	out := kept[:0]
	for _, d := range kept {
		p := back(Point{d.Box.X, d.Box.Y})
		d.Box = clip(Rect{p.X, p.Y, d.Box.W * scale, d.Box.H * scale}, float32(img.W), float32(img.H))
		if d.Box.W <= 0 || d.Box.H <= 0 {
			continue
		}
		for i, k := range d.Keypoints {
			d.Keypoints[i] = back(k)
		}
		out = append(out, d)
	}
	return out
}
