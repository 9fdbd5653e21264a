//go:build !amd64

package match

func dot(a, b []float32) float32 { return blas.Sdot(len(a), a, 1, b, 1) }
