package auther_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"testing"

	xdraw "golang.org/x/image/draw"
)

// Photos derived from the demo photos for the criteria the engine
// measures: a blank one, a face scaled down, a face blurred.

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func decodeJPEG(t testing.TB, data []byte) *image.RGBA {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(src.Bounds())
	draw.Draw(out, out.Bounds(), src, src.Bounds().Min, draw.Src)
	return out
}

// blank is a grey photo with nothing on it.
func blank(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 400, 400))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{128, 128, 128, 255}}, image.Point{}, draw.Src)
	return encodeJPEG(t, img)
}

// scaled is the photo resized by factor k.
func scaled(t testing.TB, data []byte, k float64) []byte {
	src := decodeJPEG(t, data)
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*k), int(float64(b.Dy())*k)))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return encodeJPEG(t, dst)
}

// blurred is the photo under three passes of a box blur of radius r in
// each direction, close to a Gaussian of sigma r.
func blurred(t testing.TB, data []byte, r int) []byte {
	img := decodeJPEG(t, data)
	for range 3 {
		img = boxBlur(img, r, 1, 0)
		img = boxBlur(img, r, 0, 1)
	}
	return encodeJPEG(t, img)
}

func boxBlur(src *image.RGBA, r, dx, dy int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sum [3]int
			n := 0
			for i := -r; i <= r; i++ {
				p := image.Pt(x+i*dx, y+i*dy)
				if !p.In(b) {
					continue
				}
				o := src.PixOffset(p.X, p.Y)
				sum[0] += int(src.Pix[o])
				sum[1] += int(src.Pix[o+1])
				sum[2] += int(src.Pix[o+2])
				n++
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(sum[0]/n), uint8(sum[1]/n), uint8(sum[2]/n), 255
		}
	}
	return dst
}
