// Package tflite reads TensorFlow Lite flatbuffer models and converts
// float32 image models (MobileFaceNet, for one) to ONNX.
//
// The reader walks the flatbuffer with the tables' field slots from
// tensorflow/lite/schema/schema.fbs through the flatbuffers runtime, with
// no generated code. The converter handles the operators of the models
// Visage converts: CONV_2D, DEPTHWISE_CONV_2D, ADD, SUB, MUL, ABS, RELU
// and RESHAPE, with any fused activation but SIGN_BIT. It fails, naming
// the operator or tensor, on anything else: other operators, quantized or
// non-float tensors, control flow.
//
// TFLite lays images out NHWC; the ONNX model takes and keeps them NCHW,
// the layout ONNX Runtime's convolutions are fast in. Constants are
// permuted once at conversion; a reshape, whose result depends on element
// order, gets transposes around it so that it sees what TFLite does.
package tflite

import (
	"errors"
	"fmt"

	"github.com/visagehq/visage/convert/onnx"
)

// Names of the converted model's input and output.
const (
	InputName  = "input"
	OutputName = "embedding"
)

// opset is the ai.onnx operator set written; 13 has every operator used
// here in its current form (Clip with min and max as inputs).
const opset = 13

// Convert converts a TFLite model with one 4-D float32 image input and
// one output, at batch 1 whatever batch the file was made for (operators
// must keep images apart, as inference graphs do). The ONNX input is
// InputName, NCHW [1, C, H, W]; the output is OutputName, shaped as the
// TFLite output with batch 1. Values are the TFLite model's own: inputs
// take the same normalisation, outputs come out raw (not L2-normalised).
func Convert(data []byte) (*onnx.Model, error) {
	m, err := Read(data)
	if err != nil {
		return nil, err
	}
	if len(m.Inputs) != 1 || len(m.Outputs) != 1 {
		return nil, fmt.Errorf("tflite: model has %d inputs and %d outputs, want one of each", len(m.Inputs), len(m.Outputs))
	}
	in, out := &m.Tensors[m.Inputs[0]], &m.Tensors[m.Outputs[0]]
	if len(in.Shape) != 4 || in.Type != Float32 || in.Quantized {
		return nil, fmt.Errorf("tflite: input %q is %s%s %v, want a 4-D float32 image", in.Name, in.Type, quantizedSuffix(in.Quantized), in.Shape)
	}
	if len(out.Shape) == 4 {
		return nil, fmt.Errorf("tflite: output %q is 4-D %v; only flat outputs are supported", out.Name, out.Shape)
	}
	c := &converter{
		m:      m,
		batch:  in.Shape[0],
		names:  make([]string, len(m.Tensors)),
		ready:  make([]bool, len(m.Tensors)),
		taken:  map[string]bool{InputName: true, OutputName: true},
		consts: map[float32]string{},
	}
	c.names[m.Inputs[0]], c.ready[m.Inputs[0]] = InputName, true
	c.names[m.Outputs[0]] = OutputName
	for i := range m.Operators {
		op := &m.Operators[i]
		if err := c.operator(op); err != nil {
			return nil, fmt.Errorf("tflite: operator %d (%s): %w", i, op.Name(), err)
		}
	}
	if !c.ready[m.Outputs[0]] {
		return nil, fmt.Errorf("tflite: no operator computes the output %q", out.Name)
	}
	c.foldAbsSub()
	c.g.Name = "tflite"
	c.g.Inputs = []onnx.Value{{Name: InputName, Type: onnx.Float, Dims: c.dims(in)}}
	c.g.Outputs = []onnx.Value{{Name: OutputName, Type: onnx.Float, Dims: c.dims(out)}}
	return &onnx.Model{
		Opset:    opset,
		Producer: "visage convert/tflite",
		Doc:      "Converted from TFLite (" + m.Description + ")",
		Graph:    c.g,
	}, nil
}

