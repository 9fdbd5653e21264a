package onnx_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
)

// The expanded graph computes what PRelu does, for slopes of any sign and
// size, and has no PRelu left.
func TestExpandPRelu(t *testing.T) {
	testface.Engine(t) // skips without the fetched runtime
	const c, h, w = 3, 4, 4
	m := onnx.Model{Opset: 13, Graph: onnx.Graph{
		Name:    "prelu",
		Inputs:  []onnx.Value{{Name: "x", Type: onnx.Float, Dims: []int64{1, c, h, w}}},
		Outputs: []onnx.Value{{Name: "y", Type: onnx.Float, Dims: []int64{1, c, h, w}}},
		Initializers: []onnx.Tensor{
			onnx.FloatTensor("s1", []int64{c, 1, 1}, []float32{0.25, -0.5, 1.5}),
			onnx.FloatTensor("s2", []int64{c, 1, 1}, []float32{0, 2, 0.1}),
		},
		Nodes: []onnx.Node{
			{Op: "PRelu", Inputs: []string{"x", "s1"}, Outputs: []string{"a"}},
			{Op: "Neg", Inputs: []string{"a"}, Outputs: []string{"b"}},
			{Op: "PRelu", Inputs: []string{"b", "s2"}, Outputs: []string{"y"}},
		},
	}}
	plain := m.Marshal()
	expanded, err := onnx.ExpandPRelu(plain)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(expanded), "PRelu") {
		t.Error("a PRelu node is left")
	}
	x := make([]float32, c*h*w)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*1.3)) * 3
	}
	run := func(model []byte) []float32 {
		out, err := face.Run(filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"), model,
			[]face.Input{{Name: "x", Shape: []int64{1, c, h, w}, Data: x}}, []string{"y"})
		if err != nil {
			t.Fatal(err)
		}
		return out[0].Data
	}
	want, got := run(plain), run(expanded)
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("y[%d] = %v expanded, %v with PRelu", i, got[i], want[i])
		}
	}
	if _, err := onnx.ExpandPRelu((&onnx.Model{Opset: 13, Graph: onnx.Graph{Name: "none"}}).Marshal()); err == nil {
		t.Error("a model without PRelu: no error")
	}
	if _, err := onnx.ExpandPRelu([]byte{0xff, 0xff, 0xff}); err == nil {
		t.Error("garbage: no error")
	}
}
