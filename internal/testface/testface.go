// Package testface gives tests what they share: the real face engine on
// the fetched models, the demo photos, single faces cut from them, and the
// research datasets when they sit beside the checkout. Everything skips
// with a message when it is missing, rather than failing a fresh clone.
package testface

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/visagehq/visage/face"
)

// root is the repository's root, found from this file's place in it, so
// that every package's tests see the same deps/ whatever their folder.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Deps is the folder `make setup` fills.
func Deps() string { return filepath.Join(root(), "deps") }

var (
	once sync.Once
	eng  *face.Engine
	err  error
)

// Engine is one engine with two workers, shared by a test binary.
func Engine(t testing.TB) *face.Engine {
	t.Helper()
	if _, err := os.Stat(filepath.Join(Deps(), "models", "fr_feature.onnx")); err != nil {
		t.Skip("models not fetched: run `make setup` (make test does it)")
	}
	once.Do(func() {
		eng, err = face.New(face.Config{
			RuntimeLib: filepath.Join(Deps(), "onnxruntime", "libonnxruntime.so.1"),
			ModelDir:   filepath.Join(Deps(), "models"),
			Workers:    2,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// Sample is demo photo n (1–6) of @vladmandic/face-api: three to five
// people each.
func Sample(t testing.TB, n int) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Deps(), "testdata", "face-api", fmt.Sprintf("sample%d.jpg", n)))
	if err != nil {
		t.Skip("sample photos not fetched: run `make setup`")
	}
	return data
}

// Person is a JPEG of face i (largest first) of demo photo n alone, cut
// with context around it; shift moves the cut, so that two shifts give
// two different photos of one person.
func Person(t testing.TB, n, i, shift int) []byte {
	t.Helper()
	data := Sample(t, n)
	faces, err := Engine(t).Analyze(context.Background(), data, face.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b := faces[i].Box
	pad := int(b.H * 0.6)
	r := image.Rect(int(b.X)-pad+shift, int(b.Y)-pad+shift, int(b.X+b.W)+pad+shift, int(b.Y+b.H)+pad+shift).Intersect(src.Bounds())
	var buf bytes.Buffer
	sub := src.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
	if err := jpeg.Encode(&buf, sub, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Blank is a plain grey 320×240 JPEG: a photo without a face.
func Blank(t testing.TB) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Datasets is sub of the research datasets ($VISAGE_DATASETS, else
// ../shared/datasets beside the checkout); the test skips without it.
func Datasets(t testing.TB, sub string) string {
	t.Helper()
	dir := os.Getenv("VISAGE_DATASETS")
	if dir == "" {
		dir = filepath.Join(root(), "..", "shared", "datasets")
	}
	dir = filepath.Join(dir, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s absent (research datasets are not in the repo; set VISAGE_DATASETS)", dir)
	}
	return dir
}
