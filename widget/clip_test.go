package widget_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/internal/fakecam"
)

// The fake camera: a clip made from one real photo, as Chromium's
// --use-file-for-fake-video-capture plays it (in a loop), and as JPEG
// frames for the protocol tests that need no browser.

const (
	camW, camH = 640, 480
	camFPS     = 10
)

// turnClip is a person at the camera doing the turns, from their real
// photos: frontal, turned to their left, frontal, left again, frontal,
// right, frontal, right again, 0.6 s each, every frame another crop as a
// real camera's are (a camera never gives the same frame twice). The
// server draws each of its two turns at random, so the clip holds every
// pair of them in a row — left then left, left then right, right then
// right, right then left — and a session meets its draw within a loop.
func turnClip(p bench.Person) []image.Image {
	f, l, r := p.Frontal, p.Left, p.Right
	return segments([]image.Image{f, l, f, l, f, r, f, r}, []int{6, 6, 6, 6, 6, 6, 6, 6}, clipLoops)
}

// squeezeClip is an attacker's software imitating those turns with one
// photo: frontal, then its right half squeezed (as a turn to the left
// narrows it), frontal, then its left half squeezed.
func squeezeClip(photo image.Image) []image.Image {
	return segments([]image.Image{photo,
		fakecam.Render(photo, fakecam.Pose{Size: 1}, fakecam.Squeeze(true, 0.55)),
		photo,
		fakecam.Render(photo, fakecam.Pose{Size: 1}, fakecam.Squeeze(false, 0.55))}, []int{6, 6, 6, 6}, clipLoops)
}

// clipLoops is how many times a clip's movements repeat, each time with
// other crops: Chromium plays the file in a loop, and the server counts
// no frame it has seen before (a real camera never repeats itself), so
// the file must not loop within a session.
const clipLoops = 4

// segments plays each image for that many frames (camFPS a second), the
// whole loops times.
func segments(imgs []image.Image, frames []int, loops int) []image.Image {
	r := rand.New(rand.NewPCG(1, 1))
	var out []image.Image
	for range loops {
		for i, img := range imgs {
			for range frames[i] {
				out = append(out, fakecam.Jitter(img, r))
			}
		}
	}
	return out
}

// jittered is one photo held still for a second, each frame another crop.
func jittered(photo image.Image) []image.Image {
	return segments([]image.Image{photo}, []int{camFPS}, clipLoops)
}

// stillClip is the photo fitted in the frame, unmoving, for a second.
func stillClip(t testing.TB, photo []byte) []image.Image {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		t.Fatal(err)
	}
	f := place(src)
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

// place draws src scaled to fill 90 % of the frame's height, centred, on
// grey.
func place(src image.Image) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, camW, camH))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	b := src.Bounds()
	s := math.Min(0.9*camH/float64(b.Dy()), 0.9*camW/float64(b.Dx()))
	cx, cy := float64(b.Min.X+b.Max.X)/2, float64(b.Min.Y+b.Max.Y)/2
	m := f64.Aff3{s, 0, camW/2 - s*cx, 0, s, camH/2 - s*cy}
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
		rgba := fakecam.RGBA(img)
		for py := range camH {
			for px := range camW {
				p := rgba.Pix[rgba.PixOffset(px, py):]
				yy, u, v := color.RGBToYCbCr(p[0], p[1], p[2])
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
