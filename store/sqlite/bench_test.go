package sqlite

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// BenchmarkCreateFace measures enrollments per second with synchronous=FULL:
// one commit, so one fsync of the WAL, each. It is the write ceiling of
// the embedded store; run it on the disk the data directory will live on
// (TMPDIR=/path go test -bench CreateFace), since a tmpfs would fake it.
func BenchmarkCreateFace(b *testing.B) {
	s, _ := openTest(b)
	createApp(b, s, "app1")
	i := 0
	for b.Loop() {
		if err := s.CreateFace(ctx, newFace("app1", fmt.Sprintf("face-%d", i), "")); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrollments/s")
}

// BenchmarkCreateFaceParallel is the same with concurrent callers, who
// queue for the one writer: it shows the ceiling does not rise with them.
func BenchmarkCreateFaceParallel(b *testing.B) {
	s, _ := openTest(b)
	createApp(b, s, "app1")
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.CreateFace(ctx, newFace("app1", fmt.Sprintf("face-%d", n.Add(1)), "")); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enrollments/s")
}
