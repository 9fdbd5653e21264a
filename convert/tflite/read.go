package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"
)

// Model is the main subgraph of a TFLite file: what a converter of a
// single-graph inference model needs.
type Model struct {
	Version     uint32 // of the schema; 3 for every current file
	Description string
	Tensors     []Tensor
	Inputs      []int // indices into Tensors
	Outputs     []int
	Operators   []Operator // in execution order
}

// Tensor is a tensor of the graph: an activation, or a constant when Data
// is set.
type Tensor struct {
	Name  string
	Shape []int // NHWC for image tensors, as TFLite lays them out
	Type  TensorType
	Data  []byte // little-endian contents of a constant; nil otherwise
	// Quantized is set when the tensor carries quantization parameters;
	// its values then mean scale·(q−zero_point), not themselves.
	Quantized bool
}

// Operator is one operator application.
type Operator struct {
	Code    BuiltinOperator
	Custom  string // the name of a CUSTOM operator
	Version int32
	Inputs  []int // -1 marks an omitted optional input
	Outputs []int
	options options
}

// Name is the operator's name as the TFLite schema spells it.
func (op *Operator) Name() string {
	if op.Code == Custom {
		return "CUSTOM(" + op.Custom + ")"
	}
	return op.Code.String()
}

// TensorType is the element type of a tensor (schema enum TensorType).
type TensorType int8

// Float32 is the one type the converter takes; String names the others.
const Float32 TensorType = 0

var tensorTypeNames = []string{"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL",
	"INT16", "COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT",
	"UINT32", "UINT16", "INT4"}

func (t TensorType) String() string {
	if t >= 0 && int(t) < len(tensorTypeNames) {
		return tensorTypeNames[t]
	}
	return fmt.Sprintf("TensorType(%d)", int8(t))
}

// Floats decodes a FLOAT32 constant.
func (t *Tensor) Floats() ([]float32, error) {
	if t.Type != Float32 || t.Quantized {
		return nil, fmt.Errorf("tensor %q is %s%s, not float32", t.Name, t.Type, quantizedSuffix(t.Quantized))
	}
	if t.Data == nil {
		return nil, fmt.Errorf("tensor %q is not a constant", t.Name)
	}
	if n := t.Elements(); len(t.Data) != 4*n {
		return nil, fmt.Errorf("tensor %q: %d bytes for %d float32 values", t.Name, len(t.Data), n)
	}
	v := make([]float32, len(t.Data)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return v, nil
}

// Elements is the number of values the tensor's shape holds.
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

func quantizedSuffix(q bool) string {
	if q {
		return " (quantized)"
	}
	return ""
}

// Read parses a TFLite flatbuffer (schema version 3, file identifier
// "TFL3") and returns its main subgraph. The constants' Data alias data.
func Read(data []byte) (m *Model, err error) {
	if len(data) < 8 || !flatbuffers.BufferHasIdentifier(data, "TFL3") {
		return nil, errors.New("tflite: not a TFLite model (no TFL3 file identifier)")
	}
	// The flatbuffers runtime trusts its input and indexes slices without
	// checks; a truncated or corrupt file must come back as an error, not
	// bring the server down.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("tflite: malformed flatbuffer: %v", r)
		}
	}()
	root := table{flatbuffers.Table{Bytes: data, Pos: flatbuffers.GetUOffsetT(data)}}
	m = &Model{Version: root.u32(modelVersion, 0), Description: root.str(modelDescription)}
	if m.Version != 3 {
		return nil, fmt.Errorf("tflite: schema version %d, want 3", m.Version)
	}

	var buffers []table
	for _, b := range root.tables(modelBuffers) {
		// Models over 2 GB keep constants after the flatbuffer, found by
		// offset and size; face models are a few megabytes.
		if b.u64(bufferOffset, 0) > 1 {
			return nil, errors.New("tflite: constants stored outside the flatbuffer (models over 2 GB) are not supported")
		}
		buffers = append(buffers, b)
	}

	graphs := root.tables(modelSubgraphs)
	if len(graphs) == 0 {
		return nil, errors.New("tflite: model has no subgraph")
	}
	// Only the main subgraph is read: the others are bodies of control
	// flow (IF, WHILE, CALL_ONCE), which the converter refuses anyway.
	g := graphs[0]
	m.Inputs, m.Outputs = g.ints(graphInputs), g.ints(graphOutputs)

	for i, t := range g.tables(graphTensors) {
		x := Tensor{Name: t.str(tensorName), Shape: t.ints(tensorShape), Type: TensorType(t.i8(tensorType, 0))}
		if q, ok := t.table(tensorQuantization); ok {
			// Converters write an empty table for float tensors; only
			// scales (or custom details) make a tensor quantized.
			x.Quantized = q.len(quantScale) > 0 || q.u8(quantDetailsType, 0) != 0
		}
		if _, ok := t.table(tensorSparsity); ok {
			return nil, fmt.Errorf("tflite: tensor %d %q is sparse, not supported", i, x.Name)
		}
		if b := int(t.u32(tensorBuffer, 0)); b != 0 {
			if b >= len(buffers) {
				return nil, fmt.Errorf("tflite: tensor %d %q refers to buffer %d of %d", i, x.Name, b, len(buffers))
			}
			x.Data = buffers[b].bytes(bufferData)
		}
		m.Tensors = append(m.Tensors, x)
	}

	var codes []Operator
	for _, c := range root.tables(modelOperatorCodes) {
		// The int8 deprecated_builtin_code holds codes below 127; larger
		// codes live in builtin_code, with the old field set to 127.
		code := BuiltinOperator(c.i32(opcodeBuiltinCode, 0))
		if old := BuiltinOperator(c.i8(opcodeDeprecatedBuiltinCode, 0)); old > code {
			code = old
		}
		codes = append(codes, Operator{Code: code, Custom: c.str(opcodeCustomCode), Version: c.i32(opcodeVersion, 1)})
	}
	for i, o := range g.tables(graphOperators) {
		k := int(o.u32(operatorOpcodeIndex, 0))
		if k >= len(codes) {
			return nil, fmt.Errorf("tflite: operator %d uses opcode %d of %d", i, k, len(codes))
		}
		op := codes[k]
		op.Inputs, op.Outputs = o.ints(operatorInputs), o.ints(operatorOutputs)
		for _, t := range append(append([]int(nil), op.Inputs...), op.Outputs...) {
			if t < -1 || t >= len(m.Tensors) {
				return nil, fmt.Errorf("tflite: operator %d (%s) refers to tensor %d of %d", i, op.Name(), t, len(m.Tensors))
			}
		}
		op.options.kind = o.u8(operatorBuiltinOptionsType, 0)
		op.options.t, _ = o.union(operatorBuiltinOptions)
		m.Operators = append(m.Operators, op)
	}
	for _, t := range append(append([]int(nil), m.Inputs...), m.Outputs...) {
		if t < 0 || t >= len(m.Tensors) {
			return nil, fmt.Errorf("tflite: graph input or output %d of %d tensors", t, len(m.Tensors))
		}
	}
	return m, nil
}

