package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/visagehq/visage/internal/testface"
)

// Switching the recogniser is a configuration change: the same binary and
// data folder served with another --pack never compares a face enrolled
// with one pack against the other's templates (it says so at start), can
// enroll the person again, and switching back finds the first enrollment.
func TestSwitchingPacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server: not in -short mode")
	}
	engineArgs(t)
	const other = "mobilefacenet192"
	ortLib, _ := filepath.Abs(filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"))
	models, _ := filepath.Abs(filepath.Join(deps, "models"))
	if _, err := os.Stat(filepath.Join(models, "mobilefacenet192.onnx")); err != nil {
		t.Skip("converted models missing: run `make setup`")
	}
	tmp := t.TempDir()
	bin := visageBinary(t)
	data := filepath.Join(tmp, "data")
	out, err := exec.Command(bin, "app", "create", "packs", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("app create: %v\n%s", err, out)
	}
	key := string(regexp.MustCompile(`private key (vsk_\S+)`).FindSubmatch(out)[1])
	c := &crashClient{t: t, key: key, hc: newBenchClient(1)}
	ctx := context.Background()
	enroll := testface.Person(t, 3, 0, 0)
	probe := testface.Person(t, 3, 0, 12)
	post := func(path string, img []byte) (int, map[string]any) {
		t.Helper()
		body, ct := crashMultipart(img)
		status, res, err := c.call(ctx, "POST", path, ct, body)
		if err != nil {
			t.Fatal(err)
		}
		return status, res
	}
	serve := func(name string, extra ...string) *crashServer {
		srv := startCrashServer(t, bin, data, ortLib, models, filepath.Join(tmp, name+".log"), extra...)
		c.base = "http://" + srv.addr
		return srv
	}

	srv := serve("default")
	status, res := post("/v1/enroll", enroll)
	if status != 201 {
		t.Fatalf("enroll: %d %v", status, res)
	}
	first := res["facial_id"]
	if status, res = post("/v1/authenticate", probe); status != 200 || res["facial_id"] != first {
		t.Fatalf("authenticate with the default pack: %d %v", status, res)
	}
	srv.kill()

	srv = serve("other", "--pack", other)
	if status, res = post("/v1/authenticate", probe); status != 422 || errorCode(res) != "UNRECOGNIZED_FACE" {
		t.Errorf("the default pack's face found by %s: %d %v", other, status, res)
	}
	if log := logTail(filepath.Join(tmp, "other.log")); !strings.Contains(log, "another recogniser pack") {
		t.Errorf("no warning about faces of another pack in the log:\n%s", log)
	}
	// The first enrollment is listed as needing another.
	status, res, err = c.call(ctx, "GET", "/v1/faces/"+first.(string), "", nil)
	if err != nil || status != 200 || res["needs_reenrollment"] != true {
		t.Errorf("the default pack's face under %s: %d %v %v", other, status, res, err)
	}
	status, res = post("/v1/enroll", enroll)
	if status != 201 {
		t.Fatalf("enroll again with %s: %d %v", other, status, res)
	}
	second := res["facial_id"]
	if status, res = post("/v1/authenticate", probe); status != 200 || res["facial_id"] != second {
		t.Errorf("authenticate with %s after enrolling with it: %d %v", other, status, res)
	}
	srv.kill()

	srv = serve("back")
	if status, res = post("/v1/authenticate", probe); status != 200 || res["facial_id"] != first {
		t.Errorf("back on the default pack: %d %v, want the first enrollment %v", status, res, first)
	}
	srv.kill()

	// A data folder whose every face was enrolled with another pack keeps
	// it when the server starts without --pack: an upgrade that changes
	// the default does not ask everyone to enroll again.
	data = filepath.Join(tmp, "other-data")
	out, err = exec.Command(bin, "app", "create", "packs", "--data", data).CombinedOutput()
	if err != nil {
		t.Fatalf("app create: %v\n%s", err, out)
	}
	c.key = string(regexp.MustCompile(`private key (vsk_\S+)`).FindSubmatch(out)[1])
	srv = serve("other-only", "--pack", other)
	if status, res = post("/v1/enroll", enroll); status != 201 {
		t.Fatalf("enroll with %s: %d %v", other, status, res)
	}
	third := res["facial_id"]
	srv.kill()
	serve("sticky")
	if status, res = post("/v1/authenticate", probe); status != 200 || res["facial_id"] != third {
		t.Errorf("without --pack on a folder of %s faces: %d %v, want %v", other, status, res, third)
	}
	if log := logTail(filepath.Join(tmp, "sticky.log")); !strings.Contains(log, "every enrolled face was made with") || !strings.Contains(log, other) {
		t.Errorf("the log does not say which pack was chosen:\n%s", log)
	}
}

func errorCode(res map[string]any) string {
	e, _ := res["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}
