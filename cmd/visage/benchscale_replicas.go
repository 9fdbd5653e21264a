package main

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The replicas part of `visage bench scale` (benchscale.go):
// authentications a second through one `visage serve` child process,
// then through two sharing its schema and Redis, driven round-robin by
// the same clients.

// ReplicasReport is the replicas part.
type ReplicasReport struct {
	Schema string `json:"schema"`
	// Enrolled people, and People of them whose second photo is sent.
	Enrolled int           `json:"enrolled"`
	People   int           `json:"people"`
	Clients  int           `json:"clients"`
	Duration time.Duration `json:"duration_ns"`
	Runs     []ReplicaRun  `json:"runs"`
	// Ratio is the throughput through two replicas over one.
	Ratio float64 `json:"ratio"`
	CPUs  int     `json:"cpus"`
}

// ReplicaRun is one run of the clients over some replicas.
type ReplicaRun struct {
	Replicas int `json:"replicas"`
	// Answers 200 (Wrong of them naming another person), and the rest by
	// status and code.
	OK         int            `json:"ok"`
	Wrong      int            `json:"wrong"`
	Errors     map[string]int `json:"errors,omitempty"`
	Throughput float64        `json:"throughput"` // 200 answers a second
	P50        time.Duration  `json:"p50_ns"`
	P99        time.Duration  `json:"p99_ns"`
}

// scalePeople is how many LFW people are enrolled.
const scalePeople = 50

// scaleReplica is one `visage serve` child process.
type scaleReplica struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed once it has exited
}

func benchReplicas(ctx context.Context, ef *engineFlags, server, redisURL, lfw string, clients int, d time.Duration) (*ReplicasReport, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	prefix, err := checkRedis(ctx, redisURL)
	if err != nil {
		return nil, err
	}
	defer dropRedisPrefix(redisURL, prefix)
	sc, err := newScratch(ctx, server)
	if err != nil {
		return nil, err
	}
	defer sc.drop()
	dir, err := os.MkdirTemp("", "visage-bench-scale")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := &ReplicasReport{Schema: sc.name, Clients: clients, Duration: d, CPUs: runtime.NumCPU()}

	// The key file in dir is every replica's data key.
	created, err := exec.CommandContext(ctx, self, "app", "create", "bench scale", "--plan", "enterprise", "--data", dir, "--store", sc.url).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("bench scale: visage app create: %w\n%s", err, created)
	}
	m := regexp.MustCompile(`private key (vsk_\S+)`).FindSubmatch(created)
	if m == nil {
		return nil, fmt.Errorf("bench scale: no private key in visage app create's output:\n%s", created)
	}
	apiKey := string(m[1])
	serveArgs := []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--store", sc.url, "--redis", redisURL, "--redis-prefix", prefix}
	for name, v := range map[string]string{"--ort-lib": ef.ortLib, "--models": ef.models, "--pack": ef.pack} {
		if v != "" {
			serveArgs = append(serveArgs, name, v)
		}
	}
	if ef.workers > 0 {
		serveArgs = append(serveArgs, "--workers", strconv.Itoa(ef.workers))
	}

	progress(fmt.Sprintf("replicas: starting replica 1 on schema %s…", sc.name))
	var replicas []*scaleReplica
	defer func() {
		for _, rp := range replicas {
			rp.stop()
		}
	}()
	start := func() error {
		rp, err := startScaleReplica(self, serveArgs, filepath.Join(dir, fmt.Sprintf("serve-%d.log", len(replicas)+1)))
		if err == nil {
			replicas = append(replicas, rp)
		}
		return err
	}
	if err := start(); err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients, DisableCompression: true}}
	defer hc.CloseIdleConnections()
	c := &scaleClient{http: hc, key: apiKey}
	progress(fmt.Sprintf("replicas: enrolling %d LFW people…", scalePeople))
	probes, enrolled, err := c.enrollLFW(ctx, replicas[0].url, lfw, scalePeople)
	if err != nil {
		return nil, err
	}
	r.People, r.Enrolled = len(probes), enrolled

	for n := 1; n <= 2; n++ {
		if n == 2 {
			progress("replicas: starting replica 2…")
			if err := start(); err != nil {
				return nil, err
			}
		}
		urls := make([]string, n)
		for i, rp := range replicas {
			urls[i] = rp.url
		}
		// The new replica's first runs are slow (ONNX Runtime's first
		// sessions): not measured.
		for j := range 4 {
			c.authenticate(ctx, urls[n-1], probes[j])
		}
		progress(fmt.Sprintf("replicas: %d clients for %v through %d replica(s)…", clients, d, n))
		r.Runs = append(r.Runs, c.run(ctx, urls, probes, clients, d))
	}
	r.Ratio = r.Runs[1].Throughput / r.Runs[0].Throughput
	return r, nil
}

