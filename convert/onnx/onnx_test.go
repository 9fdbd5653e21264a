package onnx_test

import (
	"bytes"
	"math"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// A model written here runs in ONNX Runtime and computes what it says:
// a 3×3 convolution with bias and padding, a PReLU, a flatten, a matrix
// product and an L2 normalisation, checked against the same arithmetic
// done by hand.
func TestModelRunsInONNXRuntime(t *testing.T) {
	testface.Engine(t) // skips without the fetched runtime
	const c, h, w, k = 2, 4, 5, 3
	x := make([]float32, c*h*w)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)))
	}
	wConv := make([]float32, k*c*3*3)
	for i := range wConv {
		wConv[i] = float32(math.Cos(float64(i) * 0.7))
	}
	bConv := []float32{0.1, -0.2, 0.3}
	slope := []float32{0.25, 0.5, 0.75}
	wFC := make([]float32, 2*k*h*w) // Gemm B is [out, in] with transB
	for i := range wFC {
		wFC[i] = float32(math.Sin(float64(i) * 0.3))
	}
	m := onnx.Model{Opset: 13, Producer: "visage test", Graph: onnx.Graph{
		Name:    "test",
		Inputs:  []onnx.Value{{Name: "x", Type: onnx.Float, Dims: []int64{-1, c, h, w}}},
		Outputs: []onnx.Value{{Name: "y", Type: onnx.Float, Dims: []int64{-1, 2}}},
		Initializers: []onnx.Tensor{
			onnx.FloatTensor("wc", []int64{k, c, 3, 3}, wConv),
			onnx.FloatTensor("bc", []int64{k}, bConv),
			onnx.FloatTensor("slope", []int64{k, 1, 1}, slope),
			onnx.FloatTensor("wf", []int64{2, k * h * w}, wFC),
		},
		Nodes: []onnx.Node{
			{Op: "Conv", Inputs: []string{"x", "wc", "bc"}, Outputs: []string{"conv"},
				Attrs: []onnx.Attr{onnx.AttrInts("kernel_shape", 3, 3), onnx.AttrInts("pads", 1, 1, 1, 1), onnx.AttrInts("strides", 1, 1)}},
			{Op: "PRelu", Inputs: []string{"conv", "slope"}, Outputs: []string{"act"}},
			{Op: "Flatten", Inputs: []string{"act"}, Outputs: []string{"flat"}, Attrs: []onnx.Attr{onnx.AttrInt("axis", 1)}},
			{Op: "Gemm", Inputs: []string{"flat", "wf"}, Outputs: []string{"fc"}, Attrs: []onnx.Attr{onnx.AttrInt("transB", 1)}},
			{Op: "LpNormalization", Inputs: []string{"fc"}, Outputs: []string{"y"}, Attrs: []onnx.Attr{onnx.AttrInt("axis", 1), onnx.AttrInt("p", 2)}},
		},
	}}
	out, err := face.Run(filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"), m.Marshal(),
		[]face.Input{{Name: "x", Shape: []int64{1, c, h, w}, Data: x}}, []string{"y"})
	if err != nil {
		t.Fatal(err)
	}

	// By hand.
	act := make([]float64, k*h*w)
	for o := range k {
		for yy := range h {
			for xx := range w {
				s := float64(bConv[o])
				for ci := range c {
					for dy := -1; dy <= 1; dy++ {
						for dx := -1; dx <= 1; dx++ {
							sy, sx := yy+dy, xx+dx
							if sy < 0 || sy >= h || sx < 0 || sx >= w {
								continue
							}
							s += float64(x[(ci*h+sy)*w+sx]) * float64(wConv[((o*c+ci)*3+dy+1)*3+dx+1])
						}
					}
				}
				if s < 0 {
					s *= float64(slope[o])
				}
				act[(o*h+yy)*w+xx] = s
			}
		}
	}
	var want [2]float64
	var ss float64
	for j := range want {
		for i, a := range act {
			want[j] += a * float64(wFC[j*len(act)+i])
		}
		ss += want[j] * want[j]
	}
	got := out[0].Data
	if len(got) != 2 {
		t.Fatalf("output shape %v", out[0].Shape)
	}
	for j := range want {
		if w := want[j] / math.Sqrt(ss); math.Abs(float64(got[j])-w) > 1e-5 {
			t.Errorf("y[%d] = %v, want %v", j, got[j], w)
		}
	}
}

// Int64 initializers and string attributes encode too: a Reshape by a
// shape tensor and a Pad in "edge" mode.
func TestInt64TensorsAndStrings(t *testing.T) {
	testface.Engine(t)
	m := onnx.Model{Opset: 13, Graph: onnx.Graph{
		Name:    "reshape",
		Inputs:  []onnx.Value{{Name: "x", Type: onnx.Float, Dims: []int64{2, 3}}},
		Outputs: []onnx.Value{{Name: "y", Type: onnx.Float, Dims: []int64{3, 4}}},
		Initializers: []onnx.Tensor{
			onnx.Int64Tensor("shape", []int64{2}, []int64{3, 2}),
			onnx.Int64Tensor("pads", []int64{4}, []int64{0, 1, 0, 1}),
		},
		Nodes: []onnx.Node{
			{Op: "Reshape", Inputs: []string{"x", "shape"}, Outputs: []string{"r"}},
			{Op: "Pad", Inputs: []string{"r", "pads"}, Outputs: []string{"y"}, Attrs: []onnx.Attr{onnx.AttrString("mode", "edge")}},
		},
	}}
	out, err := face.Run(filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"), m.Marshal(),
		[]face.Input{{Name: "x", Shape: []int64{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}}, []string{"y"})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}
	for i, v := range want {
		if out[0].Data[i] != v {
			t.Fatalf("got %v, want %v", out[0].Data, want)
		}
	}
}

// nil Dims leave a value's shape unknown — a TF.js signature may not give
// it — where empty Dims declare a scalar: only the scalar's encoding has
// the TensorShapeProto field (tag 2 of TypeProto.Tensor, empty: 0x12 0).
func TestUnknownShape(t *testing.T) {
	enc := func(dims []int64) []byte {
		m := onnx.Model{Opset: 13, Graph: onnx.Graph{Outputs: []onnx.Value{{Name: "y", Type: onnx.Float, Dims: dims}}}}
		return m.Marshal()
	}
	unknown, scalar := enc(nil), enc([]int64{})
	if len(scalar)-len(unknown) != 2 || !bytes.Contains(scalar, []byte{0x12, 0}) {
		t.Errorf("unknown shape encodes as % x, scalar as % x: want the scalar's 0x12 0 more", unknown, scalar)
	}
}