type converter struct {
	m     *Model
	batch int
	g     onnx.Graph
	// names are the ONNX values of the tensors; ready marks those an
	// operator has computed (or the graph input).
	names []string
	ready []bool
	taken map[string]bool
	// consts are the scalar initializers made so far, by value.
	consts map[float32]string
}

// operator appends the nodes computing op.
func (c *converter) operator(op *Operator) error {
	if len(op.Outputs) != 1 {
		return fmt.Errorf("%d outputs, want 1", len(op.Outputs))
	}
	if err := c.checkActivation(op.Outputs[0]); err != nil {
		return err
	}
	for k, i := range op.Inputs {
		// A RESHAPE's second input is its int32 target shape, which the
		// static output shape makes redundant.
		if i < 0 || op.Code == Reshape && k == 1 {
			continue
		}
		if t := &c.m.Tensors[i]; t.Type != Float32 || t.Quantized {
			return fmt.Errorf("input %q is %s%s; only float32 models are supported", t.Name, t.Type, quantizedSuffix(t.Quantized))
		}
	}
	switch op.Code {
	case Conv2D, DepthwiseConv2D:
		return c.conv(op)
	case Add:
		return c.binary(op, "Add")
	case Sub:
		return c.binary(op, "Sub")
	case Mul:
		return c.binary(op, "Mul")
	case Relu:
		return c.unary(op, "Relu")
	case Abs:
		return c.unary(op, "Abs")
	case Reshape:
		return c.reshape(op)
	}
	return errors.New("operator not supported")
}

// checkActivation refuses an operator output the converter cannot keep
// at batch 1 as float32.
func (c *converter) checkActivation(i int) error {
	t := &c.m.Tensors[i]
	switch {
	case t.Type != Float32 || t.Quantized:
		return fmt.Errorf("output %q is %s%s; only float32 models are supported", t.Name, t.Type, quantizedSuffix(t.Quantized))
	case t.Data != nil:
		return fmt.Errorf("output %q is a constant", t.Name)
	case len(t.Shape) == 0 || t.Shape[0] != c.batch:
		return fmt.Errorf("output %q has shape %v, not led by the batch %d", t.Name, t.Shape, c.batch)
	}
	return nil
}

// nchw tells whether tensor t is held NCHW in the graph: every 4-D
// activation is.
func nchw(t *Tensor) bool { return len(t.Shape) == 4 }

// dims is tensor t's shape in the graph: batch 1, NCHW if 4-D.
func (c *converter) dims(t *Tensor) []int64 {
	d := make([]int64, len(t.Shape))
	for i, n := range t.Shape {
		d[i] = int64(n)
	}
	d[0] = 1
	if nchw(t) {
		d[1], d[2], d[3] = d[3], d[1], d[2]
	}
	return d
}

// input is the ONNX value of activation i, which must be computed by now.
func (c *converter) input(i int) (string, error) {
	if i < 0 || !c.ready[i] {
		t := "omitted"
		if i >= 0 {
			t = fmt.Sprintf("%q", c.m.Tensors[i].Name)
		}
		return "", fmt.Errorf("input %s is not computed before it is used", t)
	}
	return c.names[i], nil
}

// define names the ONNX value of activation i, an operator's output.
func (c *converter) define(i int) string {
	if c.names[i] == "" {
		c.names[i] = c.unique(c.m.Tensors[i].Name)
	}
	c.ready[i] = true
	return c.names[i]
}

// unique is name, or name with a number, unused by any other value.
func (c *converter) unique(name string) string {
	if name == "" {
		name = "t"
	}
	u := name
	for k := 1; c.taken[u]; k++ {
		u = fmt.Sprintf("%s_%d", name, k)
	}
	c.taken[u] = true
	return u
}

func (c *converter) node(op string, inputs []string, output string, attrs ...onnx.Attr) {
	c.g.Nodes = append(c.g.Nodes, onnx.Node{Op: op, Name: output, Inputs: inputs, Outputs: []string{output}, Attrs: attrs})
}

func (c *converter) floats(name string, dims []int64, v []float32) string {
	name = c.unique(name)
	c.g.Initializers = append(c.g.Initializers, onnx.FloatTensor(name, dims, v))
	return name
}

