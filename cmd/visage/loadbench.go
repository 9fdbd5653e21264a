package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store"
)

// `visage bench http` measures POST /v1/authenticate over loopback against
// a large gallery, with the engine's own times measured in the same run:
// on a shared machine only figures taken side by side can be compared.

// Targets of the HTTP bench.
const (
	httpOverheadTarget   = 0.15 // HTTP overhead at most this fraction of photo → template
	httpThroughputTarget = 80   // authentications per second on 2 cores
)

func runBenchHTTP(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench http", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	faces := fs.Int("faces", 100000, "synthetic faces in the gallery")
	clients := fs.Int("clients", 16, "concurrent HTTP clients")
	duration := fs.Duration("duration", 20*time.Second, "length of the concurrent phase")
	serial := fs.Int("serial", 50, "requests of the concurrency-1 phase, each beside an engine run and a search")
	src := fs.String("photo", filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"), "photo the 640×480 frame is cut from")
	asJSON := fs.Bool("json", false, "print JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the concurrent phase to this file (go tool pprof)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *faces < 0 || *clients < 1 || *serial < 1 || *duration <= 0 {
		return usageError{"bench http: --faces ≥ 0, --clients ≥ 1, --serial ≥ 1 and a positive --duration"}
	}
	photo, err := os.ReadFile(*src)
	if err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Fprintf(os.Stderr, "setting up: engine, store, %d-face gallery…\n", *faces)
	ab, err := newAuthBench(ctx, &ef, photo, *faces)
	if err != nil {
		return err
	}
	defer ab.Close()
	r := &HTTPBenchReport{Faces: *faces, Clients: *clients, FrameBytes: len(ab.frame), Workers: ab.eng.Workers(),
		GOMAXPROCS: runtime.GOMAXPROCS(0), Model: ab.eng.Model()}

	// Warm up: connections, caches, the engine's buffers.
	for range 5 {
		if _, _, err := ab.authenticate(ctx, ab.client); err != nil {
			return fmt.Errorf("warm-up request: %w", err)
		}
	}

	fmt.Fprintf(os.Stderr, "concurrency 1: %d requests, each beside an engine run and a search…\n", *serial)
	if err := ab.serialPhase(ctx, r, *serial); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%d clients for %v…\n", *clients, *duration)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	ab.loadPhase(ctx, r, *clients, *duration)
	pprof.StopCPUProfile() // a no-op when not profiling
	fmt.Fprintf(os.Stderr, "engine alone, then search alone…\n")
	if r.EngineThroughput, err = ab.engineThroughput(ctx, min(*duration/4, 5*time.Second)); err != nil {
		return err
	}
	r.SearchThroughput = ab.searchThroughput(min(*duration/4, 5*time.Second))
	r.finish()
	if *asJSON {
		return writeJSON(out, r)
	}
	r.print(out)
	return nil
}

// HTTPBenchReport is what `visage bench http` measures.
type HTTPBenchReport struct {
	Model      string `json:"model"`
	Faces      int    `json:"faces"`
	FrameBytes int    `json:"frame_bytes"`
	Workers    int    `json:"workers"`
	GOMAXPROCS int    `json:"gomaxprocs"`

	// Concurrency 1, each request beside one engine run and one search.
	Serial int `json:"serial_requests"`
	// Template is the engine's photo → template alone (Analyze with Embed),
	// Search the gallery search, both medians.
	Template time.Duration `json:"template_ns"`
	Search   time.Duration `json:"search_ns"`
	// SerialP50 is the median HTTP latency; InRequest the median time the
	// service spent in the engine inside those requests (with whatever
	// options the service asks for). Overhead is the median over requests
	// of latency − engine time in the request − the search beside it, and
	// OverheadRatio = Overhead / Template.
	SerialP50     time.Duration `json:"serial_p50_ns"`
	InRequest     time.Duration `json:"engine_in_request_ns"`
	Overhead      time.Duration `json:"overhead_ns"`
	OverheadRatio float64       `json:"overhead_ratio"`

	// The concurrent phase.
	Clients    int            `json:"clients"`
	Duration   time.Duration  `json:"duration_ns"`
	Requests   int            `json:"requests"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"error_kinds,omitempty"`
	Throughput float64        `json:"throughput"`
	P50        time.Duration  `json:"p50_ns"`
	P99        time.Duration  `json:"p99_ns"`
	// EngineThroughput is analyses per second of the engine alone with
	// all its workers busy, each the analysis the service makes of an
	// authentication's photo, and SearchThroughput searches per second with
	// GOMAXPROCS searches at once, both right after the concurrent phase.
	// Each request needs one of each on the same cores, so together they
	// bound the HTTP throughput at 1 / (1/engine + 1/search).
	EngineThroughput float64 `json:"engine_throughput"`
	SearchThroughput float64 `json:"search_throughput"`
	Bound            float64 `json:"throughput_bound"`

	OverheadOK   bool `json:"overhead_ok"`
	ThroughputOK bool `json:"throughput_ok"`
}

func (r *HTTPBenchReport) finish() {
	r.Bound = 1 / (1/r.EngineThroughput + 1/r.SearchThroughput)
	r.OverheadRatio = float64(r.Overhead) / float64(r.Template)
	r.OverheadOK = r.OverheadRatio <= httpOverheadTarget
	r.ThroughputOK = r.Throughput >= httpThroughputTarget
}

func (r *HTTPBenchReport) print(out io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d)/1e6) }
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(out, "POST /v1/authenticate on loopback: one 640×480 JPEG (%d bytes) against %d synthetic faces + the enrolled one\n", r.FrameBytes, r.Faces)
	fmt.Fprintf(out, "(%s, %d engine workers, GOMAXPROCS %d)\n\n", r.Model, r.Workers, r.GOMAXPROCS)
	fmt.Fprintf(out, "concurrency 1, %d requests, each beside one engine run and one search (medians):\n", r.Serial)
	fmt.Fprintf(out, "  engine photo → template (alone)     %s\n", ms(r.Template))
	fmt.Fprintf(out, "  gallery search, %7d faces       %s\n", r.Faces+1, ms(r.Search))
	fmt.Fprintf(out, "  HTTP latency p50                    %s\n", ms(r.SerialP50))
	fmt.Fprintf(out, "  engine time inside the request      %s   (the service's probe analysis)\n", ms(r.InRequest))
	if d := r.InRequest - r.Template; d > r.Template/20 || d < -r.Template/20 {
		fmt.Fprintf(out, "    (the service's analysis differs from photo → template by %+.2f ms: engine work, not HTTP)\n", float64(d)/1e6)
	}
	fmt.Fprintf(out, "  HTTP overhead (latency − engine − search) %s = %.1f %% of photo → template   target ≤ %.0f %%: %s\n\n",
		ms(r.Overhead), 100*r.OverheadRatio, 100*httpOverheadTarget, verdict(r.OverheadOK))
	fmt.Fprintf(out, "%d clients for %v:\n", r.Clients, r.Duration.Round(time.Millisecond))
	fmt.Fprintf(out, "  requests %d, errors %d", r.Requests, r.Errors)
	if len(r.ErrorKinds) > 0 {
		kinds := make([]string, 0, len(r.ErrorKinds))
		for k := range r.ErrorKinds {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprint(out, " (")
		for i, k := range kinds {
			if i > 0 {
				fmt.Fprint(out, ", ")
			}
			fmt.Fprintf(out, "%s: %d", k, r.ErrorKinds[k])
		}
		fmt.Fprint(out, ")")
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "  throughput                          %7.1f /s   target ≥ %d/s: %s\n", r.Throughput, httpThroughputTarget, verdict(r.ThroughputOK))
	fmt.Fprintf(out, "  latency p50                         %s\n", ms(r.P50))
	fmt.Fprintf(out, "  latency p99                         %s\n", ms(r.P99))
	fmt.Fprintf(out, "  engine alone, %d workers             %7.1f probe analyses/s\n", r.Workers, r.EngineThroughput)
	fmt.Fprintf(out, "  search alone, %d at once             %7.1f searches/s\n", r.GOMAXPROCS, r.SearchThroughput)
	fmt.Fprintf(out, "  bound from both on these cores      %7.1f /s   (HTTP reaches %.0f %% of it)\n", r.Bound, 100*r.Throughput/r.Bound)
}

