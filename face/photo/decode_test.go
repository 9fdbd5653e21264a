package photo

import (
	"bytes"
	"go/build"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// Every format decodes the pattern back: exactly for the lossless ones,
// within a tolerance at the quadrant centres for JPEG.
func TestDecodeRoundTrip(t *testing.T) {
	pat := pattern()
	opaqueRGBA := image.NewRGBA(pat.Rect)
	copy(opaqueRGBA.Pix, pat.Pix) // opaque: premultiplied equals straight
	paletted := image.NewPaletted(pat.Rect, color.Palette{
		color.RGBA{0, 0, 0, 255}, // an unused entry, so indices are not colours
		color.RGBA{red[0], red[1], red[2], 255}, color.RGBA{green[0], green[1], green[2], 255},
		color.RGBA{blue[0], blue[1], blue[2], 255}, color.RGBA{yellow[0], yellow[1], yellow[2], 255},
	})
	for y := range patH {
		for x := range patW {
			paletted.Set(x, y, pat.At(x, y))
		}
	}
	encode := func(enc func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}

	cases := []struct {
		format string
		data   []byte
		tol    int
	}{
		{"png", encodePNG(t, pat), 0},
		{"png", encodePNG(t, paletted), 0},
		{"gif", encode(func(b *bytes.Buffer) error { return gif.Encode(b, paletted, nil) }), 0},
		{"jpeg", encodeJPEG(t, pat, 95), 12},
		{"bmp", encode(func(b *bytes.Buffer) error { return bmp.Encode(b, opaqueRGBA) }), 0},
		{"tiff", encode(func(b *bytes.Buffer) error {
			return tiff.Encode(b, pat, &tiff.Options{Compression: tiff.Deflate})
		}), 0},
		{"webp", losslessWebP(pat), 0},
	}
	for _, c := range cases {
		img, info, err := Decode(c.data, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", c.format, err)
			continue
		}
		want := Info{Format: c.format, Width: patW, Height: patH, Orientation: 1, Scale: 1}
		if info != want {
			t.Errorf("%s: info %+v, want %+v", c.format, info, want)
		}
		if img.W != patW || img.H != patH || len(img.Pix) != patW*patH*3 {
			t.Errorf("%s: got %dx%d with %d bytes", c.format, img.W, img.H, len(img.Pix))
			continue
		}
		if c.tol == 0 {
			for y := range patH {
				for x := range patW {
					if want := pat.NRGBAAt(x, y); at(img, x, y) != [3]byte{want.R, want.G, want.B} {
						t.Fatalf("%s: pixel (%d,%d) = %v, want %v", c.format, x, y, at(img, x, y), want)
					}
				}
			}
		}
		if got := quadrantColours(img); !nearAll(got, patCorners, c.tol) {
			t.Errorf("%s: quadrants %v, want %v", c.format, got, patCorners)
		}
	}
}

func nearAll(got, want [4][3]byte, tol int) bool {
	for i := range got {
		if !near(got[i], want[i], tol) {
			return false
		}
	}
	return true
}

// TurboJPEG's pixels agree with image/jpeg's: same colour order and stride,
// and no more difference than the two decoders' chroma upsampling explains.
func TestDecodeJPEGMatchesGo(t *testing.T) {
	data := encodeJPEG(t, photoLike(320, 240), 90)
	img, _, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ref, err := stdDecoders["jpeg"].decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := toRGB(ref, 320, 240)
	if mean := meanAbsDiff(img.Pix, want.Pix); mean > 1.5 {
		t.Errorf("mean absolute difference from image/jpeg %.2f, want <= 1.5", mean)
	}
}

// A large JPEG is decoded at a reduced IDCT scale, then area-averaged down
// to MaxSide; the picture survives both steps.
func TestDecodeJPEGScaled(t *testing.T) {
	big := image.NewNRGBA(image.Rect(0, 0, patW*50, patH*50))
	pat := pattern()
	for y := range big.Rect.Dy() {
		for x := range big.Rect.Dx() {
			big.SetNRGBA(x, y, pat.NRGBAAt(x/50, y/50))
		}
	}
	data := encodeJPEG(t, big, 90)
	for _, maxSide := range []int{0, 1920, 500, 250, 100} {
		img, info, err := Decode(data, Limits{MaxSide: maxSide})
		if err != nil {
			t.Fatal(err)
		}
		wantW, wantH := 2400, 1600
		if maxSide > 0 {
			wantW, wantH = maxSide, (1600*maxSide+1200)/2400
		}
		if img.W != wantW || img.H != wantH || info.Width != 2400 || info.Height != 1600 {
			t.Errorf("MaxSide %d: %dx%d from %dx%d, want %dx%d from 2400x1600",
				maxSide, img.W, img.H, info.Width, info.Height, wantW, wantH)
		}
		if want := float64(wantW) / 2400; info.Scale != want {
			t.Errorf("MaxSide %d: scale %v, want %v", maxSide, info.Scale, want)
		}
		if got := quadrantColours(img); !nearAll(got, patCorners, 12) {
			t.Errorf("MaxSide %d: quadrants %v, want %v", maxSide, got, patCorners)
		}
	}
}

func TestJPEGScaledSize(t *testing.T) {
	for _, c := range []struct{ w, h, max, wantW, wantH int }{
		{4000, 3000, 1920, 2000, 1500}, // 1/2: 1/4 would be 1000 < 1920
		{4000, 3000, 500, 500, 375},    // 1/8 exactly
		{4000, 3000, 499, 500, 375},
		{4000, 3000, 501, 1000, 750},
		{4001, 3001, 1000, 1001, 751}, // TurboJPEG rounds up
		{640, 480, 1920, 640, 480},
		{640, 480, 0, 640, 480},
	} {
		if w, h := jpegScaledSize(c.w, c.h, c.max); w != c.wantW || h != c.wantH {
			t.Errorf("jpegScaledSize(%d, %d, %d) = %d, %d, want %d, %d", c.w, c.h, c.max, w, h, c.wantW, c.wantH)
		}
	}
}

// toRGB gives, for every image type a decoder can return, the colour that
// image/color computes, composited over white.
func TestToRGB(t *testing.T) {
	r := image.Rect(0, 0, 7, 5)
	var (
		rgba    = image.NewRGBA(r)
		nrgba   = image.NewNRGBA(r)
		gray    = image.NewGray(r)
		rgba64  = image.NewRGBA64(r)
		nrgba64 = image.NewNRGBA64(r)
		cmyk    = image.NewCMYK(r)
		ycc420  = image.NewYCbCr(r, image.YCbCrSubsampleRatio420)
		ycc422  = image.NewYCbCr(r, image.YCbCrSubsampleRatio422)
		nycca   = image.NewNYCbCrA(r, image.YCbCrSubsampleRatio444)
		pal     = image.NewPaletted(r, color.Palette{color.NRGBA{10, 200, 30, 255}, color.NRGBA{200, 100, 0, 128}, color.Transparent})
	)
	for y := range r.Dy() {
		for x := range r.Dx() {
			v := uint8(x*37 + y*51)
			a := uint8(255 - x*40)
			rgba.Set(x, y, color.NRGBA{v, 255 - v, v / 2, a})
			nrgba.Set(x, y, color.NRGBA{v, 255 - v, v / 2, a})
			gray.Set(x, y, color.Gray{v})
			rgba64.Set(x, y, color.NRGBA64{uint16(v) * 300, 60000, 1234, uint16(a) * 257})
			nrgba64.Set(x, y, color.NRGBA64{uint16(v) * 300, 60000, 1234, uint16(a) * 257})
			cmyk.Set(x, y, color.CMYK{v, 255 - v, 30, uint8(y * 20)})
			pal.SetColorIndex(x, y, uint8((x+y)%3))
			for _, m := range []*image.YCbCr{ycc420, ycc422, &nycca.YCbCr} {
				m.Y[m.YOffset(x, y)] = v
				m.Cb[m.COffset(x, y)] = 255 - v
				m.Cr[m.COffset(x, y)] = uint8(y * 60)
			}
			nycca.A[nycca.AOffset(x, y)] = a
		}
	}
	for name, m := range map[string]image.Image{
		"RGBA": rgba, "NRGBA": nrgba, "Gray": gray, "RGBA64": rgba64, "NRGBA64": nrgba64, "CMYK": cmyk,
		"YCbCr420": ycc420, "YCbCr422": ycc422, "NYCbCrA": nycca, "Paletted": pal,
	} {
		got := toRGB(m, r.Dx(), r.Dy())
		for y := range r.Dy() {
			for x := range r.Dx() {
				cr, cg, cb, ca := m.At(x, y).RGBA()
				white := float64(0xffff-ca) / 257
				want := [3]byte{
					uint8(float64(cr)/257 + white + 0.5), uint8(float64(cg)/257 + white + 0.5), uint8(float64(cb)/257 + white + 0.5),
				}
				if !near(at(got, x, y), want, 1) {
					t.Errorf("%s (%d,%d): %v, want %v", name, x, y, at(got, x, y), want)
				}
			}
		}
	}
}

// A GIF's first frame may cover only part of the screen the header gives;
// the rest is white, and the size is the screen's.
func TestDecodeGIFPartialFrame(t *testing.T) {
	frame := image.NewPaletted(image.Rect(2, 1, 5, 3), color.Palette{color.RGBA{0, 0, 255, 255}})
	var buf bytes.Buffer
	err := gif.EncodeAll(&buf, &gif.GIF{
		Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{ColorModel: frame.Palette, Width: 6, Height: 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := Decode(buf.Bytes(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if img.W != 6 || img.H != 4 {
		t.Fatalf("got %dx%d, want 6x4", img.W, img.H)
	}
	for y := range 4 {
		for x := range 6 {
			want := [3]byte{255, 255, 255}
			if image.Pt(x, y).In(frame.Rect) {
				want = blue
			}
			if got := at(img, x, y); got != want {
				t.Errorf("(%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

// The JPEG variants of Go's own image test corpus (it ships with every Go
// installation): progressive, gray, CMYK and 4:1:0 (which take the Go path),
// RGB, every subsampling and restart markers all decode, and close to what
// image/jpeg makes of them. ("progressive.truncated" lacks scans, not bytes:
// it is a valid file.)
func TestDecodeGoJPEGCorpus(t *testing.T) {
	dir := filepath.Join(build.Default.GOROOT, "src", "image", "testdata")
	files, _ := filepath.Glob(filepath.Join(dir, "video-00*.jpeg"))
	if len(files) == 0 {
		t.Skipf("no JPEG test corpus in %s", dir)
	}
	for _, file := range files {
		name := filepath.Base(file)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		img, info, err := Decode(data, DefaultLimits())
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		want := toRGB(ref, info.Width, info.Height)
		if img.W != want.W || img.H != want.H {
			t.Errorf("%s: %dx%d, image/jpeg %dx%d", name, img.W, img.H, want.W, want.H)
			continue
		}
		// The RGB file subsamples G and B, where libjpeg's smooth
		// upsampling and image/jpeg's pixel replication differ most (4.2).
		tol := 2.0
		if strings.Contains(name, ".rgb.") {
			tol = 5
		}
		if d := meanAbsDiff(img.Pix, want.Pix); d > tol {
			t.Errorf("%s: mean absolute difference from image/jpeg %.2f, want <= %.0f", name, d, tol)
		}
	}
}

func meanAbsDiff(a, b []byte) float64 {
	var sum int
	for i := range a {
		sum += max(int(a[i])-int(b[i]), int(b[i])-int(a[i]))
	}
	return float64(sum) / float64(len(a))
}