var listeningLine = regexp.MustCompile(`Visage listening on (http://\S+) `)

// startScaleReplica starts `visage serve` with args, its log in
// logPath, and returns once it listens.
func startScaleReplica(self string, args []string, logPath string) (*scaleReplica, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	rp := &scaleReplica{cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				urls <- m[1]
				sent = true
			}
		}
		close(urls)
		cmd.Wait() // once stdout is drained, as exec requires
		logf.Close()
		close(rp.done)
	}()
	select {
	case u, ok := <-urls:
		if ok {
			rp.url = u
			return rp, nil
		}
		<-rp.done
		return nil, fmt.Errorf("bench scale: visage serve exited before listening:\n%s", tail(logPath, 20))
	case <-time.After(2 * time.Minute):
		rp.stop()
		return nil, fmt.Errorf("bench scale: visage serve did not listen within 2 minutes:\n%s", tail(logPath, 20))
	}
}

// stop interrupts the replica, as an operator stops one, and kills it
// if it has not exited within 30 s.
func (rp *scaleReplica) stop() {
	rp.cmd.Process.Signal(os.Interrupt)
	select {
	case <-rp.done:
	case <-time.After(30 * time.Second):
		rp.cmd.Process.Kill()
		<-rp.done
	}
}

// tail is the last n lines of a file, for an error message.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// scaleClient calls the replicas' API with the app's key.
type scaleClient struct {
	http *http.Client
	key  string
}

// scaleProbe is an enrolled person's second photo, as a request body.
type scaleProbe struct {
	person   string
	body, ct string
}

// enrollLFW enrolls the first photo of LFW people who have two or more,
// and returns the second photos of n of them, those that the replica
// recognises as their person, and how many it enrolled. A photo the
// engine refuses (two faces, a turned head) would measure the refusal
// rather than an authentication; the refused are passed over, and these
// calls warm the engine up.
func (c *scaleClient) enrollLFW(ctx context.Context, url, lfw string, n int) ([]scaleProbe, int, error) {
	people, err := os.ReadDir(lfw)
	if err != nil {
		return nil, 0, err
	}
	enrolled := 0
	var probes []scaleProbe
	for _, p := range people {
		if len(probes) == n {
			break
		}
		name := p.Name()
		first, err1 := os.ReadFile(filepath.Join(lfw, name, name+"_0001.jpg"))
		second, err2 := os.ReadFile(filepath.Join(lfw, name, name+"_0002.jpg"))
		if err1 != nil || err2 != nil {
			continue
		}
		body, ct := form(first, "external_id", name)
		st, _, err := c.post(ctx, url+"/v1/enroll", body, ct)
		if err != nil {
			return nil, 0, err
		}
		if st != http.StatusCreated {
			continue
		}
		enrolled++
		body, ct = form(second)
		p := scaleProbe{person: name, body: string(body), ct: ct}
		if c.authenticate(ctx, url, p) == "" {
			probes = append(probes, p)
		}
	}
	if len(probes) < n {
		return nil, 0, fmt.Errorf("bench scale: only %d LFW people of %s could be enrolled and recognised", len(probes), lfw)
	}
	return probes, enrolled, nil
}

