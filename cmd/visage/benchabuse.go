package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
)

// `visage bench abuse` plays what the public edge meets on a bad day
// against a real `visage serve` (a child process, so that its memory is
// its own): first it measures how many authentications a second the
// server completes, then for --duration it offers twice that, mixed with
// heavy images, a flood of widget sessions and frames sent with the
// public ID alone, and clients that trickle their bodies. It prints what
// every kind of request got, and checks the edge's promises: no 5xx but
// 503 with Retry-After, every 429 and 503 with Retry-After, no request
// waiting more than 10 s, the server's memory bounded and back near its
// start afterwards, and the backend's own calls succeeding throughout.

// abuseTargets are the promises checked.
const (
	abuseMaxWait   = 10 * time.Second
	abuseMaxRSS    = 1536 << 20 // bytes
	abuseRSSReturn = 0.20       // the end within this fraction of the start
	// A body sent a byte a second is cut off within this.
	abuseMaxTrickle = 2 * time.Minute
	// The backend's calls beside the widget flood alone, and the wait
	// before the memory is read again.
	abuseProbeTime = 30 * time.Second
	abuseSettle    = time.Minute
)

func benchAbuse(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench abuse", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	duration := fs.Duration("duration", 5*time.Minute, "length of the abuse")
	probeFor := fs.Duration("capacity-time", 15*time.Second, "how long capacity is measured")
	slow := fs.Int("slow-clients", 50, "connections trickling a body")
	src := fs.String("photo", filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"), "photo the enrolled person's 640×480 frame is cut from")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	data, err := os.ReadFile(*src)
	if err != nil {
		return err
	}
	// One person's frame, cut as bench speed cuts it, by an engine of
	// this process's own.
	eng, err := ef.open()
	if err != nil {
		return err
	}
	photo, err := bench.Frame640(context.Background(), eng, data)
	eng.Close()
	if err != nil {
		return err
	}
	heavy, err := enlarge(photo, 4000, 3000)
	if err != nil {
		return err
	}
	ctx := context.Background()
	srv, err := startServer(ctx)
	if err != nil {
		return err
	}
	defer srv.stop()
	c := &abuser{url: srv.url, key: srv.key, pub: srv.pub, photo: photo, heavy: heavy,
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	if st, _, err := c.post(ctx, "/v1/enroll", c.key, jsonImage(photo)); err != nil || st != http.StatusCreated {
		return fmt.Errorf("bench abuse: enrolling the person: %d %v", st, err)
	}

	fmt.Fprintf(os.Stderr, "bench abuse: measuring capacity for %s…\n", *probeFor)
	capacity := c.capacity(ctx, *probeFor)
	if capacity <= 0 {
		return fmt.Errorf("bench abuse: the server completed no authentication in %s", *probeFor)
	}
	rep := &AbuseReport{Capacity: capacity, Offered: 2 * capacity, Duration: *duration, SlowClients: *slow}
	time.Sleep(5 * time.Second) // let the capacity run's memory settle
	rep.RSSStart = srv.rss()
	rep.GoHeapStart, _ = srv.heap()

	fmt.Fprintf(os.Stderr, "bench abuse: %.1f authentications/s; offering %.1f/s with the rest for %s…\n", capacity, 2*capacity, *duration)
	actx, cancel := context.WithTimeout(ctx, *duration)
	var wg sync.WaitGroup
	kinds := map[string]*kindStats{}
	for _, k := range []string{"backend authenticate", "heavy image", "widget session", "widget frame", "slow body", "backend probe"} {
		kinds[k] = &kindStats{Codes: map[string]int{}, limit: abuseMaxWait}
	}
	// A trickled body is not a request waiting for the server: what
	// matters is that it is cut off at all (the body deadline).
	kinds["slow body"].limit = abuseMaxTrickle
	wg.Go(func() {
		c.arrivals(actx, 2*capacity*0.7, func() { c.authenticate(ctx, kinds["backend authenticate"], c.photo) })
	})
	wg.Go(func() {
		c.arrivals(actx, 2*capacity*0.3, func() { c.authenticate(ctx, kinds["heavy image"], c.heavy) })
	})
	wg.Go(func() {
		c.arrivals(actx, 20, func() { c.widgetFlood(ctx, kinds["widget session"], kinds["widget frame"]) })
	})
	for range *slow {
		wg.Go(func() { c.trickle(actx, kinds["slow body"]) })
	}
	peak := func(ctx context.Context) {
		for ctx.Err() == nil {
			rep.RSSPeak = max(rep.RSSPeak, srv.rss())
			time.Sleep(time.Second)
		}
	}
	wg.Go(func() { peak(actx) })
	wg.Wait()
	cancel()

	// Then the page budget alone is spent, by the widget flood, while the
	// backend calls at its own pace: none of its calls may be refused.
	fmt.Fprintf(os.Stderr, "bench abuse: the widget flood alone for %s, the backend calling beside it…\n", abuseProbeTime)
	pctx, cancel := context.WithTimeout(ctx, abuseProbeTime)
	wg.Go(func() {
		c.arrivals(pctx, 20, func() { c.widgetFlood(ctx, kinds["widget session"], kinds["widget frame"]) })
	})
	wg.Go(func() { c.arrivals(pctx, 2, func() { c.authenticate(ctx, kinds["backend probe"], c.photo) }) })
	wg.Go(func() { peak(pctx) })
	wg.Wait()
	cancel()

	time.Sleep(abuseSettle) // sessions and buffers freed, as after any rush
	rep.RSSEnd = srv.rss()
	rep.GoHeapInUse, rep.GoHeapIdle = srv.heap()
	for name, k := range kinds {
		rep.Kinds = append(rep.Kinds, k.summary(name))
	}
	slices.SortFunc(rep.Kinds, func(a, b AbuseKind) int { return strings.Compare(a.Name, b.Name) })
	rep.check()
	if *asJSON {
		return writeJSON(out, rep)
	}
	rep.print(out)
	return nil
}

// AbuseReport is what bench abuse measured.
type AbuseReport struct {
	Capacity, Offered float64 // authentications per second
	Duration          time.Duration
	SlowClients       int
	Kinds             []AbuseKind
	// The server's resident memory before, at its highest during, and a
	// minute after the abuse.
	RSSStart, RSSPeak, RSSEnd int64
	// The server's Go heap in use before, and at the end (its /metrics)
	// in use and free but not yet given back to the system.
	GoHeapStart, GoHeapInUse, GoHeapIdle int64
	// Failed lists the promises broken.
	Failed []string
}

// AbuseKind is what one kind of request got.
type AbuseKind struct {
	Name  string
	Sent  int
	Codes map[string]int // by status, and the error code when there is one
	// Waits: median, 99th percentile and longest.
	P50, P99, Max time.Duration
	// Broken: 5xx other than 503 with Retry-After, 429 or 503 without
	// Retry-After, or answers slower than abuseMaxWait (a trickled body:
	// not cut off within abuseMaxTrickle).
	Broken int
}

type kindStats struct {
	mu     sync.Mutex
	limit  time.Duration // the longest wait that keeps the promise
	sent   int
	Codes  map[string]int
	waits  []time.Duration
	broken int
}

func (k *kindStats) add(status int, code string, retryAfter bool, wait time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sent++
	key := strconv.Itoa(status)
	if status == 0 {
		key = "no answer"
	}
	if code != "" {
		key += " " + code
	}
	k.Codes[key]++
	k.waits = append(k.waits, wait)
	busy := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
	if status == 0 || (status >= 500 && status != http.StatusServiceUnavailable) || (busy && !retryAfter) || wait > k.limit {
		k.broken++
	}
}

func (k *kindStats) summary(name string) AbuseKind {
	k.mu.Lock()
	defer k.mu.Unlock()
	a := AbuseKind{Name: name, Sent: k.sent, Codes: k.Codes, Broken: k.broken}
	if n := len(k.waits); n > 0 {
		slices.Sort(k.waits)
		a.P50, a.P99, a.Max = k.waits[n/2], k.waits[n*99/100], k.waits[n-1]
	}
	return a
}

func (r *AbuseReport) check() {
	for _, k := range r.Kinds {
		if k.Broken > 0 {
			r.Failed = append(r.Failed, fmt.Sprintf("%s: %d answers broke a promise (no answer, a 5xx but 503, a 429 or 503 without Retry-After, too long a wait)", k.Name, k.Broken))
		}
		if k.Name == "backend probe" && k.Codes["200"] < k.Sent {
			r.Failed = append(r.Failed, fmt.Sprintf("backend probe: %d of %d succeeded while the widget flood spent the page budget", k.Codes["200"], k.Sent))
		}
	}
	if r.RSSPeak > abuseMaxRSS {
		r.Failed = append(r.Failed, fmt.Sprintf("memory peaked at %d MiB, over %d MiB", r.RSSPeak>>20, abuseMaxRSS>>20))
	}
	if float64(r.RSSEnd) > float64(r.RSSStart)*(1+abuseRSSReturn) {
		r.Failed = append(r.Failed, fmt.Sprintf("memory %s after: %d MiB, more than %.0f %% over its %d MiB start", abuseSettle, r.RSSEnd>>20, 100*abuseRSSReturn, r.RSSStart>>20))
	}
}

func (r *AbuseReport) print(w io.Writer) {
	fmt.Fprintf(w, "capacity %.1f authentications/s; offered %.1f/s (70 %% normal photos, 30 %% 4000×3000 images) for %s,\n", r.Capacity, r.Offered, r.Duration)
	fmt.Fprintf(w, "with 20 widget sessions/s flooding from the public ID and %d slow-body connections; then %s of the widget flood\n", r.SlowClients, abuseProbeTime)
	fmt.Fprintf(w, "alone with two backend authentications a second (backend probe)\n\n")
	fmt.Fprintf(w, "%-22s %7s %9s %9s %9s %7s  %s\n", "kind", "sent", "p50", "p99", "max", "broken", "answers")
	for _, k := range r.Kinds {
		var codes []string
		for c, n := range k.Codes {
			codes = append(codes, fmt.Sprintf("%s ×%d", c, n))
		}
		slices.Sort(codes)
		fmt.Fprintf(w, "%-22s %7d %9s %9s %9s %7d  %s\n", k.Name, k.Sent, k.P50.Round(time.Millisecond), k.P99.Round(time.Millisecond), k.Max.Round(time.Millisecond), k.Broken, strings.Join(codes, ", "))
	}
	fmt.Fprintf(w, "\nserver memory (RSS): %d MiB before, %d MiB at its highest, %d MiB %s after (limit %d MiB, back within %.0f %%);\n",
		r.RSSStart>>20, r.RSSPeak>>20, r.RSSEnd>>20, abuseSettle, abuseMaxRSS>>20, 100*abuseRSSReturn)
	fmt.Fprintf(w, "its Go heap: %d MiB in use before; after, %d MiB in use and %d MiB free but not yet returned to the system\n", r.GoHeapStart>>20, r.GoHeapInUse>>20, r.GoHeapIdle>>20)
	if len(r.Failed) == 0 {
		fmt.Fprintln(w, "every promise held")
		return
	}
	for _, f := range r.Failed {
		fmt.Fprintln(w, "FAILED:", f)
	}
}

// abuser sends the traffic.
type abuser struct {
	url, key, pub string
	photo, heavy  []byte
	http          *http.Client
}

// capacity is the authentications a second 8 clients get done.
func (c *abuser) capacity(ctx context.Context, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	done := 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if st, _, err := c.post(ctx, "/v1/authenticate", c.key, jsonImage(c.photo)); err == nil && st == http.StatusOK {
					mu.Lock()
					done++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return float64(done) / d.Seconds()
}

// arrivals calls fn at random (Poisson) times, rate a second, each on its
// own goroutine: an open load that does not slow down when the server
// does.
func (c *abuser) arrivals(ctx context.Context, rate float64, fn func()) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(rand.ExpFloat64() / rate * float64(time.Second))):
			wg.Go(fn)
		}
	}
}

