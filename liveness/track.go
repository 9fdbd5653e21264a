package liveness

import (
	"cmp"
	"math"
	"slices"

	"github.com/visagehq/visage/face"
)

// The landmark model sees a whole face and answers with the shape it
// believes in: shown a photo squeezed on one side or folded down the
// middle, it places the nose and the outline where a turned head would
// have them (measured in docs/liveness.md). Its points are therefore no
// proof of depth on their own. Real points of the skin are: Track follows
// small textured patches of the face from a still frame to a moving one,
// as an optical-flow tracker does, starting from where the landmarks say
// they went. A flat picture's patches move by a homography (two, if it is
// folded), whatever the landmarks claim.

// Gray is a grey image, one float32 per pixel from 0 to 255.
type Gray struct {
	W, H int
	Pix  []float32
}

func (g *Gray) at(x, y int) float32 {
	x = min(max(x, 0), g.W-1)
	y = min(max(y, 0), g.H-1)
	return g.Pix[y*g.W+x]
}

// sample is the bilinear value at (x, y), clamped at the edges.
func (g *Gray) sample(x, y float64) float32 {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := float32(x-x0), float32(y-y0)
	ix, iy := int(x0), int(y0)
	a, b := g.at(ix, iy), g.at(ix+1, iy)
	c, d := g.at(ix, iy+1), g.at(ix+1, iy+1)
	return (a*(1-fx)+b*fx)*(1-fy) + (c*(1-fx)+d*fx)*fy
}

// fill samples g, bilinear, on the m×m grid of unit spacing centred on
// (cx, cy), clamped at the edges. Every point of the grid shares the same
// fractional offset, so the weights are computed once.
func (g *Gray) fill(out []float32, m int, cx, cy float64) {
	h := float64(m-1) / 2
	x0f, y0f := math.Floor(cx-h), math.Floor(cy-h)
	fx, fy := float32(cx-h-x0f), float32(cy-h-y0f)
	x0, y0 := int(x0f), int(y0f)
	w00, w10, w01, w11 := (1-fx)*(1-fy), fx*(1-fy), (1-fx)*fy, fx*fy
	if x0 >= 0 && y0 >= 0 && x0+m < g.W && y0+m < g.H {
		for j := range m {
			row := g.Pix[(y0+j)*g.W+x0:]
			next := g.Pix[(y0+j+1)*g.W+x0:]
			o := out[j*m : j*m+m]
			for i := range o {
				o[i] = row[i]*w00 + row[i+1]*w10 + next[i]*w01 + next[i+1]*w11
			}
		}
		return
	}
	for j := range m {
		for i := range m {
			x, y := x0+i, y0+j
			out[j*m+i] = g.at(x, y)*w00 + g.at(x+1, y)*w10 + g.at(x, y+1)*w01 + g.at(x+1, y+1)*w11
		}
	}
}

// half is g at half the size, each pixel the mean of a 2×2 block.
func (g *Gray) half() *Gray {
	h := &Gray{W: g.W / 2, H: g.H / 2}
	h.Pix = make([]float32, h.W*h.H)
	for y := range h.H {
		for x := range h.W {
			h.Pix[y*h.W+x] = (g.at(2*x, 2*y) + g.at(2*x+1, 2*y) + g.at(2*x, 2*y+1) + g.at(2*x+1, 2*y+1)) / 4
		}
	}
	return h
}

// pyramid is g at full, half and quarter size.
func pyramid(g *Gray, levels int) []*Gray {
	p := []*Gray{g}
	for len(p) < levels && p[len(p)-1].W >= 32 && p[len(p)-1].H >= 32 {
		p = append(p, p[len(p)-1].half())
	}
	return p
}

// Tracking parameters, in pixels of the frames' crops (face.Crop: the
// face, brow to chin, is about 200 pixels tall in them). They were set on
// head-turns' real turns and the warps of their frontal photos
// (docs/liveness.md): the patches must be large enough to follow skin
// across a 30° turn, and the backward track loose enough to keep them.
const (
	trackLevels   = 4
	trackHalfWin  = 10  // the patch is 21×21
	trackIters    = 20  // Lucas-Kanade steps per level, at most
	trackMaxFB    = 2.0 // forward-backward disagreement, pixels
	trackMinDist  = 4   // between chosen patches
	trackMaxPts   = 300
	trackMinScore = 5 // Shi-Tomasi: the patch must have texture both ways
)

