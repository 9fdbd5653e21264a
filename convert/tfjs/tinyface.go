package tfjs

import (
	"fmt"
	"path/filepath"

	"github.com/visagehq/visage/convert/onnx"
)

// TinyFaceAnchors is the number of boxes the tiny face detector predicts
// per cell of its grid, and TinyFaceCell the input pixels a cell spans.
const (
	TinyFaceAnchors = 5
	TinyFaceCell    = 32
)

// tinyMeanRGB is what the tiny face detector subtracts from every pixel
// before dividing by 255.
var tinyMeanRGB = []float32{117.001, 114.697, 97.404}

// TinyFaceDetector converts face-api's tinyFaceDetector, read from
// dir/tiny_face_detector_model-weights_manifest.json and its shard, for a
// size×size input (a multiple of 32; face-api's default is 416): a Tiny
// YOLO v2 of separable convolutions.
//
// Input "input" is [N, 3, size, size] RGB pixels 0–255 (face-api pads the
// photo to a square at the bottom or right and resizes it to that).
// Output "output" is the raw prediction grid as TF lays it out, [N, size/32,
// size/32, 25]: per cell, for each of 5 anchors, x, y, w, h and the
// objectness logit. Decoding and non-maximum suppression are the caller's,
// as face-api does them outside its graph.
func TinyFaceDetector(dir string, size int) (*onnx.Model, error) {
	if size <= 0 || size%TinyFaceCell != 0 {
		return nil, fmt.Errorf("tiny face detector: input size %d is not a positive multiple of %d", size, TinyFaceCell)
	}
	w, err := ReadManifest(filepath.Join(dir, "tiny_face_detector_model-weights_manifest.json"))
	if err != nil {
		return nil, err
	}
	b, x := newImageBuilder(w, "tiny_face_detector_model", size)
	mean := b.constant("mean_rgb", []int64{1, 3, 1, 1}, tinyMeanRGB)
	x.name = b.node("div_255", "Div", []string{b.node("sub_mean", "Sub", []string{x.name, mean}), b.constant("255", []int64{}, []float32{255})})

	// runMobilenet: a 3×3 convolution without padding, then separable
	// convolutions between 2×2 max pools (the last of stride 1).
	k := b.weight("conv0/filters", 3, 3, 3, 16)
	x = b.leaky("conv0/leaky", b.conv("conv0", x, hwioToOIHW(k, 3, 3, 16, nil), b.weight("conv0/bias", 16), 16, 3, 1, 1, valid))
	for i, out := range []int{32, 64, 128, 256, 512} {
		x = b.pool(fmt.Sprintf("pool%d", i), "MaxPool", x, 2, 2, same)
		name := fmt.Sprintf("conv%d", i+1)
		x = b.leaky(name+"/leaky", b.separableConv(name, x, out))
	}
	x = b.pool("pool5", "MaxPool", x, 2, 1, same)
	k = b.weight("conv8/filters", 1, 1, x.c, 25)
	x = b.conv("conv8", x, hwioToOIHW(k, 1, x.c, 25, nil), b.weight("conv8/bias", 25), 25, 1, 1, 1, valid)
	b.node("output", "Transpose", []string{x.name}, onnx.AttrInts("perm", 0, 2, 3, 1))
	cells := int64(size / TinyFaceCell)
	return b.build("face-api tinyFaceDetector, converted from TF.js by visage convert/tfjs. "+
		"Input: RGB pixels 0-255, NCHW, the photo padded to a square at the bottom or right. "+
		"Output: the raw grid, NHWC, per anchor x, y, w, h, objectness logit; decoding and NMS are the caller's.",
		onnx.Value{Name: "output", Type: onnx.Float, Dims: []int64{-1, cells, cells, TinyFaceAnchors * 5}})
}

// leaky is face-api's leaky ReLU of slope 0.1 (written there as
// relu(x − 0.1x) + 0.1x, the same function).
func (b *builder) leaky(name string, x value) value {
	x.name = b.node(name, "LeakyRelu", []string{x.name}, onnx.AttrFloat("alpha", 0.1))
	return x
}
