package liveness

import (
	"math"
	"slices"

	"github.com/visagehq/visage/face"
)

// What makes a head a head and not a sheet of paper, however it is held,
// bent or warped: its nose stands out of its face. Seen from two angles,
// the skin of the cheeks, brows, eyes and mouth moves roughly as two
// planes meeting down the middle would (a face is a shallow V), and the
// nose moves against them, in the direction of the turn, by about a tenth
// of the face's height for a turn of 30°. A print or a screen moves as one
// plane (tilted, rotated, zoomed: a homography), a folded print as two,
// a print squeezed by software as two, and its nose — printed on the
// paper — moves with them.
//
// Depth measures that on patches of skin tracked from a still frame to a
// moving one (Track): it fits the best pair of planes split by a line
// (the fold, wherever it is) to the patches outside the nose, and reports
// how far the nose's patches moved against the plane they lie on.

// Evidence is what two frames show of depth.
type Evidence struct {
	// Matches is the number of patches tracked; Nose, those on the nose.
	Matches, Nose int
	// Explained is the share of the patches outside the nose that the
	// two planes carry to within planeTol: near 1 for paper and for skin
	// alike; low when the frames are too different to compare.
	Explained float64
	// Parallax is the median move of the nose's patches against their
	// plane, over the face's height, split along the face's axes (from
	// its eyes): X towards the image's right, Y downwards.
	ParallaxX, ParallaxY float64
	// Noise is the tracks' median forward-backward error over the face's
	// height.
	Noise float64
}

// Geometry of the evidence, in the frames' crops.
const (
	planeTol = 0.012 // of the face's height: a patch on a plane moves with it to within this
	minSide  = 8     // patches a plane needs to be fitted
	noiseTol = 4     // the tolerance is at least this many times the tracks' noise
)

// nosePoints are the landmarks around the lower nose (the tip, the
// nostrils and the base), whose patches stand out of the face.
var nosePoints = []int{30, 31, 32, 33, 34, 35}

// noseBridge is the landmark band kept out of both sets: the bridge's
// patches stand out by less, and would blur either.
var noseBridge = []int{27, 28, 29, 30, 31, 35}

// Depth compares a still frame a with a moving frame b (their crops and
// landmarks in the crops' pixels).
func Depth(a, b *Gray, la, lb []face.Point) Evidence {
	ms := Track(a, b, la, lb)
	ev := Evidence{Matches: len(ms)}
	size := faceHeight(la)
	nose := grow(convexHull(pick(la, nosePoints)), 1.25)
	band := grow(convexHull(pick(la, noseBridge)), 1.6)
	var skin, tip []Match
	for _, m := range ms {
		switch {
		case inside(nose, m.At.X, m.At.Y):
			tip = append(tip, m)
		case !inside(band, m.At.X, m.At.Y):
			skin = append(skin, m)
		}
	}
	ev.Nose = len(tip)
	if len(skin) < 2*minSide || len(tip) == 0 {
		return ev
	}
	// The tolerance grows with the tracks' own imprecision: blur, noise
	// or heavy compression must not pass for depth.
	fbs := make([]float64, len(ms))
	for i, m := range ms {
		fbs[i] = float64(m.FB)
	}
	ev.Noise = medianF(fbs) / size
	tol := max(planeTol, noiseTol*ev.Noise) * size
	f := fitFold(skin, tol)
	ev.Explained = float64(f.inliers) / float64(len(skin))
	// The face's axes in b, from its eye centres.
	ex, ey := axes(lb)
	px := make([]float64, len(tip))
	py := make([]float64, len(tip))
	for i, m := range tip {
		h := f.plane(m.At)
		x, y := h.apply(float64(m.At.X), float64(m.At.Y))
		dx, dy := float64(m.To.X)-x, float64(m.To.Y)-y
		px[i] = (dx*ex[0] + dy*ex[1]) / size
		py[i] = (dx*ey[0] + dy*ey[1]) / size
	}
	ev.ParallaxX, ev.ParallaxY = medianF(px), medianF(py)
	return ev
}

// fold is the best pair of planes found: points on the positive side of
// the line n·p = c move by h1, the others by h2.
type fold struct {
	n       [2]float64
	c       float64
	h1, h2  homography
	inliers int
}

func (f fold) plane(p face.Point) homography {
	if f.n[0]*float64(p.X)+f.n[1]*float64(p.Y) >= f.c {
		return f.h1
	}
	return f.h2
}

