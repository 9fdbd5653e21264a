package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/visagehq/visage"
)

// pngHeaderOnly is a PNG whose IHDR claims w x h RGB pixels, with a token
// IDAT: a decompression bomb's header.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB, deflate, no filter, no interlace
	b := append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

// jpegClaiming patches the SOF0 of a JPEG to claim w x h pixels.
func jpegClaiming(t *testing.T, jpg []byte, w, h uint16) []byte {
	t.Helper()
	b := bytes.Clone(jpg)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], h) // marker, length, precision, height, width
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

func TestDecodeErrors(t *testing.T) {
	jpg := encodeJPEG(t, photoLike(64, 48), 90)
	pngFile := encodePNG(t, photoLike(64, 48))
	idat := bytes.Index(pngFile, []byte("IDAT"))

	badCRC := bytes.Clone(pngFile)
	badCRC[idat+10] ^= 0xFF
	// The same damage with a CRC to match, so that zlib finds it.
	badZlib := bytes.Clone(pngFile)
	n := int(binary.BigEndian.Uint32(badZlib[idat-4:]))
	for i := idat + 6; i < idat+4+n; i += 7 {
		badZlib[i] ^= 0x5A
	}
	binary.BigEndian.PutUint32(badZlib[idat+4+n:], crc32.ChecksumIEEE(badZlib[idat:idat+4+n]))

	// Stray bytes before a marker make libjpeg warn but decode in full; cut
	// short, the warning hides the truncation from the message.
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	stray := append(append(bytes.Clone(jpg[:sos]), 0x00, 0x00), jpg[sos:]...)

	// libjpeg-turbo 2.1 reads neither 12-bit nor lossless JPEGs.
	twelveBit := bytes.Clone(jpg)
	twelveBit[bytes.Index(jpg, []byte{0xFF, 0xC0})+4] = 12
	lossless := bytes.Clone(jpg)
	lossless[bytes.Index(jpg, []byte{0xFF, 0xC0})+1] = 0xC3

	const animationFlag = 0x02
	cases := []struct {
		name   string
		data   []byte
		lim    Limits
		code   visage.Code
		format string
	}{
		{"zero bytes", nil, DefaultLimits(), visage.CodeImageInvalid, ""},
		{"5 random bytes", []byte{0x13, 0x37, 0xC0, 0xFF, 0xEE}, DefaultLimits(), visage.CodeImageInvalid, ""},
		{"text", []byte("test\n"), DefaultLimits(), visage.CodeImageInvalid, ""},
		{"png bad CRC", badCRC, DefaultLimits(), visage.CodeImageInvalid, "png"},
		{"png bad zlib", badZlib, DefaultLimits(), visage.CodeImageInvalid, "png"},
		{"png truncated", pngFile[:len(pngFile)/2], DefaultLimits(), visage.CodeImageInvalid, "png"},
		{"jpeg truncated", jpg[:len(jpg)/2], DefaultLimits(), visage.CodeImageInvalid, "jpeg"},
		{"jpeg without EOI", jpg[:len(jpg)-2], DefaultLimits(), visage.CodeImageInvalid, "jpeg"},
		{"jpeg truncated after a warning", stray[:len(stray)*3/4], DefaultLimits(), visage.CodeImageInvalid, "jpeg"},
		{"jpeg header only", jpg[:sos], DefaultLimits(), visage.CodeImageInvalid, "jpeg"},
		{"jpeg SOI only", jpg[:3], DefaultLimits(), visage.CodeImageInvalid, "jpeg"},
		{"jpeg 12-bit", twelveBit, DefaultLimits(), visage.CodeImageUnsupported, "jpeg"},
		{"jpeg lossless", lossless, DefaultLimits(), visage.CodeImageUnsupported, "jpeg"},
		{"ico", []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0}, DefaultLimits(), visage.CodeImageUnsupported, "ico"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), DefaultLimits(), visage.CodeImageUnsupported, "heif"},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), DefaultLimits(), visage.CodeImageUnsupported, "avif"},
		{"svg", []byte("\xef\xbb\xbf<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), DefaultLimits(), visage.CodeImageUnsupported, "svg"},
		{"animated webp", extendedWebP(losslessWebP(pattern()), patW, patH, animationFlag), DefaultLimits(), visage.CodeImageUnsupported, "webp"},
		{"png 100000x100000", pngHeaderOnly(100000, 100000), DefaultLimits(), visage.CodeImageTooLarge, "png"},
		{"png 0x10", pngHeaderOnly(0, 10), DefaultLimits(), visage.CodeImageInvalid, "png"},
		{"jpeg 65000x65000", jpegClaiming(t, jpg, 65000, 65000), DefaultLimits(), visage.CodeImageTooLarge, "jpeg"},
		{"over MaxPixels", jpg, Limits{MaxPixels: 64*48 - 1}, visage.CodeImageTooLarge, "jpeg"},
		{"over MaxBytes", jpg, Limits{MaxBytes: len(jpg) - 1}, visage.CodeImageTooLarge, ""},
	}
	for _, c := range cases {
		img, info, err := Decode(c.data, c.lim)
		if got := visage.ErrorCode(err); got != c.code || img != nil || info.Format != c.format {
			t.Errorf("%s: %v (format %q), want %s (format %q)", c.name, err, info.Format, c.code, c.format)
		}
	}

	// The warning alone does not fail the image, nor do the limits at the
	// exact size.
	for name, data := range map[string][]byte{"stray bytes": stray, "at the limits": jpg} {
		if _, _, err := Decode(data, Limits{MaxBytes: len(stray), MaxPixels: 64 * 48}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A header claiming a huge image is refused from the header: the memory
// allocated stays small. Decoding a real image of a fraction of that size
// shows that the measurement sees allocations.
func TestBombRefusedCheaply(t *testing.T) {
	allocated := func(data []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		const runs = 10
		for range runs {
			Decode(data, DefaultLimits())
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / runs
	}
	const small = 64 << 10
	for name, data := range map[string][]byte{
		"png 100000x100000": pngHeaderOnly(100000, 100000),
		"jpeg 65000x65000":  jpegClaiming(t, encodeJPEG(t, photoLike(64, 48), 90), 65000, 65000),
	} {
		if n := allocated(data); n > small {
			t.Errorf("%s: %d bytes allocated to refuse it, want <= %d", name, n, small)
		}
	}
	if n := allocated(encodePNG(t, photoLike(300, 300))); n < 300*300*3 {
		t.Errorf("decoding a 300x300 PNG allocated only %d bytes: the measurement is broken", n)
	}
}

// Formats recognised only to be named in the refusal.
func TestSniffUnsupported(t *testing.T) {
	for magic, want := range map[string]string{
		"II+\x00\x08\x00\x00\x00":                  "bigtiff",
		"\x00\x00\x02\x00\x01\x00":                 "ico", // CUR
		"\xff\x0a\xfa\x7f":                         "jpeg xl",
		"\x00\x00\x00\x0cJXL \r\n\x87\n":           "jpeg xl",
		"\x00\x00\x00\x0cjP  \r\n\x87\n":           "jpeg 2000",
		"\xff\x4f\xff\x51\x00\x2f":                 "jpeg 2000",
		"8BPS\x00\x01":                             "psd",
		"  <svg width=\"1\"/>":                     "svg",
		"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00": "heif",
	} {
		if name, ok := sniff([]byte(magic)); name != want || ok {
			t.Errorf("%q: %q, %v; want %q, false", magic, name, ok, want)
		}
	}
	// Not images at all: an MP4 video, an ICO-like header with no images,
	// an HTML page.
	for _, magic := range []string{"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", "\x00\x00\x01\x00\x00\x00", "<html><body>"} {
		if name, ok := sniff([]byte(magic)); name != "" || ok {
			t.Errorf("%q: %q, %v; want nothing", magic, name, ok)
		}
	}
}

// libjpeg's messages are kept per OS thread, and a goroutine may change
// threads between two cgo calls: decoded at once on many goroutines, a
// corrupt JPEG must still be refused, and one with a harmless warning
// still decoded, every time.
func TestJPEGWarningsOnManyThreads(t *testing.T) {
	jpg := encodeJPEG(t, photoLike(320, 240), 90)
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	harmless := append(append(bytes.Clone(jpg[:sos]), 0x00, 0x00), jpg[sos:]...)
	// Data cut short inside the scan: libjpeg paints the rest grey and
	// warns "premature end of data segment".
	cut := bytes.Clone(jpg)
	for i := len(cut) / 2; i < len(cut)-2; i++ {
		cut[i] = 0xFF
	}
	var wg sync.WaitGroup
	var bad atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				data, want := harmless, visage.Code("")
				if (g+i)%2 == 0 {
					data, want = cut, visage.CodeImageInvalid
				}
				_, _, err := Decode(data, DefaultLimits())
				if visage.ErrorCode(err) != want {
					bad.Add(1)
				}
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Fatalf("%d of 2400 decodes got another decode's verdict", n)
	}
}
