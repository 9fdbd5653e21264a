package main

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/pack"
	"github.com/visagehq/visage/replica"
	"github.com/visagehq/visage/store/postgres"
)

// `visage bench scale` prints what issue 13 asks of replicas sharing a
// PostgreSQL store, every figure measured in the same run (on a shared
// machine only figures taken side by side compare):
//
//   - load: N synthetic faces written with CopyFaces, then a gallery
//     loaded from them as a replica loads it at start, with where the
//     time goes and the memory a face takes;
//   - search: 1:N searches over those N faces;
//   - propagation: from an enrollment committed through one store to the
//     face searchable in another store's follower's gallery;
//   - replicas: authentications a second through one `visage serve`, then
//     through two sharing the store and Redis.
//
// Each part runs on a schema of its own, created on --store and dropped
// at the end, so it never touches a deployment's tables.

// scaleParts are the parts, in the order they run.
var scaleParts = []string{"load", "search", "propagation", "replicas"}

// The synthetic faces: one random unit template each, of no real
// recogniser. Random 512-d vectors are nearly orthogonal (cosines about
// ±0.04), so a face matches nothing but probes made from it.
const (
	scaleModel = "synthetic-512"
	scaleDim   = 512
	// fillBatch faces go in one CopyFaces: one transaction, a few
	// tens of megabytes sent.
	fillBatch = 10_000
	// loadTarget is issue 13's bound on loading a million faces at start.
	loadTarget      = 15 * time.Second
	loadTargetFaces = 1_000_000
	// loadRounds is how many times the three reads run: their medians
	// are reported.
	loadRounds = 3
)

