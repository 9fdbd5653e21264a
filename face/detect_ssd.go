package face

import "github.com/visagehq/visage/face/photo"

// face-api's SSD MobileNet v1 (convert/tfjs.SSDMobileNetV1): 512×512 RGB
// pixels 0–255, the photo padded to a square at the bottom or right; out
// come 5118 anchors' boxes (top, left, bottom, right in [0, 1]) and face
// scores. face-api keeps scores above 0.5 and suppresses at IoU 0.5, its
// defaults (SsdMobilenetv1Options, locateFaces).
const (
	ssdSize    = 512
	ssdAnchors = 5118
	ssdScore   = 0.5
	ssdIoU     = 0.5
)

type ssdMobileNet struct{ *candidate }

// NewSSDMobileNet opens face-api's SSD MobileNet v1, converted to ONNX,
// on cfg's runtime.
func NewSSDMobileNet(cfg Config, model []byte) (Detector, error) {
	c, err := newCandidate(cfg, "ssd_mobilenetv1", model, ssdSize,
		[]ioSpec{{"input", []int64{1, 3, ssdSize, ssdSize}}},
		[]ioSpec{{"boxes", []int64{1, ssdAnchors, 4}}, {"scores", []int64{1, ssdAnchors}}})
	if err != nil {
		return nil, err
	}
	return ssdMobileNet{c}, nil
}

// rawPixels feeds pixels as they are: face-api's converted graphs
// normalise them themselves.
var rawPixels = norm{order: rgbOrder, scale: [3]float32{1, 1, 1}}

func (d ssdMobileNet) Detect(img *photo.RGB) []Detection {
	scale, origin := d.square(img, padded(img))
	planar(d.s.in(0), &d.input, rawPixels)
	if err := d.s.run(); err != nil {
		panic(err) // a fixed-shape run only fails if the runtime is broken
	}
	boxes, scores := d.s.out(0), d.s.out(1)
	side := float32(d.size)
	d.found = d.found[:0]
	for i, s := range scores {
		if s <= ssdScore {
			continue
		}
		// As face-api, suppression sees the boxes unclipped; they are
		// clipped to the photo after.
		b := boxes[4*i : 4*i+4]
		d.found = append(d.found, Detection{Box: Rect{b[1] * side, b[0] * side, (b[3] - b[1]) * side, (b[2] - b[0]) * side}, Score: s})
	}
	return d.suppress(img, ssdIoU, scale, origin)
}
