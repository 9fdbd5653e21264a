package photo

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"testing"
)

// The test pattern: four quadrants of distinct colours, wider than high, so
// that each of the eight orientations puts them somewhere else. Each channel
// is 0 or 255, which the hand-made WebP needs.
const patW, patH = 48, 32

var (
	red    = [3]byte{255, 0, 0}
	green  = [3]byte{0, 255, 0}
	blue   = [3]byte{0, 0, 255}
	yellow = [3]byte{255, 255, 0}
)

// corners are top-left, top-right, bottom-left, bottom-right.
var patCorners = [4][3]byte{red, green, blue, yellow}

func pattern() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, patW, patH))
	for y := range patH {
		for x := range patW {
			c := patCorners[2*(y/(patH/2))+x/(patW/2)]
			m.SetNRGBA(x, y, color.NRGBA{c[0], c[1], c[2], 255})
		}
	}
	return m
}

// at returns the pixel of img at (x, y).
func at(img *RGB, x, y int) [3]byte {
	i := (y*img.W + x) * 3
	return [3]byte{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}
}

// quadrantColours samples the centre of each quadrant of img: top-left,
// top-right, bottom-left, bottom-right. Centres keep JPEG's ringing out.
func quadrantColours(img *RGB) [4][3]byte {
	qx, qy := img.W/4, img.H/4
	return [4][3]byte{at(img, qx, qy), at(img, img.W-1-qx, qy), at(img, qx, img.H-1-qy), at(img, img.W-1-qx, img.H-1-qy)}
}

func near(a, b [3]byte, tol int) bool {
	for c := range 3 {
		if d := int(a[c]) - int(b[c]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

func encodeJPEG(t testing.TB, m image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// photoLike is a deterministic stand-in for a camera frame: smooth
// gradients, some edges and sensor-like noise, so that a JPEG of it has a
// realistic number of coefficients to decode. At 640x480 and quality 90 it
// takes 55 KB, as a real face photo of that size does.
func photoLike(w, h int) *image.RGBA {
	rng := rand.New(rand.NewPCG(1, 2))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			v := 110 + 60*math.Sin(9*fx+4*fy) + 30*math.Cos(23*fx*fy)
			if (x/(w/7)+y/(h/5))%3 == 0 {
				v += 40 // edges
			}
			n := rng.NormFloat64() * 3
			m.SetRGBA(x, y, color.RGBA{clamp(v + n + 20*fx), clamp(v*0.8 + n), clamp(v*0.6 + n + 30*fy), 255})
		}
	}
	return m
}

func clamp(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v))) }

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifTIFF builds an EXIF payload holding only the Orientation tag, in the
// given byte order.
func exifTIFF(bo byteOrder, o uint16) []byte {
	b := make([]byte, 8, 26)
	if bo == byteOrder(binary.LittleEndian) {
		copy(b, "II*\x00")
	} else {
		copy(b, "MM\x00*")
	}
	bo.PutUint32(b[4:], 8) // the IFD follows the header
	b = bo.AppendUint16(b, 1)
	b = bo.AppendUint16(b, 0x0112)
	b = bo.AppendUint16(b, 3) // SHORT
	b = bo.AppendUint32(b, 1)
	b = bo.AppendUint16(b, o)
	b = bo.AppendUint16(b, 0)    // padding of the 4-byte value field
	return bo.AppendUint32(b, 0) // no next IFD
}

// withAPP1 inserts an APP1 "Exif\0\0" segment right after the SOI of a JPEG.
func withAPP1(jpg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xFF, 0xE1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngChunk frames data as a PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// withPNGChunk inserts a chunk right after a PNG's IHDR (8 + 25 bytes).
func withPNGChunk(p []byte, chunk []byte) []byte {
	out := append([]byte{}, p[:33]...)
	out = append(out, chunk...)
	return append(out, p[33:]...)
}

// losslessWebP hand-writes a lossless (VP8L) WebP of m, whose channels must
// each be 0 or 255. Go has no WebP encoder and cwebp is not on every
// machine, but with those colours every prefix code can be a "simple" code
// of at most two symbols: no Huffman tables, one bit per channel and none
// for alpha.
func losslessWebP(m *image.NRGBA) []byte {
	var bw bitWriter
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	bw.bits(0x2f, 8) // signature
	bw.bits(uint32(w-1), 14)
	bw.bits(uint32(h-1), 14)
	bw.bits(0, 1)          // alpha hint
	bw.bits(0, 3)          // version
	bw.bits(0, 1)          // no transform
	bw.bits(0, 1)          // no colour cache
	bw.bits(0, 1)          // no meta prefix codes
	twoSymbols := func() { // 0 -> code 0, 255 -> code 1
		bw.bits(1, 1) // simple code
		bw.bits(1, 1) // two symbols
		bw.bits(0, 1) // first symbol in 1 bit
		bw.bits(0, 1)
		bw.bits(255, 8)
	}
	twoSymbols()    // green
	twoSymbols()    // red
	twoSymbols()    // blue
	bw.bits(1, 1)   // alpha: simple code,
	bw.bits(0, 1)   // one symbol,
	bw.bits(1, 1)   // in 8 bits:
	bw.bits(255, 8) // always opaque
	bw.bits(1, 1)   // distance: simple code,
	bw.bits(0, 3)   // one symbol, 1 bit, zero (never used)
	for y := range h {
		for x := range w {
			c := m.NRGBAAt(x, y)
			bw.bits(uint32(c.G>>7), 1)
			bw.bits(uint32(c.R>>7), 1)
			bw.bits(uint32(c.B>>7), 1)
		}
	}
	return riff(riffChunk("VP8L", bw.buf))
}

// bitWriter writes VP8L's least-significant-bit-first bit stream.
type bitWriter struct {
	buf []byte
	n   uint
}

func (w *bitWriter) bits(v uint32, n int) {
	for i := range n {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[len(w.buf)-1] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
}

func riffChunk(fourCC string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(fourCC), uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func riff(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// extendedWebP wraps a simple WebP's image chunk in a VP8X file with the
// given flags and extra chunks after the image.
func extendedWebP(simple []byte, w, h int, flags byte, extra ...[]byte) []byte {
	vp8x := []byte{flags, 0, 0, 0}
	vp8x = append(vp8x, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	return riff(append([][]byte{riffChunk("VP8X", vp8x), simple[12:]}, extra...)...)
}
