package tflite_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/convert/tflite"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// runtimeLib is ONNX Runtime as `make setup` fetches it; the test skips
// without it.
func runtimeLib(t *testing.T) string {
	t.Helper()
	lib := filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1")
	if _, err := os.Stat(lib); err != nil {
		t.Skip("ONNX Runtime not fetched: run `make setup`")
	}
	return lib
}

// run converts a TFLite model and runs it in ONNX Runtime on one NHWC
// image of the given height, width and channels.
func run(t *testing.T, model []byte, nhwc []float32, h, w, c int) []float32 {
	t.Helper()
	m, err := tflite.Convert(model)
	if err != nil {
		t.Fatal(err)
	}
	return infer(t, m.Marshal(), nhwc, h, w, c)
}

// infer runs a converted model on one NHWC image, which it feeds NCHW.
func infer(t *testing.T, model []byte, nhwc []float32, h, w, c int) []float32 {
	t.Helper()
	nchw := make([]float32, len(nhwc))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for k := 0; k < c; k++ {
				nchw[(k*h+y)*w+x] = nhwc[(y*w+x)*c+k]
			}
		}
	}
	out, err := face.Run(runtimeLib(t), model,
		[]face.Input{{Name: tflite.InputName, Shape: []int64{1, int64(c), int64(h), int64(w)}, Data: nchw}},
		[]string{tflite.OutputName})
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Data
}

// wave fills n values in [-scale, scale] that look random enough to tell
// misplaced elements apart.
func wave(n int, phase, scale float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(scale * math.Sin(1.7*float64(i)+phase) * math.Cos(0.31*float64(i*i%97)))
	}
	return v
}

// smallGraph has every operator and option the converter handles, at
// batch 2 with odd sizes, so that asymmetric SAME padding, a depthwise
// multiplier, dilation, constants broadcast over pixels and the NHWC
// order of a reshape all show in the output. Input [2,7,6,3], output
// [2,32]:
//
//	t1 = CONV_2D(x) 3×3, stride 2, SAME, fused RELU6   [2,4,3,4]
//	t2 = DEPTHWISE_CONV_2D(t1) 2×2, multiplier 2,
//	     dilation 2 along the height, VALID            [2,2,2,8]
//	t3 = ABS(t2); t4 = MUL(c8, t3)
//	t5 = SUB(t2, t4), fused RELU
//	t6 = ADD(t5, c228), fused TANH                      (c228 is [2,2,8])
//	t7 = RESHAPE(t6) → [2,32]
func smallGraph() fbModel {
	return fbModel{
		tensors: []fbTensor{
			{name: "x", shape: []int32{2, 7, 6, 3}},
			floatTensor("w1", []int32{4, 3, 3, 3}, wave(4*3*3*3, 0, 3)),
			floatTensor("b1", []int32{4}, []float32{0.1, -0.2, 0.3, 0}),
			{name: "t1", shape: []int32{2, 4, 3, 4}},
			floatTensor("w2", []int32{1, 2, 2, 8}, wave(2*2*8, 1, 1)),
			floatTensor("b2", []int32{8}, []float32{0.1, 0.3, 0.2, 0.4, -0.2, 0.1, 0.3, 0.4}),
			{name: "t2", shape: []int32{2, 2, 2, 8}},
			{name: "t3", shape: []int32{2, 2, 2, 8}},
			floatTensor("c8", []int32{8}, wave(8, 3, 0.5)),
			{name: "t4", shape: []int32{2, 2, 2, 8}},
			{name: "t5", shape: []int32{2, 2, 2, 8}},
			floatTensor("c228", []int32{2, 2, 8}, wave(2*2*8, 4, 0.5)),
			{name: "t6", shape: []int32{2, 2, 2, 8}},
			{name: "shape", shape: []int32{2}, typ: 2, data: []byte{2, 0, 0, 0, 32, 0, 0, 0}},
			{name: "t7", shape: []int32{2, 32}},
		},
		ops: []fbOp{
			{code: opConv, inputs: []int32{0, 1, 2}, outputs: []int32{3}, optType: optConv, options: convOpts(0, 2, 2, 3, 1, 1)},
			{code: opDepthwise, inputs: []int32{3, 4, 5}, outputs: []int32{6}, optType: optDepthwise, options: depthwiseOpts(1, 1, 1, 2, 0, 2, 1)},
			{code: opAbs, inputs: []int32{6}, outputs: []int32{7}},
			{code: opMul, inputs: []int32{8, 7}, outputs: []int32{9}, optType: optMul, options: activationOpts(0)},
			{code: opSub, inputs: []int32{6, 9}, outputs: []int32{10}, optType: optSub, options: activationOpts(1)},
			{code: opAdd, inputs: []int32{10, 11}, outputs: []int32{12}, optType: optAdd, options: activationOpts(4)},
			{code: opReshape, inputs: []int32{12, 13}, outputs: []int32{14}},
		},
		inputs:  []int32{0},
		outputs: []int32{14},
	}
}

