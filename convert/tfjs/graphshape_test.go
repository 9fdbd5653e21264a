package tfjs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/visagehq/visage/convert/tfjs"
)

// writeShapeModel writes a small graph model of the ops MediaPipe's face
// detectors add: DepthToSpace, ResizeBilinear in its three sampling
// modes, and reshapes to shapes computed at run time from the batch
// (Shape of an activation held in NCHW and of one in TF's layout,
// StridedSlice with masks on shapes and on an image, Pack of constants
// and computed scalars). It returns the model's path and input shape.
func writeShapeModel(t *testing.T) (string, []int64) {
	g := newGraph(t)
	x := g.placeholder("x", -1, 6, 8, 3)
	same := attrs{"padding": str("SAME"), "strides": ilist(1, 1, 1, 1), "dilations": ilist(1, 1, 1, 1)}
	c := g.node("conv", "Conv2D", []string{x, g.floats("w", 1, 1, 3, 8)}, same) // 6×8×8, held NCHW
	d2s := g.node("d2s", "DepthToSpace", []string{c}, attrs{"block_size": num(2), "data_format": str("NHWC")})
	half := g.node("resize_half", "ResizeBilinear", []string{d2s, g.ints("size_half", 24, 32)},
		attrs{"half_pixel_centers": {"b": true}, "align_corners": {"b": false}}) // 24×32×2
	plain := g.node("resize_plain", "ResizeBilinear", []string{c, g.ints("size_plain", 9, 12)}, nil) // 9×12×8
	corners := g.node("resize_corners", "ResizeBilinear", []string{c, g.ints("size_corners", 11, 5)},
		attrs{"align_corners": {"b": true}}) // 11×5×8
	g.node("corners", "Identity", []string{corners}, nil)
	g.output("corners", -1, 11, 5, 8)

	// The batch, read from an NCHW activation, in a shape [N, 768, 2].
	scalar := func(name string, v int) string { return g.intTensor(name, []int{}, []int{v}) }
	shrink := attrs{"shrink_axis_mask": num(1), "begin_mask": num(0), "end_mask": num(0), "ellipsis_mask": num(0), "new_axis_mask": num(0)}
	batch := g.node("batch", "StridedSlice", []string{g.node("shape", "Shape", []string{half}, attrs{"out_type": {"type": "DT_INT32"}}),
		g.ints("b0", 0), g.ints("b1", 1), g.ints("b2", 1)}, shrink)
	flat := g.node("flat", "Reshape", []string{half,
		g.node("flat_shape", "Pack", []string{batch, scalar("n768", 768), scalar("n2", 2)}, attrs{"axis": num(0), "N": num(3)})}, nil)
	g.output("flat", -1, 768, 2)

	// 768 read back from that TF-layout result: [N, 2, 768].
	cells := g.node("cells", "StridedSlice", []string{g.node("shape2", "Shape", []string{flat}, nil),
		g.ints("c0", 1), g.ints("c1", 2), g.ints("c2", 1)}, shrink)
	g.node("swapped", "Reshape", []string{flat,
		g.node("swapped_shape", "Pack", []string{batch, scalar("two", 2), cells}, attrs{"axis": num(0), "N": num(3)})}, nil)
	g.output("swapped", -1, 2, 768)

	// Every other row from 1, the first 5 channels, by masks; then a
	// flatten by a shape packed from constants alone.
	rows := g.node("rows", "StridedSlice", []string{plain, g.ints("r0", 0, 1, 0, 0), g.ints("r1", 0, 8, 0, 5), g.ints("r2", 1, 2, 1, 1)},
		attrs{"begin_mask": num(1), "end_mask": num(1 | 4)}) // 4×12×5
	g.node("rows_flat", "Reshape", []string{rows,
		g.node("rows_shape", "Pack", []string{scalar("minus1", -1), scalar("n240", 240)}, attrs{"axis": num(0), "N": num(2)})}, nil)
	g.output("rows_flat", -1, 240)
	return g.write("shapes"), []int64{-1, 6, 8, 3}
}

// Ops the converter supports only in part are refused with a reason.
func TestGraphModelShapeOpsRefused(t *testing.T) {
	for _, c := range []struct {
		name, want string
		build      func(g *graph)
	}{
		{"ellipsis", "ellipsis_mask", func(g *graph) {
			x := g.placeholder("x", 1, 4, 4, 3)
			g.node("s", "StridedSlice", []string{x, g.ints("b", 0), g.ints("e", 1), g.ints("st", 1)}, attrs{"ellipsis_mask": num(1)})
			g.output("s", 1, 4, 4, 3)
		}},
		{"pack axis", "axis 0", func(g *graph) {
			x := g.placeholder("x", 1, 4, 4, 3)
			g.node("p", "Pack", []string{x, x}, attrs{"axis": num(1)})
			g.output("p", 1, 2, 4, 4, 3)
		}},
		{"pack floats", "int scalars", func(g *graph) {
			x := g.placeholder("x", 1, 4, 4, 3)
			g.node("p", "Pack", []string{x, x}, nil)
			g.output("p", 2, 1, 4, 4, 3)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGraph(t)
			c.build(g)
			_, err := tfjs.GraphModel(g.write("refused"))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v, want one saying %q", err, c.want)
			}
		})
	}
}

// Int32 constants quantised to bytes, as face-api's SSD manifest holds
// them, read back as TF.js rounds them: q·scale + min, halves up.
func TestGraphModelQuantisedInts(t *testing.T) {
	g := newGraph(t)
	x := g.placeholder("x", 1, 2, 3, 4)
	// 4·0.5 − 1, 0·0.5 − 1, 1·0.5 − 1 = 1, −1, −0.5: the last rounds up
	// to 0, where rounding halves away from zero would give −1. (The
	// shape is only read, not run.)
	g.data = append(g.data, 4, 0, 1)
	shape := g.constant("shape", "int32", []int{3}, map[string]any{"dtype": "uint8", "scale": 0.5, "min": -1})
	g.node("flat", "Reshape", []string{x, shape}, nil)
	g.output("flat", 1, 24, 0)
	m, err := tfjs.GraphModel(g.write("quantised"))
	if err != nil {
		t.Fatal(err)
	}
	for _, init := range m.Graph.Initializers {
		if strings.HasPrefix(init.Name, "flat") {
			if fmt.Sprint(init.Int64) != "[1 -1 0]" {
				t.Errorf("shape read as %v, want [1 -1 0]", init.Int64)
			}
			return
		}
	}
	t.Error("the reshape's shape is not in the graph")
}
