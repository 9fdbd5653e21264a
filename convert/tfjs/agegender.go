package tfjs

import (
	"fmt"

	"github.com/visagehq/visage/convert/onnx"
)

// AgeGenderSize is the side of the face crop the age and gender net takes.
const AgeGenderSize = 112

// Indices into the "gender" output.
const (
	Male   = 0
	Female = 1
)

// AgeGender converts face-api's ageGenderNet, read from
// dir/age_gender_model-weights_manifest.json and its shards: a TinyXception
// feature extractor (two main blocks) under two dense heads.
//
// Input "input" is [N, 3, 112, 112] RGB pixels 0–255. Outputs are "age",
// [N, 1], the regressed age in years, and "gender", [N, 2], softmax
// probabilities of male (index Male, 0) and female (index Female, 1).
//
// face-api crops the face for this net from the 68 landmarks' bounding box
// grown by 20% in width and height (10% on each side), unrotated, then
// zero-pads it to a square (centred) and resizes it bilinearly to 112×112.
func AgeGender(dir string) (*onnx.Model, error) {
	b, x, err := newBuilder(dir, "age_gender_model", AgeGenderSize)
	if err != nil {
		return nil, err
	}
	// TinyXception.forwardInput, then AgeGenderNet.runNet.
	w := b.weight("entry_flow/conv_in/filters", 3, 3, 3, 32)
	x = b.conv("entry_flow/conv_in", x, hwioToOIHW(w, 3, 3, 32, nil), b.weight("entry_flow/conv_in/bias", 32), 32, 3, 2, 1, same)
	x = b.relu("entry_flow/conv_in/relu", x)
	x = b.reductionBlock("entry_flow/reduction_block_0", x, 64, false)
	x = b.reductionBlock("entry_flow/reduction_block_1", x, 128, true)
	for i := range 2 {
		x = b.mainBlock(fmt.Sprintf("middle_flow/main_block_%d", i), x)
	}
	x = b.reductionBlock("exit_flow/reduction_block", x, 256, true)
	x = b.relu("exit_flow/separable_conv/relu", b.separableConv("exit_flow/separable_conv", x, 512))

	// A 7×7 average pool of stride 2 over the 7×7 map: one value per
	// channel, so flattening needs no NHWC reordering.
	x = b.pool("avg_pool", "AveragePool", x, 7, 2, valid)
	if x.h != 1 || x.w != 1 {
		b.fail(fmt.Errorf("pooled features are %d×%d, want 1×1", x.h, x.w))
	}
	flat := b.node("flatten", "Flatten", []string{x.name}, onnx.AttrInt("axis", 1))
	b.dense("age", flat, b.weight("fc/age/weights", x.c, 1), b.weight("fc/age/bias", 1), x.c, 1)
	logits := b.dense("gender_logits", flat, b.weight("fc/gender/weights", x.c, 2), b.weight("fc/gender/bias", 2), x.c, 2)
	b.node("gender", "Softmax", []string{logits}, onnx.AttrInt("axis", 1))
	return b.build("face-api ageGenderNet (TinyXception), converted from TF.js by visage convert/tfjs. "+
		"Input: RGB pixels 0-255, NCHW, 112x112 face crop. Outputs: age in years; gender probabilities [male, female].",
		onnx.Value{Name: "age", Type: onnx.Float, Dims: []int64{-1, 1}},
		onnx.Value{Name: "gender", Type: onnx.Float, Dims: []int64{-1, 2}})
}

// separableConv is face-api's depthwiseSeparableConv: a 3×3 depthwise
// convolution (channel multiplier 1), a 1×1 pointwise one, then the bias,
// all with SAME padding and stride 1.
func (b *builder) separableConv(prefix string, x value, out int) value {
	// With one filter per channel, TF's [3, 3, C, 1] depthwise filters are
	// laid out as HWIO filters of one input and C outputs would be, which
	// is ONNX's grouped [C, 1, 3, 3].
	dw := hwioToOIHW(b.weight(prefix+"/depthwise_filter", 3, 3, x.c, 1), 3, 1, x.c, nil)
	x = b.conv(prefix+"/depthwise", x, dw, nil, x.c, 3, 1, x.c, same)
	pw := hwioToOIHW(b.weight(prefix+"/pointwise_filter", 1, 1, x.c, out), 1, x.c, out, nil)
	return b.conv(prefix+"/pointwise", x, pw, b.weight(prefix+"/bias", out), out, 1, 1, 1, same)
}

// reductionBlock halves the map: two separable convolutions, a 3×3 max
// pool of stride 2, plus a strided 1×1 "expansion" convolution of the
// block's input as the shortcut — of the input before the ReLU that
// starts the block when activate is set.
func (b *builder) reductionBlock(prefix string, x value, out int, activate bool) value {
	y := x
	if activate {
		y = b.relu(prefix+"/relu0", y)
	}
	y = b.separableConv(prefix+"/separable_conv0", y, out)
	y = b.separableConv(prefix+"/separable_conv1", b.relu(prefix+"/relu1", y), out)
	y = b.pool(prefix+"/max_pool", "MaxPool", y, 3, 2, same)
	w := b.weight(prefix+"/expansion_conv/filters", 1, 1, x.c, out)
	short := b.conv(prefix+"/expansion_conv", x, hwioToOIHW(w, 1, x.c, out, nil), b.weight(prefix+"/expansion_conv/bias", out), out, 1, 2, 1, same)
	return b.add(prefix+"/add", y, short)
}

// mainBlock is three ReLU-then-separable-convolution steps around an
// identity shortcut.
func (b *builder) mainBlock(prefix string, x value) value {
	y := x
	for i := range 3 {
		name := fmt.Sprintf("%s/separable_conv%d", prefix, i)
		y = b.separableConv(name, b.relu(name+"/relu", y), x.c)
	}
	return b.add(prefix+"/add", y, x)
}