// Match is a patch found in both frames: At in the first, To in the
// second. FB is how far the backward track missed At by: a measure of
// the track's precision, which blur, noise and compression lower.
type Match struct {
	At, To face.Point
	FB     float32
}

// Track finds textured patches of a inside the polygon hull (a's
// landmarks), predicts where each went in b from the landmarks' moves
// (la to lb), and refines that by pyramidal Lucas-Kanade, keeping the
// patches whose backward track returns to where they started.
func Track(a, b *Gray, la, lb []face.Point) []Match {
	// b is first brought into a's frame by the landmarks' homography, so
	// that what is left to track is small and nearly a translation
	// whatever the turn, tilt or zoom.
	h, ok := fitHomography(la, lb)
	if !ok {
		return nil
	}
	bw := &Gray{W: a.W, H: a.H, Pix: make([]float32, a.W*a.H)}
	for y := range a.H {
		for x := range a.W {
			u, v := h.apply(float64(x), float64(y))
			bw.Pix[y*a.W+x] = b.sample(u, v)
		}
	}
	pa, pb := pyramid(a, trackLevels), pyramid(bw, trackLevels)
	var out []Match
	inv, ok := fitHomography(lb, la)
	if !ok {
		return nil
	}
	for _, p := range corners(a, la) {
		g := predict(p, la, lb)
		gx, gy := inv.apply(float64(g.X), float64(g.Y))
		q, ok := lk(pa, pb, p, face.Point{X: float32(gx), Y: float32(gy)})
		if !ok {
			continue
		}
		back, ok := lk(pb, pa, q, p)
		fb := math.Hypot(float64(back.X-p.X), float64(back.Y-p.Y))
		if !ok || fb > trackMaxFB {
			continue
		}
		u, v := h.apply(float64(q.X), float64(q.Y))
		out = append(out, Match{p, face.Point{X: float32(u), Y: float32(v)}, float32(fb)})
	}
	return out
}

// corners are the points of a, inside the landmarks' hull, with the
// strongest texture in both directions (the smaller eigenvalue of the
// gradient's structure tensor over a 5×5 window), at least trackMinDist
// apart.
func corners(a *Gray, pts []face.Point) []face.Point {
	hull := convexHull(pts)
	x0, y0, x1, y1 := bounds(hull)
	type cand struct {
		x, y int
		s    float32
	}
	var cs []cand
	for y := max(y0, 2); y <= min(y1, a.H-3); y++ {
		for x := max(x0, 2); x <= min(x1, a.W-3); x++ {
			if !inside(hull, float32(x), float32(y)) {
				continue
			}
			var gxx, gxy, gyy float32
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					gx := (a.at(x+dx+1, y+dy) - a.at(x+dx-1, y+dy)) / 2
					gy := (a.at(x+dx, y+dy+1) - a.at(x+dx, y+dy-1)) / 2
					gxx += gx * gx
					gxy += gx * gy
					gyy += gy * gy
				}
			}
			tr, det := gxx+gyy, gxx*gyy-gxy*gxy
			s := (tr - float32(math.Sqrt(float64(max(tr*tr-4*det, 0))))) / 2 / 25
			if s >= trackMinScore {
				cs = append(cs, cand{x, y, s})
			}
		}
	}
	slices.SortFunc(cs, func(p, q cand) int { return cmp.Compare(q.s, p.s) }) // strongest first
	var out []face.Point
	for _, c := range cs {
		far := true
		for _, o := range out {
			if dx, dy := o.X-float32(c.x), o.Y-float32(c.y); dx*dx+dy*dy < trackMinDist*trackMinDist {
				far = false
				break
			}
		}
		if far {
			out = append(out, face.Point{X: float32(c.x), Y: float32(c.y)})
			if len(out) == trackMaxPts {
				break
			}
		}
	}
	return out
}

