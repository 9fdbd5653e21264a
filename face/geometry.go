package face

import "math"

// Point is a position in image pixels (x right, y down).
type Point struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

// Rect is an axis-aligned box in image pixels.
type Rect struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
	W float32 `json:"w"`
	H float32 `json:"h"`
}

func (r Rect) area() float32 { return max(r.W, 0) * max(r.H, 0) }

func (r Rect) center() Point { return Point{r.X + r.W/2, r.Y + r.H/2} }

// square returns the square of side r.H*scale centred on r: the crops the
// landmark, liveness and attribute models were trained on are square and
// sized from the detector box's height.
func (r Rect) square(scale float32) Rect {
	c, s := r.center(), r.H*scale
	return Rect{c.X - s/2, c.Y - s/2, s, s}
}

// iou is the intersection over union of two boxes.
func iou(a, b Rect) float32 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	inter := w * h
	return inter / (a.area() + b.area() - inter)
}

// affine maps output pixel (x, y) to source position
// (A*x + B*y + C, D*x + E*y + F). Every crop the engine feeds a model is one
// of these: a box resize, or the similarity transform of face alignment.
type affine struct{ A, B, C, D, E, F float64 }

// boxAffine maps a w×h output onto the source rectangle r (pixel centres
// aligned, as in OpenCV's resize).
func boxAffine(r Rect, w, h int) affine {
	sx, sy := float64(r.W)/float64(w), float64(r.H)/float64(h)
	return affine{
		A: sx, C: float64(r.X) + 0.5*sx - 0.5,
		E: sy, F: float64(r.Y) + 0.5*sy - 0.5,
	}
}

func (m affine) apply(p Point) Point {
	x, y := float64(p.X), float64(p.Y)
	return Point{float32(m.A*x + m.B*y + m.C), float32(m.D*x + m.E*y + m.F)}
}

// scale is the number of source pixels per output pixel (the geometric mean
// of the two axes), which decides how much to pre-shrink before sampling.
func (m affine) scale() float64 { return math.Sqrt(math.Abs(m.A*m.E - m.B*m.D)) }

func (m affine) invert() affine {
	det := m.A*m.E - m.B*m.D
	a, b, d, e := m.E/det, -m.B/det, -m.D/det, m.A/det
	return affine{A: a, B: b, C: -(a*m.C + b*m.F), D: d, E: e, F: -(d*m.C + e*m.F)}
}

// similarityFit is Umeyama's least-squares similarity transform (rotation,
// uniform scale, translation; no reflection) taking src onto dst. In 2-D
// with no reflection the SVD of the covariance reduces to a closed form:
// with centred points, a = Σ(x·x' + y·y') / Σ|p|², b = Σ(x·y' − y·x') / Σ|p|².
func similarityFit(src, dst []Point) affine {
	n := float64(len(src))
	var sx, sy, dx, dy float64
	for i := range src {
		sx += float64(src[i].X)
		sy += float64(src[i].Y)
		dx += float64(dst[i].X)
		dy += float64(dst[i].Y)
	}
	sx, sy, dx, dy = sx/n, sy/n, dx/n, dy/n
	var num1, num2, den float64
	for i := range src {
		x, y := float64(src[i].X)-sx, float64(src[i].Y)-sy
		u, v := float64(dst[i].X)-dx, float64(dst[i].Y)-dy
		num1 += x*u + y*v
		num2 += x*v - y*u
		den += x*x + y*y
	}
	if den == 0 {
		return affine{A: 1, E: 1, C: dx - sx, F: dy - sy}
	}
	a, b := num1/den, num2/den
	return affine{
		A: a, B: -b, C: dx - (a*sx - b*sy),
		D: b, E: a, F: dy - (b*sx + a*sy),
	}
}
