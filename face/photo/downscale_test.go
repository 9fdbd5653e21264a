package photo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomRGB(w, h int, seed uint64) *RGB {
	rng := rand.New(rand.NewPCG(seed, 7))
	img := newRGB(w, h)
	for i := range img.Pix {
		img.Pix[i] = byte(rng.IntN(256))
	}
	return img
}

// boxReference is the area average computed the slow, obvious way in
// floating point: the integral of the source over each output pixel's area.
func boxReference(src *RGB, w, h int) []float64 {
	out := make([]float64, w*h*3)
	sx, sy := float64(src.W)/float64(w), float64(src.H)/float64(h)
	for oy := range h {
		for ox := range w {
			var sum [3]float64
			for y := range src.H {
				cy := math.Min(float64(y+1), float64(oy+1)*sy) - math.Max(float64(y), float64(oy)*sy)
				for x := range src.W {
					cx := math.Min(float64(x+1), float64(ox+1)*sx) - math.Max(float64(x), float64(ox)*sx)
					if cx > 0 && cy > 0 {
						for c := range 3 {
							sum[c] += cx * cy * float64(src.Pix[(y*src.W+x)*3+c])
						}
					}
				}
			}
			for c := range 3 {
				out[(oy*w+ox)*3+c] = sum[c] / (sx * sy)
			}
		}
	}
	return out
}

func TestDownscaleMatchesReference(t *testing.T) {
	for _, c := range []struct{ w, h, maxSide, wantW, wantH int }{
		{40, 30, 20, 20, 15},  // exactly half
		{40, 30, 13, 13, 10},  // 40/13: every output straddles a source pixel
		{31, 47, 10, 7, 10},   // portrait, odd sizes
		{100, 3, 7, 7, 1},     // a thin strip keeps at least one row
		{50, 50, 49, 49, 49},  // barely smaller
		{9, 100, 33, 3, 33},   // the other axis rounds
		{101, 1, 100, 100, 1}, // one axis unchanged
	} {
		src := randomRGB(c.w, c.h, uint64(c.w*1000+c.h))
		got := Downscale(src, c.maxSide)
		if got.W != c.wantW || got.H != c.wantH || len(got.Pix) != got.W*got.H*3 {
			t.Errorf("%dx%d to %d: %dx%d, want %dx%d", c.w, c.h, c.maxSide, got.W, got.H, c.wantW, c.wantH)
			continue
		}
		want := boxReference(src, got.W, got.H)
		for i, v := range got.Pix {
			if math.Abs(float64(v)-want[i]) > 0.51 {
				t.Fatalf("%dx%d to %d: byte %d is %d, want %.2f", c.w, c.h, c.maxSide, i, v, want[i])
			}
		}
	}
}

// A flat image stays exactly flat, borders included: the weights of every
// output pixel sum to one.
func TestDownscaleFlat(t *testing.T) {
	src := newRGB(1003, 677)
	for i := range src.Pix {
		src.Pix[i] = []byte{255, 1, 128}[i%3]
	}
	got := Downscale(src, 640)
	for i, v := range got.Pix {
		if want := []byte{255, 1, 128}[i%3]; v != want {
			t.Fatalf("byte %d is %d, want %d", i, v, want)
		}
	}
}

func TestDownscaleKeepsSmall(t *testing.T) {
	src := newRGB(640, 480)
	for _, maxSide := range []int{0, -1, 640, 1920} {
		if got := Downscale(src, maxSide); got != src {
			t.Errorf("maxSide %d: got a new image", maxSide)
		}
	}
	if got := Downscale(newRGB(4000, 3000), 1920); got.W != 1920 || got.H != 1440 {
		t.Errorf("4000x3000 to 1920: %dx%d", got.W, got.H)
	}
}

func TestOrientSmall(t *testing.T) {
	// 3x2, pixel values = index: every orientation is a permutation that
	// the EXIF definition gives directly as "destination (X, Y) shows
	// source (x, y)".
	src := &RGB{W: 3, H: 2, Pix: make([]byte, 18)}
	for i := range 6 {
		src.Pix[i*3] = byte(i)
	}
	want := map[int][]byte{
		1: {0, 1, 2, 3, 4, 5},
		2: {2, 1, 0, 5, 4, 3},
		3: {5, 4, 3, 2, 1, 0},
		4: {3, 4, 5, 0, 1, 2},
		5: {0, 3, 1, 4, 2, 5},
		6: {3, 0, 4, 1, 5, 2},
		7: {5, 2, 4, 1, 3, 0},
		8: {2, 5, 1, 4, 0, 3},
	}
	for o, w := range want {
		got := orient(src, o)
		if (o >= 5) != (got.W == 2 && got.H == 3) {
			t.Errorf("%d: %dx%d", o, got.W, got.H)
		}
		for i, v := range w {
			if got.Pix[i*3] != v {
				t.Errorf("%d: %v, want %v", o, got.Pix, w)
				break
			}
		}
	}
	if orient(src, 0) != src || orient(src, 9) != src {
		t.Error("an invalid orientation changed the image")
	}
}
