package bench

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage/face"
)

// The fit finds the signal that decides which photos fail, and keeps
// another from moving the score the wrong way: here the photos whose
// detector confidence is low fail most, and so do the sharp ones, which
// a free fit would turn into "blur is good" (a set's make-up can do that:
// CFP's photos are sharper than LFW's and fail more, for its profiles).
func TestFitQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := &Dataset{Protocols: []*Protocol{{Name: "synthetic"}}}
	e := &Embedded{Vectors: map[string][]float32{}, Signals: map[string]Signals{}}
	sharp := func(v float32) *float32 { return &v }
	for i := range 2000 {
		a, b := fmt.Sprintf("%d/a", i), fmt.Sprintf("%d/b", i)
		z := 0.0 // the pair's log-odds of failing
		for _, n := range []string{a, b} {
			det := 0.5 + 0.5*rng.Float32()
			sh := float32(100)
			if rng.IntN(2) == 0 {
				sh = 2000
			}
			e.Vectors[n], e.Signals[n] = []float32{1, 0}, Signals{Detector: det, Quality: face.Quality{Size: 100, Sharpness: sharp(sh)}}
			z += -10*(float64(det)-0.75) + float64(sh)/2000
		}
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			e.Vectors[b] = []float32{0, 1}
		}
		ds.Protocols[0].Pairs = append(ds.Protocols[0].Pairs, Pair{A: a, B: b, Same: true})
	}
	fit := FitQuality([]*Dataset{ds}, []*Embedded{e}, 0.5, "")
	m := fit.Model
	t.Logf("%d photos, %d pairs, %d failed, AUC %.3f, model %+v", fit.Photos, fit.Pairs, fit.Failed, fit.AUC, m)
	if fit.Photos != 4000 || fit.Pairs != 2000 || fit.Failed < 1100 || fit.Failed > 1500 {
		t.Errorf("counted %d photos, %d pairs, %d failed", fit.Photos, fit.Pairs, fit.Failed)
	}
	if m.Detector <= 0 || m.Sharpness != 0 {
		t.Errorf("detector weight %.3f (want > 0), sharpness weight %.3f (want 0: it only goes the wrong way here)", m.Detector, m.Sharpness)
	}
	if fit.AUC < 0.7 {
		t.Errorf("AUC %.3f: the detector's confidence tells the failures apart", fit.AUC)
	}
	for i := 1; i < len(fit.Curve); i++ {
		if fit.Curve[i].Refused < fit.Curve[i-1].Refused || fit.Curve[i].FailedCaught < fit.Curve[i-1].FailedCaught {
			t.Errorf("the trade-off is not monotone at %.1f: %+v after %+v", fit.Curve[i].Min, fit.Curve[i], fit.Curve[i-1])
		}
	}
}

// LFW's degraded protocol keeps the pairs in their folds, degrading the
// second photo of each genuine pair, which readImage shrinks (and blows
// back up) as its name says.
func TestDegraded(t *testing.T) {
	dir := t.TempDir()
	src := image.NewRGBA(image.Rect(0, 0, 240, 160))
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.jpg"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := &Dataset{Dir: dir, Protocols: []*Protocol{newProtocol("LFW", []Pair{{A: "a.jpg", B: "a.jpg", Same: true}, {A: "a.jpg", B: "b.jpg"}})}}
	WithDegraded(ds)
	got := ds.Protocols[1].Pairs
	if len(got) != 2 || got[0].B != "a.jpg#2" || got[1].B != "b.jpg" {
		t.Fatalf("degraded pairs %v", got)
	}
	for name, w := range map[string]int{"a.jpg": 240, "a.jpg#4": 60, "a.jpg#4up": 240} {
		data, err := readImage(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != w {
			t.Errorf("%s: %d px wide (%v), want %d", name, cfg.Width, err, w)
		}
	}
	if _, err := readImage(dir, "a.jpg#x"); err == nil {
		t.Error("a bad degradation was read")
	}
}
