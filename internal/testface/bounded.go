package testface

import (
	"testing"
	"time"
)

// Bounded runs call and fails t if it takes over a second: no input a
// fuzz target gives a parser may make it hang or crawl.
func Bounded(t *testing.T, call func()) {
	t.Helper()
	done := make(chan struct{})
	start := time.Now()
	go func() { defer close(done); call() }()
	select {
	case <-done:
		if d := time.Since(start); d > time.Second {
			t.Fatalf("one input took %v", d)
		}
	case <-time.After(time.Second):
		t.Fatalf("one input still running after %v", time.Since(start))
	}
}
