package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
)

// face-api's tiny face detector (convert/tfjs.TinyFaceDetector): a Tiny
// YOLO v2 on RGB pixels 0–255, the photo padded to a square at the bottom
// or right. Each cell of its grid (32 input pixels) predicts a box for
// each of five anchors. face-api keeps scores above 0.5 and suppresses at
// IoU 0.4 (TinyYolov2Options, tinyFaceDetector/const.ts).
const (
	tinyScore = 0.5
	tinyIoU   = 0.4
)

// tinyAnchors are the anchors' widths and heights in cells
// (BOX_ANCHORS).
var tinyAnchors = [5][2]float32{
	{1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061}, {4.266906, 5.178857}, {9.041765, 10.66308},
}

type tinyFace struct {
	*candidate
	cells int
}

// NewTinyFace opens face-api's tiny face detector, converted to ONNX for
// a size×size input (a multiple of 32; face-api's default is 416), on
// cfg's runtime.
func NewTinyFace(cfg Config, model []byte, size int) (Detector, error) {
	cells := int64(size / 32)
	c, err := newCandidate(cfg, "tiny_face_detector", model, size,
		[]ioSpec{{"input", []int64{1, 3, int64(size), int64(size)}}},
		[]ioSpec{{"output", []int64{1, cells, cells, 25}}})
	if err != nil {
		return nil, err
	}
	return tinyFace{c, int(cells)}, nil
}

func (d tinyFace) Detect(img *photo.RGB) []Detection {
	scale, origin := d.square(img, padded(img))
	planar(d.s.in(0), &d.input, rawPixels)
	if err := d.s.run(); err != nil {
		panic(err) // a fixed-shape run only fails if the runtime is broken
	}
	grid := d.s.out(0)
	cell := float32(d.size) / float32(d.cells)
	d.found = d.found[:0]
	for row := range d.cells {
		for col := range d.cells {
			for a, anchor := range tinyAnchors {
				v := grid[((row*d.cells+col)*len(tinyAnchors)+a)*5:][:5]
				score := sigmoid(v[4])
				if score <= tinyScore {
					continue
				}
				cx := (float32(col) + sigmoid(v[0])) * cell
				cy := (float32(row) + sigmoid(v[1])) * cell
				w := float32(math.Exp(float64(v[2]))) * anchor[0] * cell
				h := float32(math.Exp(float64(v[3]))) * anchor[1] * cell
				d.found = append(d.found, Detection{Box: Rect{cx - w/2, cy - h/2, w, h}, Score: score})
			}
		}
	}
	return d.suppress(img, tinyIoU, scale, origin)
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
