package tfjs

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"

	"github.com/visagehq/visage/convert/onnx"
)

// meanRGB is what face-api subtracts from every pixel before dividing by
// 255, in both nets: dlib's training-set channel means.
var meanRGB = []float32{122.782, 117.001, 104.298}

// builder grows one ONNX graph from a manifest's weights. The first error
// sticks and later steps carry on with zeros, so that a network's code
// reads as the network and is checked once, by build.
type builder struct {
	weights map[string]Tensor
	used    map[string]bool
	names   map[string]bool
	g       onnx.Graph
	err     error
}

// value is an activation: its name in the graph and its shape, NCHW with
// the batch left free.
type value struct {
	name    string
	c, h, w int
}

// newBuilder reads dir/<model>-weights_manifest.json and starts a graph on
// an input of size×size RGB pixels, normalised as face-api does.
func newBuilder(dir, model string, size int) (*builder, value, error) {
	w, err := ReadManifest(filepath.Join(dir, model+"-weights_manifest.json"))
	if err != nil {
		return nil, value{}, err
	}
	b, x := newImageBuilder(w, model, size)
	mean := b.constant("mean_rgb", []int64{1, 3, 1, 1}, meanRGB)
	centred := b.node("sub_mean", "Sub", []string{x.name, mean})
	x.name = b.node("div_255", "Div", []string{centred, b.constant("255", []int64{}, []float32{255})})
	return b, x, nil
}

// newImageBuilder starts a graph of the weights w on an input "input" of
// size×size RGB pixels, NCHW with the batch left free, as they come.
func newImageBuilder(w map[string]Tensor, model string, size int) (*builder, value) {
	b := &builder{weights: w, used: map[string]bool{}, names: map[string]bool{"input": true}}
	b.g.Name = model
	b.g.Inputs = []onnx.Value{{Name: "input", Type: onnx.Float, Dims: []int64{-1, 3, int64(size), int64(size)}}}
	return b, value{"input", 3, size, size}
}

// weight is a manifest's tensor, which must have the given TF.js shape;
// using it marks it used.
func (b *builder) weight(name string, shape ...int) []float32 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	t, ok := b.weights[name]
	switch {
	case !ok:
		b.fail(fmt.Errorf("weight %s missing", name))
	case !slices.Equal(t.Shape, shape):
		b.fail(fmt.Errorf("weight %s has shape %v, want %v", name, t.Shape, shape))
	default:
		b.used[name] = true
		return t.Data
	}
	return make([]float32, n)
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// constant adds an initializer and returns its name.
func (b *builder) constant(name string, dims []int64, data []float32) string {
	b.claim(name)
	b.g.Initializers = append(b.g.Initializers, onnx.FloatTensor(name, dims, data))
	return name
}

func (b *builder) ints(name string, data ...int64) string {
	b.claim(name)
	b.g.Initializers = append(b.g.Initializers, onnx.Int64Tensor(name, []int64{int64(len(data))}, data))
	return name
}

// node adds one operator whose single output, like the node, is called
// name, and returns that name.
func (b *builder) node(name, op string, inputs []string, attrs ...onnx.Attr) string {
	b.claim(name)
	b.g.Nodes = append(b.g.Nodes, onnx.Node{Op: op, Name: name, Inputs: inputs, Outputs: []string{name}, Attrs: attrs})
	return name
}

func (b *builder) claim(name string) {
	if b.names[name] {
		b.fail(fmt.Errorf("name %s used twice in the graph", name))
	}
	b.names[name] = true
}

func (b *builder) relu(name string, x value) value {
	x.name = b.node(name, "Relu", []string{x.name})
	return x
}

func (b *builder) add(name string, x, y value) value {
	x.name = b.node(name, "Add", []string{x.name, y.name})
	return x
}

// padding is TF's padding mode: "same" pads so that out = ⌈in/stride⌉,
// the odd pixel going after; "valid" does not pad.
type padding bool

const (
	same  padding = true
	valid padding = false
)

// pads returns the padding before and after one axis and the output
// length, as TF computes them.
func (p padding) pads(in, k, stride int) (before, after, out int) {
	if p == valid {
		return 0, 0, (in-k)/stride + 1
	}
	out = (in + stride - 1) / stride
	total := max((out-1)*stride+k-in, 0)
	return total / 2, total - total/2, out
}

