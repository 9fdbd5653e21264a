// Command visage is the Visage binary: the face engine from the command
// line, its accuracy and speed benches, and the score calibration.
//
//	visage serve [--addr 127.0.0.1:8080] [--data ./data]
//	visage app create|list|show|delete, visage key create|list|revoke, visage admin token
//	visage detect IMG [--json]
//	visage compare IMG1 IMG2 [--json] [--level N]
//	visage bench accuracy --data DIR [--json]
//	visage bench speed
//	visage calibrate --data DIR
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/pack"
)

var usage = `visage — self-hosted face authentication

Usage:
  visage serve [--addr ADDR] [--data DIR]    the server: REST API on http://127.0.0.1:8080 by default
  visage app create NAME [--plan P]          a new application, with its public ID and a private key
  visage app list | show APP_ID | delete APP_ID
  visage key create APP_ID | list APP_ID | revoke APP_ID KEY_ID
  visage admin token                         a new admin token
  visage store copy --from sqlite://DIR --to postgres://… [--dry-run]
                                             move a data folder's store to PostgreSQL, checked and counted
  visage detect IMG [--json]                 faces with box, landmarks, quality, liveness, age, gender
  visage compare IMG1 IMG2 [--json] [--level N]
                                             similarity of the largest face of each image
  visage bench accuracy --data DIR [--json]  accuracy on the datasets in DIR (LFW, face-counts, NUAA, UTKFace)
  visage bench speed [--runs N]              per-stage times against the models' own run times
  visage bench http [--faces N] [--clients N] authenticate over loopback HTTP against a synthetic gallery
  visage bench packs --data DIR [--doc FILE] compare recognisers on LFW and CFP, alone, with flip fusion, fused
  visage bench pad --data DIR [--sessions N] widget sessions played over HTTP: presentation attacks and real people
  visage bench liveness --data DIR           the movement check frame by frame: real turns against warped photos
  visage bench human-pad --human-models DIR  human-models' anti-spoofing models against MiniFASNet, alone and fused
  visage bench recognisers --human-models DIR --data DIR [--doc FILE]
                                             human-models' recognisers on LFW and CFP, alone and fused with the default's members
  visage bench detect --data DIR             candidate face detectors on CFP profiles, LFW and face-counts, alone and as fallbacks
  visage bench align --data DIR --human-models DIR
                                             the 68-point model's alignment keypoints against facemesh's (+ iris): CFP keypoint error, LFW and CFP accuracy, cost
  visage bench learn --data DIR              LFW people logging in photo after photo, with and without learned templates
  visage bench quality --data DIR            fit the quality score on LFW's and CFP's pairs (face/quality.go)
  visage bench levels --data DIR [--packs P,…] [--doc FILE]
                                             each pack's accuracy levels re-calibrated on LFW and measured on CFP's frontal impostors
  visage bench age --data DIR --human-models DIR
                                             the minors gate: face-api's age beside human-models' gear, SSR-Net and faceres on UTKFace, alone and fused
  visage bench abuse [--duration 5m]         a server at twice its capacity, with heavy images, widget floods and slow clients
  visage bench scale [--faces N] [--store postgres://…] [--redis redis://…] [--skip PARTS]
                                             replicas on PostgreSQL: gallery load, 1:N search, change propagation, 1 vs 2 replicas
  visage calibrate --data DIR [--pack P]     score every LFW pair and write the pack's score table
  visage models convert                      make the ONNX models that come as TF.js or TFLite (make setup runs it)
  visage version

Data folder (serve, app, key, admin): --data DIR ($VISAGE_DATA), default ./data.
Store (serve, app, key, admin): --store postgres://… ($VISAGE_STORE), default SQLite in the data folder.
Engine settings (every command): --ort-lib PATH ($VISAGE_ORT_LIB), --models DIR ($VISAGE_MODELS),
--pack NAME|PATH ($VISAGE_PACK; built in: ` + strings.Join(pack.Builtin(), ", ") + `), --workers N.
Defaults: the deps/ folder that make setup fills, pack ` + pack.Default + `.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "detect":
		err = runDetect(args, os.Stdout)
	case "compare":
		err = runCompare(args, os.Stdout)
	case "bench":
		err = runBench(args, os.Stdout)
	case "calibrate":
		err = runCalibrate(args, os.Stdout)
	case "models":
		err = runModels(args, os.Stdout)
	case "serve":
		err = runServe(args, os.Stdout)
	case "app":
		err = runApp(args, os.Stdout)
	case "key":
		err = runKey(args, os.Stdout)
	case "admin":
		err = runAdmin(args, os.Stdout)
	case "store":
		err = runStore(args, os.Stdout)
	case "version":
		fmt.Println("visage", version())
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "visage: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		os.Exit(report(err))
	}
}

// report prints err for a person and picks the exit status: 2 for a usage
// mistake, 1 for anything else. Errors with a visage code lead with it, so
// scripts can match on the code.
func report(err error) int {
	var usageErr usageError
	if errors.As(err, &usageErr) {
		fmt.Fprintf(os.Stderr, "visage: %v\n", err)
		return 2
	}
	if errors.Is(err, errReported) {
		return 1
	}
	var ve *visage.Error
	if errors.As(err, &ve) {
		fmt.Fprintf(os.Stderr, "visage: %s: %s\n", ve.Code, ve.Message)
		return 1
	}
	fmt.Fprintf(os.Stderr, "visage: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// errReported is returned when the command already printed the error in
// the form the user asked for (e.g. as JSON).
var errReported = errors.New("already reported")

// engineFlags are the settings every engine-using command takes.
type engineFlags struct {
	ortLib, models, pack string
	workers              int
}

func (f *engineFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.ortLib, "ort-lib", "", "ONNX Runtime shared library (default $VISAGE_ORT_LIB or deps/onnxruntime/libonnxruntime.so.1)")
	fs.StringVar(&f.models, "models", "", "folder of the ONNX models (default $VISAGE_MODELS or deps/models)")
	fs.StringVar(&f.pack, "pack", "", "recogniser pack: a built-in name or the path of a pack.json (default $VISAGE_PACK or "+pack.Default+")")
	fs.IntVar(&f.workers, "workers", 0, "concurrent analyses (default: number of CPUs)")
}

func (f *engineFlags) open() (*face.Engine, error) { return f.openObserved(nil) }

// openObserved opens the engine with a receiver for its stage timings.
func (f *engineFlags) openObserved(observe func(face.Timings)) (*face.Engine, error) {
	cfg := f.config()
	cfg.Observe = observe
	return face.New(cfg)
}

// config is the engine's configuration as the flags set it.
func (f *engineFlags) config() face.Config {
	return face.Config{RuntimeLib: f.ortLib, ModelDir: f.models, Pack: f.pack, Workers: f.workers}
}

// parse parses args with fs, allowing flags after positional arguments
// (`visage detect a.jpg --json`), and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v", fs.Name(), err)}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