// fitFold tries split lines every 15° at several offsets, and one plane
// for all, and keeps the split whose planes carry the most matches to
// within tol. Each plane is fitted to its side, then refitted to its
// inliers, so that a few bad tracks do not bend it.
func fitFold(ms []Match, tol float64) fold {
	best := fold{inliers: -1}
	try := func(n [2]float64, c float64) {
		var s1, s2 []Match
		for _, m := range ms {
			if n[0]*float64(m.At.X)+n[1]*float64(m.At.Y) >= c {
				s1 = append(s1, m)
			} else {
				s2 = append(s2, m)
			}
		}
		f := fold{n: n, c: c}
		var ok1, ok2 bool
		var in1, in2 int
		f.h1, in1, ok1 = robustPlane(s1, tol)
		f.h2, in2, ok2 = robustPlane(s2, tol)
		if len(s2) == 0 {
			f.h2, ok2 = f.h1, ok1
		}
		if !ok1 || !ok2 {
			return
		}
		f.inliers = in1 + in2
		if f.inliers > best.inliers {
			best = f
		}
	}
	try([2]float64{1, 0}, math.Inf(-1)) // one plane
	proj := make([]float64, len(ms))
	for deg := 0; deg < 180; deg += 15 {
		th := float64(deg) * math.Pi / 180
		n := [2]float64{math.Cos(th), math.Sin(th)}
		for i, m := range ms {
			proj[i] = n[0]*float64(m.At.X) + n[1]*float64(m.At.Y)
		}
		slices.Sort(proj)
		for q := 1; q < 10; q++ {
			try(n, proj[q*len(proj)/10])
		}
	}
	return best
}

// robustPlane fits a homography to ms, then again to the matches the
// first fit carried to within tol, and counts what the second carries.
func robustPlane(ms []Match, tol float64) (homography, int, bool) {
	if len(ms) == 0 {
		return homography{}, 0, true
	}
	if len(ms) < minSide {
		return homography{}, 0, false
	}
	src := make([]face.Point, len(ms))
	dst := make([]face.Point, len(ms))
	for i, m := range ms {
		src[i], dst[i] = m.At, m.To
	}
	h, ok := fitHomographyDLT(src, dst)
	if !ok {
		return h, 0, false
	}
	for range 2 {
		src, dst = src[:0], dst[:0]
		for _, m := range ms {
			if dist(h, m) <= 2*tol {
				src, dst = append(src, m.At), append(dst, m.To)
			}
		}
		if len(src) < minSide {
			return h, 0, false
		}
		if h, ok = fitHomographyDLT(src, dst); !ok {
			return h, 0, false
		}
	}
	n := 0
	for _, m := range ms {
		if dist(h, m) <= tol {
			n++
		}
	}
	return h, n, true
}

func dist(h homography, m Match) float64 {
	x, y := h.apply(float64(m.At.X), float64(m.At.Y))
	return math.Hypot(x-float64(m.To.X), y-float64(m.To.Y))
}

// faceHeight is the distance from the brows' middle to the chin.
func faceHeight(l []face.Point) float64 {
	top := face.Point{X: (l[21].X + l[22].X) / 2, Y: (l[21].Y + l[22].Y) / 2}
	return math.Hypot(float64(l[8].X-top.X), float64(l[8].Y-top.Y))
}

// axes are the face's unit axes in the image: x from the eye on the
// image's left to the other, y perpendicular to it, downwards.
func axes(l []face.Point) (x, y [2]float64) {
	var a, b face.Point
	for i := 36; i < 42; i++ {
		a.X += l[i].X / 6
		a.Y += l[i].Y / 6
		b.X += l[i+6].X / 6
		b.Y += l[i+6].Y / 6
	}
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	n := math.Hypot(dx, dy)
	if n == 0 {
		return [2]float64{1, 0}, [2]float64{0, 1}
	}
	x = [2]float64{dx / n, dy / n}
	return x, [2]float64{-x[1], x[0]}
}

func pick(l []face.Point, idx []int) []face.Point {
	out := make([]face.Point, len(idx))
	for i, j := range idx {
		out[i] = l[j]
	}
	return out
}

// grow scales a polygon about its centroid.
func grow(poly []face.Point, k float32) []face.Point {
	var c face.Point
	for _, p := range poly {
		c.X += p.X / float32(len(poly))
		c.Y += p.Y / float32(len(poly))
	}
	out := make([]face.Point, len(poly))
	for i, p := range poly {
		out[i] = face.Point{X: c.X + k*(p.X-c.X), Y: c.Y + k*(p.Y-c.Y)}
	}
	return out
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
