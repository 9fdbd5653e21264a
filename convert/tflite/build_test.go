package tflite_test

import (
	"encoding/binary"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"
)

// A TFLite model written with the flatbuffers builder, for tests that
// need models no file has: small enough to check by hand, or holding what
// the converter must refuse.
type fbModel struct {
	tensors []fbTensor
	ops     []fbOp
	inputs  []int32
	outputs []int32
}

type fbTensor struct {
	name  string
	shape []int32
	typ   int8    // TensorType; 0 is FLOAT32
	data  []byte  // a constant's contents
	scale float32 // quantization scale when set
}

type fbOp struct {
	code    int32 // BuiltinOperator
	custom  string
	inputs  []int32
	outputs []int32
	// optType is the BuiltinOptions union type of the table options writes.
	optType uint8
	options func(b *flatbuffers.Builder) flatbuffers.UOffsetT
}

// Builtin operator codes and options types (schema.fbs) the tests use.
const (
	opAdd       = 0
	opConv      = 3
	opDepthwise = 4
	opMul       = 18
	opRelu      = 19
	opReshape   = 22
	opTanh      = 28
	opCustom    = 32
	opSub       = 41
	opAbs       = 101

	optConv      = 1
	optDepthwise = 2
	optAdd       = 11
	optMul       = 21
	optSub       = 28

	int8Type = 9
)

func floatTensor(name string, shape []int32, v []float32) fbTensor {
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return fbTensor{name: name, shape: shape, data: data}
}

// convOpts writes Conv2DOptions {padding, stride_w, stride_h, activation,
// dilation_w, dilation_h}.
func convOpts(padding int8, strideH, strideW int32, act int8, dilateH, dilateW int32) func(*flatbuffers.Builder) flatbuffers.UOffsetT {
	return func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		return table(b, func() {
			b.PrependInt8Slot(0, padding, 0)
			b.PrependInt32Slot(1, strideW, 0)
			b.PrependInt32Slot(2, strideH, 0)
			b.PrependInt8Slot(3, act, 0)
			b.PrependInt32Slot(4, dilateW, 1)
			b.PrependInt32Slot(5, dilateH, 1)
		})
	}
}

// depthwiseOpts writes DepthwiseConv2DOptions, which has depth_multiplier
// in slot 3 and the rest one slot later.
func depthwiseOpts(padding int8, strideH, strideW, multiplier int32, act int8, dilateH, dilateW int32) func(*flatbuffers.Builder) flatbuffers.UOffsetT {
	return func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		return table(b, func() {
			b.PrependInt8Slot(0, padding, 0)
			b.PrependInt32Slot(1, strideW, 0)
			b.PrependInt32Slot(2, strideH, 0)
			b.PrependInt32Slot(3, multiplier, 0)
			b.PrependInt8Slot(4, act, 0)
			b.PrependInt32Slot(5, dilateW, 1)
			b.PrependInt32Slot(6, dilateH, 1)
		})
	}
}

// activationOpts writes the options of ADD, SUB and MUL: the activation.
func activationOpts(act int8) func(*flatbuffers.Builder) flatbuffers.UOffsetT {
	return func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		return table(b, func() { b.PrependInt8Slot(0, act, 0) })
	}
}

func (m *fbModel) bytes() []byte {
	b := flatbuffers.NewBuilder(1024)
	// Buffer 0 is the empty sentinel that tensors without data point at.
	buffers := []flatbuffers.UOffsetT{table(b, nil)}
	tensors := make([]flatbuffers.UOffsetT, len(m.tensors))
	for i, t := range m.tensors {
		var buffer uint32
		if t.data != nil {
			data := b.CreateByteVector(t.data)
			buffers = append(buffers, table(b, func() { b.PrependUOffsetTSlot(0, data, 0) }))
			buffer = uint32(len(buffers) - 1)
		}
		var quant flatbuffers.UOffsetT
		if t.scale != 0 {
			b.StartVector(4, 1, 4)
			b.PrependFloat32(t.scale)
			scale := b.EndVector(1)
			quant = table(b, func() { b.PrependUOffsetTSlot(2, scale, 0) })
		}
		name, shape := b.CreateString(t.name), int32s(b, t.shape)
		tensors[i] = table(b, func() {
			b.PrependUOffsetTSlot(0, shape, 0)
			b.PrependInt8Slot(1, t.typ, 0)
			b.PrependUint32Slot(2, buffer, 0)
			b.PrependUOffsetTSlot(3, name, 0)
			if quant != 0 {
				b.PrependUOffsetTSlot(4, quant, 0)
			}
		})
	}
	codes := make([]flatbuffers.UOffsetT, len(m.ops))
	ops := make([]flatbuffers.UOffsetT, len(m.ops))
	for i, op := range m.ops {
		custom := b.CreateString(op.custom)
		codes[i] = table(b, func() {
			b.PrependInt8Slot(0, int8(min(op.code, 127)), 0)
			b.PrependUOffsetTSlot(1, custom, 0)
			b.PrependInt32Slot(3, op.code, 0)
		})
		var opts flatbuffers.UOffsetT
		if op.options != nil {
			opts = op.options(b)
		}
		inputs, outputs := int32s(b, op.inputs), int32s(b, op.outputs)
		ops[i] = table(b, func() {
			b.PrependUint32Slot(0, uint32(i), 0) // one operator code per operator
			b.PrependUOffsetTSlot(1, inputs, 0)
			b.PrependUOffsetTSlot(2, outputs, 0)
			if opts != 0 {
				b.PrependUint8Slot(3, op.optType, 0)
				b.PrependUOffsetTSlot(4, opts, 0)
			}
		})
	}
	tensorVec, opVec := offsets(b, tensors), offsets(b, ops)
	inputs, outputs := int32s(b, m.inputs), int32s(b, m.outputs)
	graph := table(b, func() {
		b.PrependUOffsetTSlot(0, tensorVec, 0)
		b.PrependUOffsetTSlot(1, inputs, 0)
		b.PrependUOffsetTSlot(2, outputs, 0)
		b.PrependUOffsetTSlot(3, opVec, 0)
	})
	codeVec, graphVec, bufferVec := offsets(b, codes), offsets(b, []flatbuffers.UOffsetT{graph}), offsets(b, buffers)
	desc := b.CreateString("test")
	model := table(b, func() {
		b.PrependUint32Slot(0, 3, 0)
		b.PrependUOffsetTSlot(1, codeVec, 0)
		b.PrependUOffsetTSlot(2, graphVec, 0)
		b.PrependUOffsetTSlot(3, desc, 0)
		b.PrependUOffsetTSlot(4, bufferVec, 0)
	})
	b.FinishWithFileIdentifier(model, []byte("TFL3"))
	return b.FinishedBytes()
}

// table writes a table with the fields that fields prepends, in slots
// below 8 (enough for every table written here).
func table(b *flatbuffers.Builder, fields func()) flatbuffers.UOffsetT {
	b.StartObject(8)
	if fields != nil {
		fields()
	}
	return b.EndObject()
}

func int32s(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func offsets(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}

func floats(data []byte) []float32 {
	v := make([]float32, len(data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return v
}
