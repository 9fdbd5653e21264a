package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
)

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return s.Value[:12]
			}
		}
	}
	return "dev"
}

// runDetect prints every face in an image with everything the engine
// knows about it.
func runDetect(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("detect", flag.ContinueOnError)
	var ef engineFlags
	ef.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"detect takes one image: visage detect IMG [--json]"}
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	eng, err := ef.open()
	if err != nil {
		return err
	}
	defer eng.Close()
	faces, err := eng.Analyze(context.Background(), data, face.Options{Liveness: true, Attributes: true, Quality: true})
	if err != nil {
		return jsonError(err, *asJSON, out)
	}
	if *asJSON {
		return writeJSON(out, map[string]any{"faces": faces})
	}
	fmt.Fprintf(out, "%s: %d face(s)\n", pos[0], len(faces))
	for i, f := range faces {
		q := f.Quality
		fmt.Fprintf(out, "  #%d box x=%.0f y=%.0f w=%.0f h=%.0f  score %.2f  size %.0f px  quality %.2f\n", i+1, f.Box.X, f.Box.Y, f.Box.W, f.Box.H, f.Score, q.Size, *q.Score)
		fmt.Fprintf(out, "     liveness %.2f  age %.0f  %s  sharpness %.0f  yaw %.0f° pitch %.0f° roll %.0f°  eyes open %.2f/%.2f\n",
			*f.Liveness, *f.Age, genderWord(*f.Female), *q.Sharpness, q.Yaw, q.Pitch, q.Roll, q.EyesOpen[0], q.EyesOpen[1])
	}
	return nil
}

func genderWord(female float32) string {
	if female >= 0.5 {
		return fmt.Sprintf("female (%.2f)", female)
	}
	return fmt.Sprintf("male (%.2f)", 1-female)
}

// jsonError prints err as {"error": {"code", "message"}} when the user
// asked for JSON, so that a script reads one shape on stdout either way.
func jsonError(err error, asJSON bool, out io.Writer) error {
	if !asJSON {
		return err
	}
	msg := err.Error()
	var ve *visage.Error
	if errors.As(err, &ve) {
		msg = ve.Message
	}
	writeJSON(out, map[string]any{"error": map[string]string{"code": string(visage.ErrorCode(err)), "message": msg}})
	fmt.Fprintf(os.Stderr, "visage: %s: %s\n", visage.ErrorCode(err), msg)
	return errReported
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
