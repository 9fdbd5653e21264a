package photo

import (
	"image"
	"image/color"
)

// toRGB paints m onto a w x h canvas, the size its header gave. Only a GIF's
// first frame can cover less than that; the rest of the canvas is white.
//
// Transparency is composited over white, the way a browser shows a
// transparent picture on a page: the colour stored under a transparent pixel
// is arbitrary (often black), and the face models must not see it.
//
// The image types the decoders return for common files have fast paths; the
// rest (16-bit, CMYK, gray with alpha) go through RGBA64At, which every image
// type of the standard library has and which allocates nothing.
func toRGB(m image.Image, w, h int) *RGB {
	out := newRGB(w, h)
	r := m.Bounds().Intersect(image.Rect(0, 0, w, h))
	if r != image.Rect(0, 0, w, h) {
		for i := range out.Pix {
			out.Pix[i] = 0xff
		}
	}
	row := func(y int) []byte { return out.Pix[(y*w+r.Min.X)*3 : (y*w+r.Max.X)*3] }

	switch m := m.(type) {
	case *image.RGBA: // opaque PNG, TIFF
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src, dst := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()*4], row(y)
			for i, j := 0, 0; j < len(dst); i, j = i+4, j+3 {
				// Premultiplied: over white is c + (1-a)*255, never > 255.
				white := 255 - src[i+3]
				dst[j], dst[j+1], dst[j+2] = src[i]+white, src[i+1]+white, src[i+2]+white
			}
		}
	case *image.NRGBA: // PNG with alpha, lossless WebP, 32-bit BMP
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src, dst := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()*4], row(y)
			for i, j := 0, 0; j < len(dst); i, j = i+4, j+3 {
				a := uint32(src[i+3])
				if a == 255 {
					dst[j], dst[j+1], dst[j+2] = src[i], src[i+1], src[i+2]
				} else {
					dst[j], dst[j+1], dst[j+2] = overWhite(src[i], a), overWhite(src[i+1], a), overWhite(src[i+2], a)
				}
			}
		}
	case *image.Paletted: // GIF, palette PNG, 8-bit BMP
		var lut [256][3]byte // an index past the palette reads as black
		for i, c := range m.Palette[:min(len(m.Palette), 256)] {
			lut[i] = rgbOverWhite(c.RGBA())
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src, dst := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()], row(y)
			for i, j := 0, 0; j < len(dst); i, j = i+1, j+3 {
				c := &lut[src[i]]
				dst[j], dst[j+1], dst[j+2] = c[0], c[1], c[2]
			}
		}
	case *image.Gray:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			src, dst := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()], row(y)
			for i, j := 0, 0; j < len(dst); i, j = i+1, j+3 {
				dst[j], dst[j+1], dst[j+2] = src[i], src[i], src[i]
			}
		}
	case *image.YCbCr: // lossy WebP
		fromYCbCr(m, nil, r, row)
	case *image.NYCbCrA: // lossy WebP with alpha
		fromYCbCr(&m.YCbCr, m, r, row)
	case image.RGBA64Image:
		for y := r.Min.Y; y < r.Max.Y; y++ {
			dst := row(y)
			for x, j := r.Min.X, 0; x < r.Max.X; x, j = x+1, j+3 {
				c := m.RGBA64At(x, y)
				p := rgbOverWhite(uint32(c.R), uint32(c.G), uint32(c.B), uint32(c.A))
				dst[j], dst[j+1], dst[j+2] = p[0], p[1], p[2]
			}
		}
	default:
		// Each decoder used here returns a standard library type; were one
		// not to, decodeStd's recover makes this IMAGE_INVALID.
		panic("photo: unexpected image type")
	}
	return out
}

// fromYCbCr converts with the JFIF equations that image/color implements,
// compositing over white when a (the alpha plane) is set.
func fromYCbCr(m *image.YCbCr, a *image.NYCbCrA, r image.Rectangle, row func(int) []byte) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		dst := row(y)
		for x, j := r.Min.X, 0; x < r.Max.X; x, j = x+1, j+3 {
			ci := m.COffset(x, y)
			R, G, B := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[ci], m.Cr[ci])
			if a != nil {
				if alpha := uint32(a.A[a.AOffset(x, y)]); alpha != 255 {
					R, G, B = overWhite(R, alpha), overWhite(G, alpha), overWhite(B, alpha)
				}
			}
			dst[j], dst[j+1], dst[j+2] = R, G, B
		}
	}
}

// overWhite composites a non-premultiplied 8-bit channel c of alpha a over
// white, rounded.
func overWhite(c byte, a uint32) byte {
	return byte((uint32(c)*a + 255*(255-a) + 127) / 255)
}

// rgbOverWhite composites a premultiplied 16-bit colour, as color.Color's
// RGBA method returns it, over white and keeps the high bytes.
func rgbOverWhite(r, g, b, a uint32) [3]byte {
	white := 0xffff - a
	return [3]byte{byte((r + white) >> 8), byte((g + white) >> 8), byte((b + white) >> 8)}
}
