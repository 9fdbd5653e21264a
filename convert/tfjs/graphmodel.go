package tfjs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/visagehq/visage/convert/onnx"
)

// GraphModel converts a TF.js graph model — a model.json whose
// modelTopology is a TensorFlow GraphDef (a list of nodes) and whose
// weightsManifest names the binary shards beside it — to ONNX, node for
// node. Unlike face-api's nets, such a model carries its own architecture,
// so any graph made of the supported ops converts.
//
// Inputs and outputs keep their TF names, shapes and layout: an image input
// stays NHWC float32, as TF.js takes it. Inside, convolutions and pools run
// in ONNX's NCHW; each tensor is transposed only where an op needs the
// other layout, and always back to TF's before a Reshape, so that a
// flatten orders its values as TF does.
func GraphModel(jsonPath string) (*onnx.Model, error) {
	return convertFile(jsonPath, false)
}

// GraphModelNCHW is GraphModel with each 4-D image input taken in NCHW
// instead, as the engine feeds its recognisers, under the name
// "<TF name>:nchw"; the first convolution then reads it with no transpose.
func GraphModelNCHW(jsonPath string) (*onnx.Model, error) {
	return convertFile(jsonPath, true)
}

func convertFile(jsonPath string, nchwInputs bool) (*onnx.Model, error) {
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		return nil, err
	}
	var m graphModel
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", jsonPath, err)
	}
	if m.Format != "graph-model" {
		return nil, fmt.Errorf("%s: format %q, want graph-model", jsonPath, m.Format)
	}
	model, err := convertGraph(&m, filepath.Dir(jsonPath), nchwInputs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", jsonPath, err)
	}
	return model, nil
}

