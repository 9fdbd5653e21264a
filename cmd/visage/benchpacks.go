package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/pack"
)

// `visage bench packs` compares recognisers on the pair protocols (LFW,
// CFP-FF, CFP-FP): every pack given, with and without flip fusion, and
// every two of them fused, in one table per protocol that it can write
// into docs/accuracy.md.
func benchPacks(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench packs", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ and cfp/ ($VISAGE_DATASETS)")
	packs := fs.String("packs", strings.Join(pack.Recognisers(), ","), "comma-separated packs to compare and fuse (names or pack.json paths); default: the built-in single recognisers, whose fusions include the built-in fused packs")
	protocols := fs.String("protocols", "lfw,cfp-ff,cfp-fp", "comma-separated protocols to score on; those whose dataset folder is absent are skipped")
	flip := fs.Bool("flip", true, "also measure each pack with flip fusion")
	fuse := fs.Bool("fuse", true, "also measure every two packs fused")
	runs := fs.Int("runs", 30, "photo→template timing runs per candidate")
	doc := fs.String("doc", "", "Markdown file whose generated sections get the tables (e.g. docs/accuracy.md)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if ef.pack != "" {
		return usageError{"bench packs takes --packs, not --pack"}
	}
	sets, err := openProtocols(*data, *protocols)
	if err != nil {
		return err
	}
	photo, err := os.ReadFile(filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	bar := newBar(os.Stderr)
	var rows []bench.Candidate
	type member struct {
		es []*bench.Embedded // one per dataset of sets
		c  bench.Candidate
	}
	var plain []member
	for _, ref := range strings.Split(*packs, ",") {
		for _, flipped := range []bool{false, true} {
			if flipped && !*flip {
				continue
			}
			start := time.Now()
			c, es, err := measurePack(ctx, ef, ref, flipped, sets, photo, *runs, bar)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s (photo→template %.1f ms, run %s):\n%s", c.Name, float64(c.Time)/1e6, time.Since(start).Round(time.Second), summary(c, sets))
			rows = append(rows, c)
			if !flipped {
				plain = append(plain, member{es, c})
			}
		}
	}
	if *fuse {
		// Every set of two packs or more, in the order given.
		for set := 1; set < 1<<len(plain); set++ {
			if bits.OnesCount(uint(set)) < 2 {
				continue
			}
			var names, licences []string
			var in []member
			c := bench.Candidate{On: map[string]*bench.VerificationReport{}}
			for i, m := range plain {
				if set&(1<<i) == 0 {
					continue
				}
				names, licences, in = append(names, m.c.Name), append(licences, m.c.Licence), append(in, m)
				// An upper bound: a fused pack decodes and detects once.
				c.Time += m.c.Time
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
					// The pack.json weights: a fused pack is calibrated on LFW.
					if p.Name == "LFW" {
						c.Weights = w
					}
				}
			}
			rows = append(rows, c)
		}
	}
	return writeTables(out, *doc, "packs", sets, rows)
}

// openProtocols opens the datasets of the protocols named in list
// ("lfw,cfp-ff,cfp-fp"), keeping only the protocols named. A dataset
// whose folder is absent is skipped, saying so, as `bench accuracy` does.
func openProtocols(data, list string) ([]*bench.Dataset, error) {
	datasets := []struct {
		folder    string
		protocols []string
		open      func(string) (*bench.Dataset, error)
	}{{"lfw", []string{"lfw"}, bench.OpenLFW}, {"cfp", []string{"cfp-ff", "cfp-fp"}, bench.OpenCFP}}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		if !slices.Contains([]string{"lfw", "cfp-ff", "cfp-fp"}, name) {
			return nil, usageError{fmt.Sprintf("unknown protocol %q: lfw, cfp-ff or cfp-fp", name)}
		}
		want[name] = true
	}
	var sets []*bench.Dataset
	for _, d := range datasets {
		if !slices.ContainsFunc(d.protocols, func(p string) bool { return want[p] }) {
			continue
		}
		if _, err := os.Stat(filepath.Join(data, d.folder)); err != nil {
			fmt.Fprintf(os.Stderr, "skipped (folder absent): %s\n", d.folder)
			continue
		}
		ds, err := d.open(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", d.folder, err)
		}
		ds.Protocols = slices.DeleteFunc(ds.Protocols, func(p *bench.Protocol) bool { return !want[strings.ToLower(p.Name)] })
		sets = append(sets, ds)
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("no protocol to run: none of %s is under %s", list, data)
	}
	return sets, nil
}

