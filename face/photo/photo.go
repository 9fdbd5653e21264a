// Package photo turns untrusted image bytes into 8-bit RGB pixels. It sniffs
// the format from magic bytes, refuses oversized inputs from the header alone
// (before any pixel is allocated), decodes JPEG with libjpeg-turbo and the
// other formats with Go decoders, shrinks the result to a maximum side and
// applies the EXIF orientation.
//
// Every failure is a *visage.Error with CodeImageInvalid, CodeImageTooLarge
// or CodeImageUnsupported. Decode is safe for concurrent use.
package photo

import "github.com/visagehq/visage"

// RGB is an 8-bit packed RGB image: Pix[(y*W+x)*3+c], c = 0 R, 1 G, 2 B.
type RGB struct {
	W, H int
	Pix  []byte
}

func newRGB(w, h int) *RGB { return &RGB{W: w, H: h, Pix: make([]byte, w*h*3)} }

// Limits bound the work Decode does for one input.
type Limits struct {
	// MaxBytes refuses larger inputs with IMAGE_TOO_LARGE; <= 0 means the
	// default, since a server must never be without a limit.
	MaxBytes int
	// MaxPixels refuses width*height above it, read from the header before
	// decoding; <= 0 means the default.
	MaxPixels int
	// MaxSide scales the decoded image down so that its longest side is at
	// most MaxSide; 0 keeps the decoded size.
	MaxSide int
}

// DefaultLimits fit a phone photo and refuse anything much larger.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 20 << 20, MaxPixels: 50_000_000, MaxSide: 1920}
}

// Info describes the decoded input.
type Info struct {
	// Format is "jpeg", "png", "gif", "webp", "bmp" or "tiff"; with
	// IMAGE_UNSUPPORTED it names the format when it is known ("ico", "heic").
	Format string
	// Width and Height are as stored in the file, before orientation and
	// scaling.
	Width, Height int
	// Orientation is the EXIF orientation 1..8 that was applied (1 = none).
	Orientation int
	// Scale is decoded size / stored size (<= 1), from the longest sides.
	Scale float64
}

// Decode decodes data into RGB pixels within lim: header checks first, then
// decoding, downscaling to lim.MaxSide and the EXIF orientation, in that
// order (orienting the smaller image is cheaper; W and H swap for 5..8).
func Decode(data []byte, lim Limits) (*RGB, Info, error) {
	return DecodeInto(data, lim, nil)
}

// DecodeInto is Decode that may put the pixels in buf's memory instead of
// allocating, when buf is large enough and the image needs no scaling or
// rotation afterwards (a camera frame, typically): a caller decoding image
// after image reuses one buffer. The result may alias buf.
func DecodeInto(data []byte, lim Limits, buf []byte) (*RGB, Info, error) {
	def := DefaultLimits()
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = def.MaxBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = def.MaxPixels
	}
	info := Info{Orientation: 1, Scale: 1}
	if len(data) == 0 {
		return nil, info, visage.Errorf(visage.CodeImageInvalid, "the image is empty")
	}
	if len(data) > lim.MaxBytes {
		return nil, info, visage.Errorf(visage.CodeImageTooLarge,
			"the image is %d bytes, the limit is %d", len(data), lim.MaxBytes)
	}
	format, supported := sniff(data)
	info.Format = format
	switch {
	case format == "":
		return nil, info, visage.Errorf(visage.CodeImageInvalid, "not an image in a known format")
	case !supported:
		return nil, info, visage.Errorf(visage.CodeImageUnsupported, "%s images are not supported", format)
	}

	var img *RGB
	var err error
	if format == "jpeg" {
		img, info.Width, info.Height, err = decodeJPEG(data, lim, decodeFlags, buf)
	} else {
		img, info.Width, info.Height, err = decodeStd(format, data, lim)
	}
	if err != nil {
		return nil, info, err
	}
	img = Downscale(img, lim.MaxSide)
	info.Scale = float64(max(img.W, img.H)) / float64(max(info.Width, info.Height))
	info.Orientation = orientation(format, data)
	return orient(img, info.Orientation), info, nil
}

// checkPixels refuses a header's dimensions before anything is allocated for
// them. The product is taken in int64: JPEG and TIFF sides reach 65535 and
// 2^32, and a 32-bit int must not wrap.
func checkPixels(format string, w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return visage.Errorf(visage.CodeImageInvalid, "the %s image is %dx%d pixels", format, w, h)
	}
	if int64(w)*int64(h) > int64(lim.MaxPixels) {
		return visage.Errorf(visage.CodeImageTooLarge,
			"the image is %dx%d pixels, the limit is %d pixels", w, h, lim.MaxPixels)
	}
	return nil
}

func invalid(format string, err error) error {
	return visage.Wrap(visage.CodeImageInvalid, err, "the "+format+" image is corrupt or truncated")
}
