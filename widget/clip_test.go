package widget_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// The fake camera: a clip made from one real photo, as Chromium's
// --use-file-for-fake-video-capture plays it (in a loop), and as JPEG
// frames for the protocol tests that need no browser.

const (
	camW, camH = 640, 480
	camFPS     = 10
)

// tiltClip is the photo fitted in the camera frame: still for two
// seconds, then the head tilted 20° one way, back, and 20° the other way
// — what a person does for the tilt challenges. A photo can be tilted;
// it cannot turn its head, which is why these tests ask for tilts only.
func tiltClip(t testing.TB, photo []byte) []image.Image {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	var angles []float64
	for range 2 * camFPS {
		angles = append(angles, 0)
	}
	for _, target := range []float64{20, -20} {
		for i := 1; i <= 5; i++ {
			angles = append(angles, target*float64(i)/5)
		}
		for range 8 {
			angles = append(angles, target)
		}
		for i := 4; i >= 0; i-- {
			angles = append(angles, target*float64(i)/5)
		}
	}
	frames := make([]image.Image, len(angles))
	for i, a := range angles {
		frames[i] = place(src, a)
	}
	return frames
}

// stillClip is the photo fitted in the frame, unmoving, for a second.
func stillClip(t testing.TB, photo []byte) []image.Image {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	f := place(src, 0)
	frames := make([]image.Image, camFPS)
	for i := range frames {
		frames[i] = f
	}
	return frames
}

// emptyClip is a camera looking at a plain wall with a soft gradient.
func emptyClip() []image.Image {
	img := image.NewRGBA(image.Rect(0, 0, camW, camH))
	for y := range camH {
		for x := range camW {
			img.Set(x, y, color.RGBA{uint8(150 + x/16), uint8(140 + y/16), 120, 255})
		}
	}
	return []image.Image{img, img}
}

// place draws src scaled to fill 90 % of the frame's height, centred,
// turned deg degrees anticlockwise about its centre, on grey.
func place(src image.Image, deg float64) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, camW, camH))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	b := src.Bounds()
	s := math.Min(0.9*camH/float64(b.Dy()), 0.9*camW/float64(b.Dx()))
	th := deg * math.Pi / 180
	// dst = centre + s·R·(p − srcCentre), R turning anticlockwise on
	// screen (y points down).
	c, sn := s*math.Cos(th), s*math.Sin(th)
	cx, cy := float64(b.Min.X+b.Max.X)/2, float64(b.Min.Y+b.Max.Y)/2
	m := f64.Aff3{
		c, sn, camW/2 - c*cx - sn*cy,
		-sn, c, camH/2 + sn*cx - c*cy,
	}
	draw.BiLinear.Transform(dst, m, src, b, draw.Over, nil)
	return dst
}

// jpegOf encodes a frame as the widget sends it.
func jpegOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeY4M writes frames as a YUV4MPEG2 (4:2:0) file, the format
// Chromium's fake camera reads.
func writeY4M(path string, frames []image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "YUV4MPEG2 W%d H%d F%d:1 Ip A1:1 C420jpeg\n", camW, camH, camFPS)
	y := make([]byte, camW*camH)
	cb := make([]byte, camW*camH/4)
	cr := make([]byte, camW*camH/4)
	for _, img := range frames {
		for py := range camH {
			for px := range camW {
				r, g, b, _ := img.At(px, py).RGBA()
				yy, u, v := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
				y[py*camW+px] = yy
				if px%2 == 0 && py%2 == 0 {
					cb[py/2*camW/2+px/2], cr[py/2*camW/2+px/2] = u, v
				}
			}
		}
		w.WriteString("FRAME\n")
		w.Write(y)
		w.Write(cb)
		w.Write(cr)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
