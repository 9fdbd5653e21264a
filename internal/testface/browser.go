package testface

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// Browser starts Debian's Chromium, headless, for one test: a fresh
// profile, no sandbox, GPU or component updates, a window of width ×
// height, and the extra options given. It is closed when the test ends.
// The test is skipped without Chromium.
func Browser(t testing.TB, width, height int, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-component-update", true),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	return ctx
}

// stepTimeout bounds one step in the browser: a step that takes longer
// is stuck, and the test says so rather than hanging.
const stepTimeout = time.Minute

// Do runs steps in the browser of ctx, failing the test on an error.
func Do(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Eval evaluates a JavaScript expression in the page of ctx (awaiting it
// when it is a promise) into a value of type T.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}