// measurePack embeds each dataset's images with one pack, scores its
// protocols, and times the pack on one core.
func measurePack(ctx context.Context, ef engineFlags, ref string, flip bool, sets []*bench.Dataset, photo []byte, runs int, bar *bar) (bench.Candidate, []*bench.Embedded, error) {
	cfg := face.Config{RuntimeLib: ef.ortLib, ModelDir: ef.models, Pack: ref, Workers: ef.workers, FlipFusion: flip}
	eng, err := face.New(cfg)
	if err != nil {
		return bench.Candidate{}, nil, err
	}
	p := eng.Pack()
	c := bench.Candidate{Name: p.Name, Licence: p.Licence, Bytes: 4 * p.Dim(), On: map[string]*bench.VerificationReport{}}
	if flip {
		c.Name += " + flip"
	}
	var es []*bench.Embedded
	for _, ds := range sets {
		e, err := ds.Embed(ctx, eng, bar)
		if err != nil {
			eng.Close()
			return c, nil, err
		}
		for _, pr := range ds.Protocols {
			c.On[pr.Name] = pr.Verify(e)
		}
		es = append(es, e)
	}
	eng.Close()
	cfg.Workers = 1 // one core: the figure a single request sees
	one, err := face.New(cfg)
	if err != nil {
		return c, nil, err
	}
	defer one.Close()
	if c.Time, err = bench.TemplateTime(ctx, one, photo, runs); err != nil {
		return c, nil, err
	}
	return c, es, nil
}

// summary is a candidate's figures on each protocol, a line each, with
// the time its images took.
func summary(c bench.Candidate, sets []*bench.Dataset) string {
	var b strings.Builder
	for _, ds := range sets {
		for _, p := range ds.Protocols {
			v := c.On[p.Name]
			fmt.Fprintf(&b, "  %-7s %.2f %% ± %.2f, TAR@1e-3 %.2f %%, no face %d of %d, %.0f s (%.1f images/s)\n",
				p.Name, 100*v.Accuracy, 100*v.AccuracyStd, 100*v.TARAt1e3, len(v.NoFace), v.Images, v.Seconds, v.ImagesPerSecond())
		}
	}
	return b.String()
}

// candidateTable is LFW's table: the accuracy figures next to each
// candidate's cost.
func candidateTable(rows []bench.Candidate) string {
	var b strings.Builder
	b.WriteString("| candidate | LFW 10-fold | TAR@FAR 1e-3 | TAR@FAR 1e-4 | LFW no face | photo→template (1 core) | template | licence |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, c := range rows {
		v := c.On["LFW"]
		fmt.Fprintf(&b, "| %s | %.2f %% ± %.2f | %.2f %% | %.2f %% | %d | %.1f ms | %d B | %s |\n",
			c.Name, 100*v.Accuracy, 100*v.AccuracyStd, 100*v.TARAt1e3, 100*v.TARAt1e4, len(v.NoFace), float64(c.Time)/1e6, c.Bytes, c.Licence)
	}
	for _, c := range rows {
		if len(c.Weights) > 0 {
			fmt.Fprintf(&b, "\nWeights of %s (1/σ of each member's impostor cosines, for its pack.json): %.4g.\n", c.Name, c.Weights)
		}
	}
	return b.String()
}

// protocolTable is another protocol's table; the costs are in LFW's.
func protocolTable(name string, rows []bench.Candidate) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| candidate | %s 10-fold | TAR@FAR 1e-3 | TAR@FAR 1e-4 | images, no face | pairs affected |\n", name)
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, c := range rows {
		v := c.On[name]
		fmt.Fprintf(&b, "| %s | %.2f %% ± %.2f | %.2f %% | %.2f %% | %d of %d | %d |\n",
			c.Name, 100*v.Accuracy, 100*v.AccuracyStd, 100*v.TARAt1e3, 100*v.TARAt1e4, len(v.NoFace), v.Images, v.PairsNoFace)
	}
	return b.String()
}

// replaceGenerated puts text between the generated-section markers of a
// Markdown file, so that hand-written prose around it survives.
func replaceGenerated(path, by, text string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- BEGIN GENERATED by `"+by+"`; do not edit by hand. -->", "<!-- END GENERATED -->"
	s := string(doc)
	i := strings.Index(s, begin)
	j := strings.Index(s[max(i, 0):], end) // this section's end, not an earlier one's
	if i < 0 || j < 0 {
		return fmt.Errorf("%s has no generated section (%s … %s)", path, begin, end)
	}
	return os.WriteFile(path, []byte(s[:i+len(begin)]+"\n"+text+s[i+j:]), 0o644)
}

// writeTables prints the candidates' table of every protocol, and puts
// each in the generated sections of doc (when set) that `visage bench
// KIND` owns: LFW's in "visage bench KIND", the others' in "visage bench
// KIND, PROTOCOL".
func writeTables(out io.Writer, doc, kind string, sets []*bench.Dataset, rows []bench.Candidate) error {
	for _, ds := range sets {
		for _, p := range ds.Protocols {
			section, table := "visage bench "+kind+", "+p.Name, protocolTable(p.Name, rows)
			if p.Name == "LFW" {
				section, table = "visage bench "+kind, candidateTable(rows)
			}
			fmt.Fprintf(out, "%s\n\n%s\n", p.Name, table)
			if doc != "" {
				if err := replaceGenerated(doc, section, table); err != nil {
					return err
				}
			}
		}
	}
	if doc != "" {
		fmt.Fprintf(out, "updated %s\n", doc)
	}
	return nil
}
