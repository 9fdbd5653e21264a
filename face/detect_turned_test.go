package face_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/face/photo"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
)

// detectors opens UltraFace and the fallback detector, MediaPipe's
// short-range model, alone, on the fetched models.
func detectors(t *testing.T) (ultra, turned face.Detector) {
	t.Helper()
	testface.Engine(t) // skips when the models are not fetched
	cfg := face.Config{RuntimeLib: filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"), ModelDir: filepath.Join(testface.Deps(), "models")}
	ultra, err := face.NewUltraFace(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ultra.Close)
	model, err := os.ReadFile(filepath.Join(cfg.ModelDir, face.ModelTurned+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if turned, err = face.NewBlazeFace(cfg, model, face.FaceDetectionShort); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(turned.Close)
	return ultra, turned
}

func decoded(t *testing.T, data []byte) *photo.RGB {
	t.Helper()
	img, _, err := photo.DecodeInto(data, photo.DefaultLimits(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The fallback's boxes, reshaped, are the boxes UltraFace gives the same
// faces, which is what the landmark model was trained on: on the faces
// both find (the demo photos' 25, and LFW's when the datasets are here),
// the median overlap is high and the median shape is UltraFace's.
func TestTurnedBoxesAreUltraFaceBoxes(t *testing.T) {
	ultra, turned := detectors(t)
	var photos [][]byte
	for n := 1; n <= 6; n++ {
		photos = append(photos, testface.Sample(t, n))
	}
	photos = append(photos, lfwPhotos(t, 300)...)
	var ious, heights, widths, drops []float64
	for _, data := range photos {
		img := decoded(t, data)
		us := ultra.Detect(img)
		for _, d := range turned.Detect(img) {
			b := face.TurnedBox(d.Box)
			best, overlap := face.Rect{}, float32(0.3)
			for _, u := range us {
				if o := iou(b, u.Box); o > overlap {
					best, overlap = u.Box, o
				}
			}
			if best.H == 0 {
				continue
			}
			ious = append(ious, float64(overlap))
			heights = append(heights, float64(b.H/best.H))
			widths = append(widths, float64(b.W/best.W))
			drops = append(drops, float64((b.Y+b.H/2-best.Y-best.H/2)/best.H))
		}
	}
	if len(ious) < 20 {
		t.Fatalf("only %d faces found by both detectors", len(ious))
	}
	iouM, h, w, drop := median(ious), median(heights), median(widths), median(drops)
	t.Logf("%d faces found by both: median IoU %.3f; reshaped box / UltraFace's: height %.3f, width %.3f, centre lower by %.3f of its height", len(ious), iouM, h, w, drop)
	if iouM < 0.8 || h < 0.95 || h > 1.05 || w < 0.95 || w > 1.05 || drop < -0.03 || drop > 0.03 {
		t.Errorf("the reshaped boxes are not UltraFace's: retune turnedHeight, turnedWidth and turnedDrop from the medians above")
	}
}

// On CFP's profile photos, the engine finds faces UltraFace alone misses,
// turned ones, and on LFW it finds the same faces as UltraFace: the
// fallback runs only when UltraFace finds nothing.
func TestEngineFindsTurnedFaces(t *testing.T) {
	ultra, _ := detectors(t)
	eng := testface.Engine(t)
	dir := testface.Datasets(t, filepath.Join("cfp", "Data", "Images"))
	people, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var missed, rescued, turnedAway int
	for _, p := range people[:min(len(people), 60)] {
		files, _ := filepath.Glob(filepath.Join(dir, p.Name(), "profile", "*.jpg"))
		for _, f := range files[:min(len(files), 4)] {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(ultra.Detect(decoded(t, data))) > 0 {
				continue
			}
			missed++
			faces, err := eng.Analyze(context.Background(), data, face.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) > 0 {
				rescued++
				if y := faces[0].Quality.Yaw; y > 30 || y < -30 {
					turnedAway++
				}
			}
		}
	}
	t.Logf("CFP profiles UltraFace misses: %d; the engine finds %d of them, %d with |yaw| > 30°", missed, rescued, turnedAway)
	if missed == 0 || rescued*10 < missed*7 {
		t.Errorf("the fallback found %d of the %d profiles UltraFace missed; bench detect measured about 80 %%", rescued, missed)
	}
	for _, data := range lfwPhotos(t, 100) {
		faces, err := eng.Analyze(context.Background(), data, face.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if u := ultra.Detect(decoded(t, data)); len(u) > 0 && (len(faces) != len(u) || faces[0].Score != u[0].Score) {
			t.Errorf("an LFW photo where UltraFace finds %d faces: the engine found %d", len(u), len(faces))
		}
	}
}

// lfwPhotos are n LFW photos spread over its identities, none when the
// datasets are absent.
func lfwPhotos(t *testing.T, n int) [][]byte {
	dir := filepath.Join(os.Getenv("VISAGE_DATASETS"), "lfw", "lfw-deepfunneled")
	if os.Getenv("VISAGE_DATASETS") == "" {
		dir = filepath.Join(testface.Deps(), "..", "..", "shared", "datasets", "lfw", "lfw-deepfunneled")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*_0001.jpg"))
	slices.Sort(files)
	var out [][]byte
	for i := 0; i < len(files) && len(out) < n; i += max(1, len(files)/n) {
		data, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func iou(a, b face.Rect) float32 {
	w := min(a.X+a.W, b.X+b.W) - max(a.X, b.X)
	h := min(a.Y+a.H, b.Y+b.H) - max(a.Y, b.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h / (a.W*a.H + b.W*b.H - w*h)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// A face turned more than 20° is aligned by the face mesh's keypoints:
// its template is nearer a frontal photo of the same person than the one
// the 68-point model's keypoints give (Face.Keypoints, which stay the
// 68-point model's), over CFP's frontal–profile pairs of 40 people.
func TestTurnedFacesAlignedByMesh(t *testing.T) {
	eng := testface.Engine(t)
	dir := testface.Datasets(t, filepath.Join("cfp", "Data", "Images"))
	ctx := context.Background()
	embed := func(file string) (face.Face, []byte) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		faces, err := eng.Analyze(ctx, data, face.Options{Embed: true, MaxFaces: 1})
		if err != nil || len(faces) == 0 {
			return face.Face{}, nil
		}
		return faces[0], data
	}
	var pairs int
	var byMesh, by68 float64
	for p := 1; p <= 40; p++ {
		front, _ := embed(filepath.Join(dir, fmt.Sprintf("%03d", p), "frontal", "01.jpg"))
		side, data := embed(filepath.Join(dir, fmt.Sprintf("%03d", p), "profile", "01.jpg"))
		if front.Template == nil || side.Template == nil || math.Abs(float64(side.Quality.Yaw)) <= 20 {
			continue
		}
		old, err := eng.TemplateAt(ctx, data, side.Keypoints)
		if err != nil {
			t.Fatal(err)
		}
		pairs++
		byMesh += float64(match.Cosine(front.Template.Vector, side.Template.Vector))
		by68 += float64(match.Cosine(front.Template.Vector, old.Vector))
	}
	if pairs < 20 {
		t.Fatalf("only %d turned profiles found", pairs)
	}
	byMesh, by68 = byMesh/float64(pairs), by68/float64(pairs)
	t.Logf("%d frontal–profile pairs: mean cosine %.3f aligned by the mesh, %.3f by the 68-point model", pairs, byMesh, by68)
	if byMesh <= by68 {
		t.Errorf("the mesh's alignment does not bring profiles nearer their frontal photos")
	}
}