func (c *converter) ints(name string, v ...int64) string {
	name = c.unique(name)
	c.g.Initializers = append(c.g.Initializers, onnx.Int64Tensor(name, []int64{int64(len(v))}, v))
	return name
}

// scalar is a float32 scalar initializer, one per value.
func (c *converter) scalar(v float32) string {
	if name, ok := c.consts[v]; ok {
		return name
	}
	name := c.unique(fmt.Sprintf("const/%g", v))
	c.g.Initializers = append(c.g.Initializers, onnx.FloatTensor(name, nil, []float32{v}))
	c.consts[v] = name
	return name
}

// ActivationFunctionType, the activation an operator fuses.
const (
	activationNone      = 0
	activationRelu      = 1
	activationReluN1To1 = 2
	activationRelu6     = 3
	activationTanh      = 4
)

// emit appends node op computing activation out, followed by the fused
// activation act.
func (c *converter) emit(op string, inputs []string, out int, act int8, attrs ...onnx.Attr) error {
	if act == activationNone {
		c.node(op, inputs, c.define(out), attrs...)
		return nil
	}
	if act < activationRelu || act > activationTanh {
		return fmt.Errorf("fused activation %d not supported", act)
	}
	name := c.define(out)
	pre := c.unique(name + "/" + op)
	c.node(op, inputs, pre, attrs...)
	switch act {
	case activationRelu:
		c.node("Relu", []string{pre}, name)
	case activationReluN1To1:
		c.node("Clip", []string{pre, c.scalar(-1), c.scalar(1)}, name)
	case activationRelu6:
		c.node("Clip", []string{pre, c.scalar(0), c.scalar(6)}, name)
	case activationTanh:
		c.node("Tanh", []string{pre}, name)
	}
	return nil
}

// conv converts CONV_2D and DEPTHWISE_CONV_2D: weights OHWI (or 1HWC for
// depthwise) become OIHW, and TFLite's SAME padding, which puts the odd
// pixel after, becomes explicit pads.
func (c *converter) conv(op *Operator) error {
	o, err := op.convOptions()
	if err != nil {
		return err
	}
	if len(op.Inputs) < 2 {
		return fmt.Errorf("%d inputs, want input, weights and bias", len(op.Inputs))
	}
	x, err := c.input(op.Inputs[0])
	if err != nil {
		return err
	}
	in, out := &c.m.Tensors[op.Inputs[0]], &c.m.Tensors[op.Outputs[0]]
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return fmt.Errorf("input %v and output %v, want 4-D images", in.Shape, out.Shape)
	}
	wt := &c.m.Tensors[op.Inputs[1]]
	w, err := wt.Floats()
	if err != nil {
		return err
	}
	if len(wt.Shape) != 4 {
		return fmt.Errorf("weights %q have shape %v, want 4-D", wt.Name, wt.Shape)
	}
	channels, outChannels := in.Shape[3], out.Shape[3]
	kh, kw := wt.Shape[1], wt.Shape[2]
	var perm []int
	group := 1
	if op.Code == Conv2D {
		if wt.Shape[0] != outChannels || wt.Shape[3] != channels {
			return fmt.Errorf("weights %q have shape %v for %d→%d channels (grouped convolution is not supported)", wt.Name, wt.Shape, channels, outChannels)
		}
		perm = []int{0, 3, 1, 2} // OHWI → OIHW
	} else {
		if wt.Shape[0] != 1 || wt.Shape[3] != outChannels || outChannels%channels != 0 {
			return fmt.Errorf("depthwise weights %q have shape %v for %d→%d channels", wt.Name, wt.Shape, channels, outChannels)
		}
		// Output channel k of a depthwise convolution reads input channel
		// k / multiplier, as in an ONNX convolution of one group per input
		// channel.
		perm, group = []int{3, 0, 1, 2}, channels // 1HWC → C1HW
	}
	if o.strideH < 1 || o.strideW < 1 || o.dilateH < 1 || o.dilateW < 1 {
		return fmt.Errorf("strides %d×%d, dilations %d×%d", o.strideH, o.strideW, o.dilateH, o.dilateW)
	}
	top, bottom, err := padding(in.Shape[1], out.Shape[1], kh, o.strideH, o.dilateH, o.padding)
	if err != nil {
		return fmt.Errorf("height: %w", err)
	}
	left, right, err := padding(in.Shape[2], out.Shape[2], kw, o.strideW, o.dilateW, o.padding)
	if err != nil {
		return fmt.Errorf("width: %w", err)
	}
	dims := make([]int64, 4)
	for i, p := range perm {
		dims[i] = int64(wt.Shape[p])
	}
	inputs := []string{x, c.floats(wt.Name, dims, transpose(w, wt.Shape, perm))}
	if len(op.Inputs) > 2 && op.Inputs[2] >= 0 {
		bt := &c.m.Tensors[op.Inputs[2]]
		b, err := bt.Floats()
		if err != nil {
			return err
		}
		if len(b) != outChannels {
			return fmt.Errorf("bias %q has %d values for %d channels", bt.Name, len(b), outChannels)
		}
		inputs = append(inputs, c.floats(bt.Name, []int64{int64(outChannels)}, b))
	}
	return c.emit("Conv", inputs, op.Outputs[0], o.activation,
		onnx.AttrInts("kernel_shape", int64(kh), int64(kw)),
		onnx.AttrInts("strides", int64(o.strideH), int64(o.strideW)),
		onnx.AttrInts("dilations", int64(o.dilateH), int64(o.dilateW)),
		onnx.AttrInts("pads", int64(top), int64(left), int64(bottom), int64(right)),
		onnx.AttrInt("group", int64(group)))
}

