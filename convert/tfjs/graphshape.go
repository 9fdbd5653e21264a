package tfjs

import (
	"fmt"
	"math"
	"strconv"

	"github.com/visagehq/visage/convert/onnx"
)

// The ops of MediaPipe's face detectors (as Human's facemesh-detection
// models carry them) beyond plain convolution graphs: a Reshape whose
// shape is built at run time from the input's batch (Shape, StridedSlice,
// Pack), the full-range model's DepthToSpace and ResizeBilinear.
//
// A shape computed at run time is an int64 tensor in ONNX (TF's are
// int32): a tfValue with dyn set, in TF's axis order.

// int is an int attribute: def when the node does not have it, 0 when it
// has it unset (protobuf's JSON leaves zeros out).
func (n *tfNode) int(key string, def int64) (int64, error) {
	a, ok := n.Attr[key]
	switch {
	case !ok:
		return def, nil
	case a.I == "":
		return 0, nil
	}
	v, err := strconv.ParseInt(a.I, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: attribute %s: %w", n.Name, key, err)
	}
	return v, nil
}

// shapeName is the ONNX name of a shape operand: a constant, added as
// name, or a shape computed at run time.
func (c *graphConverter) shapeName(v *tfValue, name string) (string, error) {
	switch {
	case v.i != nil:
		return c.b.ints(name, v.i...), nil
	case v.dyn:
		return v.tf, nil
	}
	return "", fmt.Errorf("shape %s is neither an int32 constant nor computed from shapes", v.tf)
}

// shape converts Shape of an activation. One held in NCHW only has its
// dimensions gathered back into TF's order rather than being transposed.
func (c *graphConverter) shape(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	if t := n.Attr["out_type"].Type; t != "" && t != "DT_INT32" {
		return fmt.Errorf("out_type %s not supported", t)
	}
	if x.f != nil || x.i != nil || x.dyn {
		return fmt.Errorf("shape of %s: only shapes of activations are supported", x.tf)
	}
	if x.nchw && !x.made[x.tf] {
		s := c.b.node(n.Name+stepSep+"nchw", "Shape", []string{x.tf + nchwSuffix})
		c.b.node(n.Name, "Gather", []string{s, c.b.ints(n.Name+stepSep+"order", toNHWC...)}, onnx.AttrInt("axis", 0))
	} else {
		name, err := c.nhwc(x)
		if err != nil {
			return err
		}
		c.b.node(n.Name, "Shape", []string{name})
	}
	c.vals[n.Name] = &tfValue{tf: n.Name, dyn: true, made: map[string]bool{n.Name: true}}
	return nil
}

// stridedSlice converts StridedSlice by constant bounds, in TF's layout,
// to a Slice and, for the axes shrink_axis_mask takes one element of, a
// Squeeze. Ellipses and new axes are not supported.
func (c *graphConverter) stridedSlice(n *tfNode) error {
	ins, err := c.inputs(n, 4)
	if err != nil {
		return err
	}
	var bounds [3][]int64 // begin, end, strides
	for i, what := range []string{"begin", "end", "strides"} {
		if bounds[i], err = intConst(ins[i+1], what); err != nil {
			return err
		}
	}
	begin, end, strides := bounds[0], bounds[1], bounds[2]
	if len(end) != len(begin) || len(strides) != len(begin) {
		return fmt.Errorf("begin %v, end %v and strides %v differ in length", begin, end, strides)
	}
	var masks [5]int64
	for i, key := range []string{"begin_mask", "end_mask", "shrink_axis_mask", "ellipsis_mask", "new_axis_mask"} {
		if masks[i], err = n.int(key, 0); err != nil {
			return err
		}
	}
	if masks[3] != 0 || masks[4] != 0 {
		return fmt.Errorf("ellipsis_mask %d and new_axis_mask %d not supported", masks[3], masks[4])
	}
	set := func(mask int64, i int) bool { return mask>>i&1 == 1 }
	starts, ends, axes, steps := make([]int64, len(begin)), make([]int64, len(begin)), make([]int64, len(begin)), make([]int64, len(begin))
	var squeeze []int64
	for i := range begin {
		b, e, s := begin[i], end[i], strides[i]
		switch {
		case s == 0:
			return fmt.Errorf("stride 0 on axis %d", i)
		case set(masks[2], i): // the element at begin alone
			e, s = b+1, 1
			if b == -1 {
				e = math.MaxInt64
			}
			squeeze = append(squeeze, int64(i))
		default:
			if set(masks[0], i) {
				b = 0
				if s < 0 {
					b = math.MaxInt64
				}
			}
			if set(masks[1], i) {
				e = math.MaxInt64
				if s < 0 {
					e = math.MinInt64
				}
			}
		}
		starts[i], ends[i], axes[i], steps[i] = b, e, int64(i), s
	}
	x, err := c.nhwc(ins[0])
	if err != nil {
		return err
	}
	name := n.Name
	if len(squeeze) > 0 {
		name += stepSep + "slice"
	}
	c.b.node(name, "Slice", []string{x, c.b.ints(n.Name+stepSep+"starts", starts...), c.b.ints(n.Name+stepSep+"ends", ends...),
		c.b.ints(n.Name+stepSep+"axes", axes...), c.b.ints(n.Name+stepSep+"steps", steps...)})
	if len(squeeze) > 0 {
		c.b.node(n.Name, "Squeeze", []string{name, c.b.ints(n.Name+stepSep+"squeeze", squeeze...)})
	}
	if ins[0].dyn {
		c.vals[n.Name] = &tfValue{tf: n.Name, dyn: true, made: map[string]bool{n.Name: true}}
	} else {
		c.produced(n, false)
	}
	return nil
}

