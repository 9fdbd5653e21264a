// Package web is Visage's browser widget: the files a web page loads to
// show the face sign-in modal and talk to the widget endpoints; and the
// operator console's script and style sheet (package console serves them).
//
//	fio.js     classic script; defines the global faceIO (FACEIO's fio.js API)
//	fio.mjs    the same as an ES module: import faceIO from "HOST/fio.mjs"
//	widget.js  FaceAuth's one-tag embed (a "Sign in with your face" button)
//	fio.d.ts   TypeScript declarations for fio.mjs
//	console.js, console.css  the operator console's page (package console)
//
// The TypeScript sources are in web/src; `go run ./web/cmd/bundle` bundles
// them into web/dist, which is embedded here.
package web

import (
	"embed"
	"path"

	"github.com/visagehq/visage/web/internal/bundle"
)

//go:embed dist
var dist embed.FS

var contentTypes = map[string]string{
	"fio.js":    "text/javascript; charset=utf-8",
	"fio.mjs":   "text/javascript; charset=utf-8",
	"widget.js": "text/javascript; charset=utf-8",
	// Plain text, so that a developer opening it in a browser reads it.
	"fio.d.ts": "text/plain; charset=utf-8",
	// The operator console's, served by package console only.
	"console.js":  "text/javascript; charset=utf-8",
	"console.css": "text/css; charset=utf-8",
}

// Asset returns one of the files by name ("fio.js", "fio.mjs",
// "widget.js", "fio.d.ts", or the console's "console.js" and
// "console.css") and its Content-Type; ok is false for any other name.
func Asset(name string) (body []byte, contentType string, ok bool) {
	ct, known := contentTypes[name]
	if !known {
		return nil, "", false
	}
	b, err := dist.ReadFile(path.Join("dist", name))
	if err != nil {
		return nil, "", false
	}
	return b, ct, true
}

// Names lists the names Asset serves.
func Names() []string {
	return bundle.Names()
}
