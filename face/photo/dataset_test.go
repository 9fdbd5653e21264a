package photo

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/visagehq/visage"
)

// brokenFiles locates face-counts/broken_files in the shared data sets:
// $VISAGE_DATASETS, by default ../../../shared/datasets from this package's
// directory (go test runs in it), that is shared/ beside the repository.
func brokenFiles(t *testing.T) string {
	root := os.Getenv("VISAGE_DATASETS")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "datasets")
	}
	dir, err := filepath.Abs(filepath.Join(root, "face-counts", "broken_files"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no broken_files data set (%v); set VISAGE_DATASETS to run this test", err)
	}
	return dir
}

// The data set's einstein is one picture in six formats plus ICO, and three
// broken files. Each decodes, or fails with the code it should.
func TestBrokenFilesDataset(t *testing.T) {
	dir := brokenFiles(t)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	lim := Limits{MaxSide: 0} // keep the stored size to compare it
	first := ""
	var w, h int
	for _, ext := range []string{"jpeg", "png", "gif", "webp", "bmp", "tiff"} {
		name := "einstein." + ext
		img, info, err := Decode(read(name), lim)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if info.Format != ext || len(img.Pix) != img.W*img.H*3 {
			t.Errorf("%s: format %q, %dx%d with %d bytes", name, info.Format, img.W, img.H, len(img.Pix))
		}
		if first == "" {
			first, w, h = name, img.W, img.H
		} else if img.W != w || img.H != h {
			t.Errorf("%s is %dx%d, %s is %dx%d", name, img.W, img.H, first, w, h)
		}
	}
	for name, want := range map[string]visage.Code{
		"einstein.ico":  visage.CodeImageUnsupported,
		"corrupted.png": visage.CodeImageInvalid,
		"truncated.jpg": visage.CodeImageInvalid,
		"empty.png":     visage.CodeImageInvalid,
	} {
		_, _, err := Decode(read(name), lim)
		if got := visage.ErrorCode(err); got != want {
			t.Errorf("%s: %v, want %s", name, err, want)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
