package bench

import (
	"os"
	"path/filepath"
	"testing"
)

// dataset returns the path of a folder of the shared research datasets,
// or skips the test, saying why: a fresh clone has no datasets, and they
// never enter the repository. VISAGE_DATASETS overrides the default,
// ../shared/datasets seen from the repository root.
func dataset(t *testing.T, sub string) string {
	t.Helper()
	root := os.Getenv("VISAGE_DATASETS")
	if root == "" {
		root = filepath.Join("..", "..", "shared", "datasets")
	}
	dir := filepath.Join(root, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("dataset %s not available (set VISAGE_DATASETS): %v", sub, err)
	}
	return dir
}
