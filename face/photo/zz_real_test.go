package photo

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"syscall"
	"testing"
	"time"
)

func realFrame(b *testing.B, q int) []byte {
	data, err := os.ReadFile("../../deps/testdata/face-api/sample1.jpg")
	if err != nil {
		b.Skip(err)
	}
	img, _, err := Decode(data, Limits{MaxSide: 720})
	if err != nil {
		b.Fatal(err)
	}
	m := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			i := (y*img.W + x) * 3
			m.Pix[(y*640+x)*4], m.Pix[(y*640+x)*4+1], m.Pix[(y*640+x)*4+2], m.Pix[(y*640+x)*4+3] = img.Pix[i], img.Pix[i+1], img.Pix[i+2], 255
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, m, &jpeg.Options{Quality: q})
	return buf.Bytes()
}

func BenchmarkReal(b *testing.B) {
	for _, q := range []int{75, 90} {
		data := realFrame(b, q)
		b.Logf("q%d: %d bytes", q, len(data))
		for range 2 {
			b.Run("turbo", func(b *testing.B) { benchDecode(b, data, DefaultLimits()) })
			benchFlags(b, "f/", data, DefaultLimits())
			b.Run("go", func(b *testing.B) { benchImageJPEG(b, data, false) })
		}
	}
	orig, _ := os.ReadFile("../../deps/testdata/face-api/sample1.jpg")
	b.Run("sample1-1920x1280", func(b *testing.B) { benchDecode(b, orig, DefaultLimits()) })
}

func BenchmarkTJInit(b *testing.B) {
	for b.Loop() {
		tjInitDestroy()
	}
}
func BenchmarkAlloc(b *testing.B) {
	for b.Loop() {
		newRGB(640, 480)
	}
}

func BenchmarkInto(b *testing.B) {
	for _, q := range []int{75, 90} {
		data := realFrame(b, q)
		pix := make([]byte, 640*480*3)
		for range 3 {
			for _, c := range flagCases {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						if tjInto(data, pix, 640, 480, c.flags) != 0 {
							b.Fatal("x")
						}
					}
				})
			}
		}
	}
	data := jpeg640x480()
	pix := make([]byte, 640*480*3)
	for range 3 {
		for _, c := range flagCases {
			b.Run("synthetic-"+c.name, func(b *testing.B) {
				for b.Loop() {
					if tjInto(data, pix, 640, 480, c.flags) != 0 {
						b.Fatal("x")
					}
				}
			})
		}
	}
}

var ballast []byte

func BenchmarkBallast(b *testing.B) {
	data := jpeg640x480()
	for _, size := range []int{0, 256 << 20} {
		ballast = make([]byte, size)
		for i := 0; i < len(ballast); i += 4096 {
			ballast[i] = 1
		}
		for range 4 {
			b.Run("alloc", func(b *testing.B) {
				for b.Loop() {
					newRGB(640, 480)
				}
			})
			b.Run("decode", func(b *testing.B) {
				for b.Loop() {
					decodeJPEG(data, DefaultLimits(), decodeFlags)
				}
			})
		}
	}
}

func TestFaults(t *testing.T) {
	data := jpeg640x480()
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(0, &ru0)
	t0 := time.Now()
	for range 300 {
		decodeJPEG(data, DefaultLimits(), decodeFlags)
	}
	d := time.Since(t0)
	syscall.Getrusage(0, &ru1)
	t.Logf("decode: %v/op, %d minor faults/op, user %v/op sys %v/op", d/300, (ru1.Minflt-ru0.Minflt)/300,
		time.Duration(syscall.TimevalToNsec(ru1.Utime)-syscall.TimevalToNsec(ru0.Utime))/300,
		time.Duration(syscall.TimevalToNsec(ru1.Stime)-syscall.TimevalToNsec(ru0.Stime))/300)
	pix := make([]byte, 640*480*3)
	syscall.Getrusage(0, &ru0)
	t0 = time.Now()
	for range 300 {
		tjInto(data, pix, 640, 480, decodeFlags)
	}
	d = time.Since(t0)
	syscall.Getrusage(0, &ru1)
	t.Logf("into: %v/op, %d minor faults/op, user %v/op sys %v/op", d/300, (ru1.Minflt-ru0.Minflt)/300,
		time.Duration(syscall.TimevalToNsec(ru1.Utime)-syscall.TimevalToNsec(ru0.Utime))/300,
		time.Duration(syscall.TimevalToNsec(ru1.Stime)-syscall.TimevalToNsec(ru0.Stime))/300)
}

func TestFlagQuality(t *testing.T) {
	for _, q := range []int{75, 90} {
		data := realFrame(&testing.B{}, q)
		ref := make([]byte, 640*480*3)
		tjInto(data, ref, 640, 480, decodeFlags)
		goimg, _ := jpeg.Decode(bytes.NewReader(data))
		gorgb := toRGB(goimg, 640, 480)
		cmp := func(name string, pix []byte) {
			var sum, mx int
			for i := range pix {
				d := max(int(pix[i])-int(ref[i]), int(ref[i])-int(pix[i]))
				sum += d
				mx = max(mx, d)
			}
			t.Logf("q%d %s vs accurate: mean abs %.3f, max %d", q, name, float64(sum)/float64(len(pix)), mx)
		}
		for _, c := range flagCases[1:] {
			pix := make([]byte, 640*480*3)
			tjInto(data, pix, 640, 480, c.flags)
			cmp(c.name, pix)
		}
		cmp("image/jpeg", gorgb.Pix)
	}
}

func TestRealSizes(t *testing.T) {
	t.Log(len(realFrame(&testing.B{}, 75)), len(realFrame(&testing.B{}, 90)), len(jpeg640x480()))
}
