package web

import (
	"bytes"
	"strings"
	"testing"
)

// The embedded web/dist must be what the sources build to today; otherwise
// the server would serve an old widget.
func TestBundleIsFresh(t *testing.T) {
	fresh, err := Bundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		want, ok := fresh[name]
		if !ok {
			t.Errorf("Bundle() made no %s", name)
			continue
		}
		got, _, ok := Asset(name)
		if !ok {
			t.Errorf("web/dist/%s is missing: run `go run ./web/cmd/bundle`", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("web/dist/%s is stale (%d bytes, the sources build %d): run `go run ./web/cmd/bundle`", name, len(got), len(want))
		}
	}
	if len(fresh) != len(Names()) {
		t.Errorf("Bundle() made %d files, Names() lists %d", len(fresh), len(Names()))
	}
}

// A classic script with import.meta in it is a syntax error in the browser;
// the module must export its class.
func TestBundleFormats(t *testing.T) {
	for _, name := range []string{"fio.js", "widget.js"} {
		body, ct, ok := Asset(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		if strings.Contains(string(body), "import.meta") {
			t.Errorf("%s (a classic script) uses import.meta", name)
		}
		if bytes.Contains(body, []byte("export{")) || bytes.Contains(body, []byte("export default")) {
			t.Errorf("%s (a classic script) has an export statement", name)
		}
		if !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: content type %q", name, ct)
		}
	}
	mjs, _, ok := Asset("fio.mjs")
	if !ok {
		t.Fatal("no fio.mjs")
	}
	if !bytes.Contains(mjs, []byte("export")) {
		t.Error("fio.mjs exports nothing")
	}
	for name, global := range map[string]string{"fio.js": "faceIO", "widget.js": "FaceAuth"} {
		body, _, _ := Asset(name)
		if !bytes.Contains(body, []byte("."+global+"=")) {
			t.Errorf("%s doesn't set window.%s", name, global)
		}
	}
	dts, ct, ok := Asset("fio.d.ts")
	if !ok || !bytes.Contains(dts, []byte("export default class faceIO")) || !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("fio.d.ts: ok=%v, content type %q", ok, ct)
	}
	if _, _, ok := Asset("../web.go"); ok {
		t.Error("Asset serves a name it doesn't list")
	}
}