func (c *abuser) authenticate(ctx context.Context, k *kindStats, img []byte) {
	start := time.Now()
	st, hdr, _ := c.post(ctx, "/v1/authenticate", c.key, jsonImage(img))
	k.add(st, hdr.code, hdr.retryAfter, time.Since(start))
}

// widgetFlood opens a session with the public ID alone, as any page can,
// and sends it a few frames.
func (c *abuser) widgetFlood(ctx context.Context, sessions, frames *kindStats) {
	start := time.Now()
	body := fmt.Appendf(nil, `{"public_id":%q,"operation":"authenticate","idle_timeout":120}`, c.pub)
	st, hdr, _ := c.post(ctx, "/widget/v1/sessions", "", body)
	sessions.add(st, hdr.code, hdr.retryAfter, time.Since(start))
	if st != http.StatusCreated {
		return
	}
	var open struct{ Session, Nonce string }
	if json.Unmarshal(hdr.body, &open) != nil {
		return
	}
	for range 3 {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "POST", c.url+"/widget/v1/sessions/"+open.Session+"/frames", bytes.NewReader(c.photo))
		req.Header.Set("Content-Type", "image/jpeg")
		req.Header.Set("X-Visage-Nonce", open.Nonce)
		st, hdr, _ := c.do(req)
		frames.add(st, hdr.code, hdr.retryAfter, time.Since(start))
		var next struct{ Nonce string }
		if st != http.StatusOK || json.Unmarshal(hdr.body, &next) != nil {
			return
		}
		open.Nonce = next.Nonce
		time.Sleep(150 * time.Millisecond)
	}
}

