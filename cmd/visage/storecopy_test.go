package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/visagehq/visage/internal/storetest"
)

// A SQLite data folder with faces, payloads, PINs and usage, copied to
// PostgreSQL by `visage store copy`, serves the same from there: every
// face is recognised with its photo (and its PIN), its payload is there,
// and so are the calls counted.
func TestStoreCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("store copy test: not in -short mode")
	}
	engineArgs(t) // skips when the models are not fetched
	storeURL, _ := storetest.PostgresSchema(t)
	bin, tmp := visageBinary(t), t.TempDir()
	ortLib, _ := filepath.Abs(filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"))
	models, _ := filepath.Abs(filepath.Join(deps, "models"))
	data := filepath.Join(tmp, "data")
	images := crashImages(t)
	c := &replicaSet{t: t, bin: bin, data: data, store: ""}
	key, _ := c.createApp("copy", "enterprise")

	// On SQLite: enroll one cut of each person, every other one with a
	// PIN, each with a payload.
	srv := startCrashServer(t, bin, data, ortLib, models, filepath.Join(tmp, "sqlite.log"))
	cl := &crashClient{t: t, key: key, images: images, base: "http://" + srv.addr, hc: &http.Client{Timeout: crashCallTimeout}}
	ctx := context.Background()
	type enrolled struct{ fid, pin, payload string }
	var faces []enrolled
	for img := 0; img < len(images); img += len(crashShifts) {
		e := enrolled{payload: fmt.Sprintf(`{"n":%d}`, img)}
		fields := []string{"external_id", fmt.Sprintf("person-%d", img), "payload", e.payload}
		if img%2 == 0 {
			e.pin = fmt.Sprintf("%04d", 1000+img)
			fields = append(fields, "pin", e.pin)
		}
		body, ct := crashMultipart(images[img].data, fields...)
		st, res, err := cl.call(ctx, "POST", "/v1/enroll", ct, body)
		if err != nil || st != http.StatusCreated {
			t.Fatalf("enroll image %d: %d %v %v", img, st, res, err)
		}
		e.fid = res["facial_id"].(string)
		faces = append(faces, e)
	}
	callsBefore := totalCalls(t, cl)
	// SIGTERM: the server stops in order and writes its buffered counts.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done

	out, err := exec.Command(bin, "store", "copy", "--from", "sqlite://"+data, "--to", storeURL, "--dry-run").CombinedOutput()
	t.Logf("dry run: %s", out)
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("would copy 1 applications, 1 keys, 0 accounts, 0 admin tokens, %d faces", len(faces))) {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	start := time.Now()
	out, err = exec.Command(bin, "store", "copy", "--from", "sqlite://"+data, "--to", storeURL).CombinedOutput()
	t.Logf("copy (%v): %s", time.Since(start).Round(time.Millisecond), out)
	if err != nil || !strings.Contains(string(out), "verified") {
		t.Fatalf("copy: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "store", "copy", "--from", "sqlite://"+data, "--to", storeURL).CombinedOutput(); err == nil {
		t.Fatalf("a second copy into the filled store was not refused:\n%s", out)
	}

	// On PostgreSQL: the same faces, PINs, payloads and counts.
	srv = startCrashServer(t, bin, data, ortLib, models, filepath.Join(tmp, "postgres.log"), "--store", storeURL)
	cl.base = "http://" + srv.addr
	// The stats call that counted callsBefore was counted after its answer.
	if got := totalCalls(t, cl); got != callsBefore+1 {
		t.Errorf("%v calls counted after the copy, %v before", got, callsBefore)
	}
	for i, e := range faces {
		img := i * len(crashShifts)
		probe := img + 1 // the person's other cut
		fields := []string{"facial_id", e.fid}
		if e.pin != "" {
			fields = append(fields, "pin", e.pin)
		}
		body, ct := crashMultipart(images[probe].data, fields...)
		st, res, err := cl.call(ctx, "POST", "/v1/verify", ct, body)
		if err != nil || st != http.StatusOK || res["match"] != true {
			t.Errorf("verify face %s after the copy: %d %v %v", e.fid, st, res, err)
		}
		body, ct = crashMultipart(images[probe].data, "pin", e.pin)
		st, res, err = cl.call(ctx, "POST", "/v1/authenticate", ct, body)
		if err != nil || st != http.StatusOK || res["facial_id"] != e.fid {
			t.Errorf("authenticate person %d after the copy: %d %v %v", i, st, res, err)
		}
		st, res, err = cl.call(ctx, "GET", "/v1/faces/"+e.fid, "", nil)
		if err != nil || st != http.StatusOK || fmt.Sprint(res["payload"]) != fmt.Sprint(map[string]any{"n": float64(img)}) {
			t.Errorf("face %s after the copy: %d %v %v", e.fid, st, res, err)
		}
	}
	t.Logf("%d faces copied, all recognised from PostgreSQL", len(faces))
}

// totalCalls is the app's total calls, from /v1/stats.
func totalCalls(t *testing.T, cl *crashClient) float64 {
	st, res, err := cl.call(context.Background(), "GET", "/v1/stats", "", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("stats: %d %v %v", st, res, err)
	}
	return res["total_calls"].(float64)
}