// authBench is a running server over a temporary data folder: the real
// store, service and HTTP handler, with the gallery filled with synthetic
// templates and the probe's person enrolled through the service.
type authBench struct {
	eng       *face.Engine
	meter     *meteredEngine
	gallery   *index.Gallery
	st        store.Store
	appID     string
	key       string
	url       string
	frame     []byte
	body      []byte
	ct        string
	probe     visage.Template
	threshold float32
	client    *http.Client
	close     []func()
}

func (ab *authBench) Close() {
	for i := len(ab.close) - 1; i >= 0; i-- {
		ab.close[i]()
	}
}

// newAuthBench sets up the server. The caller must Close it.
func newAuthBench(ctx context.Context, ef *engineFlags, photo []byte, faces int) (_ *authBench, err error) {
	ab := &authBench{}
	defer func() {
		if err != nil {
			ab.Close()
		}
	}()
	dir, err := os.MkdirTemp("", "visage-bench-http-")
	if err != nil {
		return nil, err
	}
	ab.close = append(ab.close, func() { os.RemoveAll(dir) })
	st, key, err := (&dataFlags{dir: dir}).open()
	if err != nil {
		return nil, err
	}
	ab.st = st
	ab.close = append(ab.close, func() { st.Close() })

	// As serve wires it: metrics fed by the engine's stage timings.
	ab.gallery = index.New()
	metrics := vhttp.NewMetrics(ab.gallery.Sizes)
	if ab.eng, err = ef.openObserved(metrics.ObserveTimings); err != nil {
		return nil, err
	}
	ab.close = append(ab.close, ab.eng.Close)
	ab.meter = &meteredEngine{Engine: ab.eng}

	if ab.frame, err = bench.Frame640(ctx, ab.eng, photo); err != nil {
		return nil, err
	}
	found, err := ab.eng.Analyze(ctx, ab.frame, face.Options{Single: true, Embed: true})
	if err != nil {
		return nil, err
	}
	ab.probe = *found[0].Template
	if ab.eng.Pack().Calibration == nil {
		return nil, errors.New(ab.eng.Pack().Uncalibrated)
	}
	if ab.threshold, err = ab.eng.Pack().Calibration.Threshold(match.DefaultLevel); err != nil {
		return nil, err
	}

	// No rate limit or quota: the bench measures the server, not the plan.
	unlimited := map[string]service.Plan{"free": {}, "pro": {}, "enterprise": {}}
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil)) // serve logs a JSON line per request
	svc := service.New(service.Config{Store: st, Gallery: ab.gallery, Engine: ab.meter, Table: ab.eng.Pack().Calibration, PINKey: pinKey(key), Logger: quiet, Plans: unlimited})
	app, err := svc.CreateApp(ctx, "bench", "enterprise")
	if err != nil {
		return nil, err
	}
	ab.appID = app.ID
	if ab.key, _, err = svc.CreateKey(ctx, app.ID); err != nil {
		return nil, err
	}
	if _, err := svc.Enroll(ctx, app, service.EnrollRequest{Images: [][]byte{ab.frame}, ExternalID: "probe"}); err != nil {
		return nil, fmt.Errorf("enrolling the probe's person: %w", err)
	}
	if err := fillGallery(ab.gallery, app.ID, ab.eng.Model(), len(ab.probe.Vector), faces); err != nil {
		return nil, err
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: vhttp.New(svc, vhttp.Config{Logger: quiet, Ready: st.Ping, Metrics: metrics}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	ab.close = append(ab.close, func() { srv.Close() })
	ab.url = "http://" + ln.Addr().String() + "/v1/authenticate"

	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("image", "frame.jpg")
	fw.Write(ab.frame)
	w.Close()
	ab.body, ab.ct = buf.Bytes(), w.FormDataContentType()
	ab.client = newBenchClient(1)
	ab.close = append(ab.close, ab.client.CloseIdleConnections)
	return ab, nil
}

// fillGallery puts n random unit templates of the model into the app.
// Random 512-d vectors are nearly orthogonal to every face (cosine about
// ±0.04), so they cost a search what real faces cost and never match.
func fillGallery(g *index.Gallery, appID, model string, dim, n int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]float32, dim)
	for i := range n {
		var ss float64
		for j := range v {
			x := rng.NormFloat64()
			v[j] = float32(x)
			ss += x * x
		}
		inv := float32(1 / math.Sqrt(ss))
		for j := range v {
			v[j] *= inv
		}
		if err := g.Put(appID, fmt.Sprintf("synthetic-%07d", i), []visage.Template{{Model: model, Vector: v}}); err != nil {
			return err
		}
	}
	return nil
}