// trickle sends an authentication's body a byte a second, again and again:
// the server should cut it off, not wait for it.
func (c *abuser) trickle(ctx context.Context, k *kindStats) {
	for ctx.Err() == nil {
		start := time.Now()
		conn, err := net.Dial("tcp", strings.TrimPrefix(c.url, "http://"))
		if err != nil {
			k.add(0, "dial", false, time.Since(start))
			time.Sleep(time.Second)
			continue
		}
		fmt.Fprintf(conn, "POST /v1/authenticate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n", c.key)
		status := 0
		got := make(chan int, 1)
		go func() {
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				got <- -1
				return
			}
			resp.Body.Close()
			got <- resp.StatusCode
		}()
	send:
		for ctx.Err() == nil {
			select {
			case status = <-got:
				break send
			case <-time.After(time.Second):
				if _, err := conn.Write([]byte{' '}); err != nil {
					status = <-got
					break send
				}
			}
		}
		conn.Close()
		wait := time.Since(start)
		if status == -1 { // cut off without an answer: what a deadline does
			status = http.StatusRequestTimeout
		}
		if status != 0 {
			k.add(status, "", true, wait)
		}
	}
}

type answer struct {
	code       string
	retryAfter bool
	body       []byte
}

func (c *abuser) post(ctx context.Context, path, key string, body []byte) (int, answer, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, answer{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://shop.invalid")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return c.do(req)
}

func (c *abuser) do(req *http.Request) (int, answer, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	a := answer{retryAfter: resp.Header.Get("Retry-After") != "", body: b}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if resp.StatusCode >= 400 && json.Unmarshal(b, &e) == nil {
		a.code = e.Error.Code
	}
	return resp.StatusCode, a, nil
}

func jsonImage(img []byte) []byte {
	return fmt.Appendf(nil, `{"image":%q}`, base64.StdEncoding.EncodeToString(img))
}

// enlarge scales a photo to w×h: a heavy image with a real face in it.
func enlarge(photo []byte, w, h int) ([]byte, error) {
	src, err := jpeg.Decode(bytes.NewReader(photo))
	if err != nil {
		return nil, err
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90})
	return buf.Bytes(), err
}

