package face

import (
	"math"
	"testing"
)

// A turned crop is the square about its centre, its x axis along the
// angle: upright it is the box resize every other crop uses, and turned
// its centre stays put while its corners turn about it.
func TestTurnedSquare(t *testing.T) {
	c, side, size := Point{140.5, 97.25}, float32(120), 192
	if got, want := turnedSquare(c, side, 0, size), boxAffine(Rect{c.X - side/2, c.Y - side/2, side, side}, size, size); !nearAffine(got, want) {
		t.Fatalf("upright: %+v, want boxAffine's %+v", got, want)
	}
	for _, angle := range []float64{0.3, -1.2, math.Pi / 2} {
		m := turnedSquare(c, side, angle, size)
		// The crop's centre, between its middle pixels, is c (in pixel
		// indices, c − 0.5).
		mid := m.apply(Point{float32(size)/2 - 0.5, float32(size)/2 - 0.5})
		if d := math.Hypot(float64(mid.X-c.X+0.5), float64(mid.Y-c.Y+0.5)); d > 1e-3 {
			t.Errorf("angle %.2f: the crop's centre maps to %v, want %v", angle, mid, Point{c.X - 0.5, c.Y - 0.5})
		}
		// One step along the crop's x axis is side/size along the angle.
		a, b := m.apply(Point{0, 0}), m.apply(Point{1, 0})
		step := float64(side) / float64(size)
		if dx, dy := float64(b.X-a.X), float64(b.Y-a.Y); math.Abs(dx-step*math.Cos(angle)) > 1e-4 || math.Abs(dy-step*math.Sin(angle)) > 1e-4 {
			t.Errorf("angle %.2f: a step along x moves (%.4f, %.4f), want (%.4f, %.4f)", angle, dx, dy, step*math.Cos(angle), step*math.Sin(angle))
		}
	}
}

func nearAffine(a, b affine) bool {
	for _, d := range [][2]float64{{a.A, b.A}, {a.B, b.B}, {a.C, b.C}, {a.D, b.D}, {a.E, b.E}, {a.F, b.F}} {
		if !near(d[0], d[1], 1e-4) {
			return false
		}
	}
	return true
}
