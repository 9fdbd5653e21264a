package index

import "math"

// A 1:N search over a large gallery is bound by memory bandwidth, not
// arithmetic: 100,000 float32 templates are 205 MB a search. So each row
// also keeps an 8-bit copy, a quarter of the size, and the scan reads only
// that. The copy's score differs from the true cosine by at most a bound
// known for each row (below); a row whose 8-bit score cannot reach the
// current floor even with the bound added is skipped, and every other row
// is scored again exactly from its float32 template. A skipped row could
// never have entered the results, so the search stays exact: it returns
// the same faces, with the same float32 scores, as scanning the float32
// templates alone.
//
// The bound. Write the probe q = q̂ + e_q and a template g = ĝ + e_g, where
// q̂ and ĝ are the dequantised 8-bit copies. Then
//
//	q·g − q̂·ĝ = q·e_g + e_q·ĝ,  so  |q·g − q̂·ĝ| ≤ ‖q‖‖e_g‖ + ‖e_q‖‖ĝ‖,
//
// and ‖ĝ‖ ≤ ‖g‖ + ‖e_g‖. Each row stores its scale and ‖e_g‖; the probe's
// are computed once per search.

// quantMax is the largest code: symmetric, so −127…127.
const quantMax = 127

// rowQuant is a row's 8-bit scale and the norm of what quantising lost.
type rowQuant struct {
	scale float32 // template ≈ scale · code
	err   float32 // ‖template − scale · code‖, rounded up
}

// quantize writes v's 8-bit codes into code (len(v) of them) and returns
// the scale and the error norm. Each row gets its own scale, the largest
// magnitude over quantMax, so a template uses all 255 levels.
//
// Put quantizes every template, so this is written for speed (a quarter of
// the time of the plain loops, measured at 0.8 against 2.9 µs): the
// largest magnitude is taken on the numbers' bits without the sign, which
// order magnitudes as integers do (infinity above them, NaN above all) and
// make a branchless max; a multiplication replaces the division, and two
// sums the one chain of additions. Which way a code rounds does not matter
// to the search, only that the error is measured from the code written.
func quantize(v []float32, code []int8) rowQuant {
	code = code[:len(v)]
	var m0, m1 uint32
	i := 0
	for ; i+1 < len(v); i += 2 {
		m0 = max(m0, math.Float32bits(v[i])&^signBit)
		m1 = max(m1, math.Float32bits(v[i+1])&^signBit)
	}
	if i < len(v) {
		m0 = max(m0, math.Float32bits(v[i])&^signBit)
	}
	m := float64(math.Float32frombits(max(m0, m1)))
	if m == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		clear(code)
		// The whole vector is the error; NaN or Inf stay so, and make
		// every bound NaN, which the scan treats as "score it exactly".
		return rowQuant{scale: 0, err: float32(norm(v))}
	}
	scale, inv := m/quantMax, quantMax/m
	var ss0, ss1 float64
	for i = 0; i+1 < len(v); i += 2 {
		x0, x1 := float64(v[i]), float64(v[i+1])
		c0, c1 := math.RoundToEven(x0*inv), math.RoundToEven(x1*inv)
		code[i], code[i+1] = int8(c0), int8(c1)
		d0, d1 := x0-c0*scale, x1-c1*scale
		ss0 += d0 * d0
		ss1 += d1 * d1
	}
	if i < len(v) {
		x := float64(v[i])
		c := math.RoundToEven(x * inv)
		code[i] = int8(c)
		d := x - c*scale
		ss0 += d * d
	}
	// float32 rounds to nearest; the bound must not shrink, so round up.
	return rowQuant{scale: float32(scale), err: math.Nextafter32(float32(math.Sqrt(ss0+ss1)), math.MaxFloat32)}
}

const signBit = 1 << 31

func norm(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}

// quantProbe is a probe prepared for the 8-bit scan.
type quantProbe struct {
	code  []int16 // the codes, widened for the kernel
	scale float32
	// A row with 8-bit score s and error e can reach at most
	// s + e·errCoef + slack.
	errCoef, slack float32
}

// roundingSlack covers float32 rounding: in the 8-bit score's scaling
// (a few ULPs of a number at most 1) and in the exact cosine the search
// reports (512 float32 products summed, off by a few 1e-5 at worst).
const roundingSlack = 1e-4

// maxRowNorm bounds ‖g‖ for a stored template: Put accepts squared
// lengths within unitTolerance of 1.
var maxRowNorm = float32(math.Sqrt(1 + unitTolerance))

func newQuantProbe(v []float32) quantProbe {
	code8 := make([]int8, len(v))
	q := quantize(v, code8)
	p := quantProbe{code: make([]int16, len(v)), scale: q.scale}
	for i, c := range code8 {
		p.code[i] = int16(c)
	}
	qn := float32(norm(v))
	// ‖q‖‖e_g‖ + ‖e_q‖(‖g‖ + ‖e_g‖) = e_g(‖q‖ + ‖e_q‖) + ‖e_q‖‖g‖.
	p.errCoef = qn + q.err
	p.slack = q.err*maxRowNorm + roundingSlack
	return p
}

// ceiling is the most the row's true cosine with the probe can be.
func (p *quantProbe) ceiling(code []int8, r rowQuant) float32 {
	return float32(dot8(p.code, code))*p.scale*r.scale + r.err*p.errCoef + p.slack
}

// dot8Go is the portable kernel, and the tail of the assembly one.
func dot8Go(a []int16, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, x := range a {
		s += int32(x) * int32(b[i])
	}
	return s
}