func benchScale(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench scale", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs) // passed on to the replicas' `visage serve`
	server := fs.String("store", "postgres://postgres@127.0.0.1:5432/test", "PostgreSQL database the bench makes its schemas in (and drops)")
	redisURL := fs.String("redis", "redis://127.0.0.1:6379/0", "Redis the replicas share, under a random key prefix removed at the end")
	faces := fs.Int("faces", 1_000_000, "synthetic faces of the load and search parts")
	duration := fs.Duration("duration", 20*time.Second, "length of each authentication run of the replicas part")
	clients := fs.Int("clients", 8, "concurrent clients of the replicas part")
	data := fs.String("data", defaultDatasets(), "datasets folder, for LFW's photos in the replicas part ($VISAGE_DATASETS)")
	skipList := fs.String("skip", "", "parts to skip, comma-separated: "+strings.Join(scaleParts, ", ")+" (search needs load)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *faces < 1 || *clients < 1 || *duration <= 0 {
		return usageError{"bench scale: --faces ≥ 1, --clients ≥ 1 and a positive --duration"}
	}
	skip := map[string]bool{}
	for _, p := range strings.Split(*skipList, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(scaleParts, p) {
			return usageError{fmt.Sprintf("bench scale: --skip: unknown part %q: %s", p, strings.Join(scaleParts, ", "))}
		}
		skip[p] = true
	}

	ctx := context.Background()
	start := time.Now()
	rep := &ScaleReport{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
	show := func(print func(io.Writer)) {
		if !*asJSON {
			print(out)
		}
	}
	key := make([]byte, 32)
	crand.Read(key)

	switch {
	case skip["load"] && !skip["search"]:
		rep.Skipped = append(rep.Skipped, "search: it searches the load part's gallery, and load is skipped")
	case !skip["load"]:
		l, g, appID, err := benchLoad(ctx, *server, key, *faces)
		if err != nil {
			return err
		}
		rep.Load = l
		show(l.print)
		if !skip["search"] {
			rep.Search, err = benchSearch(g, appID, *faces)
		}
		g.Close() // its memory, before the replicas are started
		if err != nil {
			return err
		}
		if rep.Search != nil {
			show(rep.Search.print)
		}
	}
	if !skip["propagation"] {
		p, err := benchPropagation(ctx, *server, key, propagationFaces)
		if err != nil {
			return err
		}
		rep.Propagation = p
		show(p.print)
	}
	if !skip["replicas"] {
		lfw := filepath.Join(*data, "lfw", "lfw-deepfunneled")
		if _, err := os.Stat(lfw); err != nil {
			rep.Skipped = append(rep.Skipped, fmt.Sprintf("replicas: %s absent (LFW's photos are enrolled and authenticated; set --data)", lfw))
		} else {
			r, err := benchReplicas(ctx, &ef, *server, *redisURL, lfw, *clients, *duration)
			if err != nil {
				return err
			}
			rep.Replicas = r
			show(r.print)
		}
	}
	rep.Total = time.Since(start)
	if *asJSON {
		return writeJSON(out, rep)
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(out, "skipped %s\n", s)
	}
	fmt.Fprintf(out, "(%d CPUs, GOMAXPROCS %d, %s in all)\n", rep.CPUs, rep.GOMAXPROCS, rep.Total.Round(time.Second))
	return nil
}

// ScaleReport is what `visage bench scale` measured; a part skipped is
// nil.
type ScaleReport struct {
	CPUs        int                `json:"cpus"`
	GOMAXPROCS  int                `json:"gomaxprocs"`
	Load        *LoadReport        `json:"load,omitempty"`
	Search      *SearchReport      `json:"search,omitempty"`
	Propagation *PropagationReport `json:"propagation,omitempty"`
	Replicas    *ReplicasReport    `json:"replicas,omitempty"`
	Skipped     []string           `json:"skipped,omitempty"`
	Total       time.Duration      `json:"total_ns"`
}

// ---- Part 1: the gallery loaded at start ----

// LoadReport is the load part: the store filled, then read three ways,
// each adding one step of a replica's start to the one before.
type LoadReport struct {
	Schema string `json:"schema"`
	// Server is PostgreSQL's version and the settings that bound it
	// here.
	Server string `json:"server"`
	Faces  int    `json:"faces"`
	// Fill is the CopyFaces of every face, FillRate faces a second.
	Fill     time.Duration `json:"fill_ns"`
	FillRate float64       `json:"fill_rate"`
	// Read is the rows alone, through a connection of their own; Each
	// adds unsealing (EachTemplate with nothing done per face); Load is
	// replica.Load into a new gallery, which adds the gallery's Put.
	// Medians of loadRounds.
	Read     time.Duration `json:"read_ns"`
	ReadMiB  float64       `json:"read_mib"`
	Each     time.Duration `json:"each_template_ns"`
	Load     time.Duration `json:"load_ns"`
	LoadRate float64       `json:"load_rate"`
	// Target is loadTarget scaled to Faces.
	Target    time.Duration `json:"target_ns"`
	TargetMet bool          `json:"target_met"`
	// The process's Go heap in use and resident memory after a GC,
	// before and after the last round's load, and the difference a face.
	HeapBefore  int64   `json:"heap_before"`
	HeapAfter   int64   `json:"heap_after"`
	RSSBefore   int64   `json:"rss_before"`
	RSSAfter    int64   `json:"rss_after"`
	HeapPerFace float64 `json:"heap_per_face"`
	RSSPerFace  float64 `json:"rss_per_face"`
}

// benchLoad fills a new schema with n synthetic faces of one app and
// loads them, and returns the gallery it loaded and the app's ID.
func benchLoad(ctx context.Context, server string, key []byte, n int) (*LoadReport, *index.Gallery, string, error) {
	sc, err := newScratch(ctx, server)
	if err != nil {
		return nil, nil, "", err
	}
	defer sc.drop()
	st, err := postgres.Open(ctx, sc.url, key)
	if err != nil {
		return nil, nil, "", err
	}
	defer st.Close()
	app := &visage.App{ID: "bench-scale", PublicID: "pub-bench-scale", Name: "bench scale", Plan: "enterprise", Settings: visage.AppSettings{Level: match.DefaultLevel}}
	if err := st.CreateApp(ctx, app); err != nil {
		return nil, nil, "", err
	}
	r := &LoadReport{Schema: sc.name, Faces: n}
	if r.Server, err = sc.settings(ctx); err != nil {
		return nil, nil, "", err
	}

	progress(fmt.Sprintf("load: writing %d faces into schema %s with CopyFaces…", n, sc.name))
	t := time.Now()
	if err := fill(ctx, st, app.ID, n); err != nil {
		return nil, nil, "", err
	}
	r.Fill = time.Since(t)
	r.FillRate = float64(n) / r.Fill.Seconds()

	// Each round reads the rows alone first, which also brings the table
	// into the server's cache for the two reads after it: a replica that
	// restarts meets a warm server too. The last round's gallery is kept
	// for the search part, and its memory reported.
	var reads, eaches, loads []time.Duration
	var g *index.Gallery
	for round := range loadRounds {
		if g != nil { // the last round's, its memory freed before this one's reads
			g.Close()
			g = nil
		}
		progress(fmt.Sprintf("load: round %d of %d: the rows alone, EachTemplate, replica.Load…", round+1, loadRounds))
		read, sent, err := readRows(ctx, sc.url)
		if err != nil {
			return nil, nil, "", err
		}
		r.ReadMiB = float64(sent) / (1 << 20)
		t = time.Now()
		if err := st.EachTemplate(ctx, func(string, string, []visage.Template) error { return nil }); err != nil {
			return nil, nil, "", err
		}
		each := time.Since(t)

		r.HeapBefore, r.RSSBefore = memory()
		// As a replica makes it (serve): the templates sealed in an
		// unlinked file, their 8-bit codes in memory.
		if g, err = index.Open(""); err != nil { // in os.TempDir()
			return nil, nil, "", err
		}
		t = time.Now()
		if _, err := replica.Load(ctx, st, g, slog.New(slog.DiscardHandler)); err != nil {
			g.Close()
			return nil, nil, "", err
		}
		load := time.Since(t)
		r.HeapAfter, r.RSSAfter = memory()
		if got := g.Len(app.ID); got != n {
			g.Close()
			return nil, nil, "", fmt.Errorf("bench scale: the gallery holds %d faces after the load, want %d", got, n)
		}
		reads, eaches, loads = append(reads, read), append(eaches, each), append(loads, load)
	}
	r.Read, r.Each, r.Load = face.Median(reads), face.Median(eaches), face.Median(loads)
	r.LoadRate = float64(n) / r.Load.Seconds()
	r.HeapPerFace = float64(r.HeapAfter-r.HeapBefore) / float64(n)
	r.RSSPerFace = float64(r.RSSAfter-r.RSSBefore) / float64(n)
	r.Target = time.Duration(float64(loadTarget) * float64(n) / loadTargetFaces)
	r.TargetMet = r.Load <= r.Target
	return r, g, app.ID, nil
}

// fill writes n synthetic faces in batches of fillBatch. A goroutine
// makes the next batch while the last is sent, so that the time is the
// server's. (Two connections sending batches at once measured no faster:
// 34,000 faces a second either way on 2 cores.)
func fill(ctx context.Context, st *postgres.Store, appID string, n int) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the maker when a batch fails
	batches := make(chan []*visage.Face, 1)
	go func() {
		defer close(batches)
		for from := 0; from < n; from += fillBatch {
			b := make([]*visage.Face, min(fillBatch, n-from))
			for i := range b {
				b[i] = &visage.Face{AppID: appID, ID: synthID(from + i),
					Templates: []visage.Template{{Model: scaleModel, Vector: synthVector(from+i, make([]float32, scaleDim))}}}
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	done := 0
	for b := range batches {
		if err := st.CopyFaces(ctx, b); err != nil {
			return err
		}
		if done += len(b); done*10/n > (done-len(b))*10/n {
			progress(fmt.Sprintf("load: %d of %d faces written", done, n))
		}
	}
	return nil
}

// synthID is synthetic face i's ID, shaped as the service's UUIDs so
// that the gallery holds IDs of the real length.
func synthID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// synthVector fills v with face i's template: a random unit vector, the
// same at every call, so that a probe can be made from any face without
// keeping a million templates.
func synthVector(i int, v []float32) []float32 {
	rng := rand.New(rand.NewPCG(13, uint64(i)))
	for j := range v {
		v[j] = float32(rng.NormFloat64())
	}
	normalize(v)
	return v
}

// readRows reads every face's row as EachTemplate does, without decoding
// it, and returns the time and the bytes the server sent.
func readRows(ctx context.Context, url string) (time.Duration, int64, error) {
	conn, err := connectPlain(ctx, url)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	t := time.Now()
	rows, err := conn.Query(ctx, "SELECT app_id, id, templates FROM faces")
	if err != nil {
		return 0, 0, err
	}
	var n int64
	for rows.Next() {
		for _, v := range rows.RawValues() {
			n += int64(len(v))
		}
	}
	rows.Close()
	return time.Since(t), n, rows.Err()
}

// memory returns the Go heap in use and the resident memory, after a
// collection that also gives freed memory back to the system, so that
// garbage is counted in neither.
func memory() (heap, rss int64) {
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		}
	}
	return int64(m.HeapInuse), rss
}

func (r *LoadReport) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%8.2f s", d.Seconds()) }
	fmt.Fprintf(w, "1. gallery load at start: %d faces, one %d-d template each, one app (schema %s); reads: medians of %d rounds\n", r.Faces, scaleDim, r.Schema, loadRounds)
	fmt.Fprintf(w, "  PostgreSQL: %s\n", r.Server)
	fmt.Fprintf(w, "  %-44s %s  %9.0f faces/s\n", fmt.Sprintf("fill (CopyFaces, %d a transaction)", fillBatch), ms(r.Fill), r.FillRate)
	fmt.Fprintf(w, "  %-44s %s  %9.0f faces/s  (%.0f MiB)\n", "rows alone (SELECT, no decoding)", ms(r.Read), float64(r.Faces)/r.Read.Seconds(), r.ReadMiB)
	fmt.Fprintf(w, "  %-44s %s  %9.0f faces/s\n", "+ scan and unseal (bare EachTemplate)", ms(r.Each), float64(r.Faces)/r.Each.Seconds())
	fmt.Fprintf(w, "  %-44s %s  %9.0f faces/s   target ≤ %.1f s: %s\n", "+ gallery Put (replica.Load)", ms(r.Load), r.LoadRate, r.Target.Seconds(), metOrMissed(r.TargetMet))
	fmt.Fprintf(w, "  where the load's time goes: rows %.0f %%, scan and unseal %.0f %%, Put %.0f %%\n",
		100*r.Read.Seconds()/r.Load.Seconds(), 100*(r.Each-r.Read).Seconds()/r.Load.Seconds(), 100*(r.Load-r.Each).Seconds()/r.Load.Seconds())
	fmt.Fprintf(w, "  gallery memory: Go heap in use %d → %d MiB = %.0f bytes a face; RSS %d → %d MiB = %.0f bytes a face\n\n",
		r.HeapBefore>>20, r.HeapAfter>>20, r.HeapPerFace, r.RSSBefore>>20, r.RSSAfter>>20, r.RSSPerFace)
}

