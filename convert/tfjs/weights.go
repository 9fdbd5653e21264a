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
	"bytes"
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
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	out := map[string]Tensor{}
	for _, g := range m {
		var buf bytes.Buffer
		for _, p := range g.Paths {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
			if err != nil {
				return nil, err
			}
			buf.Write(b)
		}
		data := buf.Bytes()
		for _, w := range g.Weights {
			if w.Dtype != "float32" {
				return nil, fmt.Errorf("%s: weight %s: dtype %s not supported", path, w.Name, w.Dtype)
			}
			if _, dup := out[w.Name]; dup {
				return nil, fmt.Errorf("%s: weight %s listed twice", path, w.Name)
			}
			n := 1
			for _, d := range w.Shape {
				if d < 0 {
					return nil, fmt.Errorf("%s: weight %s has shape %v", path, w.Name, w.Shape)
				}
				n *= d
			}
			stored := "float32"
			if w.Quantization != nil {
				stored = w.Quantization.Dtype
			}
			size := storedSize[stored]
			if size == 0 {
				return nil, fmt.Errorf("%s: weight %s: quantisation %s not supported", path, w.Name, stored)
			}
			q := w.Quantization
			if (stored == "uint8" || stored == "uint16") && (q.Scale == nil || q.Min == nil) {
				return nil, fmt.Errorf("%s: weight %s: %s quantisation without scale and min", path, w.Name, stored)
			}
			if len(data) < n*size {
				return nil, fmt.Errorf("%s: weight %s runs past the end of its shards", path, w.Name)
			}
			t := Tensor{Shape: w.Shape, Data: make([]float32, n)}
			for i := range t.Data {
				switch stored {
				case "float32":
					t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
				case "float16":
					t.Data[i] = halfToFloat(binary.LittleEndian.Uint16(data[2*i:]))
				case "uint16":
					t.Data[i] = dequantise(float64(binary.LittleEndian.Uint16(data[2*i:])), *q.Scale, *q.Min)
				case "uint8":
					t.Data[i] = dequantise(float64(data[i]), *q.Scale, *q.Min)
				}
			}
			out[w.Name] = t
			data = data[n*size:]
		}
		if len(data) != 0 {
			return nil, fmt.Errorf("%s: %d bytes of shards %v left after the group's weights", path, len(data), g.Paths)
		}
	}
	return out, nil
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
