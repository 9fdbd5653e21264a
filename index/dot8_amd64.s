#include "textflag.h"

// func dot8AVX2(a *int16, b *int8, n int) int32
//
// n is a multiple of 16. Each step sign-extends 16 gallery bytes to words
// (VPMOVSXBW), multiplies them with 16 probe words and adds adjacent
// products into 8 dwords (VPMADDWD); four accumulators over 64 numbers a
// step. Products of two int8-range values summed in pairs stay below 2^15,
// and 512 of them below 2^23: no overflow.
TEXT ·dot8AVX2(SB), NOSPLIT, $0-28
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3

loop64:
	CMPQ CX, $64
	JL   loop16
	VPMOVSXBW (DI), Y4
	VPMOVSXBW 16(DI), Y5
	VPMOVSXBW 32(DI), Y6
	VPMOVSXBW 48(DI), Y7
	VPMADDWD  (SI), Y4, Y4
	VPMADDWD  32(SI), Y5, Y5
	VPMADDWD  64(SI), Y6, Y6
	VPMADDWD  96(SI), Y7, Y7
	VPADDD    Y4, Y0, Y0
	VPADDD    Y5, Y1, Y1
	VPADDD    Y6, Y2, Y2
	VPADDD    Y7, Y3, Y3
	ADDQ      $128, SI
	ADDQ      $64, DI
	SUBQ      $64, CX
	JMP       loop64

loop16:
	CMPQ CX, $16
	JL   fold
	VPMOVSXBW (DI), Y4
	VPMADDWD  (SI), Y4, Y4
	VPADDD    Y4, Y0, Y0
	ADDQ      $32, SI
	ADDQ      $16, DI
	SUBQ      $16, CX
	JMP       loop16

fold:
	VPADDD       Y1, Y0, Y0
	VPADDD       Y3, Y2, Y2
	VPADDD       Y2, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPHADDD      X0, X0, X0
	VPHADDD      X0, X0, X0
	VMOVD        X0, AX
	VZEROUPPER
	MOVL         AX, ret+24(FP)
	RET
