package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkHTTPAuthenticate is `visage bench http` as a Go benchmark: POST
// /v1/authenticate on loopback against a 100,000-face gallery, from one
// client and from 16.
//
//	go test ./cmd/visage -run '^$' -bench HTTPAuthenticate -benchtime 10s
func BenchmarkHTTPAuthenticate(b *testing.B) {
	if _, err := os.Stat(filepath.Join(deps, "models", "fr_feature.onnx")); err != nil {
		b.Skip("models not fetched: run `make setup`")
	}
	photo, err := os.ReadFile(samplePath("1"))
	if err != nil {
		b.Skip("sample photos not fetched: run `make setup`")
	}
	ef := engineFlags{ortLib: filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"), models: filepath.Join(deps, "models")}
	ctx := context.Background()
	ab, err := newAuthBench(ctx, &ef, photo, 100000)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ab.Close)

	b.Run("clients=1", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := ab.authenticate(ctx, ab.client); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("clients=16", func(b *testing.B) {
		c := newBenchClient(16)
		defer c.CloseIdleConnections()
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((16 + procs - 1) / procs)
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := ab.authenticate(ctx, c); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "auth/s")
	})
}