// form is a multipart body with the image and the fields (name, value…).
func form(img []byte, fields ...string) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("image", "photo.jpg")
	fw.Write(img)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func (c *scaleClient) post(ctx context.Context, url string, body []byte, ct string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// authenticate sends one probe and says what came back: "" for the right
// person, "wrong" for another, else the status and error code.
func (c *scaleClient) authenticate(ctx context.Context, url string, p scaleProbe) string {
	st, b, err := c.post(ctx, url+"/v1/authenticate", []byte(p.body), p.ct)
	if err != nil {
		return "no answer"
	}
	var res struct {
		ExternalID string `json:"external_id"`
		Error      struct{ Code string }
	}
	json.Unmarshal(b, &res)
	switch {
	case st != http.StatusOK:
		return fmt.Sprintf("%d %s", st, res.Error.Code)
	case res.ExternalID != p.person:
		return "wrong"
	}
	return ""
}

// run has clients call the replicas in turn for d, each request with a
// random probe, and measures the answers.
func (c *scaleClient) run(ctx context.Context, urls []string, probes []scaleProbe, clients int, d time.Duration) ReplicaRun {
	run := ReplicaRun{Replicas: len(urls), Errors: map[string]int{}}
	var (
		mu   sync.Mutex
		lats []time.Duration
		next atomic.Int64
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				url := urls[int(next.Add(1))%len(urls)]
				t := time.Now()
				got := c.authenticate(ctx, url, probes[rand.IntN(len(probes))])
				took := time.Since(t)
				mu.Lock()
				switch got {
				case "", "wrong":
					run.OK++
					lats = append(lats, took)
					if got == "wrong" {
						run.Wrong++
					}
				default:
					run.Errors[got]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(lats)
	run.Throughput = float64(run.OK) / time.Since(start).Seconds()
	run.P50, run.P99 = latencyPercentile(lats, 0.5), latencyPercentile(lats, 0.99)
	return run
}

func (r *ReplicasReport) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%7.0f ms", float64(d)/1e6) }
	fmt.Fprintf(w, "4. authentications through 1 replica, then 2 round-robin: %d clients for %v each, sending the second photos of %d\n", r.Clients, r.Duration, r.People)
	fmt.Fprintf(w, "   of %d LFW people enrolled with their first (schema %s)\n", r.Enrolled, r.Schema)
	fmt.Fprintf(w, "  %-9s %9s %10s %10s %7s %6s  %s\n", "replicas", "auth/s", "p50", "p99", "200", "wrong", "errors")
	for _, run := range r.Runs {
		var errs []string
		for k, n := range run.Errors {
			errs = append(errs, fmt.Sprintf("%s ×%d", k, n))
		}
		slices.Sort(errs)
		if len(errs) == 0 {
			errs = []string{"none"}
		}
		fmt.Fprintf(w, "  %-9d %9.1f %s %s %7d %6d  %s\n", run.Replicas, run.Throughput, ms(run.P50), ms(run.P99), run.OK, run.Wrong, strings.Join(errs, ", "))
	}
	fmt.Fprintf(w, "  2 replicas / 1: %.2f×\n", r.Ratio)
	fmt.Fprintf(w, "  Both replicas run here, on the same %d cores, each with its own engine workers: the engine's CPU, not\n", r.CPUs)
	fmt.Fprintf(w, "  the number of replicas, bounds the throughput, so the ratio stays near 1. Replicas on machines of their\n")
	fmt.Fprintf(w, "  own add their cores.\n\n")
}

// checkRedis checks that Redis answers, and returns a key prefix of the
// bench's own.
func checkRedis(ctx context.Context, raw string) (string, error) {
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return "", usageError{fmt.Sprintf("bench scale: --redis: %v", err)}
	}
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return "", fmt.Errorf("bench scale: Redis at %s: %w", raw, err)
	}
	var b [6]byte
	crand.Read(b[:])
	return "visage-bench-scale:" + hex.EncodeToString(b[:]) + ":", nil
}

// dropRedisPrefix deletes the keys the replicas wrote under prefix.
func dropRedisPrefix(raw, prefix string) {
	opt, _ := redis.ParseURL(raw)
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	var keys []string
	it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for it.Next(ctx) {
		keys = append(keys, it.Val())
	}
	if len(keys) > 0 {
		c.Del(ctx, keys...)
	}
}