// predict carries p from la to lb by the moves of its four nearest
// landmarks, weighted by inverse distance.
func predict(p face.Point, la, lb []face.Point) face.Point {
	type near struct {
		i int
		d float32
	}
	var ns [4]near
	for k := range ns {
		ns[k].d = float32(math.Inf(1))
	}
	for i, q := range la {
		d := (q.X-p.X)*(q.X-p.X) + (q.Y-p.Y)*(q.Y-p.Y)
		for k := range ns {
			if d < ns[k].d {
				copy(ns[k+1:], ns[k:len(ns)-1])
				ns[k] = near{i, d}
				break
			}
		}
	}
	var wx, wy, ws float32
	for _, n := range ns {
		w := 1 / (n.d + 1)
		wx += w * (lb[n.i].X - la[n.i].X)
		wy += w * (lb[n.i].Y - la[n.i].Y)
		ws += w
	}
	return face.Point{X: p.X + wx/ws, Y: p.Y + wy/ws}
}

// lk finds in b the patch of a at p, starting from guess: pyramidal
// Lucas-Kanade for a translation, coarse to fine.
func lk(pa, pb []*Gray, p, guess face.Point) (face.Point, bool) {
	levels := min(len(pa), len(pb))
	scale := float64(int(1) << (levels - 1))
	dx, dy := float64(guess.X-p.X)/scale, float64(guess.Y-p.Y)/scale
	const n = 2*trackHalfWin + 1
	const m = n + 2 // the template with a border, for its gradients
	var tb [m * m]float32
	var ta, gx, gy, tw [n * n]float32
	for l := levels - 1; l >= 0; l-- {
		a, b := pa[l], pb[l]
		s := float64(int(1) << l)
		px, py := float64(p.X)/s, float64(p.Y)/s
		// The patch and its gradients in a, and their structure tensor.
		a.fill(tb[:], m, px, py)
		var gxx, gxy, gyy float64
		for j := range n {
			for i := range n {
				k, c := j*n+i, (j+1)*m+i+1
				ta[k] = tb[c]
				gx[k] = (tb[c+1] - tb[c-1]) / 2
				gy[k] = (tb[c+m] - tb[c-m]) / 2
				gxx += float64(gx[k] * gx[k])
				gxy += float64(gx[k] * gy[k])
				gyy += float64(gy[k] * gy[k])
			}
		}
		det := gxx*gyy - gxy*gxy
		if det < 1e-3 {
			return face.Point{}, false
		}
		for range trackIters {
			b.fill(tw[:], n, px+dx, py+dy)
			var bx, by float64
			for k := range tw {
				d := float64(tw[k] - ta[k])
				bx += d * float64(gx[k])
				by += d * float64(gy[k])
			}
			sx := -(gyy*bx - gxy*by) / det
			sy := -(gxx*by - gxy*bx) / det
			dx += sx
			dy += sy
			if sx*sx+sy*sy < 1e-4 {
				break
			}
		}
		if l > 0 {
			dx, dy = 2*dx, 2*dy
		}
	}
	q := face.Point{X: p.X + float32(dx), Y: p.Y + float32(dy)}
	if q.X < 0 || q.Y < 0 || int(q.X) >= pb[0].W || int(q.Y) >= pb[0].H || math.IsNaN(dx) || math.IsNaN(dy) {
		return face.Point{}, false
	}
	return q, true
}

// convexHull is the hull of pts, anticlockwise in image coordinates
// (Andrew's monotone chain).
func convexHull(pts []face.Point) []face.Point {
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b face.Point) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.Y, b.Y)) })
	cross := func(o, a, b face.Point) float32 { return (a.X-o.X)*(b.Y-o.Y) - (a.Y-o.Y)*(b.X-o.X) }
	var h []face.Point
	for _, pass := range [2]bool{false, true} {
		start := len(h)
		for i := range p {
			q := p[i]
			if pass {
				q = p[len(p)-1-i]
			}
			for len(h) >= start+2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, q)
		}
		h = h[:len(h)-1]
	}
	return h
}

func inside(hull []face.Point, x, y float32) bool {
	for i := range hull {
		a, b := hull[i], hull[(i+1)%len(hull)]
		if (b.X-a.X)*(y-a.Y)-(b.Y-a.Y)*(x-a.X) < 0 {
			return false
		}
	}
	return len(hull) >= 3
}

func bounds(pts []face.Point) (x0, y0, x1, y1 int) {
	x0, y0 = math.MaxInt, math.MaxInt
	x1, y1 = math.MinInt, math.MinInt
	for _, p := range pts {
		x0, y0 = min(x0, int(p.X)), min(y0, int(p.Y))
		x1, y1 = max(x1, int(p.X)+1), max(y1, int(p.Y)+1)
	}
	return
}