// server is a `visage serve` child process with one app.
type server struct {
	cmd                  *exec.Cmd
	dir                  string
	url, key, pub, admin string
}

func startServer(ctx context.Context) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "visage-bench-abuse")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	created, err := exec.CommandContext(ctx, self, "app", "create", "shop", "--plan", "enterprise", "--data", dir).Output()
	if err != nil {
		return nil, fmt.Errorf("bench abuse: visage app create: %w", err)
	}
	for _, line := range strings.Split(string(created), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "public" && f[1] == "id":
			s.pub = f[2]
		case len(f) >= 3 && f[0] == "private" && f[1] == "key":
			s.key = f[2]
		}
	}
	token, err := exec.CommandContext(ctx, self, "admin", "token", "--data", dir).Output()
	if err != nil {
		return nil, fmt.Errorf("bench abuse: visage admin token: %w", err)
	}
	if f := strings.Fields(string(token)); len(f) >= 3 {
		s.admin = f[2]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	s.url = "http://" + addr
	s.cmd = exec.CommandContext(ctx, self, "serve", "--addr", addr, "--data", dir)
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
	s.stop()
	return nil, fmt.Errorf("bench abuse: the server was not ready in a minute")
}

// heap reads the server's Go heap in use and idle-but-unreleased bytes
// from its /metrics.
func (s *server) heap() (inUse, idle int64) {
	req, _ := http.NewRequest("GET", s.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+s.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0
	}
	defer resp.Body.Close()
	var heapIdle, released float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_memstats_heap_inuse_bytes":
			inUse = int64(v)
		case "go_memstats_heap_idle_bytes":
			heapIdle = v
		case "go_memstats_heap_released_bytes":
			released = v
		}
	}
	return inUse, int64(heapIdle - released)
}

// rss is the server's resident memory, from /proc.
func (s *server) rss() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(os.Interrupt)
		s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}
