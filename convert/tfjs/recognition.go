package tfjs

import (
	"github.com/visagehq/visage/convert/onnx"
)

// RecognitionSize is the side of the face chip the recogniser takes.
const RecognitionSize = 150

// FaceRecognition converts face-api's faceRecognitionNet, read from
// dir/face_recognition_model-weights_manifest.json and its shards: dlib's
// ResNet-34 face descriptor (dlib_face_recognition_resnet_model_v1).
//
// Input "input" is [N, 3, 150, 150] RGB pixels 0–255; output "descriptor"
// is [N, 128], not normalised (face-api compares descriptors by Euclidean
// distance, 0.6 being dlib's same-person threshold).
//
// The network was trained on dlib's face chips: get_face_chip_details(shape,
// 150, 0.25), a similarity transform of the landmarks onto dlib's mean face,
// sampled bilinearly. face-api itself feeds it something rougher — an
// unrotated square around the eyes and mouth (FaceLandmarks.alignDlib),
// zero-padded to a square and resized bilinearly to 150×150 — and the graph
// does not care which: it sees 150×150 pixels.
func FaceRecognition(dir string) (*onnx.Model, error) {
	b, x, err := newBuilder(dir, "face_recognition_model", RecognitionSize)
	if err != nil {
		return nil, err
	}
	// The order and kinds of blocks are FaceRecognitionNet.forwardInput's.
	x = b.scaledConv("conv32_down", x, 7, 32, 2, valid, true)
	x = b.pool("conv32_down/max_pool", "MaxPool", x, 3, 2, valid)
	for _, blk := range []struct {
		name string
		out  int
		down bool
	}{
		{"conv32_1", 32, false}, {"conv32_2", 32, false}, {"conv32_3", 32, false},
		{"conv64_down", 64, true}, {"conv64_1", 64, false}, {"conv64_2", 64, false}, {"conv64_3", 64, false},
		{"conv128_down", 128, true}, {"conv128_1", 128, false}, {"conv128_2", 128, false},
		{"conv256_down", 256, true}, {"conv256_1", 256, false}, {"conv256_2", 256, false},
		{"conv256_down_out", 256, true},
	} {
		x = b.residual(blk.name, x, blk.out, blk.down)
	}
	avg := b.node("global_avg", "ReduceMean", []string{x.name}, onnx.AttrInts("axes", 2, 3), onnx.AttrInt("keepdims", 0))
	b.node("descriptor", "MatMul", []string{avg, b.constant("fc", []int64{256, 128}, b.weight("fc", 256, 128))})
	return b.build("face-api faceRecognitionNet (dlib ResNet-34 face descriptor), converted from TF.js by visage convert/tfjs. "+
		"Input: RGB pixels 0-255, NCHW, a dlib face chip (150 px, padding 0.25). Output: 128-d descriptor, unnormalised.",
		onnx.Value{Name: "descriptor", Type: onnx.Float, Dims: []int64{-1, 128}})
}

// scaledConv is face-api's convLayer: a convolution, its bias, then dlib's
// affine "scale" layer (a frozen batch norm), folded into the filters and
// bias here since (conv·w + b)·s + β = conv·(w·s) + (b·s + β).
func (b *builder) scaledConv(prefix string, x value, k, out, stride int, p padding, relu bool) value {
	w := b.weight(prefix+"/conv/filters", k, k, x.c, out)
	bias := b.weight(prefix+"/conv/bias", out)
	s := b.weight(prefix+"/scale/weights", out)
	beta := b.weight(prefix+"/scale/biases", out)
	fused := make([]float32, out)
	for o := range fused {
		fused[o] = float32(float64(bias[o])*float64(s[o]) + float64(beta[o]))
	}
	y := b.conv(prefix, x, hwioToOIHW(w, k, x.c, out, s), fused, out, k, stride, 1, p)
	if relu {
		y = b.relu(prefix+"/relu", y)
	}
	return y
}

// residual is face-api's residual (down = false) or residualDown block.
// The down block's first convolution is 3×3, stride 2, unpadded, and its
// shortcut is a 2×2 average pool, zero-padded to the new channel count;
// where the pool's output is a row and column larger than the
// convolution's (8→3 against 8→4, and 4→1 against 4→2), face-api pads the
// convolution's output with zeros after its last row and column.
func (b *builder) residual(prefix string, x value, out int, down bool) value {
	stride, p := 1, same
	if down {
		stride, p = 2, valid
	}
	y := b.scaledConv(prefix+"/conv1", x, 3, out, stride, p, true)
	y = b.scaledConv(prefix+"/conv2", y, 3, out, 1, same, false)
	short := x
	if down {
		short = b.pool(prefix+"/avg_pool", "AveragePool", x, 2, 2, valid)
		if short.c != out {
			short = b.padEnd(prefix+"/pad_channels", short, out-short.c, 0, 0)
		}
		if short.h != y.h || short.w != y.w {
			y = b.padEnd(prefix+"/pad_rows", y, 0, short.h-y.h, short.w-y.w)
		}
	}
	return b.relu(prefix+"/relu", b.add(prefix+"/add", y, short))
}
