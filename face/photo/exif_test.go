package photo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/image/tiff"
)

// Where the pattern's top-left (red) and top-right (green) colours must land
// for each EXIF orientation, as quadrant indices 0 TL, 1 TR, 2 BL, 3 BR,
// worked out from the EXIF definitions rather than from orient's table.
var orientedCorners = [9]struct{ red, green int }{
	1: {0, 1}, // as stored
	2: {1, 0}, // mirrored left-right
	3: {3, 2}, // upside down
	4: {2, 3}, // mirrored top-bottom
	5: {0, 2}, // transposed
	6: {1, 3}, // turned 90 degrees clockwise
	7: {3, 1}, // transversed
	8: {2, 0}, // turned 90 degrees counter-clockwise
}

func checkOriented(t *testing.T, name string, data []byte, o, tol int) {
	t.Helper()
	img, info, err := Decode(data, DefaultLimits())
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	w, h := patW, patH
	if o >= 5 {
		w, h = h, w
	}
	if img.W != w || img.H != h || info.Width != patW || info.Height != patH || info.Orientation != o {
		t.Errorf("%s: %dx%d, info %+v; want %dx%d, stored %dx%d, orientation %d",
			name, img.W, img.H, info, w, h, patW, patH, o)
		return
	}
	q := quadrantColours(img)
	if c := orientedCorners[o]; !near(q[c.red], red, tol) || !near(q[c.green], green, tol) {
		t.Errorf("%s: quadrants %v, want red at %d and green at %d", name, q, c.red, c.green)
	}
}

func TestOrientationJPEG(t *testing.T) {
	jpg := encodeJPEG(t, pattern(), 95)
	for _, bo := range []byteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := 1; o <= 8; o++ {
			checkOriented(t, fmt.Sprintf("%v %d", bo, o), withAPP1(jpg, exifTIFF(bo, uint16(o))), o, 12)
		}
	}
}

func TestOrientationPNG(t *testing.T) {
	p := encodePNG(t, pattern())
	for o := 1; o <= 8; o++ {
		checkOriented(t, fmt.Sprint(o), withPNGChunk(p, pngChunk("eXIf", exifTIFF(binary.BigEndian, uint16(o)))), o, 0)
	}
}

func TestOrientationWebP(t *testing.T) {
	simple := losslessWebP(pattern())
	for o := 1; o <= 8; o++ {
		exif := exifTIFF(binary.LittleEndian, uint16(o))
		const exifFlag = 0x08
		checkOriented(t, fmt.Sprint(o), extendedWebP(simple, patW, patH, exifFlag, riffChunk("EXIF", exif)), o, 0)
		// Some writers keep JPEG's prefix inside the chunk.
		prefixed := append([]byte("Exif\x00\x00"), exif...)
		checkOriented(t, fmt.Sprint(o, " prefixed"), extendedWebP(simple, patW, patH, exifFlag, riffChunk("EXIF", prefixed)), o, 0)
	}
}

// A TIFF file carries the tag in its own first IFD. x/image/tiff writes no
// orientation, so the test turns its ResolutionUnit entry (a SHORT) into one
// and sorts the entries again, as TIFF requires.
func TestOrientationTIFF(t *testing.T) {
	var buf bytes.Buffer
	if err := tiff.Encode(&buf, pattern(), nil); err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		data := bytes.Clone(buf.Bytes())
		bo := binary.ByteOrder(binary.LittleEndian) // what x/image/tiff writes
		ifd := int(bo.Uint32(data[4:]))
		n := int(bo.Uint16(data[ifd:]))
		patched := false
		for e := ifd + 2; e < ifd+2+12*n; e += 12 {
			if bo.Uint16(data[e:]) == 0x0128 {
				bo.PutUint16(data[e:], 0x0112)
				bo.PutUint16(data[e+8:], uint16(o))
				patched = true
			}
		}
		if !patched {
			t.Fatal("no ResolutionUnit entry to patch")
		}
		entries := make([][]byte, n)
		for i := range entries {
			entries[i] = bytes.Clone(data[ifd+2+12*i:][:12])
		}
		slices.SortFunc(entries, func(a, b []byte) int { return int(bo.Uint16(a)) - int(bo.Uint16(b)) })
		copy(data[ifd+2:], bytes.Join(entries, nil))
		checkOriented(t, fmt.Sprint(o), data, o, 0)
	}
}

// Hostile EXIF blocks give orientation 1, never a panic or a read out of
// bounds.
func TestTIFFOrientationHostile(t *testing.T) {
	good := exifTIFF(binary.BigEndian, 6)
	le := binary.LittleEndian
	withIFD := func(off uint32) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint32(b[4:], off)
		return b
	}
	manyEntries := bytes.Clone(good)
	binary.BigEndian.PutUint16(manyEntries[8:], 0xFFFF)
	long := exifTIFF(le, 0)
	le.PutUint16(long[12:], 4) // LONG
	le.PutUint32(long[18:], 8)
	cases := map[string]struct {
		b    []byte
		want int
	}{
		"good":             {good, 6},
		"LONG":             {long, 8},
		"nil":              {nil, 1},
		"header only":      {good[:8], 1},
		"bad magic":        {append([]byte("II*\x01"), good[4:]...), 1},
		"IFD past end":     {withIFD(1 << 31), 1},
		"IFD at the end":   {withIFD(uint32(len(good) - 1)), 1},
		"IFD wraps 32-bit": {withIFD(0xFFFFFFFF), 1},
		"truncated entry":  {good[:len(good)-9], 1},
		"count too large":  {manyEntries, 6},
		"value 0":          {exifTIFF(le, 0), 1},
		"value 9":          {exifTIFF(le, 9), 1},
		"type ASCII":       {func() []byte { b := exifTIFF(le, 6); le.PutUint16(b[12:], 2); return b }(), 1},
	}
	for name, c := range cases {
		if got := tiffOrientation(c.b); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
}

// jpegExif walks only well-formed segments before the first scan.
func TestJPEGExifHostile(t *testing.T) {
	exif := exifTIFF(binary.BigEndian, 3)
	app1 := withAPP1([]byte{0xFF, 0xD8}, exif)
	cases := map[string]struct {
		b    []byte
		want int
	}{
		"found":                 {app1, 3},
		"after fill bytes":      {append([]byte{0xFF, 0xD8, 0xFF}, app1[2:]...), 3},
		"after XMP":             {append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 6, 'h', 't', 't', 'p'}, app1[2:]...), 3},
		"after SOS":             {append([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}, app1[2:]...), 1},
		"length past end":       {append(bytes.Clone(app1[:4]), 0xFF, 0xFF), 1},
		"length below 2":        {[]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 1, 0xFF, 0xE1}, 1},
		"not a marker":          {append([]byte{0xFF, 0xD8, 0x00}, app1[2:]...), 1},
		"segment truncated":     {app1[:len(app1)-3], 1},
		"prefix without a TIFF": {[]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 8, 'E', 'x', 'i', 'f', 0, 0}, 1},
	}
	for name, c := range cases {
		if got := tiffOrientation(jpegExif(c.b)); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
}
