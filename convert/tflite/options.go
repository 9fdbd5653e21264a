package tflite

import "fmt"

// options is an operator's builtin_options union: its type and table.
type options struct {
	kind uint8
	t    table
}

// BuiltinOptions union types (the union's member index plus one).
const (
	conv2DOptions          = 1
	depthwiseConv2DOptions = 2
	addOptions             = 11
	mulOptions             = 21
	subOptions             = 28
)

// Padding is the schema enum Padding.
const (
	paddingSame  = 0
	paddingValid = 1
)

// convOptions are the fields Conv2DOptions and DepthwiseConv2DOptions
// share; depth_multiplier, which only the latter has, is implied by the
// weights' shape.
type convOptions struct {
	padding          int8
	strideH, strideW int
	dilateH, dilateW int
	activation       int8
}

// opts returns the operator's options table, checking it is of the kind
// the operator takes. ok is false when the file leaves it out, meaning
// every field has its default.
func (op *Operator) opts(kind uint8) (t table, ok bool, err error) {
	switch op.options.kind {
	case 0:
		return table{}, false, nil
	case kind:
		return op.options.t, true, nil
	}
	return table{}, false, fmt.Errorf("%s has options of union type %d, want %d", op.Name(), op.options.kind, kind)
}

func (op *Operator) convOptions() (convOptions, error) {
	// Field slots: Conv2DOptions {padding, stride_w, stride_h,
	// fused_activation_function, dilation_w_factor, dilation_h_factor};
	// DepthwiseConv2DOptions has depth_multiplier before the activation.
	kind, act, dilW := uint8(conv2DOptions), 3, 4
	if op.Code == DepthwiseConv2D {
		kind, act, dilW = depthwiseConv2DOptions, 4, 5
	}
	t, ok, err := op.opts(kind)
	if err != nil {
		return convOptions{}, err
	}
	if !ok {
		return convOptions{}, fmt.Errorf("%s has no options (strides unknown)", op.Name())
	}
	return convOptions{
		padding:    t.i8(0, paddingSame),
		strideW:    int(t.i32(1, 0)),
		strideH:    int(t.i32(2, 0)),
		activation: t.i8(act, activationNone),
		dilateW:    int(t.i32(dilW, 1)),
		dilateH:    int(t.i32(dilW+1, 1)),
	}, nil
}

// activation is the fused_activation_function of an ADD, SUB or MUL: the
// first field of their options tables.
func (op *Operator) activation() (int8, error) {
	kind := map[BuiltinOperator]uint8{Add: addOptions, Sub: subOptions, Mul: mulOptions}[op.Code]
	t, ok, err := op.opts(kind)
	if err != nil || !ok {
		return activationNone, err
	}
	return t.i8(0, activationNone), nil
}
