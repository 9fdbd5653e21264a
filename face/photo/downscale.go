package photo

// Downscale returns src shrunk with area averaging (a box filter) so that its
// longest side is maxSide; src itself when maxSide <= 0 or src is already
// small enough. Every output pixel is the mean of the source area it covers,
// partial source pixels at its edges weighted by the fraction covered, so
// the result neither aliases nor loses the borders.
func Downscale(src *RGB, maxSide int) *RGB {
	long := max(src.W, src.H)
	if maxSide <= 0 || long <= maxSide {
		return src
	}
	w := max(1, (src.W*maxSide+long/2)/long)
	h := max(1, (src.H*maxSide+long/2)/long)
	cols, rows := boxTaps(src.W, w), boxTaps(src.H, h)
	dst := newRGB(w, h)

	// Rows first: each output row is one weighted sum of whole source rows,
	// a tight loop over contiguous bytes, and it leaves the columns pass only
	// h rows to do. acc holds 16.16 fixed point, at most 255<<16; its tail
	// is there for the columns pass's zero-weight padding taps to read.
	stride := src.W * 3
	acc := make([]uint32, stride+cols.n*3)
	for oy := range h {
		for k, wt := range rows.weights(oy) {
			if k > 0 && wt == 0 {
				continue // padding, past the last source row
			}
			sy := rows.first[oy] + k
			line := src.Pix[sy*stride : (sy+1)*stride]
			acc := acc[:len(line)]
			if k == 0 {
				for i, v := range line {
					acc[i] = wt * uint32(v)
				}
			} else {
				for i, v := range line {
					acc[i] += wt * uint32(v)
				}
			}
		}
		out := dst.Pix[oy*w*3 : (oy+1)*w*3]
		for ox := range w {
			wts := cols.weights(ox)
			p := acc[cols.first[ox]*3:][:len(wts)*3]
			var r, g, b uint64 // up to 255<<32: 16.16 values times 16-bit weights
			for k, wt := range wts {
				q := p[k*3 : k*3+3 : k*3+3]
				r += uint64(wt) * uint64(q[0])
				g += uint64(wt) * uint64(q[1])
				b += uint64(wt) * uint64(q[2])
			}
			const half = 1 << 31
			o := out[ox*3 : ox*3+3 : ox*3+3]
			o[0], o[1], o[2] = byte((r+half)>>32), byte((g+half)>>32), byte((b+half)>>32)
		}
	}
	return dst
}

// taps are the box filter's weights along one axis: output i averages the
// source pixels first[i], first[i]+1, ... with w[i*n : (i+1)*n], which sum
// to exactly 1<<16 so that a flat image stays flat. Every output has n
// taps, the widest one's count, the shorter padded with zero weights: the
// fixed count keeps the columns pass's inner loop free of branches.
type taps struct {
	n     int
	first []int
	w     []uint32
}

func (t *taps) weights(i int) []uint32 { return t.w[i*t.n : (i+1)*t.n] }

// boxTaps computes the taps that shrink n source pixels to m < n. In units
// of 1/m source pixel, source j spans [j*m, (j+1)*m) and output i spans
// [i*n, (i+1)*n). Each weight is the difference of rounded cumulative
// coverage, so that the rounding errors do not add up.
func boxTaps(n, m int) *taps {
	t := &taps{first: make([]int, m)}
	for i := range m {
		t.first[i] = i * n / m
		t.n = max(t.n, ((i+1)*n-1)/m-t.first[i]+1)
	}
	t.w = make([]uint32, m*t.n)
	for i := range m {
		lo, hi := i*n, (i+1)*n
		w := t.weights(i)
		covered := 0
		for k := range w {
			j := t.first[i] + k
			overlap := max(0, min(hi, (j+1)*m)-max(lo, j*m))
			before := (covered<<16 + n/2) / n
			covered += overlap
			w[k] = uint32((covered<<16+n/2)/n - before)
		}
	}
	return t
}
