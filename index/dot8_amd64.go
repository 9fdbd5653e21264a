package index

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly kernel, sixteen multiply-adds an
// instruction, where the processor has AVX2.
var useAVX2 = cpu.X86.HasAVX2

//go:noescape
func dot8AVX2(a *int16, b *int8, n int) int32

// dot8 is the integer dot product of a quantised probe and a quantised
// template of the same length.
func dot8(a []int16, b []int8) int32 {
	if !useAVX2 || len(a) < 16 {
		return dot8Go(a, b)
	}
	n := len(a) &^ 15
	s := dot8AVX2(&a[0], &b[:len(a)][0], n)
	if n == len(a) { // templates: 512 numbers
		return s
	}
	return s + dot8Go(a[n:], b[n:len(a)])
}
