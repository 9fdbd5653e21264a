// Package bundle builds the widget's browser files from web/src with
// esbuild's Go API. It is apart from package web because package web embeds
// web/dist, which must exist before package web compiles: the tool that
// writes web/dist (web/cmd/bundle) can't depend on it.
package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// The files Build makes, and what each is built from.
var targets = []struct {
	name   string
	entry  string
	format api.Format
	// Syntax allowed beyond ES2019. import.meta is ES2020, but every
	// browser that loads ES modules at all has it.
	supported map[string]bool
}{
	{"fio.js", "src/entry-iife.ts", api.FormatIIFE, nil},                                      // <script>, global faceIO
	{"fio.mjs", "src/entry-esm.ts", api.FormatESModule, map[string]bool{"import-meta": true}}, // import faceIO from ".../fio.mjs"
	{"widget.js", "src/entry-faceauth.ts", api.FormatIIFE, nil},                               // FaceAuth's one-tag embed
	{"console.js", "src/console/main.ts", api.FormatIIFE, nil},                                // the operator console (package console)
	{"console.css", "src/console/console.css", api.FormatDefault, nil},                        // its style sheet
}

// Declarations is the hand-written TypeScript declaration file, served as is.
const Declarations = "fio.d.ts"

// Names lists every file Build makes.
func Names() []string {
	names := make([]string, 0, len(targets)+1)
	for _, t := range targets {
		names = append(names, t.name)
	}
	return append(names, Declarations)
}

// Build bundles the sources under webDir (the web/ directory) in memory:
// minified, for ES2019 browsers, no source map, no legal comments. Any
// esbuild error or warning fails the build, with esbuild's messages.
func Build(webDir string) (map[string][]byte, error) {
	abs, err := filepath.Abs(webDir)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(targets)+1)
	for _, t := range targets {
		res := api.Build(api.BuildOptions{
			AbsWorkingDir:     abs,
			EntryPoints:       []string{t.entry},
			Outfile:           t.name,
			Bundle:            true,
			Write:             false,
			Format:            t.format,
			Platform:          api.PlatformBrowser,
			Target:            api.ES2019,
			Supported:         t.supported,
			MinifyWhitespace:  true,
			MinifyIdentifiers: true,
			MinifySyntax:      true,
			Sourcemap:         api.SourceMapNone,
			LegalComments:     api.LegalCommentsNone,
			LogLevel:          api.LogLevelSilent,
		})
		if len(res.Errors) > 0 || len(res.Warnings) > 0 {
			msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
			msgs = append(msgs, api.FormatMessages(res.Warnings, api.FormatMessagesOptions{Kind: api.WarningMessage})...)
			return nil, fmt.Errorf("bundle %s: %d error(s), %d warning(s):\n%s", t.name, len(res.Errors), len(res.Warnings), strings.Join(msgs, ""))
		}
		if len(res.OutputFiles) != 1 {
			return nil, fmt.Errorf("bundle %s: esbuild made %d files, want 1", t.name, len(res.OutputFiles))
		}
		out[t.name] = res.OutputFiles[0].Contents
	}
	dts, err := os.ReadFile(filepath.Join(abs, "types", Declarations))
	if err != nil {
		return nil, err
	}
	out[Declarations] = dts
	return out, nil
}

// WebDir finds the web/ directory: next to this source file when built
// from source (go run, go test), else web/ or . under the working
// directory, whichever holds src/fio.ts.
func WebDir() (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", ".."))
	}
	candidates = append(candidates, "web", ".")
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "src", "fio.ts")); err == nil {
			return filepath.Clean(dir), nil
		}
	}
	return "", errors.New("cannot find web/src/fio.ts; run from the repository's root")
}
