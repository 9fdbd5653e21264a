package face

import (
	"math"

	"github.com/visagehq/visage/face/photo"
)

// warper resamples regions of a photo into the small fixed-size crops the
// models take. It owns its scratch memory so that a worker reuses it across
// requests.
type warper struct {
	shrunk photo.RGB
	acc    []uint32
}

// warp fills dst (whose W and H are set and Pix sized) so that
// dst(x, y) = src(m(x, y)), bilinear, black outside src. When m shrinks by
// two or more, the covered source region is first box-averaged by that
// integer factor: bilinear sampling alone would skip pixels and alias, which
// costs the detector small faces and the recogniser accuracy.
func (w *warper) warp(dst, src *photo.RGB, m affine) {
	if k := int(m.scale()); k >= 2 {
		src, m = w.preshrink(src, m, dst.W, dst.H, k)
	}
	if m == (affine{A: 1, E: 1}) && src.W == dst.W && src.H == dst.H {
		// A frame twice the detector's size, say: the box average
		// already is the answer.
		copy(dst.Pix, src.Pix)
		return
	}
	bilinear(dst, src, m)
}

// preshrink box-averages by k the part of src that the w×h output of m
// covers, and returns the shrunk image with m re-expressed in its pixels.
func (w *warper) preshrink(src *photo.RGB, m affine, dw, dh, k int) (*photo.RGB, affine) {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4]Point{{-0.5, -0.5}, {float32(dw) - 0.5, -0.5}, {-0.5, float32(dh) - 0.5}, {float32(dw) - 0.5, float32(dh) - 0.5}} {
		p := m.apply(c)
		x0, y0 = min(x0, float64(p.X)), min(y0, float64(p.Y))
		x1, y1 = max(x1, float64(p.X)), max(y1, float64(p.Y))
	}
	// Clamp to the image, aligned to the k grid so the result does not
	// depend on where the crop happens to start.
	ix0 := max(0, int(math.Floor(x0))/k*k)
	iy0 := max(0, int(math.Floor(y0))/k*k)
	ix1 := min(src.W, int(math.Ceil(x1))+1)
	iy1 := min(src.H, int(math.Ceil(y1))+1)
	sw, sh := (ix1-ix0)/k, (iy1-iy0)/k
	if sw < 2 || sh < 2 {
		return src, m
	}
	s := &w.shrunk
	s.W, s.H = sw, sh
	s.Pix = grow(s.Pix, sw*sh*3)
	w.acc = grow(w.acc, sw*3)
	boxShrink(s, src, ix0, iy0, k, w.acc)

	// A shrunk pixel u covers source pixels ix0+k*u … ix0+k*u+k-1, so its
	// centre is at source x = ix0 + k*u + (k-1)/2.
	off := float64(k-1) / 2
	inv := 1 / float64(k)
	return s, affine{
		A: m.A * inv, B: m.B * inv, C: (m.C - float64(ix0) - off) * inv,
		D: m.D * inv, E: m.E * inv, F: (m.F - float64(iy0) - off) * inv,
	}
}

// boxShrink writes into dst the k×k block means of src starting at (x0, y0);
// acc is scratch of dst.W*3.
func boxShrink(dst, src *photo.RGB, x0, y0, k int, acc []uint32) {
	if k == 2 {
		halve(dst, src, x0, y0)
		return
	}
	div := uint32(k * k)
	for oy := 0; oy < dst.H; oy++ {
		clear(acc)
		for dy := 0; dy < k; dy++ {
			row := src.Pix[((y0+oy*k+dy)*src.W+x0)*3:]
			for ox := 0; ox < dst.W; ox++ {
				p := row[ox*k*3 : (ox*k+k)*3]
				var r, g, b uint32
				for i := 0; i < len(p); i += 3 {
					r += uint32(p[i])
					g += uint32(p[i+1])
					b += uint32(p[i+2])
				}
				acc[ox*3] += r
				acc[ox*3+1] += g
				acc[ox*3+2] += b
			}
		}
		out := dst.Pix[oy*dst.W*3 : (oy+1)*dst.W*3]
		for i := range out {
			out[i] = uint8((acc[i] + div/2) / div)
		}
	}
}