func metOrMissed(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// ---- Part 2: 1:N search ----

// SearchReport is the search part: genuine probes (a face's template
// with noise, cosine about 0.9 to it) and impostor probes (random), one
// of each in turn.
type SearchReport struct {
	Faces      int     `json:"faces"`
	Probes     int     `json:"probes"` // of each kind
	GOMAXPROCS int     `json:"gomaxprocs"`
	Threshold  float32 `json:"threshold"`
	// Found: genuine probes whose best hit is their face; FalseHits:
	// impostor probes with any hit.
	Found       int           `json:"found"`
	FalseHits   int           `json:"false_hits"`
	GenuineP50  time.Duration `json:"genuine_p50_ns"`
	GenuineP99  time.Duration `json:"genuine_p99_ns"`
	ImpostorP50 time.Duration `json:"impostor_p50_ns"`
	ImpostorP99 time.Duration `json:"impostor_p99_ns"`
}

const searchProbes = 200

// benchSearch searches g's app, of n synthetic faces, with the default
// pack's threshold at the default level: the score a real probe must
// reach, which decides how many rows the scan must score exactly.
func benchSearch(g *index.Gallery, appID string, n int) (*SearchReport, error) {
	p, err := pack.Open(pack.Default, "")
	if err != nil {
		return nil, err
	}
	if p.Calibration == nil {
		return nil, errors.New(p.Uncalibrated)
	}
	threshold, err := p.Calibration.Threshold(match.DefaultLevel)
	if err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("search: %d genuine and %d impostor probes…", searchProbes, searchProbes))
	r := &SearchReport{Faces: n, Probes: searchProbes, GOMAXPROCS: runtime.GOMAXPROCS(0), Threshold: threshold}
	rng := rand.New(rand.NewPCG(7, 7))
	noise := make([]float32, scaleDim)
	var genuine, impostor []time.Duration
	for range searchProbes {
		i := rng.IntN(n)
		v := synthVector(i, make([]float32, scaleDim))
		synthVector(n+rng.IntN(1<<30), noise) // past the last face: no face's vector
		// Half the noise's length: cosine 1/√1.25 ≈ 0.89 to the face, the
		// mean of the default pack's same-person pairs on LFW (docs/scores.md).
		for j := range v {
			v[j] += noise[j] / 2
		}
		normalize(v)
		t := time.Now()
		hits := g.Search(appID, visage.Template{Model: scaleModel, Vector: v}, 1, threshold)
		genuine = append(genuine, time.Since(t))
		if len(hits) == 1 && hits[0].FaceID == synthID(i) {
			r.Found++
		}

		t = time.Now()
		hits = g.Search(appID, visage.Template{Model: scaleModel, Vector: noise}, 1, threshold)
		impostor = append(impostor, time.Since(t))
		r.FalseHits += len(hits)
	}
	slices.Sort(genuine)
	slices.Sort(impostor)
	r.GenuineP50, r.GenuineP99 = latencyPercentile(genuine, 0.5), latencyPercentile(genuine, 0.99)
	r.ImpostorP50, r.ImpostorP99 = latencyPercentile(impostor, 0.5), latencyPercentile(impostor, 0.99)
	if r.Found < searchProbes {
		return nil, fmt.Errorf("bench scale: %d of %d genuine probes found their face", r.Found, searchProbes)
	}
	return r, nil
}

