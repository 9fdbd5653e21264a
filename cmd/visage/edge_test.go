package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// `visage serve` holds every listener it opens to the same edge: slow
// clients cut off, request logs, /metrics off the public listener, data
// files its own (docs/security.md).
func TestServeEdge(t *testing.T) {
	engineArgs(t) // skips when the models are not fetched
	ortLib, _ := filepath.Abs(filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"))
	models, _ := filepath.Abs(filepath.Join(deps, "models"))
	tmp := t.TempDir()
	bin := visageBinary(t)
	// A data folder that everyone may read, as a user might make it.
	data := filepath.Join(tmp, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	own, admin := freeAddr(t), freeAddr(t)
	logPath := filepath.Join(tmp, "serve.log")
	srv := startCrashServer(t, bin, data, ortLib, models, logPath, "--auther-addr", own, "--admin-addr", admin,
		"--header-timeout", "1s", "--body-timeout", "1s", "--upload-timeout", "1s", "--idle-timeout", "1s")
	main := "http://" + srv.addr

	t.Run("every listener logs its requests", func(t *testing.T) {
		resp, err := http.Get("http://" + own + "/persons/alice")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != http.StatusUnauthorized || id == "" {
			t.Fatalf("Auther's own listener without a key: %d, X-Request-Id %q", resp.StatusCode, id)
		}
		var line string
		for wait := time.Now().Add(5 * time.Second); line == "" && time.Now().Before(wait); time.Sleep(20 * time.Millisecond) {
			line = logLine(logPath, id)
		}
		if !strings.Contains(line, `"msg":"request"`) || !strings.Contains(line, `"status":401`) || !strings.Contains(line, `"listener":"auther"`) {
			t.Errorf("log line of request %s: %q", id, line)
		}
	})

	t.Run("metrics only with the admin token or on the admin listener", func(t *testing.T) {
		if code := status(t, main+"/metrics"); code != http.StatusUnauthorized {
			t.Errorf("/metrics on the public listener: %d, want 401", code)
		}
		if code := status(t, "http://"+admin+"/metrics"); code != http.StatusOK {
			t.Errorf("/metrics on the admin listener: %d, want 200", code)
		}
	})

	t.Run("slow clients are cut off", func(t *testing.T) {
		for _, c := range []struct{ addr, method, path string }{
			{srv.addr, "POST", "/v1/enroll"},
			{own, "POST", "/persons/alice"},
		} {
			if !cutOff(t, c.addr, c.method+" "+c.path+" HTTP/1.1\r\nHost: v\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n", 200) {
				t.Errorf("%s %s on %s: the slow body was read to its end", c.method, c.path, c.addr)
			}
		}
		// A request line and headers that never end.
		if !cutOff(t, srv.addr, "GET /healthz HTTP/1.1\r\nHost: v\r\n", 200) {
			t.Error("headers sent a byte at a time were read to their end")
		}
	})

	t.Run("idle connections are closed", func(t *testing.T) {
		for _, addr := range []string{srv.addr, own, admin} {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: v\r\n\r\n")
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
			io.Copy(io.Discard, resp.Body)
			// Then nothing: the server hangs up after its idle timeout.
			var one [1]byte
			var ne net.Error
			if _, err := conn.Read(one[:]); errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%s: an idle connection was still open after 10 s", addr)
			}
		}
	})

	t.Run("data files are the owner's alone", func(t *testing.T) {
		for _, f := range []string{"visage.db", "visage.db-wal", "visage.db-shm", "visage.key"} {
			info, err := os.Stat(filepath.Join(data, f))
			if err != nil {
				t.Errorf("%s: %v", f, err)
			} else if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s has mode %v in a %v folder, want -rw-------", f, perm, os.FileMode(0o755))
			}
		}
	})
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// logLine is the line of the log that names the request ID.
func logLine(path, id string) string {
	b, _ := os.ReadFile(path)
	for line := range strings.Lines(string(b)) {
		if strings.Contains(line, `"request_id":"`+id+`"`) {
			return line
		}
	}
	return ""
}

// cutOff writes head, then trickles size more bytes one every 20 ms, and
// reports whether the server hung up before they were all sent.
func cutOff(t *testing.T, addr, head string, size int) bool {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	go func() {
		for range size {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			sent.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	conn.SetReadDeadline(time.Now().Add(time.Duration(size)*20*time.Millisecond + 3*time.Second))
	_, err = io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Logf("%s: still open after %d bytes", addr, sent.Load())
		return false
	}
	return sent.Load() < int64(size)
}
