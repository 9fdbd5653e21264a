package photo

import (
	"bytes"
	"image/jpeg"
	"sync"
	"testing"
)

// The benchmarks put libjpeg-turbo beside image/jpeg in one run, so the
// ratio shows:
//
//	go test -run '^$' -bench . -benchmem ./face/photo/
//
// The turbojpeg/* cases call the decoder alone with each combination of the
// speed flags that Decode leaves off.

var (
	jpeg640x480   = sync.OnceValue(func() []byte { return benchJPEG(640, 480) })
	jpeg4000x3000 = sync.OnceValue(func() []byte { return benchJPEG(4000, 3000) })
)

func benchJPEG(w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photoLike(w, h), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

var flagCases = []struct {
	name  string
	flags int
}{
	{"accurate", decodeFlags},
	{"fastdct", decodeFlags | fastDCT},
	{"fastupsample", decodeFlags | fastUpsample},
	{"fastdct+fastupsample", decodeFlags | fastDCT | fastUpsample},
}

func benchDecode(b *testing.B, data []byte, lim Limits) {
	for b.Loop() {
		if _, _, err := Decode(data, lim); err != nil {
			b.Fatal(err)
		}
	}
}

func benchFlags(b *testing.B, prefix string, data []byte, lim Limits) {
	for _, c := range flagCases {
		b.Run(prefix+c.name, func(b *testing.B) {
			for b.Loop() {
				if _, _, _, err := decodeJPEG(data, lim, c.flags, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchImageJPEG(b *testing.B, data []byte, toPixels bool) {
	for b.Loop() {
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if toPixels {
			toRGB(m, m.Bounds().Dx(), m.Bounds().Dy())
		}
	}
}

func BenchmarkDecodeJPEG640x480(b *testing.B) {
	data := jpeg640x480()
	b.Run("Decode", func(b *testing.B) { benchDecode(b, data, DefaultLimits()) })
	benchFlags(b, "turbojpeg/", data, DefaultLimits())
	b.Run("image-jpeg", func(b *testing.B) { benchImageJPEG(b, data, false) })
	b.Run("image-jpeg+rgb", func(b *testing.B) { benchImageJPEG(b, data, true) })
}

func BenchmarkDecodeJPEG4000x3000(b *testing.B) {
	data := jpeg4000x3000()
	b.Run("Decode-1920", func(b *testing.B) { benchDecode(b, data, DefaultLimits()) })
	full := DefaultLimits()
	full.MaxSide = 0
	b.Run("Decode-full", func(b *testing.B) { benchDecode(b, data, full) })
	benchFlags(b, "turbojpeg-half/", data, DefaultLimits())
	benchFlags(b, "turbojpeg-full/", data, full)
	b.Run("image-jpeg+rgb", func(b *testing.B) { benchImageJPEG(b, data, true) })
}

func BenchmarkDownscale(b *testing.B) {
	for _, c := range []struct {
		name string
		w, h int
	}{{"4000x3000", 4000, 3000}, {"2000x1500", 2000, 1500}} {
		src := randomRGB(c.w, c.h, 1)
		b.Run(c.name+"-to-1920", func(b *testing.B) {
			for b.Loop() {
				Downscale(src, 1920)
			}
		})
	}
}

func BenchmarkOrient1920x1440(b *testing.B) {
	src := randomRGB(1920, 1440, 1)
	for b.Loop() {
		orient(src, 6)
	}
}