// normalize scales v to unit length, as the engine's templates are.
func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	inv := 1 / math.Sqrt(ss)
	for j := range v {
		v[j] = float32(float64(v[j]) * inv)
	}
}

func (r *SearchReport) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%8.2f ms", float64(d)/1e6) }
	fmt.Fprintf(w, "2. 1:N search over %d faces, best 1 at cosine ≥ %.3f (%s's threshold at level %d), GOMAXPROCS %d\n",
		r.Faces, r.Threshold, pack.Default, match.DefaultLevel, r.GOMAXPROCS)
	fmt.Fprintf(w, "  %-44s %11s %11s\n", "probes", "p50", "p99")
	fmt.Fprintf(w, "  %-44s %s %s   %d/%d found their face\n", fmt.Sprintf("%d genuine (a face + noise, cosine ≈ 0.9)", r.Probes), ms(r.GenuineP50), ms(r.GenuineP99), r.Found, r.Probes)
	fmt.Fprintf(w, "  %-44s %s %s   %d false hits\n\n", fmt.Sprintf("%d impostors (random)", r.Probes), ms(r.ImpostorP50), ms(r.ImpostorP99), r.FalseHits)
}

// ---- Part 3: change propagation ----

// PropagationReport is the propagation part: how long after CreateFace
// returns on store A the face is found in the gallery that follows store
// B.
type PropagationReport struct {
	Schema string        `json:"schema"`
	Faces  int           `json:"faces"`
	Write  time.Duration `json:"write_p50_ns"` // CreateFace itself, median
	P50    time.Duration `json:"p50_ns"`
	P99    time.Duration `json:"p99_ns"`
	Max    time.Duration `json:"max_ns"`
}

