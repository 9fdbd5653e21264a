package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// `visage serve` as a user starts it: the widget's bundles and demo, and
// the dialects under their prefixes, on their own listener, or off.
func TestServeMounts(t *testing.T) {
	engineArgs(t) // skips when the models are not fetched
	ortLib, _ := filepath.Abs(filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"))
	models, _ := filepath.Abs(filepath.Join(deps, "models"))
	tmp := t.TempDir()
	bin := visageBinary(t)
	own := freeAddr(t)
	srv := startCrashServer(t, bin, filepath.Join(tmp, "data"), ortLib, models, filepath.Join(tmp, "serve.log"),
		"--demo", "--faceio-addr", own)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, path := range []string{"/demo", "/fio.js", "/fio.mjs", "/widget.js", "/fio.d.ts", "/healthz"} {
		if code, _ := get("http://" + srv.addr + path); code != 200 {
			t.Errorf("%s: %d", path, code)
		}
	}
	for _, url := range []string{"http://" + srv.addr + "/faceio/status", "http://" + own + "/status"} {
		code, body := get(url)
		var m map[string]any
		json.Unmarshal([]byte(body), &m)
		if code != 200 || m["status"] != float64(200) {
			t.Errorf("%s: %d %s", url, code, body)
		}
	}
	if code, _ := get("http://" + srv.addr + "/facenition/token"); code != 404 { // POST only
		t.Errorf("GET /facenition/token: %d, want 404", code)
	}
	if code, body := get("http://" + srv.addr + "/auther/persons/alice"); code != 401 || !strings.Contains(body, `"A_001"`) {
		t.Errorf("Auther without a key: %d %s", code, body)
	}
	if code, body := get("http://" + srv.addr + "/api/v1/health"); code != 200 || !strings.Contains(body, `"models_loaded":true`) {
		t.Errorf("FaceAuth health: %d %s", code, body)
	}
	// A key in a path (FaceAuth's usage/:api_key) never reaches the log.
	const secret = "fa_doesnotexistbutlookslikeakey"
	if code, _ := get("http://" + srv.addr + "/api/v1/usage/" + secret); code != 401 {
		t.Errorf("usage with an unknown key: %d, want 401", code)
	}
	srv.kill()
	if log := logTail(filepath.Join(tmp, "serve.log")); strings.Contains(log, secret) || !strings.Contains(log, "/api/v1/") {
		t.Errorf("the server log names the key, or not the route:\n%s", log)
	}

	off := startCrashServer(t, bin, filepath.Join(tmp, "data"), ortLib, models, filepath.Join(tmp, "serve2.log"), "--dialects", "none")
	if code, body := get("http://" + off.addr + "/faceio/status"); code != 404 || strings.Contains(body, `"status":200`) {
		t.Errorf("/faceio/status with --dialects none: %d %s", code, body)
	}
	if code, _ := get("http://" + off.addr + "/demo"); code != 404 {
		t.Errorf("/demo without --demo: %d", code)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