// conv adds a convolution with filters w in ONNX's OIHW layout (for a
// depthwise one, groups = channels and I = 1) and bias bias, if any.
func (b *builder) conv(name string, x value, w, bias []float32, out, k, stride, groups int, p padding) value {
	top, bottom, h := p.pads(x.h, k, stride)
	left, right, wd := p.pads(x.w, k, stride)
	in := []string{x.name, b.constant(name+"/W", []int64{int64(out), int64(x.c / groups), int64(k), int64(k)}, w)}
	if bias != nil {
		in = append(in, b.constant(name+"/B", []int64{int64(out)}, bias))
	}
	return value{
		name: b.node(name, "Conv", in,
			onnx.AttrInts("kernel_shape", int64(k), int64(k)),
			onnx.AttrInts("strides", int64(stride), int64(stride)),
			onnx.AttrInts("pads", int64(top), int64(left), int64(bottom), int64(right)),
			onnx.AttrInt("group", int64(groups))),
		c: out, h: h, w: wd,
	}
}

// pool adds a MaxPool or AveragePool with TF's padding; ONNX's MaxPool
// pads with −∞ and TF's ignores padding, which is the same thing, and
// average pooling here never pads.
func (b *builder) pool(name, op string, x value, k, stride int, p padding) value {
	top, bottom, h := p.pads(x.h, k, stride)
	left, right, w := p.pads(x.w, k, stride)
	if op == "AveragePool" && top+bottom+left+right != 0 {
		b.fail(fmt.Errorf("%s: padded average pooling not supported", name))
	}
	x.name = b.node(name, op, []string{x.name},
		onnx.AttrInts("kernel_shape", int64(k), int64(k)),
		onnx.AttrInts("strides", int64(stride), int64(stride)),
		onnx.AttrInts("pads", int64(top), int64(left), int64(bottom), int64(right)))
	x.h, x.w = h, w
	return x
}

// padEnd appends zeros after x's channels, rows and columns.
func (b *builder) padEnd(name string, x value, c, h, w int) value {
	pads := b.ints(name+"/pads", 0, 0, 0, 0, 0, int64(c), int64(h), int64(w))
	x.name = b.node(name, "Pad", []string{x.name, pads})
	x.c, x.h, x.w = x.c+c, x.h+h, x.w+w
	return x
}

// dense adds x·w + bias for x [N, in] and TF's w [in, out], the layout
// Gemm takes without transposing.
func (b *builder) dense(name, x string, w, bias []float32, in, out int) string {
	return b.node(name, "Gemm", []string{x,
		b.constant(name+"/W", []int64{int64(in), int64(out)}, w),
		b.constant(name+"/B", []int64{int64(out)}, bias)})
}

// hwioToOIHW reorders TF's [k, k, in, out] filters to ONNX's [out, in, k, k],
// multiplying output channel o by scale[o] when scale is set.
func hwioToOIHW(w []float32, k, in, out int, scale []float32) []float32 {
	r := make([]float32, len(w))
	for y := range k {
		for x := range k {
			for i := range in {
				for o := range out {
					v := w[((y*k+x)*in+i)*out+o]
					if scale != nil {
						v = float32(float64(v) * float64(scale[o]))
					}
					r[((o*in+i)*k+y)*k+x] = v
				}
			}
		}
	}
	return r
}

// build finishes the model, failing if any weight went unused: that means
// the graph is not the network the weights were trained for.
func (b *builder) build(doc string, outputs ...onnx.Value) (*onnx.Model, error) {
	var unused []string
	for name := range b.weights {
		if !b.used[name] {
			unused = append(unused, name)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		b.fail(fmt.Errorf("weights not used by the graph: %v", unused))
	}
	if b.err != nil {
		return nil, fmt.Errorf("%s: %w", b.g.Name, b.err)
	}
	b.g.Outputs = outputs
	return &onnx.Model{Opset: 13, Producer: "visage convert/tfjs", Doc: doc, Graph: b.g}, nil
}