// hwc is one NHWC image in float64, for the reference arithmetic.
type hwc struct {
	h, w, c int
	v       []float64
}

func newHWC(h, w, c int) hwc { return hwc{h, w, c, make([]float64, h*w*c)} }

func (m hwc) at(y, x, k int) float64 {
	if y < 0 || y >= m.h || x < 0 || x >= m.w {
		return 0 // zero padding
	}
	return m.v[(y*m.w+x)*m.c+k]
}

// conv is TFLite's convolution written out: weights OHWI, or 1HWC when
// depthwise (output channel k reads input channel k/multiplier); the
// pads before are given, those after follow from the output size.
func conv(in hwc, w []float32, kh, kw int, bias []float32, depthwise bool, outH, outW, outC, stride, dilateH, dilateW, padTop, padLeft int) hwc {
	out := newHWC(outH, outW, outC)
	for y := 0; y < outH; y++ {
		for x := 0; x < outW; x++ {
			for o := 0; o < outC; o++ {
				s := float64(bias[o])
				for ky := 0; ky < kh; ky++ {
					for kx := 0; kx < kw; kx++ {
						iy, ix := y*stride-padTop+ky*dilateH, x*stride-padLeft+kx*dilateW
						if depthwise {
							s += in.at(iy, ix, o/(outC/in.c)) * float64(w[(ky*kw+kx)*outC+o])
							continue
						}
						for i := 0; i < in.c; i++ {
							s += in.at(iy, ix, i) * float64(w[((o*kh+ky)*kw+kx)*in.c+i])
						}
					}
				}
				out.v[(y*outW+x)*outC+o] = s
			}
		}
	}
	return out
}

