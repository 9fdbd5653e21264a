package match

// Cosine returns the cosine similarity of two L2-normalised embeddings,
// which for unit vectors is just their dot product: 1 for the same
// direction, 0 for unrelated, -1 for opposite. It does not renormalise
// or clamp, so rounding can put the result a few ULPs outside [-1, 1];
// every map in this package clamps its input.
//
// It runs once per pair in calibration (~87 million LFW pairs) and once per
// gallery face in 1:N search, so the loop is unrolled by eight with eight
// independent sums: the multiply-adds then overlap instead of waiting on
// one accumulator, which roughly halves the time of the plain loop. The
// summation order is fixed, so a pair always gets the same score here and
// in calibration.
//
// Vectors of different lengths come from different models and must never
// be compared; Cosine panics on them.
func Cosine(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("match: Cosine of vectors of different lengths")
	}
	b = b[:len(a)] // lets the compiler drop the bounds checks on b
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
		s4 += a[i+4] * b[i+4]
		s5 += a[i+5] * b[i+5]
		s6 += a[i+6] * b[i+6]
		s7 += a[i+7] * b[i+7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
