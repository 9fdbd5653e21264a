package face

import (
	"testing"

	"github.com/visagehq/visage/face/photo"
)

func benchImage(w, h int) *photo.RGB {
	img := &photo.RGB{W: w, H: h, Pix: make([]byte, w*h*3)}
	for i := range img.Pix {
		img.Pix[i] = byte(i * 31 / 7)
	}
	return img
}

// BenchmarkWarpDetector is the detector's input from a 640×480 frame.
func BenchmarkWarpDetector(b *testing.B) {
	src := benchImage(640, 480)
	dst := newRGB(detW, detH)
	var w warper
	m := boxAffine(Rect{0, 0, 640, 480}, detW, detH)
	for b.Loop() {
		w.warp(&dst, src, m)
	}
}

// BenchmarkWarpAlign is a rotated face crop onto the default pack's
// 112×112 ArcFace points.
func BenchmarkWarpAlign(b *testing.B) {
	src := benchImage(640, 480)
	dst := newRGB(112, 112)
	var w warper
	ref := []Point{{38.2946, 51.6963}, {73.5318, 51.5014}, {56.0252, 71.7366}, {41.5493, 92.3655}, {70.7299, 92.2041}}
	m := similarityFit(ref, []Point{{300, 200}, {360, 205}, {330, 240}, {305, 270}, {355, 272}})
	for b.Loop() {
		w.warp(&dst, src, m)
	}
}
