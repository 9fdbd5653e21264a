package face

import (
	"slices"

	"github.com/visagehq/visage/face/photo"
)

// The detector is UltraFace RFB-320: a fixed 320×240 input, 4420 prior
// boxes. The exported graph already decodes the priors: its outputs are
// per-prior class probabilities (background, face) and corner boxes
// (x1, y1, x2, y2) in [0, 1] of the input, so what is left to do here is
// the score threshold and non-maximum suppression.
const (
	detW, detH  = 320, 240
	detPriors   = 4420
	nmsIoU      = 0.4
	maxDetected = 64 // bound the work on an image of a crowd
)

// The detector was trained on RGB scaled to about [-1, 1]; feeding BGR, as
// the npm package's browser code does by mistake, misses faces (measured:
// see docs/engine.md).
var detNorm = norm{order: rgbOrder, mean: [3]float32{127, 127, 127}, scale: [3]float32{1.0 / 128, 1.0 / 128, 1.0 / 128}}

type detection struct {
	box   Rect
	score float32
}

// detect finds faces in img scoring at least minScore, largest first. The
// whole image is stretched onto the 320×240 input, as in training, where
// images of any shape were resized to it.
func (w *worker) detect(img *photo.RGB, minScore float32) []detection {
	w.warp(&w.detImg, img, boxAffine(Rect{0, 0, float32(img.W), float32(img.H)}, detW, detH))
	planar(w.det.in(0), &w.detImg, detNorm)
	if err := w.det.run(); err != nil {
		panic(err) // a fixed-shape run only fails if the runtime is broken
	}
	scores, boxes := w.det.out(0), w.det.out(1)
	sx, sy := float32(img.W), float32(img.H)
	cands := w.cands[:0]
	for i := 0; i < detPriors; i++ {
		if s := scores[2*i+1]; s >= minScore {
			b := boxes[4*i : 4*i+4]
			cands = append(cands, detection{
				box:   Rect{b[0] * sx, b[1] * sy, (b[2] - b[0]) * sx, (b[3] - b[1]) * sy},
				score: s,
			})
		}
	}
	w.cands = cands
	kept := nms(cands, nmsIoU, maxDetected)
	for i := range kept {
		kept[i].box = clip(kept[i].box, sx, sy)
	}
	return largestFirst(kept)
}

func largestFirst(dets []detection) []detection {
	slices.SortStableFunc(dets, func(a, b detection) int {
		switch {
		case a.box.area() > b.box.area():
			return -1
		case a.box.area() < b.box.area():
			return 1
		}
		return 0
	})
	return dets
}

// bigEnough keeps the detections at least minHeight pixels tall.
func bigEnough(dets []detection, minHeight float32) []detection {
	kept := dets[:0]
	for _, d := range dets {
		if d.box.H >= minHeight {
			kept = append(kept, d)
		}
	}
	return kept
}

// UltraFace finds no face in a quarter of CFP's profile photos, most of
// which MediaPipe's short-range detector finds (visage bench detect: 74.8
// → 95.1 % of profiles found, LFW and face-counts unchanged; see
// docs/engine.md). That model misses the small faces of group photos, so
// it is a fallback: it runs, for about 2 ms, only on photos where
// UltraFace finds nothing. Its boxes are tighter and sit lower on the face
// than UltraFace's, which the landmark model was trained to be fed; each
// is reshaped to UltraFace's box on the same face, by the median shapes
// measured on the photos both detectors find (TestTurnedBoxesAreUltraFaceBoxes).
const (
	turnedHeight = 0.815 // its box's height, in UltraFace box heights
	turnedWidth  = 1.15  // its box's width, in UltraFace box widths
	turnedDrop   = 0.104 // how far its centre sits below UltraFace's, in UltraFace box heights
)

// detectTurned runs the fallback detector, returning UltraFace-shaped
// boxes, largest first.
func (w *worker) detectTurned(img *photo.RGB) []detection {
	found := w.turned.Detect(img)
	dets := w.cands[:0]
	for _, d := range found {
		box := clip(turnedBox(d.Box), float32(img.W), float32(img.H))
		dets = append(dets, detection{box: box, score: d.Score})
	}
	w.cands = dets
	return largestFirst(dets)
}

// turnedBox is the UltraFace box of the face the fallback boxed as r.
func turnedBox(r Rect) Rect {
	h, w := r.H/turnedHeight, r.W/turnedWidth
	c := r.center()
	c.Y -= turnedDrop * h
	return Rect{c.X - w/2, c.Y - h/2, w, h}
}

// nms keeps the best-scoring boxes, dropping any that overlaps an already
// kept one by more than maxIoU; it returns at most limit boxes, and sorts
// cands by score as a side effect.
func nms(cands []detection, maxIoU float32, limit int) []detection {
	slices.SortFunc(cands, func(a, b detection) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	var kept []detection
next:
	for _, c := range cands {
		if c.box.W <= 0 || c.box.H <= 0 {
			continue
		}
		for _, k := range kept {
			if iou(c.box, k.box) > maxIoU {
				continue next
			}
		}
		kept = append(kept, c)
		if len(kept) == limit {
			break
		}
	}
	return kept
}

func clip(r Rect, w, h float32) Rect {
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, w), min(r.Y+r.H, h)
	return Rect{x0, y0, max(x1-x0, 0), max(y1-y0, 0)}
}
