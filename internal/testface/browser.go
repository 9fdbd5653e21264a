package testface

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ScreenshotDir is where browser tests save their screenshots:
// $VISAGE_SCREENSHOTS, else bin/screenshots at the repository's root
// (ignored by git), which `make test` names.
func ScreenshotDir(t testing.TB) string {
	dir := os.Getenv("VISAGE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(root(), "bin", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Chromium is the path of Debian's chromium; the test is skipped without
// it.
func Chromium(t testing.TB) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Debian's chromium is not installed (make setup installs it)")
	return ""
}
