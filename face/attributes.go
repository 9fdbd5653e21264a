package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
)

// The signals beyond identity: liveness, age, gender and eye state (head
// pose is fitted to the landmarks, in pose.go). Each model was trained on a particular crop around the face; the
// crops below follow the npm package's reference code (lib/fr_*.js), and
// the channel orders were checked by measurement (docs/engine.md).

// contextCrop is the square of side scale·box.H centred on box, shrunk if it
// would not fit in the image and then slid inside it. The anti-spoofing
// model in particular needs the surroundings of the face (a photo's edge, a
// screen's bezel) and was trained on crops made this way.
func contextCrop(box Rect, scale float32, w, h int) Rect {
	fw, fh := float32(w-1), float32(h-1)
	sq := box.square(1)
	scale = min(scale, fh/sq.H, fw/sq.W)
	c := sq.center()
	s := sq.H * scale
	r := Rect{c.X - s/2, c.Y - s/2, s, s}
	r.X = max(0, min(r.X, fw-s))
	r.Y = max(0, min(r.Y, fh-s))
	return r
}

// Liveness: a MiniFASNet-style anti-spoofing net on a 2.7× context crop,
// 128×128, raw 0–255 pixel values. Its three classes are softmaxed and the
// live class's probability is the score.
const (
	liveSize    = 128
	liveContext = 2.7
	liveClass   = 0
)

var liveNorm = norm{order: bgrOrder, scale: [3]float32{1, 1, 1}}

func (w *worker) liveness(img *photo.RGB, box Rect) float32 {
	w.warp(&w.liveImg, img, boxAffine(contextCrop(box, liveContext, img.W, img.H), liveSize, liveSize))
	planar(w.live.in(0), &w.liveImg, liveNorm)
	if err := w.live.run(); err != nil {
		panic(err)
	}
	p := softmax(w.live.out(0)[:3])
	return p[liveClass]
}

// Age and gender: face-api's net (converted from TF.js, convert/tfjs) on
// 112×112 RGB pixels of the landmarks' bounding box, widened by a tenth on
// each side and made square about its centre, as face-api crops it. The
// graph normalises the pixels itself.
const attrSize = 112

var attrNorm = norm{order: rgbOrder, scale: [3]float32{1, 1, 1}}

// ageGender returns the estimated age in years and the probability that
// the face is female.
func (w *worker) ageGender(img *photo.RGB, pts [68]Point) (age, female float32) {
	lo, hi := pts[0], pts[0]
	for _, p := range pts {
		lo.X, lo.Y = min(lo.X, p.X), min(lo.Y, p.Y)
		hi.X, hi.Y = max(hi.X, p.X), max(hi.Y, p.Y)
	}
	side := max(hi.X-lo.X, hi.Y-lo.Y) * 1.2
	c := Point{(lo.X + hi.X) / 2, (lo.Y + hi.Y) / 2}
	w.warp(&w.attrImg, img, boxAffine(Rect{c.X - side/2, c.Y - side/2, side, side}, attrSize, attrSize))
	planar(w.ageSex.in(0), &w.attrImg, attrNorm)
	if err := w.ageSex.run(); err != nil {
		panic(err)
	}
	return w.ageSex.out(0)[0], w.ageSex.out(1)[1] // gender: [male, female]
}

// Eyes: a small classifier on a 24×24 grey crop of each eye, sized from
// the eye's corner-to-corner width. It returns the probability that the
// eye is open.
const (
	eyeSize    = 24
	eyePadding = 1.6
	eyeOpen    = 1
)

func (w *worker) eyesOpen(img *photo.RGB, p [68]Point) (right, left float32) {
	eye := func(corner0, corner1 int, lids ...int) float32 {
		var c Point
		for _, i := range lids {
			c.X += p[i].X / float32(len(lids))
			c.Y += p[i].Y / float32(len(lids))
		}
		s := (p[corner1].X - p[corner0].X) * eyePadding
		if s < 2 {
			return 0
		}
		w.warp(&w.eyeImg, img, boxAffine(Rect{c.X - s/2, c.Y - s/2, s, s}, eyeSize, eyeSize))
		gray(w.eye.in(0), &w.eyeImg, 1.0/255)
		if err := w.eye.run(); err != nil {
			panic(err)
		}
		return softmax(w.eye.out(0)[:2])[eyeOpen]
	}
	return eye(36, 39, 37, 38, 40, 41), eye(42, 45, 43, 44, 46, 47)
}

// softmax returns the softmax of x in place.
func softmax(x []float32) []float32 {
	m := x[0]
	for _, v := range x {
		m = max(m, v)
	}
	var s float32
	for i, v := range x {
		x[i] = float32(math.Exp(float64(v - m)))
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
	return x
}

// sharpness is the variance of the Laplacian of the aligned face's luma,
// a standard focus measure: a blurred or heavily compressed face scores
// low. On the fixed 112×112 crop it is comparable across photos.
func sharpness(img *photo.RGB) float32 {
	lum := func(x, y int) float32 {
		p := img.Pix[(y*img.W+x)*3:]
		return 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
	}
	var sum, sq float64
	n := 0
	for y := 1; y < img.H-1; y++ {
		for x := 1; x < img.W-1; x++ {
			l := float64(4*lum(x, y) - lum(x-1, y) - lum(x+1, y) - lum(x, y-1) - lum(x, y+1))
			sum += l
			sq += l * l
			n++
		}
	}
	mean := sum / float64(n)
	return float32(sq/float64(n) - mean*mean)
}
