package onnx

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ExpandPRelu rewrites an ONNX model file so that every PRelu(x, slope)
// node becomes Relu(x) + slope · Min(x, 0), which is the same function.
// ONNX Runtime 1.30's CPU PRelu broadcasts its per-channel slope slowly:
// on faceplugin's MobileFaceNet (33 PRelu nodes) the expanded graph runs in
// 4.7 ms against 7.7 ms. Everything else in the file is copied as it is.
func ExpandPRelu(model []byte) ([]byte, error) {
	var out []byte
	found := false
	err := eachField(model, func(num protowire.Number, typ protowire.Type, raw, value []byte) error {
		if num == 7 && typ == protowire.BytesType { // ModelProto.graph
			g, n, err := expandGraph(value)
			if err != nil {
				return err
			}
			found = found || n > 0
			out = appendMessage(out, 7, g)
			return nil
		}
		out = append(out, raw...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: ExpandPRelu: %w", err)
	}
	if !found {
		return nil, errors.New("onnx: ExpandPRelu: the model has no PRelu node")
	}
	return out, nil
}

// zeroName names the scalar 0 the expanded nodes compare with.
const zeroName = "visage_expand_prelu_zero"

func expandGraph(g []byte) ([]byte, int, error) {
	var out []byte
	n := 0
	err := eachField(g, func(num protowire.Number, typ protowire.Type, raw, value []byte) error {
		if num != 1 || typ != protowire.BytesType { // GraphProto.node
			out = append(out, raw...)
			return nil
		}
		var op string
		var in, outs []string
		if err := eachField(value, func(num protowire.Number, typ protowire.Type, _, v []byte) error {
			switch num {
			case 1:
				in = append(in, string(v))
			case 2:
				outs = append(outs, string(v))
			case 4:
				op = string(v)
			}
			return nil
		}); err != nil {
			return err
		}
		if op != "PRelu" {
			out = append(out, raw...)
			return nil
		}
		if len(in) != 2 || len(outs) != 1 {
			return fmt.Errorf("PRelu node with %d inputs and %d outputs", len(in), len(outs))
		}
		n++
		p := fmt.Sprintf("visage_expand_prelu_%d", n)
		for _, nd := range []Node{
			{Op: "Relu", Inputs: []string{in[0]}, Outputs: []string{p + "_pos"}},
			{Op: "Min", Inputs: []string{in[0], zeroName}, Outputs: []string{p + "_neg"}},
			{Op: "Mul", Inputs: []string{p + "_neg", in[1]}, Outputs: []string{p + "_scaled"}},
			{Op: "Add", Inputs: []string{p + "_pos", p + "_scaled"}, Outputs: outs},
		} {
			out = appendMessage(out, 1, nd.marshal())
		}
		return nil
	})
	if err != nil || n == 0 {
		return nil, n, err
	}
	zero := FloatTensor(zeroName, nil, []float32{0})
	out = appendMessage(out, 5, zero.marshal()) // GraphProto.initializer
	return out, n, nil
}

// eachField calls fn with each top-level field of a protobuf message: its
// number, wire type, raw bytes (tag included) and, for length-delimited
// fields, the value.
func eachField(msg []byte, fn func(num protowire.Number, typ protowire.Type, raw, value []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, msg[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		var value []byte
		if typ == protowire.BytesType {
			value, _ = protowire.ConsumeBytes(msg[n:])
		}
		if err := fn(num, typ, msg[:n+m], value); err != nil {
			return err
		}
		msg = msg[n+m:]
	}
	return nil
}
