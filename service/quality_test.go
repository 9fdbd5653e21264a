package service_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
)

// A photo whose face will hardly be recognised later is refused at
// enrollment with LOW_QUALITY and advice about what is wrong with it; the
// same face, well taken, enrolls.
func TestLowQualityRefused(t *testing.T) {
	f := newFixture(t)
	app := f.app(t, visage.AppSettings{})
	good := testface.Person(t, 6, 0, 0)
	src, err := jpeg.Decode(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()

	// The face about 24 pixels tall: the photo shrunk 14 times. (LFW's
	// faces shrunk to 22 pixels matched another photo of the same person
	// 60 % of the time, to 18 pixels 13 %.)
	small := resized(src, b.Dx()/14, b.Dy()/14)
	// The face out of focus: shrunk 16 times, then blown back up.
	blurred := resized(resized(src, b.Dx()/16, b.Dy()/16), b.Dx(), b.Dy())
	for _, c := range []struct {
		name   string
		img    image.Image
		advice string
	}{
		{"small", small, "pixels tall"},
		{"blurred", blurred, "blurred"},
	} {
		_, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{jpegOf(t, c.img)}})
		wantCode(t, err, visage.CodeLowQuality)
		t.Logf("%s: %v", c.name, err)
		if !strings.Contains(err.Error(), c.advice) {
			t.Errorf("%s photo: %v, want advice about %q", c.name, err, c.advice)
		}
	}
	en, err := f.svc.Enroll(f.ctx, app, service.EnrollRequest{Images: [][]byte{good}})
	check(t, err)
	if en.Quality.Score == nil || *en.Quality.Score < service.MinEnrollQuality {
		t.Errorf("the good photo's quality: %v", en.Quality.Score)
	}
}

func resized(src image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func jpegOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