func newBenchClient(conns int) *http.Client {
	return &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, DisableCompression: true},
	}
}

// authenticate posts the frame once. kind names the failure, if any.
func (ab *authBench) authenticate(ctx context.Context, c *http.Client) (time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", ab.url, bytes.NewReader(ab.body))
	if err != nil {
		return 0, "request", err
	}
	req.Header.Set("Content-Type", ab.ct)
	req.Header.Set("Authorization", "Bearer "+ab.key)
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, "transport", err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return took, "transport", err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code string }
		}
		json.Unmarshal(raw, &e)
		kind := fmt.Sprintf("%d %s", resp.StatusCode, e.Error.Code)
		return took, kind, fmt.Errorf("status %s: %s", kind, raw)
	}
	var res struct {
		ExternalID string `json:"external_id"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || res.ExternalID != "probe" {
		return took, "wrong answer", fmt.Errorf("unexpected answer %s", raw)
	}
	return took, "", nil
}

// serialPhase alternates an engine run, a search and an HTTP request, so
// that all three see the same machine.
func (ab *authBench) serialPhase(ctx context.Context, r *HTTPBenchReport, n int) error {
	var tpl, search, lat, inReq, over []time.Duration
	for range n {
		t := time.Now()
		if _, err := ab.eng.Analyze(ctx, ab.frame, face.Options{Embed: true}); err != nil {
			return err
		}
		tpl = append(tpl, time.Since(t))

		t = time.Now()
		if hits := ab.gallery.Search(ab.appID, ab.probe, 1, ab.threshold); len(hits) != 1 {
			return fmt.Errorf("search found %d faces, want the enrolled one", len(hits))
		}
		search = append(search, time.Since(t))

		before := ab.meter.total.Load()
		d, _, err := ab.authenticate(ctx, ab.client)
		if err != nil {
			return err
		}
		e := time.Duration(ab.meter.total.Load() - before)
		lat, inReq = append(lat, d), append(inReq, e)
		over = append(over, d-e-search[len(search)-1])
	}
	r.Serial = n
	r.Template, r.Search = face.Median(tpl), face.Median(search)
	r.SerialP50, r.InRequest, r.Overhead = face.Median(lat), face.Median(inReq), face.Median(over)
	return nil
}

// loadPhase runs the clients for d and records latencies and errors.
func (ab *authBench) loadPhase(ctx context.Context, r *HTTPBenchReport, clients int, d time.Duration) {
	c := newBenchClient(clients)
	defer c.CloseIdleConnections()
	var (
		mu    sync.Mutex
		lats  []time.Duration
		kinds = map[string]int{}
		wg    sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Go(func() {
			var mine []time.Duration
			myKinds := map[string]int{}
			for time.Now().Before(deadline) {
				took, kind, err := ab.authenticate(ctx, c)
				if err != nil {
					myKinds[kind]++
					continue
				}
				mine = append(mine, took)
			}
			mu.Lock()
			lats = append(lats, mine...)
			for k, v := range myKinds {
				kinds[k] += v
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lats)
	r.Clients, r.Duration, r.Requests = clients, elapsed, len(lats)
	for _, v := range kinds {
		r.Errors += v
		r.Requests += v
	}
	if len(kinds) > 0 {
		r.ErrorKinds = kinds
	}
	r.Throughput = float64(len(lats)) / elapsed.Seconds()
	r.P50, r.P99 = latencyPercentile(lats, 0.50), latencyPercentile(lats, 0.99)
}

// latencyPercentile of sorted durations (nearest rank).
func latencyPercentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// engineThroughput is analyses per second with every worker busy, each
// analysis the one the service last asked for (the probe of an
// authentication).
func (ab *authBench) engineThroughput(ctx context.Context, d time.Duration) (float64, error) {
	var (
		n    atomic.Int64
		errs = make(chan error, ab.eng.Workers())
		wg   sync.WaitGroup
		opts = face.Options{Single: true, Embed: true}
	)
	if o := ab.meter.last.Load(); o != nil {
		opts = *o
	}
	start := time.Now()
	deadline := start.Add(d)
	for range ab.eng.Workers() {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if _, err := ab.eng.Analyze(ctx, ab.frame, opts); err != nil {
					errs <- err
					return
				}
				n.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// searchThroughput is searches per second with GOMAXPROCS of them at once.
func (ab *authBench) searchThroughput(d time.Duration) float64 {
	var (
		n  atomic.Int64
		wg sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				ab.gallery.Search(ab.appID, ab.probe, 1, ab.threshold)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// meteredEngine is the engine as the service sees it, adding up the time
// spent in Analyze so that a request's engine time can be told apart from
// the rest of its latency.
type meteredEngine struct {
	*face.Engine
	total atomic.Int64 // nanoseconds in Analyze
	// last holds the options of the latest analysis the service asked
	// for, so that the engine alone can be timed doing the same work.
	last atomic.Pointer[face.Options]
}

func (m *meteredEngine) Analyze(ctx context.Context, image []byte, opts face.Options) ([]face.Face, error) {
	o := opts
	o.Timings = nil
	m.last.Store(&o)
	t := time.Now()
	defer func() { m.total.Add(int64(time.Since(t))) }()
	return m.Engine.Analyze(ctx, image, opts)
}