// propagationFaces are enrolled one at a time in the propagation part.
const propagationFaces = 300

// propagationLimit is how long a face may take to reach the other
// gallery before the bench gives up: a replica is ready only within
// replica.MaxLag of the log.
const propagationLimit = 10 * time.Second

func benchPropagation(ctx context.Context, server string, key []byte, k int) (*PropagationReport, error) {
	sc, err := newScratch(ctx, server)
	if err != nil {
		return nil, err
	}
	defer sc.drop()
	progress(fmt.Sprintf("propagation: %d faces through store A, each awaited in B's gallery (schema %s)…", k, sc.name))
	var stores [2]*postgres.Store
	var galleries [2]*index.Gallery
	runCtx, stop := context.WithCancel(ctx)
	var running sync.WaitGroup
	defer func() {
		stop()
		running.Wait()
		for i := range stores {
			if stores[i] != nil {
				stores[i].Close()
				galleries[i].Close()
			}
		}
	}()
	for i := range stores {
		if stores[i], err = postgres.Open(ctx, sc.url, key); err != nil {
			return nil, err
		}
		// The store's first Changed channel closes once it listens for
		// notifications: before that, a change would wait for the
		// follower's poll, which is not what is measured.
		select {
		case <-stores[i].Changed():
		case <-time.After(propagationLimit):
			return nil, errors.New("bench scale: the store does not listen for changes")
		}
		galleries[i] = index.New()
		f, err := replica.Load(ctx, stores[i], galleries[i], slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, err
		}
		running.Go(func() { f.Run(runCtx) })
	}
	a, b := stores[0], galleries[1]
	app := &visage.App{ID: "bench-propagation", PublicID: "pub-bench-propagation", Name: "bench propagation", Plan: "enterprise"}
	if err := a.CreateApp(ctx, app); err != nil {
		return nil, err
	}

	var writes, lats []time.Duration
	for i := range k {
		f := &visage.Face{AppID: app.ID, ID: synthID(i), Templates: []visage.Template{{Model: scaleModel, Vector: synthVector(i, make([]float32, scaleDim))}}}
		t := time.Now()
		if err := a.CreateFace(ctx, f); err != nil {
			return nil, err
		}
		written := time.Now()
		writes = append(writes, written.Sub(t))
		for {
			if hits := b.Search(app.ID, f.Templates[0], 1, 0.99); len(hits) == 1 && hits[0].FaceID == f.ID {
				break
			}
			if time.Since(written) > propagationLimit {
				return nil, fmt.Errorf("bench scale: face %d enrolled through A not in B's gallery after %v", i, propagationLimit)
			}
			time.Sleep(100 * time.Microsecond)
		}
		lats = append(lats, time.Since(written))
	}
	slices.Sort(lats)
	return &PropagationReport{Schema: sc.name, Faces: k, Write: face.Median(writes),
		P50: latencyPercentile(lats, 0.5), P99: latencyPercentile(lats, 0.99), Max: lats[len(lats)-1]}, nil
}