// The small graph, converted and run in ONNX Runtime on one image, gives
// what its arithmetic gives done by hand in float64 on that image.
func TestSmallGraphMatchesArithmetic(t *testing.T) {
	g := smallGraph()
	x := wave(7*6*3, 5, 1)
	got := run(t, g.bytes(), x, 7, 6, 3)

	in := newHWC(7, 6, 3)
	for i, v := range x {
		in.v[i] = float64(v)
	}
	val := func(name string) []float32 {
		for _, t := range g.tensors {
			if t.name == name {
				return floats(t.data)
			}
		}
		panic(name)
	}
	// SAME at stride 2: 7 rows → 4 need 2 rows of padding, 1 before and 1
	// after; 6 columns → 3 need 1, after.
	t1 := conv(in, val("w1"), 3, 3, val("b1"), false, 4, 3, 4, 2, 1, 1, 1, 0)
	for i, v := range t1.v {
		t1.v[i] = math.Min(math.Max(v, 0), 6)
	}
	t2 := conv(t1, val("w2"), 2, 2, val("b2"), true, 2, 2, 8, 1, 2, 1, 0, 0)
	c8, c228 := val("c8"), val("c228")
	want := make([]float64, len(t2.v))
	for i, v := range t2.v {
		k := i % 8
		t5 := math.Max(v-float64(c8[k])*math.Abs(v), 0)
		want[i] = math.Tanh(t5 + float64(c228[i])) // NHWC order, as RESHAPE flattens
	}

	if len(got) != len(want) {
		t.Fatalf("%d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if math.Abs(float64(got[i])-want[i]) > 1e-5 {
			t.Fatalf("output %d = %g, want %g\n got %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}

// The converted model states batch 1 and NCHW, whatever the file's batch.
func TestConvertedShapes(t *testing.T) {
	g := smallGraph()
	m, err := tflite.Convert(g.bytes())
	if err != nil {
		t.Fatal(err)
	}
	in, out := m.Graph.Inputs[0], m.Graph.Outputs[0]
	if in.Name != "input" || !equal(in.Dims, 1, 3, 7, 6) || out.Name != "embedding" || !equal(out.Dims, 1, 32) {
		t.Errorf("input %s %v, output %s %v; want input [1 3 7 6], embedding [1 32]", in.Name, in.Dims, out.Name, out.Dims)
	}
	if m.Opset != 13 {
		t.Errorf("opset %d, want 13", m.Opset)
	}
}

func equal(d []int64, want ...int64) bool {
	if len(d) != len(want) {
		return false
	}
	for i := range d {
		if d[i] != want[i] {
			return false
		}
	}
	return true
}

// Whatever the converter cannot convert faithfully, it refuses, naming
// the operator and, for a tensor, the tensor.
func TestRefusals(t *testing.T) {
	// image → op → [1,2,2,2] → RESHAPE → [1,8]
	around := func(op fbOp, extra ...fbTensor) fbModel {
		op.inputs, op.outputs = append([]int32{0}, op.inputs...), []int32{1}
		return fbModel{
			tensors: append([]fbTensor{
				{name: "x", shape: []int32{1, 2, 2, 2}},
				{name: "y", shape: []int32{1, 2, 2, 2}},
				{name: "flat", shape: []int32{1, 8}},
			}, extra...),
			ops:    []fbOp{op, {code: opReshape, inputs: []int32{1}, outputs: []int32{2}}},
			inputs: []int32{0}, outputs: []int32{2},
		}
	}
	int8Weights := fbTensor{name: "w_q", shape: []int32{2, 1, 1, 2}, typ: int8Type, data: make([]byte, 4), scale: 0.05}
	for _, c := range []struct {
		name  string
		model fbModel
		want  []string
	}{
		{"unknown builtin", around(fbOp{code: opTanh}), []string{"operator 0 (TANH)", "not supported"}},
		{"custom", around(fbOp{code: opCustom, custom: "FancyOp"}), []string{"operator 0 (CUSTOM(FancyOp))", "not supported"}},
		{"quantized weights", around(fbOp{code: opConv, inputs: []int32{3}, optType: optConv, options: convOpts(0, 1, 1, 0, 1, 1)}, int8Weights),
			[]string{"operator 0 (CONV_2D)", `"w_q"`, "INT8 (quantized)"}},
		{"sign-bit activation", around(fbOp{code: opAdd, inputs: []int32{0}, optType: optAdd, options: activationOpts(5)}),
			[]string{"operator 0 (ADD)", "fused activation 5"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := tflite.Convert(c.model.bytes())
			if err == nil {
				t.Fatal("converted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// A file that is not a TFLite model, or is cut short, is an error, not a
// panic.
func TestMalformedFiles(t *testing.T) {
	g := smallGraph()
	whole := g.bytes()
	for name, data := range map[string][]byte{
		"empty":      nil,
		"not tflite": []byte("PK\x03\x04 certainly not a flatbuffer"),
		"truncated":  whole[:len(whole)/3],
	} {
		if _, err := tflite.Read(data); err == nil {
			t.Errorf("%s: read without error", name)
		}
	}
	if _, err := tflite.Read(whole); err != nil {
		t.Errorf("whole: %v", err)
	}
}

// TFLite's lowered PReLU, relu(x) + k·(x − |x|), converts with Abs and Sub
// folded into one Min (k doubled), and computes the same.
func TestLoweredPReLUFolds(t *testing.T) {
	k := []float32{0.25, -0.5, 1.5}
	g := fbModel{
		tensors: []fbTensor{
			{name: "x", shape: []int32{1, 2, 2, 3}},
			{name: "a", shape: []int32{1, 2, 2, 3}},
			{name: "d", shape: []int32{1, 2, 2, 3}},
			floatTensor("k", []int32{3}, k),
			{name: "m", shape: []int32{1, 2, 2, 3}},
			{name: "r", shape: []int32{1, 2, 2, 3}},
			{name: "y", shape: []int32{1, 2, 2, 3}},
			{name: "shape", shape: []int32{2}, typ: 2, data: []byte{1, 0, 0, 0, 12, 0, 0, 0}},
			{name: "out", shape: []int32{1, 12}},
		},
		ops: []fbOp{
			{code: opAbs, inputs: []int32{0}, outputs: []int32{1}},
			{code: opSub, inputs: []int32{0, 1}, outputs: []int32{2}, optType: optSub, options: activationOpts(0)},
			{code: opMul, inputs: []int32{2, 3}, outputs: []int32{4}, optType: optMul, options: activationOpts(0)},
			{code: opRelu, inputs: []int32{0}, outputs: []int32{5}},
			{code: opAdd, inputs: []int32{5, 4}, outputs: []int32{6}, optType: optAdd, options: activationOpts(0)},
			{code: opReshape, inputs: []int32{6, 7}, outputs: []int32{8}},
		},
		inputs:  []int32{0},
		outputs: []int32{8},
	}
	m, err := tflite.Convert(g.bytes())
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, n := range m.Graph.Nodes {
		ops[n.Op]++
	}
	if ops["Abs"] != 0 || ops["Sub"] != 0 || ops["Min"] != 1 {
		t.Errorf("nodes %v: want Abs and Sub folded into one Min", ops)
	}
	x := wave(12, 2, 3)
	got := run(t, g.bytes(), x, 2, 2, 3)
	for i, v := range x {
		c := float64(k[i%3])
		want := math.Max(float64(v), 0) + c*(float64(v)-math.Abs(float64(v)))
		if math.Abs(float64(got[i])-want) > 1e-6 {
			t.Fatalf("output %d = %v, want %v", i, got[i], want)
		}
	}
}
