package postgres

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/storetest"
)

// calls are a store's calls of every kind, reads and writes, the change
// log's and the pool's ping. They expect startUsing's face-0 of app1.
func calls(s *Store) map[string]func() error {
	return map[string]func() error{
		"CreateFace": func() error {
			return s.CreateFace(ctx, storetest.NewFace("app1", fmt.Sprintf("face-%x", rand.Uint64()), ""))
		},
		"Face":       func() error { _, err := s.Face(ctx, "app1", "face-0"); return err },
		"Faces":      func() error { _, err := s.Faces(ctx, "app1", "", 10); return err },
		"SetPayload": func() error { return s.SetPayload(ctx, "app1", "face-0", nil) },
		"PINAttempt": func() error { _, _, _, err := s.PINAttempt(ctx, "app1", "face-0", 0, 0, time.Now()); return err },
		"CountCall":  func() error { return s.CountCall(ctx, "app1", time.Now(), true) },
		"Changes":    func() error { _, _, err := s.Changes(ctx, 0, 10); return err },
		"Head":       func() error { _, _, err := s.Head(ctx); return err },
		"Ping":       func() error { return s.Ping(ctx) },
	}
}

// recovers makes calls until a whole round of them succeeds, and fails
// the test if that takes longer than within, or if a call fails with
// another code than UNAVAILABLE: a client told to come back must never
// be told anything else.
func recovers(t *testing.T, s *Store, within time.Duration) {
	t.Helper()
	start := time.Now()
	unavailable := 0
	for round := 1; ; round++ {
		failed := 0
		for name, call := range calls(s) {
			err := call()
			if err == nil {
				continue
			}
			failed++
			if visage.ErrorCode(err) != visage.CodeUnavailable {
				t.Fatalf("%s: %v (code %s), want success or UNAVAILABLE", name, err, visage.ErrorCode(err))
			}
			unavailable++
		}
		if failed == 0 {
			t.Logf("calls succeed again after %v (%d rounds, %d UNAVAILABLE)", time.Since(start), round, unavailable)
			return
		}
		if time.Since(start) > within {
			t.Fatalf("calls still fail after %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// woken fails the test unless ch is closed within a few seconds.
func woken(t *testing.T, ch <-chan struct{}, why string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("Changed not closed within 5 s %s", why)
	}
}

// startUsing opens s's pool connections and its listener, and a face
// face-0 of app1 to read.
func startUsing(t *testing.T, s *Store) {
	t.Helper()
	storetest.CreateApp(t, s, "app1")
	storetest.CreateFace(t, s, "app1", "face-0", "")
	woken(t, s.Changed(), "when listening starts")
	var wg sync.WaitGroup
	for range 4 { // more than one connection in the pool
		wg.Go(func() {
			if _, err := s.CountFaces(ctx, "app1"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// When the server ends the store's connections (a restart, a failover,
// an administrator), calls succeed or answer UNAVAILABLE, the waiters
// of Changed are woken (changes may have been missed), and within a few
// seconds calls succeed again.
func TestConnectionsTerminated(t *testing.T) {
	t.Parallel()
	s, url := openTest(t)
	startUsing(t, s)
	changed := s.Changed()
	// Only this test's connections: the others' run beside it.
	app := s.pool.Config().ConnConfig.RuntimeParams["application_name"]
	var ended int
	err := storetest.PostgresConn(t, storetest.PostgresServer(t)).QueryRow(ctx, `SELECT COUNT(pg_terminate_backend(pid))
		FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1`, app).Scan(&ended)
	if err != nil || ended < 2 {
		t.Fatalf("ended %d connections of %s, %v; want the pool's and the listener's", ended, url, err)
	}
	recovers(t, s, 5*time.Second)
	woken(t, changed, "when the listening connection was ended")
}

// Open fails within seconds, saying why, when nothing listens at the
// server's address.
func TestOpenRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	start := time.Now()
	s, err := Open(ctx, "postgres://postgres@"+addr+"/test", storetest.Key)
	if err == nil {
		s.Close()
		t.Fatal("opened a store where no server listens")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
	if msg := err.Error(); !strings.Contains(msg, "cannot reach") || !strings.Contains(msg, addr) {
		t.Errorf("the error does not say the server at %s cannot be reached: %v", addr, err)
	}
}

// A store whose server goes away answers UNAVAILABLE, within seconds,
// whether the server's address refuses connections or takes them and
// never answers; when the server is back, calls succeed again.
func TestServerGone(t *testing.T) {
	t.Parallel()
	schemaURL, _ := storetest.PostgresSchema(t)
	u, err := url.Parse(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.addr
	s := openURL(t, u.String())
	startUsing(t, s)

	for _, mode := range []struct {
		name string
		hang bool
		// calls are the calls made while the server is gone: at most the
		// pool's size of them when it never answers, since each holds a
		// slot of the pool for the connect timeout, and queues behind
		// the others beyond.
		calls []string
	}{
		// First, while the listener is connected: cut, it wakes at once.
		{"unanswered", true, []string{"Face", "CreateFace", "Changes"}},
		{"refused", false, nil},
	} {
		t.Run(mode.name, func(t *testing.T) {
			changed := s.Changed()
			p.stop(mode.hang)
			woken(t, changed, "when the listening connection was lost")
			if mode.hang {
				// Calls on the pool's cut connections fail at once; the
				// point here is those that must connect.
				s.pool.Reset()
			}
			var wg sync.WaitGroup
			for name, call := range calls(s) {
				if mode.calls != nil && !slices.Contains(mode.calls, name) {
					continue
				}
				wg.Go(func() {
					start := time.Now()
					err := call()
					if code := visage.ErrorCode(err); code != visage.CodeUnavailable {
						t.Errorf("%s: %v (code %q), want UNAVAILABLE", name, err, code)
					}
					if d := time.Since(start); d > connectTimeout+time.Second {
						t.Errorf("%s took %v to fail", name, d)
					}
				})
			}
			wg.Wait()
			p.start(t)
			recovers(t, s, 5*time.Second)
		})
	}
}

// proxy forwards TCP connections to a server, and stands for it going
// away: stopped, it refuses connections, or takes them and never
// answers.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	l     net.Listener
	hang  bool
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	p.start(t)
	t.Cleanup(func() {
		p.stop(false)
		p.wg.Wait()
	})
	return p
}

// start forwards connections again, on the same address.
func (p *proxy) start(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		p.l.Close()
	}
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.l, p.addr, p.hang = l, l.Addr().String(), false
	p.wg.Go(func() { p.accept(l) })
}

// stop cuts every connection, and refuses new ones, or with hang takes
// them and never answers.
func (p *proxy) stop(hang bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
	p.hang = hang
	if !hang && p.l != nil {
		p.l.Close()
		p.l = nil
	}
}

func (p *proxy) accept(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			continue // held, unanswered, until the next stop
		}
		p.wg.Go(func() {
			defer c.Close()
			server, err := net.Dial("tcp", p.target)
			if err != nil || !p.track(server) {
				return
			}
			defer server.Close()
			go func() {
				io.Copy(server, c)
				server.Close()
			}()
			io.Copy(c, server)
		})
	}
}

// track notes c to be cut at the next stop, and says whether to forward
// it: not while the proxy hangs.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[c] = true
	return !p.hang
}
