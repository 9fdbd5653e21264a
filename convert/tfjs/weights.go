// Package tfjs converts face-api's TF.js networks (@vladmandic/face-api, MIT)
// to ONNX: the face recogniser (dlib's ResNet-34 face descriptor) and the
// age and gender net. TF.js keeps only weights on disk — a JSON manifest
// and binary shards — and the architectures live in face-api's code, so
// the builders here restate that code as ONNX graphs, node for node.
//
// Each graph takes raw RGB pixels 0–255 as NCHW float32 and does face-api's
// own normalisation first, (x − [122.782, 117.001, 104.298]) / 255, so
// callers feed pixels and nothing else.
package tfjs

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// Tensor is one weight of a manifest: its shape as TF.js gives it (HWIO
// for convolution filters) and its values, dequantised.
type Tensor struct {
	Shape []int
	Data  []float32
}

// manifest is a weights manifest: groups of weights, each group stored as
// the concatenation of its shard files.
type manifest []struct {
	Paths   []string `json:"paths"`
	Weights []struct {
		Name         string `json:"name"`
		Shape        []int  `json:"shape"`
		Dtype        string `json:"dtype"`
		Quantization *struct {
			Dtype string   `json:"dtype"`
			Scale *float64 `json:"scale"` // for uint8 and uint16
			Min   *float64 `json:"min"`
		} `json:"quantization"`
	} `json:"weights"`
}

// ReadManifest reads a TF.js weights manifest and the shards it names
// (relative to its folder) into tensors by weight name. Only float32
// weights are supported — stored as float32, or quantised to uint8 or
// uint16 (value = q·scale + min) or to float16 — which covers every
// weight face-api's recogniser and age/gender nets use.
func ReadManifest(path string) (map[string]Tensor, error) {
	floats, ints, err := readManifest(path)
	if err != nil {
		return nil, err
	}
	for name := range ints {
		return nil, fmt.Errorf("%s: weight %s: dtype int32 not supported", path, name)
	}
	return floats, nil
}

// readManifest reads a weights manifest and its shards: the float32
// weights, and the int32 ones apart.
func readManifest(path string) (map[string]Tensor, map[string][]int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	floats, ints, err := readWeights(filepath.Dir(path), m)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return floats, ints, nil
}

// readWeights reads the shards of a weights manifest (relative to dir):
// float32 weights by name, and the int32 ones that graph models hold for
// shapes and axes.
func readWeights(dir string, m manifest) (map[string]Tensor, map[string][]int64, error) {
	floats := map[string]Tensor{}
	ints := map[string][]int64{}
	for _, g := range m {
		var data []byte
		for _, p := range g.Paths {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				return nil, nil, err
			}
			data = append(data, b...)
		}
		for _, w := range g.Weights {
			if _, dup := floats[w.Name]; dup || ints[w.Name] != nil {
				return nil, nil, fmt.Errorf("weight %s listed twice", w.Name)
			}
			n := 1
			for _, d := range w.Shape {
				if d < 0 {
					return nil, nil, fmt.Errorf("weight %s has shape %v", w.Name, w.Shape)
				}
				n *= d
			}
			stored, scale, lo := w.Dtype, 0.0, 0.0
			if q := w.Quantization; q != nil {
				stored = q.Dtype
				if q.Scale != nil && q.Min != nil {
					scale, lo = *q.Scale, *q.Min
				} else if stored == "uint8" || stored == "uint16" {
					return nil, nil, fmt.Errorf("weight %s: %s quantisation without scale and min", w.Name, stored)
				}
			}
			size := storedSize[stored]
			switch {
			case w.Dtype == "int32" && stored == "int32":
				size = 4
			case w.Dtype == "int32" && (stored == "uint8" || stored == "uint16"):
				// quantised ints: their stored size, as floats'
			case w.Dtype != "float32" || size == 0:
				return nil, nil, fmt.Errorf("weight %s: %s stored as %s not supported", w.Name, w.Dtype, stored)
			}
			if len(data) < n*size {
				return nil, nil, fmt.Errorf("weight %s runs past the end of its shards", w.Name)
			}
			switch {
			case w.Dtype == "int32" && stored == "int32":
				v := make([]int64, n)
				for i := range v {
					v[i] = int64(int32(binary.LittleEndian.Uint32(data[4*i:])))
				}
				ints[w.Name] = v
			case w.Dtype == "int32":
				// Quantised shapes, as face-api's SSD manifest stores its
				// leftovers: TF.js rounds q·scale + min, in doubles, with
				// Math.round (halves up).
				v := make([]int64, n)
				for i := range v {
					q := float64(data[i])
					if stored == "uint16" {
						q = float64(binary.LittleEndian.Uint16(data[2*i:]))
					}
					v[i] = int64(math.Floor(q*scale + lo + 0.5))
				}
				ints[w.Name] = v
			default:
				floats[w.Name] = Tensor{Shape: w.Shape, Data: decodeFloats(data, n, stored, scale, lo)}
			}
			data = data[n*size:]
		}
		if len(data) != 0 {
			return nil, nil, fmt.Errorf("%d bytes of shards %v left after the group's weights", len(data), g.Paths)
		}
	}
	return floats, ints, nil
}

// decodeFloats is the first n values of a float32 weight stored as stored
// (a key of storedSize).
func decodeFloats(data []byte, n int, stored string, scale, lo float64) []float32 {
	out := make([]float32, n)
	for i := range out {
		switch stored {
		case "float32":
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		case "float16":
			out[i] = halfToFloat(binary.LittleEndian.Uint16(data[2*i:]))
		case "uint16":
			out[i] = dequantise(float64(binary.LittleEndian.Uint16(data[2*i:])), scale, lo)
		case "uint8":
			out[i] = dequantise(float64(data[i]), scale, lo)
		}
	}
	return out
}

// storedSize is the bytes per value of each storage type read.
var storedSize = map[string]int{"float32": 4, "float16": 2, "uint16": 2, "uint8": 1}

// dequantise computes q·scale + lo (the manifest's min) as TF.js does: in
// float64, rounded once to float32. The inner conversion forbids fusing
// the two operations into one multiply-add, which would round differently
// from JavaScript.
func dequantise(q, scale, lo float64) float32 {
	return float32(float64(q*scale) + lo)
}

// halfToFloat widens an IEEE 754 binary16 value; every one is exact in
// float32.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: frac·2⁻²⁴
		v := float32(frac) / (1 << 24)
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
