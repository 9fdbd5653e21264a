package face

import (
	"fmt"

	ort "github.com/yalue/onnxruntime_go"
)

// Input is a named float32 tensor for Run.
type Input struct {
	Name  string
	Shape []int64
	Data  []float32
}

// Output is what Run returns for one output: its shape and values.
type Output struct {
	Shape []int64
	Data  []float32
}

// Run runs an ONNX model once with ONNX Runtime from runtimeLib: for model
// converters to check their output against the original and for tests, not
// for serving (an Engine keeps its sessions bound and warm).
func Run(runtimeLib string, model []byte, inputs []Input, outputs []string) ([]Output, error) {
	if err := initRuntime(runtimeLib); err != nil {
		return nil, err
	}
	names := make([]string, len(inputs))
	in := make([]ort.Value, len(inputs))
	defer func() {
		for _, v := range in {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for i, x := range inputs {
		t, err := ort.NewTensor(ort.NewShape(x.Shape...), x.Data)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", x.Name, err)
		}
		names[i], in[i] = x.Name, t
	}
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(model, names, outputs, nil)
	if err != nil {
		return nil, err
	}
	defer s.Destroy()
	out := make([]ort.Value, len(outputs))
	if err := s.Run(in, out); err != nil {
		return nil, err
	}
	res := make([]Output, len(out))
	for i, v := range out {
		defer v.Destroy()
		t, ok := v.(*ort.Tensor[float32])
		if !ok {
			return nil, fmt.Errorf("output %s is not a float32 tensor", outputs[i])
		}
		res[i] = Output{Shape: v.GetShape(), Data: append([]float32(nil), t.GetData()...)}
	}
	return res, nil
}
