package tfjs

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/visagehq/visage/convert/onnx"
)

// SSDSize is the side of the square SSD MobileNet v1 takes, and SSDAnchors
// the number of boxes it scores.
const (
	SSDSize    = 512
	SSDAnchors = 5118
)

// bnEpsilon is the variance epsilon of face-api's MobileNet v1 batch
// norms (float32 0.001).
const bnEpsilon = 0.0010000000474974513

// SSDMobileNetV1 converts face-api's ssdMobilenetv1 face detector, read
// from dir/ssd_mobilenetv1_model-weights_manifest.json and its shard: a
// MobileNet v1 feature extractor under six SSD box predictors, then
// face-api's decoding of the box encodings against the anchors the
// manifest carries (Output/extra_dim).
//
// Input "input" is [N, 3, 512, 512] RGB pixels 0–255: face-api pads the
// photo to a square at the bottom or right and resizes it to that.
// Outputs are "boxes", [N, 5118, 4], each anchor's box as (top, left,
// bottom, right) in [0, 1] of the input (not clipped), and "scores",
// [N, 5118], the probability that it is a face. Thresholding and
// non-maximum suppression are left to the caller, as face-api does them
// outside its graph.
//
// The manifest also holds the TF Object Detection API's preprocessing
// constants and int32 shapes, which face-api ignores; so does this.
func SSDMobileNetV1(dir string) (*onnx.Model, error) {
	w, _, err := readManifest(filepath.Join(dir, "ssd_mobilenetv1_model-weights_manifest.json"))
	if err != nil {
		return nil, err
	}
	b, x := newImageBuilder(w, "ssd_mobilenetv1_model", SSDSize)
	// face-api normalises with literals, x/127.5 − 1, not with these.
	b.ignore("Preprocessor/mul/x", "Preprocessor/sub/y")
	x.name = b.node("div_127.5", "Div", []string{x.name, b.constant("127.5", []int64{}, []float32{127.5})})
	x.name = b.node("sub_1", "Sub", []string{x.name, b.constant("1", []int64{}, []float32{1})})
	b.constant("clip_0", []int64{}, []float32{0})
	b.constant("clip_6", []int64{}, []float32{6})

	// mobileNetV1: a full 3×3 convolution, then 13 depthwise-pointwise
	// pairs; the depthwise ones of layers 2, 4, 6 and 12 have stride 2.
	x = b.ssdPointwise("MobilenetV1/Conv2d_0_pointwise", x, 2)
	var conv11 value
	for i := 1; i <= 13; i++ {
		stride := 1
		if i == 2 || i == 4 || i == 6 || i == 12 {
			stride = 2
		}
		x = b.ssdDepthwise(fmt.Sprintf("MobilenetV1/Conv2d_%d_depthwise", i), x, stride)
		x = b.ssdPointwise(fmt.Sprintf("MobilenetV1/Conv2d_%d_pointwise", i), x, 1)
		if i == 11 {
			conv11 = x
		}
	}

	// predictionLayer: four more stride-2 steps, each a 1×1 then a 3×3
	// convolution; boxes are predicted from six of these maps.
	maps := []value{conv11, x}
	y := x
	for i := range 8 {
		y = b.ssdPointwise(fmt.Sprintf("Prediction/Conv2d_%d_pointwise", i), y, 1+i%2)
		if i%2 == 1 {
			maps = append(maps, y)
		}
	}
	var encodings, classes []string
	for i, m := range maps {
		e, c := b.ssdPredictor(fmt.Sprintf("Prediction/BoxPredictor_%d", i), m)
		encodings, classes = append(encodings, e), append(classes, c)
	}
	enc := b.node("box_encodings", "Concat", encodings, onnx.AttrInt("axis", 1))
	cls := b.node("class_predictions", "Concat", classes, onnx.AttrInt("axis", 1))

	// outputLayer: the score is the sigmoid of class 1 (class 0 is the
	// background).
	face := b.node("class_face", "Slice", []string{cls, b.ints("face/starts", 1), b.ints("face/ends", 2), b.ints("face/axes", 2)})
	b.node("scores", "Squeeze", []string{b.node("class_face/sigmoid", "Sigmoid", []string{face}), b.ints("scores/axes", 2)})
	b.ssdDecode(enc)
	return b.build("face-api ssdMobilenetv1 face detector, converted from TF.js by visage convert/tfjs. "+
		"Input: RGB pixels 0-255, NCHW, 512x512 (the photo padded to a square at the bottom or right). "+
		"Outputs: boxes (top, left, bottom, right in [0, 1]) and face scores of the 5118 anchors, before NMS.",
		onnx.Value{Name: "boxes", Type: onnx.Float, Dims: []int64{-1, SSDAnchors, 4}},
		onnx.Value{Name: "scores", Type: onnx.Float, Dims: []int64{-1, SSDAnchors}})
}

// ignore marks weights as deliberately unused.
func (b *builder) ignore(names ...string) {
	for _, n := range names {
		if _, ok := b.weights[n]; !ok {
			b.fail(fmt.Errorf("weight %s missing", n))
		}
		b.used[n] = true
	}
}

// relu6 clips x to [0, 6]; the bounds are the constants clip_0 and clip_6.
func (b *builder) relu6(name string, x value) value {
	x.name = b.node(name, "Clip", []string{x.name, "clip_0", "clip_6"})
	return x
}