// padding is the padding before and after one spatial axis of a
// convolution taking in pixels to out. TFLite's SAME pads to ⌈in/stride⌉
// outputs with the odd pixel after, unlike ONNX's symmetric explicit pads
// and like its SAME_UPPER; the pads are written out so that the model
// states them rather than leaving them to the runtime.
func padding(in, out, kernel, stride, dilation int, mode int8) (before, after int, err error) {
	span := (kernel-1)*dilation + 1
	var want int
	switch mode {
	case paddingSame:
		want = (in + stride - 1) / stride
		total := max((want-1)*stride+span-in, 0)
		before, after = total/2, total-total/2
	case paddingValid:
		want = (in-span)/stride + 1
	default:
		return 0, 0, fmt.Errorf("padding %d not supported", mode)
	}
	if out != want {
		return 0, 0, fmt.Errorf("%d pixels in, %d out, where the padding gives %d", in, out, want)
	}
	return before, after, nil
}

// binary converts ADD, SUB and MUL of two activations, or of an
// activation and a constant, which is laid out NCHW alongside a 4-D one.
func (c *converter) binary(op *Operator, onnxOp string) error {
	act, err := op.activation()
	if err != nil {
		return err
	}
	if len(op.Inputs) != 2 {
		return fmt.Errorf("%d inputs, want 2", len(op.Inputs))
	}
	rank := len(c.m.Tensors[op.Outputs[0]].Shape)
	inputs := make([]string, 2)
	for k, i := range op.Inputs {
		if i < 0 {
			return errors.New("an input is omitted")
		}
		t := &c.m.Tensors[i]
		if t.Data != nil {
			if inputs[k], err = c.constant(t, rank); err != nil {
				return err
			}
			continue
		}
		// Activations broadcast in TFLite by trailing axes; an NCHW one
		// would line up differently unless both are images.
		if len(t.Shape) != rank {
			return fmt.Errorf("input %q has shape %v against an output of rank %d (broadcasting between activations of different ranks is not supported)", t.Name, t.Shape, rank)
		}
		if inputs[k], err = c.input(i); err != nil {
			return err
		}
	}
	return c.emit(onnxOp, inputs, op.Outputs[0], act)
}

