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

	"github.com/visagehq/visage/bench"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/pack"
)

// `visage bench packs` compares recognisers on LFW: every pack given, with
// and without flip fusion, and every two of them fused, in one table that
// it can write into docs/accuracy.md.
func benchPacks(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench packs", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder holding lfw/ ($VISAGE_DATASETS)")
	packs := fs.String("packs", strings.Join(pack.Builtin(), ","), "comma-separated packs to compare (names or pack.json paths)")
	flip := fs.Bool("flip", true, "also measure each pack with flip fusion")
	fuse := fs.Bool("fuse", true, "also measure every two packs fused")
	runs := fs.Int("runs", 30, "photo→template timing runs per candidate")
	doc := fs.String("doc", "", "Markdown file whose generated section gets the table (e.g. docs/accuracy.md)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if ef.pack != "" {
		return usageError{"bench packs takes --packs, not --pack"}
	}
	lfw, err := bench.OpenLFW(*data)
	if err != nil {
		return fmt.Errorf("LFW: %w", err)
	}
	photo, err := os.ReadFile(filepath.Join(face.DefaultDepsDir(), "testdata", "face-api", "sample1.jpg"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	bar := newBar(os.Stderr)
	var rows []bench.Candidate
	type member struct {
		name string
		e    *bench.Embedded
		c    bench.Candidate
	}
	var plain []member
	for _, ref := range strings.Split(*packs, ",") {
		for _, flipped := range []bool{false, true} {
			if flipped && !*flip {
				continue
			}
			c, e, err := measurePack(ctx, ef, ref, flipped, lfw, photo, *runs, bar)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: %.2f %% ± %.2f, TAR@1e-3 %.2f %%\n", c.Name, 100*c.Accuracy, 100*c.Std, 100*c.TAR1e3)
			rows = append(rows, c)
			if !flipped {
				plain = append(plain, member{ref, e, c})
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
			var es []*bench.Embedded
			c := bench.Candidate{}
			for i, m := range plain {
				if set&(1<<i) == 0 {
					continue
				}
				names, licences, es = append(names, m.c.Name), append(licences, m.c.Licence), append(es, m.e)
				// An upper bound: a fused pack decodes and detects once.
				c.Time += m.c.Time
				c.Bytes += m.c.Bytes
			}
			c.Name, c.Licence = strings.Join(names, " ⊕ "), strings.Join(slices.Compact(licences), " + ")
			lfw.Fuse(&c, es...)
			rows = append(rows, c)
		}
	}
	table := candidateTable(rows)
	fmt.Fprint(out, table)
	if *doc != "" {
		if err := replaceGenerated(*doc, "visage bench packs", table); err != nil {
			return err
		}
		fmt.Fprintf(out, "updated %s\n", *doc)
	}
	return nil
}

// measurePack embeds LFW's pair images with one pack and times it.
func measurePack(ctx context.Context, ef engineFlags, ref string, flip bool, lfw *bench.LFW, photo []byte, runs int, bar *bar) (bench.Candidate, *bench.Embedded, error) {
	cfg := face.Config{RuntimeLib: ef.ortLib, ModelDir: ef.models, Pack: ref, Workers: ef.workers, FlipFusion: flip}
	eng, err := face.New(cfg)
	if err != nil {
		return bench.Candidate{}, nil, err
	}
	p := eng.Pack()
	c := bench.Candidate{Name: p.Name, Licence: p.Licence, Bytes: 4 * p.Output.Dim}
	if flip {
		c.Name += " + flip"
	}
	e, err := lfw.Embed(ctx, eng, bar)
	eng.Close()
	if err != nil {
		return c, nil, err
	}
	lfw.Score(&c, e)
	cfg.Workers = 1 // one core: the figure a single request sees
	one, err := face.New(cfg)
	if err != nil {
		return c, nil, err
	}
	defer one.Close()
	if c.Time, err = bench.TemplateTime(ctx, one, photo, runs); err != nil {
		return c, nil, err
	}
	return c, e, nil
}

func candidateTable(rows []bench.Candidate) string {
	var b strings.Builder
	b.WriteString("| candidate | LFW 10-fold | TAR@FAR 1e-3 | TAR@FAR 1e-4 | LFW no face | photo→template (1 core) | template | licence |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, c := range rows {
		fmt.Fprintf(&b, "| %s | %.2f %% ± %.2f | %.2f %% | %.2f %% | %d | %.1f ms | %d B | %s |\n",
			c.Name, 100*c.Accuracy, 100*c.Std, 100*c.TAR1e3, 100*c.TAR1e4, c.NoFace, float64(c.Time)/1e6, c.Bytes, c.Licence)
	}
	for _, c := range rows {
		if len(c.Weights) > 0 {
			fmt.Fprintf(&b, "\nWeights of %s (1/σ of each member's impostor cosines, for its pack.json): %.4g.\n", c.Name, c.Weights)
		}
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
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no generated section (%s … %s)", path, begin, end)
	}
	return os.WriteFile(path, []byte(string(doc[:i+len(begin)])+"\n"+text+string(doc[j:])), 0o644)
}
