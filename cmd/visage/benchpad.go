package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/bench"
	vhttp "github.com/visagehq/visage/http"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
	"github.com/visagehq/visage/store/sqlite"
	"github.com/visagehq/visage/widget"
)

// visage bench pad: presentation attacks played through the widget's
// protocol over HTTP against a server of its own (real engine, SQLite,
// gallery), with head-turns' people enrolled.
func benchPad(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench pad", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	sessions := fs.Int("sessions", 100, "sessions per class")
	conc := fs.Int("concurrency", 4, "sessions played at once")
	challenges := fs.String("challenges", "turn_left,turn_right", "the movements the server asks for (head-turns has no nods)")
	only := fs.String("class", "", "play only the classes whose names contain this")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	moves, err := liveness.ParseMovements(strings.Split(*challenges, ","))
	if err != nil {
		return usageError{"bench pad: --challenges: " + err.Error()}
	}
	people, err := bench.LoadPeople(*data)
	if err != nil {
		return fmt.Errorf("bench pad needs %s/head-turns: %w", *data, err)
	}
	nuaa, nuaaEnroll := loadNUAASequences(filepath.Join(*data, "nuaa-print"))

	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	tmp, err := os.MkdirTemp("", "visage-bench-pad")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	key := make([]byte, 32)
	rand.Read(key)
	st, err := sqlite.Open(filepath.Join(tmp, "visage.db"), key)
	if err != nil {
		return err
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Config{Store: st, Gallery: index.New(), Engine: eng, Table: eng.Pack().Calibration, PINKey: key, Logger: quiet})
	ctx := context.Background()
	app, err := svc.CreateApp(ctx, "bench pad", "enterprise")
	if err != nil {
		return err
	}
	if err := svc.UpdateSettings(ctx, app, visage.AppSettings{Level: 4, RequireLiveness: true}); err != nil {
		return err
	}
	expect := map[string]string{}
	enroll := func(name string, img []byte) error {
		e, err := svc.Enroll(ctx, app, service.EnrollRequest{Images: [][]byte{img}, ExternalID: name})
		if err != nil {
			return fmt.Errorf("enrolling %s: %w", name, err)
		}
		expect[name] = e.FacialID
		return nil
	}
	for _, p := range people {
		if err := enroll(p.Name, p.Enroll); err != nil {
			return err
		}
	}
	for s, img := range nuaaEnroll {
		if err := enroll("nuaa-"+s, img); err != nil {
			return err
		}
	}

	var mu sync.Mutex
	verdicts := map[liveness.Reason]int{}
	bySession := map[string]liveness.Reason{}
	wid := widget.New(svc, widget.Config{Movements: moves, Logger: quiet, OnVerdict: func(session string, r liveness.Reason) {
		mu.Lock()
		verdicts[r]++
		bySession[session] = r
		mu.Unlock()
	}})
	var mounts []vhttp.Mount
	for _, p := range wid.Patterns() {
		mounts = append(mounts, vhttp.Mount{Pattern: p, Handler: wid})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: vhttp.New(svc, vhttp.Config{Logger: quiet, Mounts: mounts})}
	go srv.Serve(ln)
	defer srv.Close()

	player := &bench.Player{URL: "http://" + ln.Addr().String(), PublicID: app.PublicID, HTTP: &http.Client{Timeout: time.Minute},
		Verdict: func(session string) liveness.Reason {
			mu.Lock()
			defer mu.Unlock()
			return bySession[session]
		}}
	type row struct {
		bench.ClassResult
		Verdicts map[liveness.Reason]int `json:"verdicts"`
	}
	var rows []row
	for _, c := range bench.PadClasses(people, nuaa) {
		if *only != "" && !strings.Contains(c.Name, *only) {
			continue
		}
		mu.Lock()
		clear(verdicts)
		mu.Unlock()
		fmt.Fprintf(os.Stderr, "bench pad: %s…\n", c.Name)
		res, err := player.RunClass(ctx, c, *sessions, *conc, expect, 1)
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
		mu.Lock()
		rows = append(rows, row{res, maps.Clone(verdicts)})
		mu.Unlock()
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	fmt.Fprintf(out, "Widget sessions over HTTP, %d per class, movements %s, app requiring liveness (level 4)\n\n", *sessions, *challenges)
	fmt.Fprintf(out, "%-22s %9s %9s  %-42s %s\n", "class", "sessions", "logged in", "how the others ended", "liveness verdicts")
	for _, r := range rows {
		name := r.Class
		if r.Genuine {
			name += " (should log in)"
		}
		fmt.Fprintf(out, "%-22s %9d %9d  %-42s %s\n", name, r.Sessions, r.LoggedIn, counts(r.Ends), counts(r.Verdicts))
	}
	for _, r := range rows {
		if r.Genuine {
			fmt.Fprintf(out, "\n%s: %.1f %% logged in; median session %.1f s from opening to the answer (frames every %d ms)\n",
				r.Class, 100*float64(r.LoggedIn)/float64(r.Sessions), r.MedianTook.Seconds(), 150)
			fmt.Fprintf(out, "not logged in: %s\n", counts(r.Refused))
		}
	}
	return nil
}

// counts prints a map of counts as "a 3, b 1", largest first.
func counts[K ~string](m map[K]int) string {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b K) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(string(a), string(b))
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

// visage bench liveness: the movement check frame by frame, on
// head-turns' real turns and the warps of their frontal photos.
func benchLiveness(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench liveness", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	trials := fs.Int("trials", 2, "comparisons per person, movement and kind, each with another camera jitter and warp")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	people, err := bench.LoadPeople(*data)
	if err != nil {
		return fmt.Errorf("bench liveness needs %s/head-turns: %w", *data, err)
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	rows, err := bench.Shapes(context.Background(), eng, people, *trials, os.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "A frontal frame against a moved one, %d people × 2 turns × %d: how often the turn's pose was reached, how those frames were judged, and the landmarks' homography residual (min / median / max)\n\n", len(people), *trials)
	fmt.Fprintf(out, "%-16s %7s %8s %6s %6s %8s   %s\n", "kind", "frames", "reached", "solid", "flat", "unknown", "landmark residual")
	for _, r := range rows {
		fmt.Fprintf(out, "%-16s %7d %8d %6d %6d %8d   %.3f / %.3f / %.3f\n", r.Kind, r.Frames, r.Reached, r.Solid, r.Flat, r.Unknown, r.Residual[0], r.Residual[1], r.Residual[2])
	}
	return nil
}

// loadNUAASequences reads NUAA's printed-photo frames by subject, in
// recording order, and a live frame of each subject to enroll. Without
// the folder it returns nothing and the class is skipped.
func loadNUAASequences(dir string) (attacks map[string][][]byte, live map[string][]byte) {
	samples, err := bench.ListNUAA(dir)
	if err != nil {
		return nil, nil
	}
	attacks, live = map[string][][]byte{}, map[string][]byte{}
	for _, s := range samples {
		b, err := os.ReadFile(s.Path)
		if err != nil {
			continue
		}
		if s.Attack {
			attacks[s.Subject] = append(attacks[s.Subject], b)
		} else if live[s.Subject] == nil {
			live[s.Subject] = b
		}
	}
	for s := range attacks {
		if live[s] == nil {
			delete(attacks, s)
		}
	}
	if len(attacks) == 0 {
		return nil, nil
	}
	return attacks, live
}