// graphModel is the part of a TF.js graph model's model.json read here.
type graphModel struct {
	Format        string `json:"format"`
	GeneratedBy   string `json:"generatedBy"`
	ModelTopology struct {
		Node []*tfNode `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest manifest `json:"weightsManifest"`
	Signature       struct {
		Outputs map[string]struct {
			Name        string  `json:"name"` // node:index
			TensorShape tfShape `json:"tensorShape"`
		} `json:"outputs"`
	} `json:"signature"`
}

// tfNode is one NodeDef of the graph. Its inputs are node names, with
// ":k" for an op's k-th output and "^" for a control dependency.
type tfNode struct {
	Name  string            `json:"name"`
	Op    string            `json:"op"`
	Input []string          `json:"input"`
	Attr  map[string]tfAttr `json:"attr"`
}

// tfAttr is an AttrValue in protobuf's JSON mapping: bytes are base64
// (which encoding/json decodes into []byte) and int64s are strings.
type tfAttr struct {
	S     []byte  `json:"s"`
	Type  string  `json:"type"`
	F     float32 `json:"f"`
	B     bool    `json:"b"`
	I     string  `json:"i"`
	Shape tfShape `json:"shape"`
	List  struct {
		S [][]byte `json:"s"`
		I []string `json:"i"`
	} `json:"list"`
}

type tfShape struct {
	Dim []struct {
		Size string `json:"size"` // "-1" when free; absent when 0
	} `json:"dim"`
}

// dims is the shape as ONNX writes it, −1 for a free dimension.
func (s tfShape) dims() ([]int64, error) {
	out := make([]int64, len(s.Dim))
	for i, d := range s.Dim {
		if d.Size == "" {
			continue
		}
		v, err := strconv.ParseInt(d.Size, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("dimension %q: %w", d.Size, err)
		}
		out[i] = v
	}
	return out, nil
}

func (n *tfNode) str(key string) string { return string(n.Attr[key].S) }

func (n *tfNode) strs(key string) []string {
	var out []string
	for _, s := range n.Attr[key].List.S {
		out = append(out, string(s))
	}
	return out
}

// ints is a list(int) attribute, want values long (when want > 0).
func (n *tfNode) ints(key string, want int) ([]int64, error) {
	var out []int64
	for _, s := range n.Attr[key].List.I {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: attribute %s: %w", n.Name, key, err)
		}
		out = append(out, v)
	}
	if want > 0 && len(out) != want {
		return nil, fmt.Errorf("%s: attribute %s has %d values, want %d", n.Name, key, len(out), want)
	}
	return out, nil
}

// float is a float attribute, or def when the node does not set it.
func (n *tfNode) float(key string, def float32) float32 {
	if a, ok := n.Attr[key]; ok {
		return a.F
	}
	return def
}

// tfValue is one TF tensor during conversion. A 4-D image activation may
// exist in the graph in two layouts, TF's NHWC and ONNX's NCHW, each made
// on first use; constants are kept in Go until an op asks for them, so that
// filters can be reordered and per-channel vectors reshaped for NCHW.
type tfValue struct {
	tf   string          // the ONNX name of the tensor in TF's layout (the TF name)
	nchw bool            // an activation produced in NCHW, under the name tf+":nchw"
	made map[string]bool // the ONNX names of v already in the graph
	f    *Tensor         // a float constant
	i    []int64         // an int32 constant, used only for shapes and axes
	dyn  bool            // an int tensor computed at run time (a shape), int64 in ONNX
}

// ":" cannot occur in a TF node name (it separates an output index) nor
// "#", so these suffixes never collide with one.
const (
	nchwSuffix = ":nchw"
	stepSep    = "#"
)

// Permutations between TF's NHWC and ONNX's NCHW, and where each TF axis
// of a 4-D tensor lands in NCHW.
var (
	toNCHW     = []int64{0, 3, 1, 2}
	toNHWC     = []int64{0, 2, 3, 1}
	nchwAxisOf = toNHWC // the inverse permutation of toNCHW
)

// graphConverter is the state of one conversion.
type graphConverter struct {
	b          *builder
	ints       map[string][]int64 // the manifest's int32 weights
	vals       map[string]*tfValue
	nchwInputs bool // 4-D inputs are fed NCHW (GraphModelNCHW)
}

func convertGraph(m *graphModel, dir string, nchwInputs bool) (*onnx.Model, error) {
	floats, ints, err := readWeights(dir, m.WeightsManifest)
	if err != nil {
		return nil, err
	}
	nodes, err := topoSort(m.ModelTopology.Node)
	if err != nil {
		return nil, err
	}
	c := &graphConverter{
		b:          &builder{weights: floats, used: map[string]bool{}, names: map[string]bool{}},
		ints:       ints,
		vals:       map[string]*tfValue{},
		nchwInputs: nchwInputs,
	}
	c.b.g.Name = "tfjs_graph_model"
	for _, n := range nodes {
		if err := c.convert(n); err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.Name, n.Op, err)
		}
		if c.b.err != nil {
			return nil, fmt.Errorf("node %s (%s): %w", n.Name, n.Op, c.b.err)
		}
	}
	outputs, err := c.outputs(m, nodes)
	if err != nil {
		return nil, err
	}
	return c.b.build("TF.js graph model ("+m.GeneratedBy+"), converted by visage convert/tfjs. "+
		"Inputs and outputs have the TF names, shapes and layout (images NHWC).", outputs...)
}

// topoSort orders the nodes so that each comes after its inputs: TF.js
// writes them in no guaranteed order (constants and placeholders often
// last).
func topoSort(nodes []*tfNode) ([]*tfNode, error) {
	byName := map[string]*tfNode{}
	for _, n := range nodes {
		if byName[n.Name] != nil {
			return nil, fmt.Errorf("node %s defined twice", n.Name)
		}
		byName[n.Name] = n
	}
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	var out []*tfNode
	var visit func(n *tfNode) error
	visit = func(n *tfNode) error {
		switch state[n.Name] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("node %s is in a cycle", n.Name)
		}
		state[n.Name] = visiting
		for _, in := range n.Input {
			if strings.HasPrefix(in, "^") { // control dependency: no data
				continue
			}
			name, _, _ := strings.Cut(in, ":")
			dep := byName[name]
			if dep == nil {
				return fmt.Errorf("node %s: input %s is not in the graph", n.Name, in)
			}
			if err := visit(dep); err != nil {
				return err
			}
		}
		state[n.Name] = done
		out = append(out, n)
		return nil
	}
	for _, n := range nodes {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// convert adds the ONNX nodes for one TF node.
func (c *graphConverter) convert(n *tfNode) error {
	switch n.Op {
	case "Placeholder":
		return c.placeholder(n)
	case "Const":
		return c.constant(n)
	case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		return c.conv(n)
	case "MaxPool", "AvgPool":
		return c.pool(n)
	case "MatMul", "_FusedMatMul":
		return c.matMul(n)
	case "Identity", "Relu", "Relu6", "Sigmoid", "Tanh", "Elu", "LeakyRelu", "Prelu", "Abs", "Square", "Rsqrt":
		return c.activation(n)
	case "Add", "AddV2", "BiasAdd", "Sub", "Mul", "RealDiv", "Maximum", "Minimum":
		return c.binary(n)
	case "Softmax":
		return c.softmax(n)
	case "Reshape":
		return c.reshape(n)
	case "Squeeze":
		return c.squeeze(n)
	case "ExpandDims":
		return c.expandDims(n)
	case "Mean", "Sum", "Max":
		return c.reduce(n)
	case "ConcatV2":
		return c.concat(n)
	case "Pad":
		return c.pad(n)
	case "Shape":
		return c.shape(n)
	case "StridedSlice":
		return c.stridedSlice(n)
	case "Pack":
		return c.pack(n)
	case "DepthToSpace":
		return c.depthToSpace(n)
	case "ResizeBilinear":
		return c.resizeBilinear(n)
	}
	return fmt.Errorf("TF op %s not supported by the converter", n.Op)
}

// dataInputs are the node's inputs less its control dependencies.
func (n *tfNode) dataInputs() []string {
	var data []string
	for _, in := range n.Input {
		if !strings.HasPrefix(in, "^") {
			data = append(data, in)
		}
	}
	return data
}

// input is the node's k-th data input.
func (c *graphConverter) input(n *tfNode, k int) (*tfValue, error) {
	data := n.dataInputs()
	if k >= len(data) {
		return nil, fmt.Errorf("%d inputs, want at least %d", len(data), k+1)
	}
	name, index, _ := strings.Cut(data[k], ":")
	if index != "" && index != "0" {
		return nil, fmt.Errorf("input %s: only first outputs are supported", data[k])
	}
	return c.vals[name], nil
}

// inputs is the node's first k data inputs.
func (c *graphConverter) inputs(n *tfNode, k int) ([]*tfValue, error) {
	out := make([]*tfValue, k)
	for i := range out {
		v, err := c.input(n, i)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// placeholder makes a graph input of the TF name and shape.
func (c *graphConverter) placeholder(n *tfNode) error {
	if t := n.Attr["dtype"].Type; t != "DT_FLOAT" {
		return fmt.Errorf("input of type %s: only DT_FLOAT is supported", t)
	}
	dims, err := n.Attr["shape"].Shape.dims()
	if err != nil {
		return err
	}
	if c.nchwInputs && len(dims) == 4 {
		// Fed NCHW: the value exists in that layout only, and a
		// transpose to TF's is made if some op needs it.
		name := n.Name + nchwSuffix
		c.b.claim(name)
		c.b.g.Inputs = append(c.b.g.Inputs, onnx.Value{Name: name, Type: onnx.Float, Dims: []int64{dims[0], dims[3], dims[1], dims[2]}})
		c.vals[n.Name] = &tfValue{tf: n.Name, nchw: true, made: map[string]bool{name: true}}
		return nil
	}
	c.b.claim(n.Name)
	c.b.g.Inputs = append(c.b.g.Inputs, onnx.Value{Name: n.Name, Type: onnx.Float, Dims: dims})
	c.vals[n.Name] = &tfValue{tf: n.Name, made: map[string]bool{n.Name: true}}
	return nil
}

// constant records a Const's weight; it enters the graph when an op uses
// it, in the form that op needs.
func (c *graphConverter) constant(n *tfNode) error {
	if v, ok := c.ints[n.Name]; ok {
		c.vals[n.Name] = &tfValue{tf: n.Name, i: v}
		return nil
	}
	t, ok := c.b.weights[n.Name]
	if !ok {
		return fmt.Errorf("no weight %s in the manifest", n.Name)
	}
	c.vals[n.Name] = &tfValue{tf: n.Name, f: &t, made: map[string]bool{}}
	return nil
}

// produced records an activation the node computed, under the name
// out(n, nchw).
func (c *graphConverter) produced(n *tfNode, nchw bool) {
	v := &tfValue{tf: n.Name, nchw: nchw, made: map[string]bool{}}
	v.made[out(n, nchw)] = true
	c.vals[n.Name] = v
}

// out is the ONNX name of the node's result in the given layout.
func out(n *tfNode, nchw bool) string {
	if nchw {
		return n.Name + nchwSuffix
	}
	return n.Name
}

// nhwc is the ONNX name of v in TF's layout, transposing it there or
// adding the constant on first use.
func (c *graphConverter) nhwc(v *tfValue) (string, error) {
	switch {
	case v.made[v.tf]:
	case v.f != nil:
		c.b.used[v.tf] = true
		c.b.constant(v.tf, toInt64(v.f.Shape), v.f.Data)
	case v.i != nil:
		return "", fmt.Errorf("int32 constant %s used as data", v.tf)
	default:
		c.b.node(v.tf, "Transpose", []string{v.tf + nchwSuffix}, onnx.AttrInts("perm", toNHWC...))
	}
	v.made[v.tf] = true
	return v.tf, nil
}

// nchwName is the ONNX name of v in NCHW. A constant of rank below 4 is
// first given leading 1s — which is how TF broadcasts it against an NHWC
// activation — so a per-channel [C] becomes [1, C, 1, 1].
func (c *graphConverter) nchwName(v *tfValue) (string, error) {
	name := v.tf + nchwSuffix
	switch {
	case v.made[name]:
	case v.f != nil:
		shape := v.f.Shape
		if len(shape) > 4 {
			return "", fmt.Errorf("constant %s of rank %d against an image", v.tf, len(shape))
		}
		for len(shape) < 4 {
			shape = append([]int{1}, shape...)
		}
		t := permute(Tensor{Shape: shape, Data: v.f.Data}, toNCHW)
		c.b.used[v.tf] = true
		c.b.constant(name, toInt64(t.Shape), t.Data)
	case v.i != nil:
		return "", fmt.Errorf("int32 constant %s used as data", v.tf)
	default:
		c.b.node(name, "Transpose", []string{v.tf}, onnx.AttrInts("perm", toNCHW...))
	}
	v.made[name] = true
	return name, nil
}

// layoutName is v's name in NCHW when nchw is set, else in TF's layout.
func (c *graphConverter) layoutName(v *tfValue, nchw bool) (string, error) {
	if nchw {
		return c.nchwName(v)
	}
	return c.nhwc(v)
}

// floatConst is v's values, which must be a float constant; the weight
// counts as used.
func (c *graphConverter) floatConst(v *tfValue, what string) (*Tensor, error) {
	if v.f == nil {
		return nil, fmt.Errorf("%s %s is not a constant", what, v.tf)
	}
	c.b.used[v.tf] = true
	return v.f, nil
}

// intConst is v's values, which must be an int32 constant.
func intConst(v *tfValue, what string) ([]int64, error) {
	if v.i == nil {
		return nil, fmt.Errorf("%s %s is not an int32 constant", what, v.tf)
	}
	return v.i, nil
}

// conv converts the four convolutions. A depthwise filter [kh, kw, C, M]
// is a grouped convolution of C groups, output channel c·M + m.
func (c *graphConverter) conv(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	if f := n.str("data_format"); f != "" && f != "NHWC" {
		return fmt.Errorf("data_format %s not supported", f)
	}
	filter, err := c.floatConst(ins[1], "filter")
	if err != nil {
		return err
	}
	if len(filter.Shape) != 4 {
		return fmt.Errorf("filter of shape %v", filter.Shape)
	}
	kh, kw, in, outC := filter.Shape[0], filter.Shape[1], filter.Shape[2], filter.Shape[3]
	groups := 1
	w := filter
	if strings.Contains(n.Op, "Depthwise") {
		groups = in
		outC = in * outC
		w = &Tensor{Shape: []int{kh, kw, 1, outC}, Data: filter.Data}
	}
	x, err := c.nchwName(ins[0])
	if err != nil {
		return err
	}
	attrs, err := windowAttrs(n, "strides")
	if err != nil {
		return err
	}
	dil, err := n.ints("dilations", 0)
	if err != nil {
		return err
	}
	if len(dil) == 0 { // TF's default
		dil = []int64{1, 1, 1, 1}
	} else if len(dil) != 4 {
		return fmt.Errorf("dilations %v", dil)
	}
	attrs = append(attrs,
		onnx.AttrInts("kernel_shape", int64(kh), int64(kw)),
		onnx.AttrInts("dilations", dil[1], dil[2]),
		onnx.AttrInt("group", int64(groups)))
	oihw := permute(*w, []int64{3, 2, 0, 1})
	c.b.used[ins[1].tf] = true
	inputs := []string{x, c.b.constant(n.Name+stepSep+"filter", toInt64(oihw.Shape), oihw.Data)}
	return c.fused(n, "Conv", inputs, attrs, 2)
}

// fused adds op (a convolution or a product) followed by the node's
// fused_ops: a BiasAdd, whose bias becomes op's third input, then at most
// one activation. Its extra arguments start at input first.
func (c *graphConverter) fused(n *tfNode, op string, inputs []string, attrs []onnx.Attr, first int) error {
	nchw := op == "Conv"
	ops := n.strs("fused_ops")
	if len(ops) > 0 {
		if ops[0] != "BiasAdd" {
			return fmt.Errorf("fused op %s not supported", ops[0])
		}
		bias, err := c.input(n, first)
		if err != nil {
			return err
		}
		t, err := c.floatConst(bias, "bias")
		if err != nil {
			return err
		}
		inputs = append(inputs, c.b.constant(n.Name+stepSep+"bias", toInt64(t.Shape), t.Data))
		ops = ops[1:]
	}
	if len(ops) > 1 {
		return fmt.Errorf("fused ops %v not supported", n.strs("fused_ops"))
	}
	name := out(n, nchw)
	if len(ops) == 1 {
		name += stepSep + op
	}
	c.b.node(name, op, inputs, attrs...)
	if len(ops) == 0 {
		c.produced(n, nchw)
		return nil
	}
	alpha := func() (*tfValue, error) { return c.input(n, first+1) }
	return c.applyActivation(n, ops[0], name, nchw, alpha, n.float("leakyrelu_alpha", 0.2))
}

// windowAttrs is the strides (from attribute key) and padding of a
// convolution or pool, as ONNX attributes. TF's SAME pads so that
// out = ⌈in/stride⌉ with the odd pixel after, which is ONNX's SAME_UPPER;
// EXPLICIT lists the padding per NHWC axis.
func windowAttrs(n *tfNode, key string) ([]onnx.Attr, error) {
	s, err := n.ints(key, 4)
	if err != nil {
		return nil, err
	}
	attrs := []onnx.Attr{onnx.AttrInts("strides", s[1], s[2])}
	switch p := n.str("padding"); p {
	case "VALID":
	case "SAME":
		attrs = append(attrs, onnx.AttrString("auto_pad", "SAME_UPPER"))
	case "EXPLICIT":
		e, err := n.ints("explicit_paddings", 8)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, onnx.AttrInts("pads", e[2], e[4], e[3], e[5]))
	default:
		return nil, fmt.Errorf("padding %q not supported", p)
	}
	return attrs, nil
}

// pool converts MaxPool and AvgPool. ONNX's AveragePool leaves padding out
// of the count by default, as TF does.
func (c *graphConverter) pool(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	if f := n.str("data_format"); f != "" && f != "NHWC" {
		return fmt.Errorf("data_format %s not supported", f)
	}
	k, err := n.ints("ksize", 4)
	if err != nil {
		return err
	}
	attrs, err := windowAttrs(n, "strides")
	if err != nil {
		return err
	}
	attrs = append(attrs, onnx.AttrInts("kernel_shape", k[1], k[2]))
	name, err := c.nchwName(x)
	if err != nil {
		return err
	}
	op := map[string]string{"MaxPool": "MaxPool", "AvgPool": "AveragePool"}[n.Op]
	c.b.node(out(n, true), op, []string{name}, attrs...)
	c.produced(n, true)
	return nil
}

// matMul converts MatMul and _FusedMatMul to Gemm, which takes the
// transposes and the bias itself.
func (c *graphConverter) matMul(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	var names []string
	for _, v := range ins {
		name, err := c.nhwc(v)
		if err != nil {
			return err
		}
		names = append(names, name)
	}
	attrs := []onnx.Attr{
		onnx.AttrInt("transA", boolInt(n.Attr["transpose_a"].B)),
		onnx.AttrInt("transB", boolInt(n.Attr["transpose_b"].B)),
	}
	return c.fused(n, "Gemm", names, attrs, 2)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// activation converts the ops that act on each value alone, which keep
// their input's layout.
func (c *graphConverter) activation(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	name, err := c.layoutName(x, x.nchw)
	if err != nil {
		return err
	}
	alpha := func() (*tfValue, error) { return c.input(n, 1) }
	return c.applyActivation(n, n.Op, name, x.nchw, alpha, n.float("alpha", 0.2))
}

// applyActivation adds TF activation op on ONNX value x, in layout nchw,
// as the node's result. alpha gives a Prelu's slopes; leak is a
// LeakyRelu's.
func (c *graphConverter) applyActivation(n *tfNode, op, x string, nchw bool, alpha func() (*tfValue, error), leak float32) error {
	name := out(n, nchw)
	switch op {
	case "Identity", "Relu", "Sigmoid", "Tanh", "Elu", "Abs":
		c.b.node(name, op, []string{x})
	case "Square": // ONNX has no Square; Pow would be slower
		c.b.node(name, "Mul", []string{x, x})
	case "Rsqrt":
		c.b.node(name, "Reciprocal", []string{c.b.node(name+stepSep+"sqrt", "Sqrt", []string{x})})
	case "Relu6":
		c.b.node(name, "Clip", []string{x, c.scalar(0), c.scalar(6)})
	case "LeakyRelu":
		c.b.node(name, "LeakyRelu", []string{x}, onnx.AttrFloat("alpha", leak))
	case "Prelu":
		a, err := alpha()
		if err != nil {
			return err
		}
		slope, err := c.layoutName(a, nchw)
		if err != nil {
			return err
		}
		c.b.node(name, "PRelu", []string{x, slope})
	default:
		return fmt.Errorf("activation %s not supported", op)
	}
	c.produced(n, nchw)
	return nil
}

// scalar is a shared float constant v.
func (c *graphConverter) scalar(v float32) string {
	name := stepSep + strconv.FormatFloat(float64(v), 'g', -1, 32)
	if !c.b.names[name] {
		c.b.constant(name, nil, []float32{v})
	}
	return name
}

// binaryOps maps TF's element-wise binary ops to ONNX's; both broadcast
// numpy-style, and BiasAdd (NHWC) is an Add of a [C] vector.
var binaryOps = map[string]string{
	"Add": "Add", "AddV2": "Add", "BiasAdd": "Add", "Sub": "Sub", "Mul": "Mul",
	"RealDiv": "Div", "Maximum": "Max", "Minimum": "Min",
}

// binary converts an element-wise op of two tensors. It runs in NCHW when
// every activation among its inputs is in NCHW, constants being reshaped
// to match; otherwise in TF's layout.
func (c *graphConverter) binary(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	nchw := false
	for _, v := range ins {
		if v.f == nil && v.i == nil {
			if !v.nchw {
				nchw = false
				break
			}
			nchw = true
		}
	}
	var names []string
	for _, v := range ins {
		name, err := c.layoutName(v, nchw)
		if err != nil {
			return err
		}
		names = append(names, name)
	}
	c.b.node(out(n, nchw), binaryOps[n.Op], names)
	c.produced(n, nchw)
	return nil
}

// softmax converts Softmax, over TF's last axis: the channels, which are
// axis 1 in NCHW.
func (c *graphConverter) softmax(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	name, err := c.layoutName(x, x.nchw)
	if err != nil {
		return err
	}
	axis := int64(-1)
	if x.nchw {
		axis = 1
	}
	c.b.node(out(n, x.nchw), "Softmax", []string{name}, onnx.AttrInt("axis", axis))
	c.produced(n, x.nchw)
	return nil
}

// reshape converts Reshape, always in TF's layout: the order of a
// flatten's values depends on it.
func (c *graphConverter) reshape(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	shape, err := c.shapeName(ins[1], n.Name+stepSep+"shape")
	if err != nil {
		return err
	}
	x, err := c.nhwc(ins[0])
	if err != nil {
		return err
	}
	c.b.node(n.Name, "Reshape", []string{x, shape})
	c.produced(n, false)
	return nil
}

// squeeze converts Squeeze in TF's layout; with no squeeze_dims it drops
// every axis of length 1, as ONNX's Squeeze does without axes.
func (c *graphConverter) squeeze(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	axes, err := n.ints("squeeze_dims", 0)
	if err != nil {
		return err
	}
	name, err := c.nhwc(x)
	if err != nil {
		return err
	}
	inputs := []string{name}
	if len(axes) > 0 {
		inputs = append(inputs, c.b.ints(n.Name+stepSep+"axes", axes...))
	}
	c.b.node(n.Name, "Squeeze", inputs)
	c.produced(n, false)
	return nil
}

// expandDims converts ExpandDims in TF's layout: ONNX's Unsqueeze reads a
// negative axis as TF does, counted from the end of the result.
func (c *graphConverter) expandDims(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	axis, err := intConst(ins[1], "dim")
	if err != nil {
		return err
	}
	x, err := c.nhwc(ins[0])
	if err != nil {
		return err
	}
	c.b.node(n.Name, "Unsqueeze", []string{x, c.b.ints(n.Name+stepSep+"axes", axis...)})
	c.produced(n, false)
	return nil
}

// reduce converts Mean, Sum and Max over constant axes. An NCHW input is
// reduced in NCHW when the result's axes come out in TF's order: when
// dimensions are kept (the result is NCHW too), or when the channels or
// both spatial axes go; otherwise it is transposed back first.
func (c *graphConverter) reduce(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	axes, err := intConst(ins[1], "axes")
	if err != nil {
		return err
	}
	keep := n.Attr["keep_dims"].B
	nchw := false
	if ins[0].nchw {
		gone := map[int64]bool{}
		mapped := make([]int64, len(axes))
		for i, a := range axes {
			gone[(a+4)%4] = true
			mapped[i] = nchwAxisOf[(a+4)%4]
		}
		if nchw = keep || gone[3] || (gone[1] && gone[2]); nchw {
			axes = mapped
		}
	}
	x, err := c.layoutName(ins[0], nchw)
	if err != nil {
		return err
	}
	result := nchw && keep
	switch n.Op { // opset 13 takes ReduceSum's axes as an input, ReduceMean's and ReduceMax's as an attribute
	case "Sum":
		c.b.node(out(n, result), "ReduceSum", []string{x, c.b.ints(n.Name+stepSep+"axes", axes...)}, onnx.AttrInt("keepdims", boolInt(keep)))
	case "Max":
		c.b.node(out(n, result), "ReduceMax", []string{x}, onnx.AttrInts("axes", axes...), onnx.AttrInt("keepdims", boolInt(keep)))
	default:
		c.b.node(out(n, result), "ReduceMean", []string{x}, onnx.AttrInts("axes", axes...), onnx.AttrInt("keepdims", boolInt(keep)))
	}
	c.produced(n, result)
	return nil
}

// concat converts ConcatV2, whose last input is the axis. Like a binary op
// it runs in NCHW when all its activations are.
func (c *graphConverter) concat(n *tfNode) error {
	ins, err := c.inputs(n, len(n.dataInputs()))
	if err != nil {
		return err
	}
	axisV, err := intConst(ins[len(ins)-1], "axis")
	if err != nil {
		return err
	}
	if len(axisV) != 1 {
		return fmt.Errorf("axis %v", axisV)
	}
	ins = ins[:len(ins)-1]
	nchw := slices.ContainsFunc(ins, func(v *tfValue) bool { return v.nchw }) &&
		!slices.ContainsFunc(ins, func(v *tfValue) bool { return v.f == nil && !v.nchw })
	axis := axisV[0]
	if nchw {
		axis = nchwAxisOf[(axis+4)%4]
	}
	var names []string
	for _, v := range ins {
		name, err := c.layoutName(v, nchw)
		if err != nil {
			return err
		}
		names = append(names, name)
	}
	c.b.node(out(n, nchw), "Concat", names, onnx.AttrInt("axis", axis))
	c.produced(n, nchw)
	return nil
}

// pad converts Pad (zeros) by constant paddings, [rank, 2] of before and
// after; ONNX lists all befores, then all afters.
func (c *graphConverter) pad(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	p, err := intConst(ins[1], "paddings")
	if err != nil {
		return err
	}
	rank := len(p) / 2
	axisAt := func(i int) int64 { return int64(i) } // TF axis of ONNX axis i
	if ins[0].nchw {
		axisAt = func(i int) int64 { return toNCHW[i] }
	}
	pads := make([]int64, 2*rank)
	for i := range rank {
		a := axisAt(i)
		pads[i], pads[rank+i] = p[2*a], p[2*a+1]
	}
	x, err := c.layoutName(ins[0], ins[0].nchw)
	if err != nil {
		return err
	}
	c.b.node(out(n, ins[0].nchw), "Pad", []string{x, c.b.ints(n.Name+stepSep+"pads", pads...)})
	c.produced(n, ins[0].nchw)
	return nil
}

// outputs are the signature's outputs in TF's layout, under their TF node
// names, in name order. A model without a signature has, as TF.js reads
// it, the nodes whose results no other node takes.
func (c *graphConverter) outputs(m *graphModel, nodes []*tfNode) ([]onnx.Value, error) {
	type output struct {
		name  string
		shape *tfShape // nil when not known
	}
	var wanted []output
	for _, o := range m.Signature.Outputs {
		wanted = append(wanted, output{o.Name, &o.TensorShape})
	}
	if len(wanted) == 0 {
		taken := map[string]bool{}
		for _, n := range nodes {
			for _, in := range n.dataInputs() {
				name, _, _ := strings.Cut(in, ":")
				taken[name] = true
			}
		}
		for _, n := range nodes {
			if !taken[n.Name] && n.Op != "Const" {
				wanted = append(wanted, output{name: n.Name})
			}
		}
	}
	var outs []onnx.Value
	for _, o := range wanted {
		name, index, _ := strings.Cut(o.name, ":")
		v := c.vals[name]
		if v == nil || (index != "" && index != "0") {
			return nil, fmt.Errorf("output %s is not a node's first output", o.name)
		}
		var dims []int64 // nil: ONNX is told nothing of the shape
		if o.shape != nil && len(o.shape.Dim) > 0 {
			var err error
			if dims, err = o.shape.dims(); err != nil {
				return nil, fmt.Errorf("signature output %s: %w", o.name, err)
			}
		}
		if _, err := c.nhwc(v); err != nil {
			return nil, err
		}
		outs = append(outs, onnx.Value{Name: name, Type: onnx.Float, Dims: dims})
	}
	sort.Slice(outs, func(i, j int) bool { return outs[i].Name < outs[j].Name })
	return outs, nil
}

// permute reorders a tensor's axes: axis i of the result is axis perm[i]
// of t.
func permute(t Tensor, perm []int64) Tensor {
	rank := len(t.Shape)
	shape := make([]int, rank)
	for i, p := range perm {
		shape[i] = t.Shape[p]
	}
	// stride[i] is how far one step along result axis i moves in t.
	in := make([]int, rank)
	s := 1
	for i := rank - 1; i >= 0; i-- {
		in[i] = s
		s *= t.Shape[i]
	}
	stride := make([]int, rank)
	for i, p := range perm {
		stride[i] = in[p]
	}
	out := make([]float32, len(t.Data))
	idx := make([]int, rank)
	for k := range out {
		src := 0
		for i, v := range idx {
			src += v * stride[i]
		}
		out[k] = t.Data[src]
		for i := rank - 1; i >= 0; i-- { // next index, last axis fastest
			if idx[i]++; idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	return Tensor{Shape: shape, Data: out}
}

func toInt64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}