func (r *PropagationReport) print(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%7.2f ms", float64(d)/1e6) }
	fmt.Fprintf(w, "3. change propagation: %d faces enrolled one at a time through store A, each awaited in store B's gallery (schema %s)\n", r.Faces, r.Schema)
	fmt.Fprintf(w, "  %-44s %10s %10s %10s\n", "", "p50", "p99", "max")
	fmt.Fprintf(w, "  %-44s %s %s %s\n", "CreateFace returned → searchable on B", ms(r.P50), ms(r.P99), ms(r.Max))
	fmt.Fprintf(w, "  (CreateFace itself: %.2f ms median; a ready replica may lag %v)\n\n", float64(r.Write)/1e6, replica.MaxLag)
}

// ---- Schemas of the bench's own ----

// scratch is a schema of the bench's own on the --store server.
type scratch struct {
	server, name string
	// url opens a store on the schema: the server's URL with the schema
	// as its search_path.
	url string
}

// newScratch creates a schema with a random name.
func newScratch(ctx context.Context, server string) (*scratch, error) {
	var b [6]byte
	crand.Read(b[:])
	sc := &scratch{server: server, name: "bench_scale_" + hex.EncodeToString(b[:])}
	u, err := url.Parse(server)
	if err != nil {
		return nil, usageError{fmt.Sprintf("bench scale: --store: %v", err)}
	}
	q := u.Query()
	q.Set("search_path", sc.name)
	u.RawQuery = q.Encode()
	sc.url = u.String()
	if err := sc.exec(ctx, "CREATE SCHEMA "+pgx.Identifier{sc.name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("bench scale: creating a schema on %s: %w", u.Redacted(), err)
	}
	return sc, nil
}

// drop drops the schema and everything in it, even when the bench's
// context has ended.
func (sc *scratch) drop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := sc.exec(ctx, "DROP SCHEMA "+pgx.Identifier{sc.name}.Sanitize()+" CASCADE"); err != nil {
		fmt.Fprintf(os.Stderr, "bench scale: schema %s left behind: %v\n", sc.name, err)
	}
}

func (sc *scratch) exec(ctx context.Context, sql string) error {
	conn, err := connectPlain(ctx, sc.server)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

// settings describes the server: its version and the settings that
// bound a bulk load and a full read.
func (sc *scratch) settings(ctx context.Context) (string, error) {
	conn, err := connectPlain(ctx, sc.server)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var out []string
	for _, name := range []string{"server_version", "shared_buffers", "max_wal_size", "synchronous_commit"} {
		var v string
		if err := conn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			return "", err
		}
		out = append(out, name+" "+v)
	}
	return strings.Join(out, ", "), nil
}

// connectPlain opens one connection with the URL's settings but the
// pool's (pool_*), which the server would refuse as unknown.
func connectPlain(ctx context.Context, raw string) (*pgx.Conn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "pool_") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return pgx.Connect(ctx, u.String())
}

// progress tells the person waiting what the bench is doing.
func progress(msg string) {
	fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format(time.TimeOnly), msg)
}
