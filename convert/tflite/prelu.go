package tflite

import "github.com/visagehq/visage/convert/onnx"

// TFLite has no PReLU in the models it made from TensorFlow's
// MobileFaceNet: the exporter lowered each one to
//
//	relu(x) + k · (x − |x|)
//
// which converts to five ONNX nodes over the whole activation. Since
// x − |x| = 2·min(x, 0), foldAbsSub turns Abs and Sub into one Min and
// doubles k, saving a pass over the activation per PReLU. The result is
// the same to the bit: doubling is exact in floating point, so
// (2·min(x,0))·k and min(x,0)·(2k) round alike.
func (c *converter) foldAbsSub() {
	g := &c.g
	uses := map[string]int{}
	producer := map[string]int{}
	for i, n := range g.Nodes {
		for _, in := range n.Inputs {
			uses[in]++
		}
		for _, out := range n.Outputs {
			producer[out] = i
		}
	}
	for _, v := range g.Outputs {
		uses[v.Name]++
	}
	init := map[string]int{}
	for i, t := range g.Initializers {
		init[t.Name] = i
	}
	drop := map[int]bool{}
	for i, sub := range g.Nodes {
		if sub.Op != "Sub" || len(sub.Inputs) != 2 {
			continue
		}
		x, a, d := sub.Inputs[0], sub.Inputs[1], sub.Outputs[0]
		ai, ok := producer[a]
		if !ok || g.Nodes[ai].Op != "Abs" || g.Nodes[ai].Inputs[0] != x || uses[a] != 1 || uses[d] != 1 {
			continue
		}
		mi, k := c.mulByConstant(d, init)
		if mi < 0 || uses[k] != 1 {
			continue
		}
		t := &g.Initializers[init[k]]
		for j := range t.Float32 {
			t.Float32[j] *= 2
		}
		g.Nodes[i] = onnx.Node{Op: "Min", Inputs: []string{x, c.scalar(0)}, Outputs: []string{d}}
		drop[ai] = true
	}
	kept := g.Nodes[:0]
	for i, n := range g.Nodes {
		if !drop[i] {
			kept = append(kept, n)
		}
	}
	g.Nodes = kept
}

// mulByConstant finds the Mul node that multiplies v by a float
// initializer, and the initializer's name; -1 when there is none.
func (c *converter) mulByConstant(v string, init map[string]int) (int, string) {
	for i, n := range c.g.Nodes {
		if n.Op != "Mul" || len(n.Inputs) != 2 {
			continue
		}
		for j, in := range n.Inputs {
			other := n.Inputs[1-j]
			if ti, ok := init[other]; in == v && ok && c.g.Initializers[ti].Type == onnx.Float {
				return i, other
			}
		}
	}
	return -1, ""
}
