package faceauth_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/internal/testface"
	"github.com/visagehq/visage/service"
)

// A server too busy to analyse a photo in time says so at once, 503 with
// Retry-After, as every Visage API does, rather than a 500 that tells the
// client nothing about coming back: here one worker that lets no request
// wait, and six requests at once.
func TestBusyEngineAnswers503(t *testing.T) {
	busy, err := face.New(face.Config{
		RuntimeLib:   filepath.Join(testface.Deps(), "onnxruntime", "libonnxruntime.so.1"),
		ModelDir:     filepath.Join(testface.Deps(), "models"),
		Workers:      1,
		MaxQueueWait: time.Millisecond,
	})
	if err != nil {
		t.Skip("engine:", err)
	}
	defer busy.Close()
	s := newServer(t, options{engine: busy, plans: map[string]service.Plan{"free": {PerMinute: 10000}}})
	p := people(t)
	k := s.register("dev@company.com")
	refused := 0
	for round := 0; round < 20 && refused == 0; round++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 6 {
			wg.Go(func() {
				a := s.do("POST", "/match", req{hdr: key(k), body: files("image1", p.alice[0], "image2", p.alice2)})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case a.status == 200:
				case a.status == 503 && a.code() == "PROCESSING_ERROR" && a.header.Get("Retry-After") != "":
					refused++
				default:
					t.Errorf("while the engine is busy: %d %v, Retry-After %q", a.status, a.body, a.header.Get("Retry-After"))
				}
			})
		}
		wg.Wait()
	}
	if refused == 0 {
		t.Error("6 requests at once on one worker that lets none wait: none was refused")
	}
}