// halve is boxShrink for k = 2, the common case of a VGA frame going to
// the detector, unrolled.
func halve(dst, src *photo.RGB, x0, y0 int) {
	stride := src.W * 3
	for oy := 0; oy < dst.H; oy++ {
		r0 := src.Pix[(y0+2*oy)*stride+x0*3:]
		r1 := src.Pix[(y0+2*oy+1)*stride+x0*3:]
		out := dst.Pix[oy*dst.W*3 : (oy+1)*dst.W*3]
		r0, r1 = r0[:len(out)*2], r1[:len(out)*2]
		for i := 0; i+2 < len(out); i += 3 {
			j := 2 * i
			out[i] = uint8((uint32(r0[j]) + uint32(r0[j+3]) + uint32(r1[j]) + uint32(r1[j+3]) + 2) >> 2)
			out[i+1] = uint8((uint32(r0[j+1]) + uint32(r0[j+4]) + uint32(r1[j+1]) + uint32(r1[j+4]) + 2) >> 2)
			out[i+2] = uint8((uint32(r0[j+2]) + uint32(r0[j+5]) + uint32(r1[j+2]) + uint32(r1[j+5]) + 2) >> 2)
		}
	}
}

// bilinear samples src at m(x, y) for every pixel of dst, in 8-bit fixed
// point: it runs on every pixel of the detector's input, where float
// arithmetic per channel cost more than the detector itself.
func bilinear(dst, src *photo.RGB, m affine) {
	sw, sh, stride := src.W, src.H, src.W*3
	for y := 0; y < dst.H; y++ {
		fx := m.B*float64(y) + m.C
		fy := m.E*float64(y) + m.F
		out := dst.Pix[y*dst.W*3 : (y+1)*dst.W*3]
		for x := 0; x < dst.W; x++ {
			sx, sy := fx+m.A*float64(x), fy+m.D*float64(x)
			o := out[x*3 : x*3+3 : x*3+3]
			// int(v+1)-1 is floor(v) for v > -1; anything lower is
			// outside the image anyway.
			ix, iy := int(sx+1)-1, int(sy+1)-1
			if ix < -1 || iy < -1 || ix >= sw || iy >= sh {
				o[0], o[1], o[2] = 0, 0, 0
				continue
			}
			ax := uint32((sx - float64(ix)) * 256)
			ay := uint32((sy - float64(iy)) * 256)
			if ix >= 0 && iy >= 0 && ix+1 < sw && iy+1 < sh {
				p := src.Pix[iy*stride+ix*3 : iy*stride+ix*3+6 : iy*stride+ix*3+6]
				q := src.Pix[(iy+1)*stride+ix*3 : (iy+1)*stride+ix*3+6 : (iy+1)*stride+ix*3+6]
				for c := 0; c < 3; c++ {
					top := uint32(p[c])*(256-ax) + uint32(p[c+3])*ax
					bot := uint32(q[c])*(256-ax) + uint32(q[c+3])*ax
					o[c] = uint8((top*(256-ay) + bot*ay + 1<<15) >> 16)
				}
				continue
			}
			// On the border: missing neighbours are black.
			for c := 0; c < 3; c++ {
				top := at(src, ix, iy, c)*(256-ax) + at(src, ix+1, iy, c)*ax
				bot := at(src, ix, iy+1, c)*(256-ax) + at(src, ix+1, iy+1, c)*ax
				o[c] = uint8((top*(256-ay) + bot*ay + 1<<15) >> 16)
			}
		}
	}
}

// at is a source sample, black outside the image.
func at(img *photo.RGB, x, y, c int) uint32 {
	if x < 0 || y < 0 || x >= img.W || y >= img.H {
		return 0
	}
	return uint32(img.Pix[(y*img.W+x)*3+c])
}

// grow returns b resized to n, reusing its memory when it is big enough.
func grow[T any](b []T, n int) []T {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]T, n)
}

// norm describes how a model wants pixels: channel c of the tensor is
// (pixel[order[c]] - mean[c]) * scale[c], planar (CHW).
type norm struct {
	order [3]int
	mean  [3]float32
	scale [3]float32
}

var (
	rgbOrder = [3]int{0, 1, 2}
	bgrOrder = [3]int{2, 1, 0}
)

// planar writes img into t as CHW floats under n.
func planar(t []float32, img *photo.RGB, n norm) {
	plane := img.W * img.H
	for c := 0; c < 3; c++ {
		dst := t[c*plane : (c+1)*plane]
		src, mean, scale := n.order[c], n.mean[c], n.scale[c]
		for i := range dst {
			dst[i] = (float32(img.Pix[i*3+src]) - mean) * scale
		}
	}
}

// gray writes the luma of img into t, times scale.
func gray(t []float32, img *photo.RGB, scale float32) {
	for i := range t[:img.W*img.H] {
		p := img.Pix[i*3 : i*3+3]
		t[i] = (0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])) * scale
	}
}