// ssdPointwise is face-api's pointwiseConvLayer: a convolution (SAME
// padding, whatever its kernel), plus the folded batch norm's offset,
// then ReLU6.
func (b *builder) ssdPointwise(prefix string, x value, stride int) value {
	t := b.weights[prefix+"/weights"]
	if len(t.Shape) != 4 || t.Shape[0] != t.Shape[1] || t.Shape[2] != x.c {
		b.fail(fmt.Errorf("weight %s/weights has shape %v for %d input channels", prefix, t.Shape, x.c))
		return x
	}
	k, out := t.Shape[0], t.Shape[3]
	w := hwioToOIHW(b.weight(prefix+"/weights", k, k, x.c, out), k, x.c, out, nil)
	x = b.conv(prefix, x, w, b.weight(prefix+"/convolution_bn_offset", out), out, k, stride, 1, same)
	return b.relu6(prefix+"/relu6", x)
}

// ssdDepthwise is face-api's depthwiseConvLayer: a 3×3 depthwise
// convolution, batch norm, ReLU6. The batch norm is folded into the
// filters and a bias: scale = γ/√(σ²+ε), bias = β − μ·scale.
func (b *builder) ssdDepthwise(prefix string, x value, stride int) value {
	c := x.c
	gamma := b.weight(prefix+"/BatchNorm/gamma", c)
	beta := b.weight(prefix+"/BatchNorm/beta", c)
	mean := b.weight(prefix+"/BatchNorm/moving_mean", c)
	variance := b.weight(prefix+"/BatchNorm/moving_variance", c)
	scale := make([]float32, c)
	bias := make([]float32, c)
	for i := range c {
		s := float64(gamma[i]) / math.Sqrt(float64(variance[i])+bnEpsilon)
		scale[i] = float32(s)
		bias[i] = float32(float64(beta[i]) - float64(mean[i])*s)
	}
	// [3, 3, C, 1] holds what HWIO filters of one input and C outputs
	// would, which is ONNX's grouped [C, 1, 3, 3] once reordered.
	w := hwioToOIHW(b.weight(prefix+"/depthwise_weights", 3, 3, c, 1), 3, 1, c, scale)
	x = b.conv(prefix, x, w, bias, c, 3, stride, c, same)
	return b.relu6(prefix+"/relu6", x)
}

// ssdPredictor is face-api's boxPredictionLayer on one feature map: 1×1
// convolutions giving 4 box-encoding values and 3 class logits per anchor
// per cell, each reordered as TF lays them out (cells row by row, then
// anchors) into [N, cells·anchors, 4] and [N, cells·anchors, 3].
func (b *builder) ssdPredictor(prefix string, x value) (encodings, classes string) {
	flat := func(name string, width int) string {
		t := b.weights[name+"/weights"]
		if len(t.Shape) != 4 {
			b.fail(fmt.Errorf("weight %s/weights has shape %v", name, t.Shape))
			return name
		}
		out := t.Shape[3]
		w := hwioToOIHW(b.weight(name+"/weights", 1, 1, x.c, out), 1, x.c, out, nil)
		y := b.conv(name, x, w, b.weight(name+"/biases", out), out, 1, 1, 1, same)
		nhwc := b.node(name+"/nhwc", "Transpose", []string{y.name}, onnx.AttrInts("perm", 0, 2, 3, 1))
		return b.node(name+"/flat", "Reshape", []string{nhwc, b.ints(name+"/flat/shape", 0, -1, int64(width))})
	}
	return flat(prefix+"/BoxEncodingPredictor", 4), flat(prefix+"/ClassPredictor", 3)
}

// ssdDecode adds "boxes": face-api's decodeBoxesLayer. Each anchor of
// Output/extra_dim is (top, left, bottom, right); an encoding (ty, tx, th,
// tw) moves its centre by (ty/10, tx/10) of its size and scales its size
// by (e^(th/5), e^(tw/5)). The operations are face-api's, in its order.
func (b *builder) ssdDecode(enc string) {
	anchors := b.weight("Output/extra_dim", 1, SSDAnchors, 4)
	sizes := make([]float32, 2*SSDAnchors)
	centres := make([]float32, 2*SSDAnchors)
	for i := range SSDAnchors {
		a := anchors[4*i : 4*i+4]
		for j := range 2 {
			s := a[j+2] - a[j]
			sizes[2*i+j] = s
			centres[2*i+j] = a[j] + s/2
		}
	}
	size := b.constant("anchor_sizes", []int64{SSDAnchors, 2}, sizes)
	centre := b.constant("anchor_centres", []int64{SSDAnchors, 2}, centres)
	slice := func(name string, from int64) string {
		return b.node(name, "Slice", []string{enc, b.ints(name+"/starts", from), b.ints(name+"/ends", from+2), b.ints(name+"/axes", 2)})
	}
	scalar := func(v float32) string {
		return b.constant(fmt.Sprintf("decode/%g", v), []int64{}, []float32{v})
	}
	shift := slice("decode/shift", 0)
	grow := slice("decode/grow", 2)
	c := b.node("decode/centre", "Add", []string{
		b.node("decode/shift_scaled", "Mul", []string{b.node("decode/shift_10", "Div", []string{shift, scalar(10)}), size}), centre})
	half := b.node("decode/half", "Div", []string{
		b.node("decode/size", "Mul", []string{
			b.node("decode/exp", "Exp", []string{b.node("decode/grow_5", "Div", []string{grow, scalar(5)})}), size}), scalar(2)})
	b.node("boxes", "Concat", []string{
		b.node("decode/min", "Sub", []string{c, half}),
		b.node("decode/max", "Add", []string{c, half})}, onnx.AttrInt("axis", 2))
}
