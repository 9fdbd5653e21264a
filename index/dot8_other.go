//go:build !amd64

package index

func dot8(a []int16, b []int8) int32 { return dot8Go(a, b) }
