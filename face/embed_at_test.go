package face_test

import (
	"context"
	"image"
	"testing"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/match"
)

// TemplateAt aligns and embeds as Analyze does: at the keypoints of a
// face turned less than 20° it makes that face's template, and at keypoints moved off the face a
// different one. Demo photo 1 is enlarged beyond what the engine decodes
// (1920 pixels on the long side), so that the keypoints also go through
// the rescaling both make.
func TestTemplateAt(t *testing.T) {
	eng := engine(t)
	ctx := context.Background()
	src := decodeStd(t, sample(t, 1))
	big := image.NewRGBA(image.Rect(0, 0, src.Bounds().Dx()*5/4, src.Bounds().Dy()*5/4))
	draw.BiLinear.Scale(big, big.Bounds(), src, src.Bounds(), draw.Src, nil)
	data := encode(t, big, 95)
	faces := analyze(t, data, face.Options{Embed: true})
	if len(faces) < 2 {
		t.Fatalf("%d faces in demo photo 1, want several", len(faces))
	}
	for i, f := range faces {
		got, err := eng.TemplateAt(ctx, data, f.Keypoints)
		if err != nil {
			t.Fatal(err)
		}
		if got.Model != f.Template.Model {
			t.Errorf("face %d: model %q, Analyze's %q", i, got.Model, f.Template.Model)
		}
		// A face turned more than 20° Analyze aligns by the face mesh.
		if c := match.Cosine(got.Vector, f.Template.Vector); c < 0.9999 && f.Quality.Yaw <= 20 && f.Quality.Yaw >= -20 {
			t.Errorf("face %d (yaw %.0f°): cosine %.6f with Analyze's template, want 1", i, f.Quality.Yaw, c)
		}
		// Half a face's width to the side: another crop, another template.
		moved := f.Keypoints
		for k := range moved {
			moved[k].X += f.Box.W / 2
		}
		other, err := eng.TemplateAt(ctx, data, moved)
		if err != nil {
			t.Fatal(err)
		}
		if c := match.Cosine(other.Vector, f.Template.Vector); c > 0.9 {
			t.Errorf("face %d: keypoints moved off the face still give cosine %.3f", i, c)
		}
	}
	if _, err := eng.TemplateAt(ctx, []byte("not an image"), faces[0].Keypoints); visage.ErrorCode(err) != visage.CodeImageInvalid {
		t.Errorf("garbage: error %v, want %s", err, visage.CodeImageInvalid)
	}
}