// Field slots of the tables read, in schema.fbs order. A union takes two
// slots: its type, then its value.
const (
	modelVersion       = 0
	modelOperatorCodes = 1
	modelSubgraphs     = 2
	modelDescription   = 3
	modelBuffers       = 4

	graphTensors   = 0
	graphInputs    = 1
	graphOutputs   = 2
	graphOperators = 3

	tensorShape        = 0
	tensorType         = 1
	tensorBuffer       = 2
	tensorName         = 3
	tensorQuantization = 4
	tensorSparsity     = 6

	quantScale       = 2
	quantDetailsType = 4

	bufferData   = 0
	bufferOffset = 1

	opcodeDeprecatedBuiltinCode = 0
	opcodeCustomCode            = 1
	opcodeVersion               = 2
	opcodeBuiltinCode           = 3

	operatorOpcodeIndex        = 0
	operatorInputs             = 1
	operatorOutputs            = 2
	operatorBuiltinOptionsType = 3
	operatorBuiltinOptions     = 4
)

// table reads fields of a flatbuffer table by slot number.
type table struct{ flatbuffers.Table }

// field is the offset of slot's value from the table's start, 0 when the
// field is absent (and so has its default).
func (t *table) field(slot int) flatbuffers.UOffsetT {
	return flatbuffers.UOffsetT(t.Offset(flatbuffers.VOffsetT(4 + 2*slot)))
}

func (t *table) i8(slot int, def int8) int8 {
	if o := t.field(slot); o != 0 {
		return t.GetInt8(t.Pos + o)
	}
	return def
}

func (t *table) u8(slot int, def uint8) uint8 {
	if o := t.field(slot); o != 0 {
		return t.GetUint8(t.Pos + o)
	}
	return def
}

func (t *table) i32(slot int, def int32) int32 {
	if o := t.field(slot); o != 0 {
		return t.GetInt32(t.Pos + o)
	}
	return def
}

func (t *table) u32(slot int, def uint32) uint32 {
	if o := t.field(slot); o != 0 {
		return t.GetUint32(t.Pos + o)
	}
	return def
}

func (t *table) u64(slot int, def uint64) uint64 {
	if o := t.field(slot); o != 0 {
		return t.GetUint64(t.Pos + o)
	}
	return def
}

func (t *table) str(slot int) string {
	if o := t.field(slot); o != 0 {
		return t.String(t.Pos + o)
	}
	return ""
}

func (t *table) bytes(slot int) []byte {
	if o := t.field(slot); o != 0 {
		return t.ByteVector(t.Pos + o)
	}
	return nil
}

func (t *table) len(slot int) int {
	if o := t.field(slot); o != 0 {
		return t.VectorLen(o)
	}
	return 0
}

// vector is the start and length of the vector of 4-byte elements (int32
// or offsets) at field offset o. A length running past the end of the
// file panics, for Read to report, before anything that size is made.
func (t *table) vector(o flatbuffers.UOffsetT) (flatbuffers.UOffsetT, int) {
	start, n := t.Vector(o), t.VectorLen(o)
	if uint64(start)+4*uint64(n) > uint64(len(t.Bytes)) {
		panic(fmt.Sprintf("vector of %d elements at byte %d runs past the end of the file", n, start))
	}
	return start, n
}

// ints reads a vector of int32.
func (t *table) ints(slot int) []int {
	o := t.field(slot)
	if o == 0 {
		return nil
	}
	start, n := t.vector(o)
	v := make([]int, n)
	for i := range v {
		v[i] = int(t.GetInt32(start + flatbuffers.UOffsetT(4*i)))
	}
	return v
}

// tables reads a vector of tables.
func (t *table) tables(slot int) []table {
	o := t.field(slot)
	if o == 0 {
		return nil
	}
	start, n := t.vector(o)
	v := make([]table, n)
	for i := range v {
		v[i] = table{flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(start + flatbuffers.UOffsetT(4*i))}}
	}
	return v
}

func (t *table) table(slot int) (table, bool) {
	o := t.field(slot)
	if o == 0 {
		return table{}, false
	}
	return table{flatbuffers.Table{Bytes: t.Bytes, Pos: t.Indirect(t.Pos + o)}}, true
}

func (t *table) union(slot int) (table, bool) {
	o := t.field(slot)
	if o == 0 {
		return table{}, false
	}
	var u table
	t.Union(&u.Table, o)
	return u, true
}
