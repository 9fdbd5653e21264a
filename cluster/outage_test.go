package cluster_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
)

// redisServer is a private redis-server, for a test to stop and restart.
type redisServer struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func startRedis(t *testing.T, port int) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed")
	}
	s := &redisServer{t: t, port: port}
	s.start()
	t.Cleanup(func() { s.kill() })
	return s
}

// freePort is a port nothing listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *redisServer) url() string { return fmt.Sprintf("redis://127.0.0.1:%d", s.port) }

func (s *redisServer) start() {
	s.cmd = exec.Command("redis-server", "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--dir", s.t.TempDir(), "--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.port)); err == nil {
			c.Close()
			return
		}
	}
	s.t.Fatal("redis-server did not start")
}

func (s *redisServer) kill() {
	if s.cmd.ProcessState == nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
}

// Every call fails UNAVAILABLE, quickly, while Redis is hung or down,
// and works again once it is back.
func TestRedisOutage(t *testing.T) {
	srv := startRedis(t, freePort(t))
	ctx := context.Background()
	r, err := cluster.Dial(ctx, srv.url(), "visage:")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rate := cluster.Rate{Burst: 5, Per: time.Minute}
	calls := map[string]func() error{
		"Take":     func() error { _, err := r.Take(ctx, "rate:a", rate, time.Now()); return err },
		"GiveBack": func() error { return r.GiveBack(ctx, "rate:a", rate, time.Now()) },
		"Count": func() error {
			_, err := r.Count(ctx, "quota:a", time.Hour, time.Now(), func(context.Context) (int64, error) { return 3, nil })
			return err
		},
		"Incr":  func() error { return r.Incr(ctx, "quota:a", time.Now()) },
		"First": func() error { _, err := r.First(ctx, "replay:a", time.Minute, time.Now()); return err },
		"Update": func() error {
			return r.Update(ctx, "value:a", time.Now(), func(old []byte) ([]byte, time.Duration) { return []byte("v"), time.Minute })
		},
		"Join": func() error {
			_, err := r.Join(ctx, "sessions:a", "m", 5, time.Now().Add(time.Minute), time.Now())
			return err
		},
		"Leave": func() error { return r.Leave(ctx, "sessions:a", "m") },
	}
	works := func(when string) {
		t.Helper()
		for name, call := range calls {
			if err := call(); err != nil {
				t.Fatalf("%s %s: %v", name, when, err)
			}
		}
	}
	// Calls fail side by side, as a server's requests would.
	fails := func(when string, within time.Duration) {
		t.Helper()
		var wg sync.WaitGroup
		for name, call := range calls {
			wg.Go(func() {
				start := time.Now()
				err := call()
				took := time.Since(start)
				if visage.ErrorCode(err) != visage.CodeUnavailable || took > within {
					t.Errorf("%s %s: %v after %v; want UNAVAILABLE within %v", name, when, err, took.Round(time.Millisecond), within)
				}
				t.Logf("%s %s: failed after %v", name, when, took.Round(time.Millisecond))
			})
		}
		wg.Wait()
	}
	works("before the outage")

	// A hung Redis (it accepts connections and never answers) costs a
	// request its timeouts, never more.
	srv.cmd.Process.Signal(syscall.SIGSTOP)
	fails("while Redis is hung", cluster.Timeout+500*time.Millisecond)
	srv.cmd.Process.Signal(syscall.SIGCONT)

	// A Redis that is gone is known at once.
	srv.kill()
	fails("while Redis is down", 500*time.Millisecond)

	srv.start()
	works("after Redis came back")
}

func TestDialRefusesWhatDoesNotAnswer(t *testing.T) {
	ctx := context.Background()
	if _, err := cluster.Dial(ctx, "http://127.0.0.1:6379", "visage:"); err == nil {
		t.Fatal("dialled an http URL")
	}
	if _, err := cluster.Dial(ctx, "redis://user:hunter2 x@127.0.0.1:6379", "visage:"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a URL that does not parse: %v; want an error that does not show the password", err)
	}
	start := time.Now()
	_, err := cluster.Dial(ctx, fmt.Sprintf("redis://127.0.0.1:%d", freePort(t)), "visage:")
	if err == nil || time.Since(start) > cluster.Timeout {
		t.Fatalf("a port where nothing listens: %v after %v", err, time.Since(start))
	}
}
