// Package onnx writes ONNX model files: the small part of the format a
// converter of inference graphs needs (a graph of nodes with attributes,
// float32 and int64 initializers, typed inputs and outputs), encoded with
// the protobuf wire format by google.golang.org/protobuf/encoding/protowire.
//
// Field numbers are those of onnx/onnx.proto (IR version 8).
package onnx

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// IRVersion is the ONNX IR version written; ONNX Runtime 1.30 reads up to 11.
const IRVersion = 8

// Element types (TensorProto.DataType).
const (
	Float = 1
	Int32 = 6
	Int64 = 7
)

// Model is an ONNX model of one graph against the default operator set.
type Model struct {
	Opset    int64 // version of the ai.onnx operator set
	Producer string
	Doc      string
	Graph    Graph
}

// Graph is a computation graph. Nodes must be in topological order.
type Graph struct {
	Name         string
	Nodes        []Node
	Inputs       []Value
	Outputs      []Value
	Initializers []Tensor
}

// Node is one operator application.
type Node struct {
	Op      string
	Name    string
	Inputs  []string
	Outputs []string
	Attrs   []Attr
}

// Attr is a node attribute; exactly one of the value fields is meant.
// Use the constructors.
type Attr struct {
	Name   string
	kind   int
	f      float32
	i      int64
	s      string
	floats []float32
	ints   []int64
	t      *Tensor
}

// Attribute types (AttributeProto.AttributeType).
const (
	attrFloat  = 1
	attrInt    = 2
	attrString = 3
	attrTensor = 4
	attrFloats = 6
	attrInts   = 7
)

func AttrFloat(name string, v float32) Attr     { return Attr{Name: name, kind: attrFloat, f: v} }
func AttrInt(name string, v int64) Attr         { return Attr{Name: name, kind: attrInt, i: v} }
func AttrString(name, v string) Attr            { return Attr{Name: name, kind: attrString, s: v} }
func AttrFloats(name string, v ...float32) Attr { return Attr{Name: name, kind: attrFloats, floats: v} }
func AttrInts(name string, v ...int64) Attr     { return Attr{Name: name, kind: attrInts, ints: v} }
func AttrTensor(name string, t Tensor) Attr     { return Attr{Name: name, kind: attrTensor, t: &t} }

// Tensor is a constant: Float32 for Float tensors, Int64 for Int64 ones.
type Tensor struct {
	Name    string
	Dims    []int64
	Type    int32
	Float32 []float32
	Int64   []int64
}

// FloatTensor and Int64Tensor make initializers.
func FloatTensor(name string, dims []int64, data []float32) Tensor {
	return Tensor{Name: name, Dims: dims, Type: Float, Float32: data}
}

func Int64Tensor(name string, dims []int64, data []int64) Tensor {
	return Tensor{Name: name, Dims: dims, Type: Int64, Int64: data}
}

// Value names a graph input or output, with its element type and shape;
// a negative dimension is left unnamed and free (a batch, say), and nil
// Dims leave the shape unknown (an empty, non-nil one is a scalar's).
type Value struct {
	Name string
	Type int32
	Dims []int64
}

// Marshal encodes the model as an ONNX file.
func (m *Model) Marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType) // ir_version
	b = protowire.AppendVarint(b, IRVersion)
	b = appendString(b, 2, m.Producer)
	b = appendMessage(b, 7, m.Graph.marshal())
	if m.Doc != "" {
		b = appendString(b, 6, m.Doc)
	}
	var opset []byte
	opset = appendString(opset, 1, "") // the default domain, ai.onnx
	opset = protowire.AppendTag(opset, 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, uint64(m.Opset))
	b = appendMessage(b, 8, opset)
	return b
}

func (g *Graph) marshal() []byte {
	var b []byte
	for _, n := range g.Nodes {
		b = appendMessage(b, 1, n.marshal())
	}
	b = appendString(b, 2, g.Name)
	for _, t := range g.Initializers {
		b = appendMessage(b, 5, t.marshal())
	}
	for _, v := range g.Inputs {
		b = appendMessage(b, 11, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMessage(b, 12, v.marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = appendString(b, 1, s)
	}
	for _, s := range n.Outputs {
		b = appendString(b, 2, s)
	}
	if n.Name != "" {
		b = appendString(b, 3, n.Name)
	}
	b = appendString(b, 4, n.Op)
	for _, a := range n.Attrs {
		b = appendMessage(b, 5, a.marshal())
	}
	return b
}

func (a *Attr) marshal() []byte {
	var b []byte
	b = appendString(b, 1, a.Name)
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(a.kind))
	switch a.kind {
	case attrFloat:
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.f))
	case attrInt:
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.i))
	case attrString:
		b = appendString(b, 4, a.s)
	case attrTensor:
		b = appendMessage(b, 5, a.t.marshal())
	case attrFloats:
		b = appendMessage(b, 7, packedFloats(a.floats))
	case attrInts:
		b = appendMessage(b, 8, packedVarints(a.ints))
	}
	return b
}

func (t *Tensor) marshal() []byte {
	var b []byte
	if len(t.Dims) > 0 {
		b = appendMessage(b, 1, packedVarints(t.Dims))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(t.Type))
	b = appendString(b, 8, t.Name)
	// raw_data: little-endian values, the compact form ONNX Runtime reads
	// fastest.
	var raw []byte
	switch t.Type {
	case Float:
		raw = make([]byte, 4*len(t.Float32))
		for i, v := range t.Float32 {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
	case Int64:
		raw = make([]byte, 8*len(t.Int64))
		for i, v := range t.Int64 {
			binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
		}
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendBytes(b, raw)
	return b
}

func (v *Value) marshal() []byte {
	var shape []byte
	for _, d := range v.Dims {
		var dim []byte
		if d >= 0 {
			dim = protowire.AppendTag(dim, 1, protowire.VarintType) // dim_value
			dim = protowire.AppendVarint(dim, uint64(d))
		}
		shape = appendMessage(shape, 1, dim)
	}
	var tensor []byte
	tensor = protowire.AppendTag(tensor, 1, protowire.VarintType) // elem_type
	tensor = protowire.AppendVarint(tensor, uint64(v.Type))
	if v.Dims != nil {
		tensor = appendMessage(tensor, 2, shape)
	}
	var typ []byte
	typ = appendMessage(typ, 1, tensor) // TypeProto.tensor_type
	var b []byte
	b = appendString(b, 1, v.Name)
	b = appendMessage(b, 2, typ)
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

// packedVarints is the body of a packed repeated int64 field; written
// under the field's tag as one length-delimited record.
func packedVarints(v []int64) []byte {
	var b []byte
	for _, x := range v {
		b = protowire.AppendVarint(b, uint64(x))
	}
	return b
}

func packedFloats(v []float32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = protowire.AppendFixed32(b, math.Float32bits(x))
	}
	return b
}
