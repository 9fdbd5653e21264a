package face

import (
	"math"
	"testing"
)

func TestGearAge(t *testing.T) {
	for _, c := range []struct {
		p    []float32
		want float32
	}{
		{[]float32{0, 0, 0, 1, 0, 0, 0}, 35.5},            // one class: its age
		{[]float32{0.5, 0.5, 0, 0, 0, 0, 0}, 19},          // a tie: the first, pulled halfway to the second
		{[]float32{0.2, 0, 0, 0, 0, 0, 0.8}, 65 - 0.2*50}, // the likeliest first, then the others
		{[]float32{0.6, 0.3, 0.1, 0, 0, 0, 0}, 18.46},     // 15, + 0.3·(23 − 15) = 17.4, + 0.1·(28 − 17.4)
	} {
		if got := gearAge(c.p); math.Abs(float64(got-c.want)) > 1e-4 {
			t.Errorf("gearAge(%v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestFaceResAge(t *testing.T) {
	p := make([]float32, 100)
	p[29], p[30], p[70] = 0.45, 0.3, 0.25 // the two likeliest: classes 29 and 30
	if got, want := faceResAge(p), float32(1+(29*0.45+30*0.3)/0.75); math.Abs(float64(got-want)) > 1e-4 {
		t.Errorf("two likeliest: %v, want %v", got, want)
	}
	clear(p)
	p[0], p[1] = 0.9, 0.1 // the likeliest is the first class
	if got, want := faceResAge(p), float32(1.1); math.Abs(float64(got-want)) > 1e-4 {
		t.Errorf("youngest: %v, want %v", got, want)
	}
	clear(p)
	p[99] = 1 // one class: its age, k+1
	if got := faceResAge(p); got != 100 {
		t.Errorf("one class: %v, want 100", got)
	}
}

// The crop puts a face's keypoints where AgeInput says: at Square's
// fractions of the square, and so, when only Part of the square is fed,
// at their place within Part, stretched as Part is.
func TestAgeCropPlacesKeypoints(t *testing.T) {
	square := [5]Point{{0.3, 0.3}, {0.7, 0.3}, {0.5, 0.5}, {0.35, 0.7}, {0.65, 0.7}}
	// The same face in a photo, turned 20°, 300 pixels across, elsewhere.
	rot := 20 * math.Pi / 180
	var kp [5]Point
	for i, p := range square {
		x, y := float64(p.X-0.5)*300, float64(p.Y-0.5)*300
		kp[i] = Point{float32(400 + x*math.Cos(rot) - y*math.Sin(rot)), float32(250 + x*math.Sin(rot) + y*math.Cos(rot))}
	}
	for _, part := range []Rect{{}, {0.1, 0, 0.8, 0.9}} {
		const size = 198
		a := &AgeCandidate{candidate: &candidate{size: size}, in: AgeInput{Square: square, Part: part}}
		if part == (Rect{}) {
			a.in.Part = Rect{0, 0, 1, 1} // as NewAgeCandidate defaults it
		}
		m := a.cropAffine(kp)
		for i, p := range square {
			// A fraction f of the square is its pixel f·size, as a
			// recogniser's reference points are; Part is resized into
			// the input with pixel centres aligned (boxAffine).
			px, py := p.X*size, p.Y*size
			in := Point{(px-a.in.Part.X*size+0.5)/a.in.Part.W - 0.5, (py-a.in.Part.Y*size+0.5)/a.in.Part.H - 0.5}
			got := m.apply(in)
			if math.Hypot(float64(got.X-kp[i].X), float64(got.Y-kp[i].Y)) > 0.01 {
				t.Errorf("part %v: keypoint %d: input %v maps to %v, want %v", part, i, in, got, kp[i])
			}
		}
	}
}
