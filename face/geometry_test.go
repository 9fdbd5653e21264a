package face

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/visagehq/visage/face/photo"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestSimilarityFitRecoversKnownTransform(t *testing.T) {
	// Rotate by 20°, scale by 1.7, shift by (12, -30).
	theta, s := 20*math.Pi/180, 1.7
	want := affine{
		A: s * math.Cos(theta), B: -s * math.Sin(theta), C: 12,
		D: s * math.Sin(theta), E: s * math.Cos(theta), F: -30,
	}
	src := []Point{{10, 10}, {80, 12}, {45, 50}, {20, 90}, {70, 88}}
	dst := make([]Point, len(src))
	for i, p := range src {
		dst[i] = want.apply(p)
	}
	got := similarityFit(src, dst)
	for _, pair := range [][2]float64{{got.A, want.A}, {got.B, want.B}, {got.C, want.C}, {got.D, want.D}, {got.E, want.E}, {got.F, want.F}} {
		if !near(pair[0], pair[1], 1e-4) {
			t.Fatalf("similarityFit = %+v, want %+v", got, want)
		}
	}
}

func TestSimilarityFitIsLeastSquares(t *testing.T) {
	// With noisy points, the fit must beat every small perturbation of it.
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]Point, 5)
	dst := make([]Point, 5)
	for i := range src {
		src[i] = Point{float32(rng.Float64() * 100), float32(rng.Float64() * 100)}
		dst[i] = Point{src[i].X*0.9 + 5 + float32(rng.NormFloat64()), src[i].Y*0.9 - 3 + float32(rng.NormFloat64())}
	}
	cost := func(m affine) float64 {
		var c float64
		for i, p := range src {
			q := m.apply(p)
			c += math.Pow(float64(q.X-dst[i].X), 2) + math.Pow(float64(q.Y-dst[i].Y), 2)
		}
		return c
	}
	best := similarityFit(src, dst)
	base := cost(best)
	for _, d := range []float64{1e-3, -1e-3} {
		for k := 0; k < 4; k++ {
			m := best
			switch k {
			case 0: // scale·cos
				m.A += d
				m.E += d
			case 1: // scale·sin
				m.B -= d
				m.D += d
			case 2:
				m.C += d * 100
			case 3:
				m.F += d * 100
			}
			if c := cost(m); c < base {
				t.Fatalf("perturbation %d by %g lowers the cost: %g < %g", k, d, c, base)
			}
		}
	}
}

func TestAffineInvert(t *testing.T) {
	m := affine{A: 1.2, B: -0.3, C: 7, D: 0.3, E: 1.2, F: -2}
	inv := m.invert()
	for _, p := range []Point{{0, 0}, {10, 5}, {-3, 40}} {
		q := inv.apply(m.apply(p))
		if !near(float64(q.X), float64(p.X), 1e-4) || !near(float64(q.Y), float64(p.Y), 1e-4) {
			t.Fatalf("invert∘apply(%v) = %v", p, q)
		}
	}
}

func TestIOU(t *testing.T) {
	a := Rect{0, 0, 10, 10}
	cases := []struct {
		b    Rect
		want float32
	}{
		{Rect{0, 0, 10, 10}, 1},
		{Rect{5, 0, 10, 10}, 50.0 / 150},
		{Rect{20, 20, 5, 5}, 0},
		{Rect{2, 2, 5, 5}, 25.0 / 100},
	}
	for _, c := range cases {
		if got := iou(a, c.b); !near(float64(got), float64(c.want), 1e-6) {
			t.Errorf("iou(%v, %v) = %v, want %v", a, c.b, got, c.want)
		}
	}
}

func TestNMS(t *testing.T) {
	cands := []detection{
		{Rect{0, 0, 10, 10}, 0.8},
		{Rect{1, 1, 10, 10}, 0.9},    // overlaps the first heavily, scores higher
		{Rect{30, 30, 10, 10}, 0.7},  // separate face
		{Rect{31, 30, 10, 10}, 0.75}, // overlaps the third, scores higher
		{Rect{60, 60, 0, 10}, 0.99},  // degenerate: dropped
		{Rect{6, 0, 10, 10}, 0.85},   // IoU with the best is 30/170 < 0.4: kept
	}
	got := nms(cands, 0.4, 10)
	want := []float32{0.9, 0.85, 0.75}
	if len(got) != len(want) {
		t.Fatalf("nms kept %d boxes: %+v", len(got), got)
	}
	for i := range want {
		if got[i].score != want[i] {
			t.Errorf("kept[%d].score = %v, want %v", i, got[i].score, want[i])
		}
	}
	if got := nms(cands, 0.4, 1); len(got) != 1 || got[0].score != 0.9 {
		t.Errorf("limit 1: %+v", got)
	}
}

func TestWarpIdentityAndShrink(t *testing.T) {
	src := &photo.RGB{W: 8, H: 6, Pix: make([]byte, 8*6*3)}
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	var w warper
	// The identity copies exactly.
	dst := newRGB(8, 6)
	w.warp(&dst, src, affine{A: 1, E: 1})
	for i := range src.Pix {
		if dst.Pix[i] != src.Pix[i] {
			t.Fatalf("identity warp differs at %d: %d != %d", i, dst.Pix[i], src.Pix[i])
		}
	}
	// Halving takes the mean of each 2×2 block.
	half := newRGB(4, 3)
	w.warp(&half, src, boxAffine(Rect{0, 0, 8, 6}, 4, 3))
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			for c := 0; c < 3; c++ {
				sum := 0
				for dy := 0; dy < 2; dy++ {
					for dx := 0; dx < 2; dx++ {
						sum += int(src.Pix[((2*y+dy)*8+2*x+dx)*3+c])
					}
				}
				want := (sum + 2) / 4
				if got := int(half.Pix[(y*4+x)*3+c]); got != want {
					t.Fatalf("half(%d,%d,%d) = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
	// A third takes the mean of each 3×3 block (the general shrink).
	src9 := &photo.RGB{W: 9, H: 6, Pix: make([]byte, 9*6*3)}
	for i := range src9.Pix {
		src9.Pix[i] = byte(i * 13)
	}
	third := newRGB(3, 2)
	w.warp(&third, src9, boxAffine(Rect{0, 0, 9, 6}, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			for c := 0; c < 3; c++ {
				sum := 0
				for dy := 0; dy < 3; dy++ {
					for dx := 0; dx < 3; dx++ {
						sum += int(src9.Pix[((3*y+dy)*9+3*x+dx)*3+c])
					}
				}
				if got, want := int(third.Pix[(y*3+x)*3+c]), (sum+4)/9; got != want {
					t.Fatalf("third(%d,%d,%d) = %d, want %d", x, y, c, got, want)
				}
			}
		}
	}
	// Outside the source is black.
	out := newRGB(2, 2)
	w.warp(&out, src, affine{A: 1, E: 1, C: 100, F: 100})
	for _, v := range out.Pix {
		if v != 0 {
			t.Fatal("samples outside the image must be black")
		}
	}
}

func TestContextCropStaysInside(t *testing.T) {
	for _, box := range []Rect{{0, 0, 50, 60}, {580, 400, 60, 80}, {300, 200, 100, 120}, {10, 10, 600, 460}} {
		r := contextCrop(box, 2.7, 640, 480)
		if r.X < 0 || r.Y < 0 || r.X+r.W > 639.001 || r.Y+r.H > 479.001 || r.W != r.H {
			t.Errorf("contextCrop(%v) = %v leaves the 640×480 image or is not square", box, r)
		}
	}
}