// pack converts Pack of int scalars along axis 0, which is how graphs
// build a shape: folded when every scalar is a constant, else a Concat.
func (c *graphConverter) pack(n *tfNode) error {
	if axis, err := n.int("axis", 0); err != nil || axis != 0 {
		return fmt.Errorf("axis %d (%v): only packing scalars along axis 0 is supported", axis, err)
	}
	ins, err := c.inputs(n, len(n.dataInputs()))
	if err != nil {
		return err
	}
	var folded []int64
	for _, v := range ins {
		if len(v.i) == 1 {
			folded = append(folded, v.i[0])
		}
	}
	if len(folded) == len(ins) { // every part is a constant: so is the shape
		c.vals[n.Name] = &tfValue{tf: n.Name, i: folded}
		return nil
	}
	parts := make([]string, len(ins))
	for k, v := range ins {
		part := n.Name + stepSep + strconv.Itoa(k)
		switch {
		case len(v.i) == 1:
			parts[k] = c.b.ints(part, v.i...)
		case v.dyn:
			parts[k] = c.b.node(part, "Unsqueeze", []string{v.tf, c.b.ints(part+stepSep+"axes", 0)})
		default:
			return fmt.Errorf("input %s: only int scalars can be packed", v.tf)
		}
	}
	c.b.node(n.Name, "Concat", parts, onnx.AttrInt("axis", 0))
	c.vals[n.Name] = &tfValue{tf: n.Name, dyn: true, made: map[string]bool{n.Name: true}}
	return nil
}

// depthToSpace converts DepthToSpace (NHWC): TF moves channel
// (i·block + j)·C' + c to pixel offset (i, j), which is ONNX's DCR mode.
func (c *graphConverter) depthToSpace(n *tfNode) error {
	x, err := c.input(n, 0)
	if err != nil {
		return err
	}
	if f := n.str("data_format"); f != "" && f != "NHWC" {
		return fmt.Errorf("data_format %s not supported", f)
	}
	block, err := n.int("block_size", 0)
	if err != nil {
		return err
	}
	if block < 2 {
		return fmt.Errorf("block_size %d", block)
	}
	name, err := c.nchwName(x)
	if err != nil {
		return err
	}
	c.b.node(out(n, true), "DepthToSpace", []string{name}, onnx.AttrInt("blocksize", block), onnx.AttrString("mode", "DCR"))
	c.produced(n, true)
	return nil
}

// resizeBilinear converts ResizeBilinear to a constant size. ONNX's
// Resize wants every dimension's size, so the batch and channels are read
// from the input's shape at run time.
func (c *graphConverter) resizeBilinear(n *tfNode) error {
	ins, err := c.inputs(n, 2)
	if err != nil {
		return err
	}
	size, err := intConst(ins[1], "size")
	if err != nil {
		return err
	}
	if len(size) != 2 {
		return fmt.Errorf("size %v, want [height, width]", size)
	}
	// TF's sampling positions: out·scale by default, (out + ½)·scale − ½
	// with half_pixel_centers, the corners on the corners with
	// align_corners.
	mode := "asymmetric"
	switch align, half := n.Attr["align_corners"].B, n.Attr["half_pixel_centers"].B; {
	case align && half:
		return fmt.Errorf("align_corners and half_pixel_centers both set")
	case align:
		mode = "align_corners"
	case half:
		mode = "half_pixel"
	}
	x, err := c.nchwName(ins[0])
	if err != nil {
		return err
	}
	step := func(s string) string { return n.Name + stepSep + s }
	nc := c.b.node(step("nc"), "Slice", []string{c.b.node(step("shape"), "Shape", []string{x}), c.b.ints(step("starts"), 0), c.b.ints(step("ends"), 2)})
	sizes := c.b.node(step("sizes"), "Concat", []string{nc, c.b.ints(step("hw"), size...)}, onnx.AttrInt("axis", 0))
	c.b.node(out(n, true), "Resize", []string{x, "", "", sizes},
		onnx.AttrString("mode", "linear"), onnx.AttrString("coordinate_transformation_mode", mode))
	c.produced(n, true)
	return nil
}
