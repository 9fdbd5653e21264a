package photo

import (
	"bytes"
	"encoding/binary"
	"image/gif"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/visagehq/visage"
)

// FuzzDecode: whatever the bytes, Decode does not panic and returns either a
// consistent image or an error with one of the three image codes. Run it
// with: go test -run '^$' -fuzz FuzzDecode -fuzztime 60s ./face/photo/
func FuzzDecode(f *testing.F) {
	pat := pattern()
	jpg := encodeJPEG(f, pat, 90)
	var g, b, t bytes.Buffer
	gif.Encode(&g, pat, nil)
	bmp.Encode(&b, pat)
	tiff.Encode(&t, pat, &tiff.Options{Compression: tiff.LZW})
	for _, seed := range [][]byte{
		nil,
		{0x13, 0x37, 0xC0, 0xFF, 0xEE},
		jpg,
		jpg[:len(jpg)/2],
		withAPP1(jpg, exifTIFF(binary.BigEndian, 6)),
		withAPP1(jpg, exifTIFF(binary.LittleEndian, 7)),
		encodePNG(f, pat),
		withPNGChunk(encodePNG(f, pat), pngChunk("eXIf", exifTIFF(binary.BigEndian, 5))),
		pngHeaderOnly(100000, 100000),
		g.Bytes(), b.Bytes(), t.Bytes(),
		losslessWebP(pat),
		extendedWebP(losslessWebP(pat), patW, patH, 0x08, riffChunk("EXIF", exifTIFF(binary.LittleEndian, 8))),
		{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0},
	} {
		f.Add(seed)
	}
	// Small limits keep each run fast; the code paths are the same.
	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 22, MaxSide: 256}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, info, err := Decode(data, lim)
		if err != nil {
			switch code := visage.ErrorCode(err); code {
			case visage.CodeImageInvalid, visage.CodeImageTooLarge, visage.CodeImageUnsupported:
			default:
				t.Fatalf("error with code %s: %v", code, err)
			}
			return
		}
		if img.W <= 0 || img.H <= 0 || img.W*img.H*3 != len(img.Pix) || max(img.W, img.H) > lim.MaxSide {
			t.Fatalf("%dx%d with %d bytes", img.W, img.H, len(img.Pix))
		}
		if info.Orientation < 1 || info.Orientation > 8 || info.Scale <= 0 || info.Scale > 1 {
			t.Fatalf("info %+v", info)
		}
	})
}
