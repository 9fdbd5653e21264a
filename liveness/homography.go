package liveness

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/visagehq/visage/face"
)

// A flat picture of a face — printed, on a screen, held still, tilted,
// bent a little or warped by an attacker's software — moves all its
// points by one plane-to-plane homography, whatever the camera does. A
// head is not flat: when it turns, the nose tip slides across the cheeks
// and the near side of the outline widens while the far one narrows
// (parallax). PlanarResidual measures how much of a movement a homography
// cannot explain.

// homography is a 3×3 projective map, row-major, h[8] fixed to 1 after
// the fit.
type homography [9]float64

func (h homography) apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

// normaliser moves points to their centroid and scales them to a mean
// distance of √2 from it (Hartley's normalisation), which makes the
// direct linear fit well conditioned whatever the face's size.
type normaliser struct{ cx, cy, s float64 }

func normaliserOf(pts []face.Point) normaliser {
	var n normaliser
	for _, p := range pts {
		n.cx += float64(p.X)
		n.cy += float64(p.Y)
	}
	n.cx /= float64(len(pts))
	n.cy /= float64(len(pts))
	var d float64
	for _, p := range pts {
		d += math.Hypot(float64(p.X)-n.cx, float64(p.Y)-n.cy)
	}
	d /= float64(len(pts))
	n.s = 1
	if d > 0 {
		n.s = math.Sqrt2 / d
	}
	return n
}

func (n normaliser) of(p face.Point) (float64, float64) {
	return (float64(p.X) - n.cx) * n.s, (float64(p.Y) - n.cy) * n.s
}

// fitHomography finds the homography taking src to dst with the least
// squared distance in dst (the reprojection error): the direct linear
// fit on normalised points, then Gauss-Newton on the geometric error. The
// geometric error is what an attacker's warp is judged by, so the fit
// must be as good as it can be: a loose fit would leave a warped photo a
// residual that looks like depth.
func fitHomography(src, dst []face.Point) (homography, bool) {
	return fit(src, dst, true)
}

// fitHomographyDLT is the direct linear fit alone, for the many small
// fits of a random search.
func fitHomographyDLT(src, dst []face.Point) (homography, bool) {
	return fit(src, dst, false)
}

func fit(src, dst []face.Point, geometric bool) (homography, bool) {
	ns, nd := normaliserOf(src), normaliserOf(dst)
	xs := make([][2]float64, len(src))
	xd := make([][2]float64, len(dst))
	for i := range src {
		xs[i][0], xs[i][1] = ns.of(src[i])
		xd[i][0], xd[i][1] = nd.of(dst[i])
	}
	// Direct linear transform: each pair gives two rows of A·h = 0; h is
	// the right singular vector of the smallest singular value.
	a := mat.NewDense(2*len(src), 9, nil)
	for i := range xs {
		x, y := xs[i][0], xs[i][1]
		u, v := xd[i][0], xd[i][1]
		a.SetRow(2*i, []float64{-x, -y, -1, 0, 0, 0, u * x, u * y, u})
		a.SetRow(2*i+1, []float64{0, 0, 0, -x, -y, -1, v * x, v * y, v})
	}
	var svd mat.SVD
	if !svd.Factorize(a, mat.SVDFullV) {
		return homography{}, false
	}
	var vt mat.Dense
	svd.VTo(&vt)
	var h homography
	for j := range 9 {
		h[j] = vt.At(j, 8)
	}
	if math.Abs(h[8]) < 1e-12 {
		return homography{}, false
	}
	for j := range h {
		h[j] /= h[8]
	}
	if geometric {
		h = refine(h, xs, xd)
	}
	// Undo the normalisation: H = Nd⁻¹·Hn·Ns.
	nsM := [9]float64{ns.s, 0, -ns.s * ns.cx, 0, ns.s, -ns.s * ns.cy, 0, 0, 1}
	ndInv := [9]float64{1 / nd.s, 0, nd.cx, 0, 1 / nd.s, nd.cy, 0, 0, 1}
	out := homography(mul3(ndInv, mul3(h, nsM)))
	if math.Abs(out[8]) < 1e-12 {
		return homography{}, false
	}
	for j := range out {
		out[j] /= out[8]
	}
	return out, true
}

// refine runs Gauss-Newton steps on the reprojection error of h (with
// h[8] = 1), keeping a step only when it lowers the error.
func refine(h homography, src, dst [][2]float64) homography {
	cost := func(h homography) float64 {
		var c float64
		for i := range src {
			x, y := h.apply(src[i][0], src[i][1])
			c += (x-dst[i][0])*(x-dst[i][0]) + (y-dst[i][1])*(y-dst[i][1])
		}
		return c
	}
	best := cost(h)
	for range 10 {
		jtj := mat.NewSymDense(8, nil)
		jtr := mat.NewVecDense(8, nil)
		for i := range src {
			x, y := src[i][0], src[i][1]
			w := h[6]*x + h[7]*y + 1
			px := (h[0]*x + h[1]*y + h[2]) / w
			py := (h[3]*x + h[4]*y + h[5]) / w
			rx, ry := px-dst[i][0], py-dst[i][1]
			jx := [8]float64{x / w, y / w, 1 / w, 0, 0, 0, -px * x / w, -px * y / w}
			jy := [8]float64{0, 0, 0, x / w, y / w, 1 / w, -py * x / w, -py * y / w}
			for a := range 8 {
				jtr.SetVec(a, jtr.AtVec(a)+jx[a]*rx+jy[a]*ry)
				for b := a; b < 8; b++ {
					jtj.SetSym(a, b, jtj.At(a, b)+jx[a]*jx[b]+jy[a]*jy[b])
				}
			}
		}
		for a := range 8 {
			jtj.SetSym(a, a, jtj.At(a, a)*(1+1e-9)+1e-12) // keep it invertible
		}
		var step mat.VecDense
		if err := step.SolveVec(jtj, jtr); err != nil {
			break
		}
		next := h
		for a := range 8 {
			next[a] -= step.AtVec(a)
		}
		c := cost(next)
		if !(c < best) {
			break
		}
		improved := best - c
		h, best = next, c
		if improved < 1e-12*best {
			break
		}
	}
	return h
}

func mul3(a, b [9]float64) (c [9]float64) {
	for i := range 3 {
		for j := range 3 {
			for k := range 3 {
				c[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return c
}

// PlanarResidual is the root-mean-square distance, in dst, between the
// points of dst and those of src carried over by the best homography,
// over the spread of dst's points (their root-mean-square distance from
// their centroid): what a flat picture cannot do, as a fraction of the
// face's size. It is about 0.01 for the landmarks of two photos of one
// flat picture however warped, and several times that for a head that
// turned. It returns NaN when the points admit no fit.
func PlanarResidual(src, dst []face.Point) float64 {
	if len(src) != len(dst) || len(src) < 5 {
		return math.NaN()
	}
	h, ok := fitHomography(src, dst)
	if !ok {
		return math.NaN()
	}
	var cx, cy float64
	for _, p := range dst {
		cx += float64(p.X)
		cy += float64(p.Y)
	}
	cx /= float64(len(dst))
	cy /= float64(len(dst))
	var res, spread float64
	for i := range src {
		x, y := h.apply(float64(src[i].X), float64(src[i].Y))
		dx, dy := x-float64(dst[i].X), y-float64(dst[i].Y)
		res += dx*dx + dy*dy
		sx, sy := float64(dst[i].X)-cx, float64(dst[i].Y)-cy
		spread += sx*sx + sy*sy
	}
	if spread == 0 {
		return math.NaN()
	}
	return math.Sqrt(res / spread)
}
