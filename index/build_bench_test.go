package index

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage"
)

// BenchmarkBuild puts 1M faces of one 512-number template into a fresh
// gallery of each kind and reports what start-up costs: the time a Put
// takes (the loader's share of a start), and the memory the gallery keeps
// a face, as heap in use and as the process's resident set, both after a
// GC that gives freed memory back, and as the resident set's peak while
// building. The file's pages in the kernel's cache are not the process's
// and are not counted. Run it alone, once:
//
//	go test ./index/ -run XXX -bench Build -benchtime 1x
func BenchmarkBuild(b *testing.B) {
	if testing.Short() {
		b.Skip("1M faces; skipped in -short")
	}
	const n = 1_000_000
	for _, k := range benchKinds {
		b.Run(k.name, func(b *testing.B) {
			for range b.N {
				heap0, rss0 := resident(b)
				resetPeakRSS(b)
				g := k.new(b)
				put := timePuts(b, g, n)
				peak := procStatus(b, "VmHWM")
				heap1, rss1 := resident(b)
				b.ReportMetric(float64(put.Nanoseconds())/n, "put-ns/face")
				b.ReportMetric(n/put.Seconds(), "puts/s")
				b.ReportMetric(float64(heap1-heap0)/n, "heap-B/face")
				b.ReportMetric(float64(rss1-rss0)/n, "rss-B/face")
				b.ReportMetric(float64(peak-rss0)/n, "peak-rss-B/face")
				if err := g.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// timePuts puts n faces of one random unit template into g and returns
// the time spent in Put, leaving out making the vectors and IDs.
func timePuts(b *testing.B, g *Gallery, n int) time.Duration {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	v := make([]float32, benchDim)
	ts := []visage.Template{{Model: "m", Vector: v}}
	var put time.Duration
	for i := range n {
		randomUnitInto(rng, v)
		id := fmt.Sprintf("face-%07d", i)
		t0 := time.Now()
		err := g.Put("bench", id, ts)
		put += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
	}
	return put
}

// resident returns the heap in use and the resident set, in bytes, after
// a GC that gives freed memory back.
func resident(b *testing.B) (heap, rss uint64) {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, procStatus(b, "VmRSS")
}

// procStatus returns a memory line of /proc/self/status, in bytes.
func procStatus(b *testing.B, key string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: ", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == key {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no %s in /proc/self/status", key)
	return 0
}

// resetPeakRSS makes VmHWM start again from the current resident set.
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Skip("cannot reset the peak resident set: ", err)
	}
}