// constant is an initializer of constant t as an operand of an
// elementwise operator whose output has the given rank: broadcast to 4-D
// and permuted to NCHW for an image, as is otherwise.
func (c *converter) constant(t *Tensor, rank int) (string, error) {
	v, err := t.Floats()
	if err != nil {
		return "", err
	}
	if len(t.Shape) > rank || len(t.Shape) == rank && rank > 0 && t.Shape[0] != 1 {
		return "", fmt.Errorf("constant %q of shape %v does not broadcast over the batch of a rank-%d output", t.Name, t.Shape, rank)
	}
	if rank != 4 {
		dims := make([]int64, len(t.Shape))
		for i, n := range t.Shape {
			dims[i] = int64(n)
		}
		return c.floats(t.Name, dims, v), nil
	}
	nhwc := []int{1, 1, 1, 1}
	copy(nhwc[4-len(t.Shape):], t.Shape)
	dims := []int64{1, int64(nhwc[3]), int64(nhwc[1]), int64(nhwc[2])}
	return c.floats(t.Name, dims, transpose(v, nhwc, []int{0, 3, 1, 2})), nil
}

// unary converts an elementwise operator of one input and no options.
func (c *converter) unary(op *Operator, onnxOp string) error {
	if len(op.Inputs) != 1 {
		return fmt.Errorf("%d inputs, want 1", len(op.Inputs))
	}
	x, err := c.input(op.Inputs[0])
	if err != nil {
		return err
	}
	return c.emit(onnxOp, []string{x}, op.Outputs[0], activationNone)
}

// reshape converts RESHAPE to the static output shape at batch 1. TFLite
// reshapes NHWC element order, so an image goes back to NHWC first, and
// an image result comes to NCHW after.
func (c *converter) reshape(op *Operator) error {
	if len(op.Inputs) == 0 {
		return errors.New("no input")
	}
	x, err := c.input(op.Inputs[0])
	if err != nil {
		return err
	}
	in, out := &c.m.Tensors[op.Inputs[0]], &c.m.Tensors[op.Outputs[0]]
	if len(in.Shape) == 0 || in.Shape[0] != c.batch || in.Elements() != out.Elements() {
		return fmt.Errorf("reshape of %v to %v does not keep the batch %d apart", in.Shape, out.Shape, c.batch)
	}
	name := c.define(op.Outputs[0])
	if nchw(in) {
		nhwc := c.unique(name + "/nhwc")
		c.node("Transpose", []string{x}, nhwc, onnx.AttrInts("perm", 0, 2, 3, 1))
		x = nhwc
	}
	shape := make([]int64, len(out.Shape))
	for i, n := range out.Shape {
		shape[i] = int64(n)
	}
	shape[0] = 1
	target := c.ints(name+"/shape", shape...)
	if !nchw(out) {
		c.node("Reshape", []string{x, target}, name)
		return nil
	}
	reshaped := c.unique(name + "/nhwc")
	c.node("Reshape", []string{x, target}, reshaped)
	c.node("Transpose", []string{reshaped}, name, onnx.AttrInts("perm", 0, 3, 1, 2))
	return nil
}

// transpose permutes row-major v of the given shape: axis i of the result
// is axis perm[i] of v, as in ONNX Transpose.
func transpose(v []float32, shape, perm []int) []float32 {
	n := len(shape)
	stride := make([]int, n) // of v, per axis
	s := 1
	for i := n - 1; i >= 0; i-- {
		stride[i] = s
		s *= shape[i]
	}
	outShape, outStride := make([]int, n), make([]int, n)
	for i, p := range perm {
		outShape[i], outStride[i] = shape[p], stride[p]
	}
	res := make([]float32, len(v))
	idx := make([]int, n)
	src := 0
	for k := range res {
		res[k] = v[src]
		// Advance the result's index like an odometer, moving src along.
		for a := n - 1; a >= 0; a-- {
			idx[a]++
			src += outStride[a]
			if idx[a] < outShape[a] {
				break
			}
			src -= idx[a] * outStride[a]
			idx[a] = 0
		}
	}
	return res
}
