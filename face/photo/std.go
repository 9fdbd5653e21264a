package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/visagehq/visage"
)

// stdDecoders are the Go decoders. They are called directly rather than
// through image.Decode: the format is already sniffed, and no other
// package's registrations can change what runs.
var stdDecoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"png":  {png.DecodeConfig, png.Decode},
	"gif":  {gif.DecodeConfig, gif.Decode}, // the first frame only
	"webp": {webp.DecodeConfig, webp.Decode},
	"bmp":  {bmp.DecodeConfig, bmp.Decode},
	"tiff": {tiff.DecodeConfig, tiff.Decode},
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode}, // CMYK JPEGs only, see decodeJPEG
}

// decodeStd decodes with the Go decoder for format: the header first, then
// the pixels, converted to RGB. It returns the stored width and height too.
//
// These decoders are fuzzed upstream, but the input is hostile and a panic
// would take the whole server down: one becomes IMAGE_INVALID instead.
func decodeStd(format string, data []byte, lim Limits) (img *RGB, w, h int, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, invalid(format, fmt.Errorf("decoder panic: %v", p))
		}
	}()
	if format == "webp" && webpAnimated(data) {
		// x/image/webp reads no animation; it would call the file corrupt.
		return nil, 0, 0, visage.Errorf(visage.CodeImageUnsupported, "animated webp images are not supported")
	}
	dec := stdDecoders[format]
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, decodeError(format, err)
	}
	if err := checkPixels(format, cfg.Width, cfg.Height, lim); err != nil {
		return nil, 0, 0, err
	}
	m, err := dec.decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, decodeError(format, err)
	}
	return toRGB(m, cfg.Width, cfg.Height), cfg.Width, cfg.Height, nil
}

// decodeError sorts a Go decoder's error: the decoders that tell a valid but
// unsupported variant (16-bit BMP, an unusual TIFF compression) from a
// corrupt file have their own types for it; anything else is corrupt.
func decodeError(format string, err error) error {
	switch err.(type) {
	case png.UnsupportedError, jpeg.UnsupportedError, tiff.UnsupportedError:
		return visage.Wrap(visage.CodeImageUnsupported, err, "this kind of "+format+" image is not supported")
	}
	if err == bmp.ErrUnsupported {
		return visage.Wrap(visage.CodeImageUnsupported, err, "this kind of bmp image is not supported")
	}
	return invalid(format, err)
}

// webpAnimated reads the animation flag of a VP8X (extended) WebP header.
func webpAnimated(b []byte) bool {
	return len(b) > 20 && string(b[12:16]) == "VP8X" && b[20]&0x02 != 0
}
