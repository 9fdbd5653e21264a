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
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/match"
)

// A pack with flip_beyond_yaw embeds turned faces with their mirror
// image and frontal ones as before: the default, which flips beyond 20°,
// makes the same frontal templates as the built-in pack of the same two
// members that never flips, and brings CFP's profiles nearer their
// frontal photos.
func TestFlipBeyondYaw(t *testing.T) {
	testface.Engine(t) // skips without the models
	open := func(name string) *face.Engine {
		eng, err := face.New(face.Config{RuntimeLib: filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"),
			ModelDir: filepath.Join(testface.Deps(), "models"), Pack: name, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(eng.Close)
		return eng
	}
	plain, flipped := open("fused-mfn512-dlib128"), open("fused-mfn512-dlib128-flip20")
	if flipped.Pack().FlipBeyondYaw != 20 {
		t.Fatalf("fused-mfn512-dlib128-flip20 flips beyond %v°", flipped.Pack().FlipBeyondYaw)
	}
	if want := plain.Model() + "+flip>20"; flipped.Model() != want {
		t.Errorf("the flipping pack's ID is %s, want %s", flipped.Model(), want)
	}
	ctx := context.Background()
	embed := func(eng *face.Engine, data []byte) face.Face {
		faces, err := eng.Analyze(ctx, data, face.Options{Embed: true, MaxFaces: 1})
		if err != nil || len(faces) == 0 {
			return face.Face{}
		}
		return faces[0]
	}
	frontal := 0
	for _, person := range [][2]int{{6, 0}, {6, 1}, {3, 1}, {4, 0}, {5, 0}, {5, 2}} {
		photo := testface.Person(t, person[0], person[1], 0)
		a, b := embed(plain, photo), embed(flipped, photo)
		if a.Template == nil || math.Abs(float64(a.Quality.Yaw)) > 20 {
			continue
		}
		frontal++
		if !slices.Equal(a.Template.Vector, b.Template.Vector) {
			t.Errorf("a frontal face (yaw %.1f°) is embedded differently by the flipping pack", a.Quality.Yaw)
		}
	}
	if frontal < 2 {
		t.Fatalf("only %d frontal faces among the demo photos", frontal)
	}

	images := testface.Datasets(t, filepath.Join("cfp", "Data", "Images"))
	var pairs int
	var withFlip, without float64
	for p := 1; p <= 30; p++ {
		frontal, err := os.ReadFile(filepath.Join(images, fmt.Sprintf("%03d", p), "frontal", "01.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		profile, err := os.ReadFile(filepath.Join(images, fmt.Sprintf("%03d", p), "profile", "01.jpg"))
		if err != nil {
			t.Fatal(err)
		}
		f, side := embed(plain, frontal), embed(plain, profile)
		flippedSide := embed(flipped, profile)
		if f.Template == nil || side.Template == nil || math.Abs(float64(side.Quality.Yaw)) <= 20 {
			continue
		}
		pairs++
		without += float64(match.Cosine(f.Template.Vector, side.Template.Vector))
		withFlip += float64(match.Cosine(f.Template.Vector, flippedSide.Template.Vector))
	}
	if pairs < 15 {
		t.Fatalf("only %d turned profiles found", pairs)
	}
	withFlip, without = withFlip/float64(pairs), without/float64(pairs)
	t.Logf("%d frontal–profile pairs: mean cosine %.3f with the profile flipped, %.3f without", pairs, withFlip, without)
	if withFlip <= without {
		t.Errorf("flipping turned faces does not bring profiles nearer their frontal photos")
	}
}
