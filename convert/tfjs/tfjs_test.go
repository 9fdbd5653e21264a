package tfjs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// Every storage face-api's manifests use, and float16, reads back as
// TF.js decodes it, across a group split over two shards.
func TestReadManifest(t *testing.T) {
	dir := t.TempDir()
	var shards bytes.Buffer
	for _, v := range []float32{1.5, -2.25, 3e-8} { // a: float32 [3]
		binary.Write(&shards, binary.LittleEndian, v)
	}
	shards.Write([]byte{0, 1, 255, 7}) // b: uint8 [2, 2]
	binary.Write(&shards, binary.LittleEndian, []uint16{0, 65535})
	binary.Write(&shards, binary.LittleEndian, []uint16{0x3c00, 0xc000, 0x0001, 0x7c00}) // d: float16 1, −2, 2⁻²⁴, +∞
	data := shards.Bytes()
	if err := os.WriteFile(filepath.Join(dir, "m.bin"), data[:10], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.bin2"), data[10:], 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := `[{"paths": ["m.bin", "m.bin2"], "weights": [
		{"name": "a", "shape": [3], "dtype": "float32"},
		{"name": "b", "shape": [2, 2], "dtype": "float32", "quantization": {"dtype": "uint8", "scale": 0.1, "min": -0.3}},
		{"name": "c", "shape": [2], "dtype": "float32", "quantization": {"dtype": "uint16", "scale": 0.001, "min": 2}},
		{"name": "d", "shape": [4], "dtype": "float32", "quantization": {"dtype": "float16"}}]}]`
	path := filepath.Join(dir, "m-weights_manifest.json")
	if err := os.WriteFile(path, []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := tfjs.ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	// JavaScript's q*scale+min in doubles, then Float32Array's rounding;
	// variables, because Go folds constant expressions exactly.
	js := func(q, scale, lo float64) float32 { return float32(q*scale + lo) }
	want := map[string][]float32{
		"a": {1.5, -2.25, 3e-8},
		"b": {js(0, 0.1, -0.3), js(1, 0.1, -0.3), js(255, 0.1, -0.3), js(7, 0.1, -0.3)},
		"c": {js(0, 0.001, 2), js(65535, 0.001, 2)},
		"d": {1, -2, float32(math.Ldexp(1, -24)), float32(math.Inf(1))},
	}
	for name, vals := range want {
		got := w[name].Data
		if fmt.Sprint(got) != fmt.Sprint(vals) {
			t.Errorf("%s = %v, want %v", name, got, vals)
		}
	}
	if s := w["b"].Shape; len(s) != 2 || s[0] != 2 || s[1] != 2 {
		t.Errorf("b has shape %v, want [2 2]", s)
	}

	// A manifest whose weights overrun its shards is refused.
	short := `[{"paths": ["m.bin"], "weights": [{"name": "a", "shape": [4], "dtype": "float32"}]}]`
	if err := os.WriteFile(path, []byte(short), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := tfjs.ReadManifest(path); err == nil {
		t.Error("a weight past the end of the shards was accepted")
	}
}

// The converted models compute what face-api computes: the same pixels
// (two real faces and a random image) go through face-api's nets on its
// own TF.js CPU backend, run by Node, and through the ONNX graphs in ONNX
// Runtime.
func TestMatchesFaceAPI(t *testing.T) {
	pkg, node, lib := runners(t)
	photo := testface.Sample(t, 1)
	models := filepath.Join(pkg, "model")

	type output struct {
		name  string
		width int     // values per image
		tol   float64 // largest absolute difference allowed
	}
	for _, c := range []struct {
		net     string
		size    int
		convert func(string) (*onnx.Model, error)
		outputs []output // in the order the script writes them
	}{
		// Differences seen: 3e-7 (descriptor values are about 0.1), 2e-5
		// (ages about 30), 1e-7; the tolerances leave room for other CPUs'
		// kernels without letting a wrong graph through.
		{"faceRecognitionNet", tfjs.RecognitionSize, tfjs.FaceRecognition, []output{{"descriptor", 128, 1e-5}}},
		{"ageGenderNet", tfjs.AgeGenderSize, tfjs.AgeGender, []output{{"age", 1, 1e-3}, {"gender", 2, 1e-5}}},
		// The detectors, which make setup does not fetch. Differences
		// seen: 2e-6 (boxes, in [0, 1]), 3e-6 (scores), 3e-5 (the tiny
		// detector's logits, up to about 10); their batch norms are folded
		// into the filters, which rounds differently from TF.js.
		{"ssdMobilenetv1", tfjs.SSDSize, tfjs.SSDMobileNetV1, []output{{"boxes", 4 * tfjs.SSDAnchors, 1e-4}, {"scores", tfjs.SSDAnchors, 1e-4}}},
		{"tinyFaceDetector", 416, func(dir string) (*onnx.Model, error) { return tfjs.TinyFaceDetector(dir, 416) },
			[]output{{"output", 13 * 13 * 25, 1e-3}}},
	} {
		t.Run(c.net, func(t *testing.T) {
			m, err := c.convert(models)
			if errors.Is(err, fs.ErrNotExist) {
				t.Skipf("%v: make setup fetches face-api's recogniser and age/gender models only; "+
					"set VISAGE_FACEAPI_DIR to an unpacked @vladmandic/face-api@1.7.15 (npm pack) for the rest", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			hwc := testImages(t, photo, c.size)
			n := len(hwc) / (c.size * c.size * 3)

			in := filepath.Join(t.TempDir(), "in.f32")
			out := filepath.Join(t.TempDir(), "out.f32")
			if err := os.WriteFile(in, floatBytes(hwc), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(node, "--no-warnings", filepath.Join("testdata", "faceapi.mjs"), pkg, c.net, in, out)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("face-api: %v\n%.2000s", err, msg)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]float32, len(raw)/4)
			binary.Decode(raw, binary.LittleEndian, want)

			var names []string
			per := 0 // values per image, all outputs
			for _, o := range c.outputs {
				names = append(names, o.name)
				per += o.width
			}
			got, err := face.Run(lib, m.Marshal(), []face.Input{{Name: "input", Shape: []int64{int64(n), 3, int64(c.size), int64(c.size)}, Data: toNCHW(hwc, c.size)}}, names)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) != n*per {
				t.Fatalf("face-api gave %d values for %d images, want %d", len(want), n, n*per)
			}
			off := 0 // of this output's values among an image's
			for k, o := range c.outputs {
				var worst float64
				for i := range n {
					for j := range o.width {
						worst = max(worst, math.Abs(float64(got[k].Data[i*o.width+j]-want[i*per+off+j])))
					}
				}
				t.Logf("%s: max |ONNX − face-api| = %.3g over %d images (first image: ONNX %v, face-api %v)",
					o.name, worst, n, head(got[k].Data[:o.width]), head(want[off:off+o.width]))
				if worst > o.tol {
					t.Errorf("%s differs from face-api by up to %g (tolerance %g)", o.name, worst, o.tol)
				}
				off += o.width
			}
		})
	}
}

// testImages returns, as HWC float32 pixels, two faces cut from photo
// (square crops around them, resized bilinearly to size) and an image of
// uniform random values in [0, 255).
func testImages(t *testing.T, photo []byte, size int) []float32 {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	var pix []float32
	for _, r := range []image.Rectangle{
		image.Rect(1450, 180, 1750, 480), // the woman on the right
		image.Rect(390, 320, 690, 620),   // the woman on the left
	} {
		dst := image.NewRGBA(image.Rect(0, 0, size, size))
		draw.BiLinear.Scale(dst, dst.Bounds(), src, r, draw.Src, nil)
		for i, v := range dst.Pix {
			if i%4 != 3 {
				pix = append(pix, float32(v))
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range size * size * 3 {
		pix = append(pix, 255*rng.Float32())
	}
	return pix
}

// toNCHW reorders images of size×size×3 to 3×size×size.
func toNCHW(hwc []float32, size int) []float32 {
	plane := size * size
	out := make([]float32, len(hwc))
	for i, v := range hwc {
		img, p, ch := i/(3*plane), i/3%plane, i%3
		out[(img*3+ch)*plane+p] = v
	}
	return out
}

func floatBytes(v []float32) []byte {
	b, _ := binary.Append(nil, binary.LittleEndian, v)
	return b
}

// head is the first few values, to show in the log.
func head(v []float32) []float32 { return v[:min(len(v), 4)] }

// runners finds what runs both sides of a comparison: face-api's package
// (its bundle holds TF.js), node, and ONNX Runtime; the test skips when
// one is missing.
func runners(t *testing.T) (pkg, node, lib string) {
	pkg = os.Getenv("VISAGE_FACEAPI_DIR")
	if pkg == "" {
		pkg = filepath.Join(testface.Deps(), "src", "face-api") // make setup fetches it
	}
	if _, err := os.Stat(filepath.Join(pkg, "dist", "face-api.esm.js")); err != nil {
		t.Skipf("face-api package not at %s: run make setup, or set VISAGE_FACEAPI_DIR to an unpacked @vladmandic/face-api", pkg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: it runs TF.js to compare with")
	}
	lib = os.Getenv("VISAGE_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skip("ONNX Runtime not fetched: run `make setup`")
	}
	return pkg, node, lib
}
