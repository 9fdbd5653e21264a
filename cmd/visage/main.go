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
//
// Every command is in the table commands, which main dispatches through;
// `visage COMMAND -h` prints the command's usage line, what it does and
// its flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/pack"
)

// A command is one thing visage does, as main dispatches to it and as its
// -h describes it. A name of two words is a command of a group ("bench
// packs"): `visage bench -h` lists the group's commands.
type command struct {
	name  string // as typed after visage
	args  string // its arguments in the usage line, flags the most used of them
	about string // what it does, a fragment the listing prints as is and -h as a sentence
	run   func(args []string, out io.Writer) error
}

// commands is every command, in the order the usage lists them. It is
// filled in init: the commands' functions look their help up in it.
var commands []command

func init() {
	commands = []command{
		{"serve", "[--addr ADDR] [--data DIR] [--store URL]", "runs the server: the REST API, the widget and the other services' APIs, on http://127.0.0.1:8080 by default", runServe},
		{"app create", "NAME [--plan P]", "creates an application and prints its public ID and a private key (shown once)", sub(runApp, "create")},
		{"app list", "", "lists the applications", sub(runApp, "list")},
		{"app show", "APP_ID", "prints an application, its settings and its number of faces, as JSON", sub(runApp, "show")},
		{"app plan", "APP_ID PLAN", "moves an application to another plan", sub(runApp, "plan")},
		{"app delete", "APP_ID", "deletes an application with its keys and faces", sub(runApp, "delete")},
		{"key create", "APP_ID", "makes another private key for an application (shown once)", sub(runKey, "create")},
		{"key list", "APP_ID", "lists an application's keys, with when each was revoked", sub(runKey, "list")},
		{"key revoke", "APP_ID KEY_ID", "revokes a key: requests with it are refused from then on", sub(runKey, "revoke")},
		{"admin token", "", "makes a new admin token, for the /admin API (shown once)", sub(runAdmin, "token")},
		{"audit verify", "[--data DIR]", "checks the audit log's hash chain and says where an entry was edited or deleted (docs/audit.md)", sub(runAudit, "verify")},
		{"audit export", "[--app ID] [--action A] [--from T] [--to T]", "writes the audit log as JSON lines, with each entry's sequence and hash", sub(runAudit, "export")},
		{"store copy", "--from sqlite://DIR --to postgres://… [--dry-run]", "moves a data folder's store to PostgreSQL, checked and counted", sub(runStore, "copy")},
		{"detect", "IMG [--json]", "prints the faces of an image with box, landmarks, quality, liveness, age, gender", runDetect},
		{"compare", "IMG1 IMG2 [--json] [--level N]", "prints the similarity of the largest face of each image, and whether they match at accuracy level N", runCompare},
		{"bench accuracy", "--data DIR [--json]", "measures accuracy on the datasets in DIR (LFW, face-counts, NUAA, UTKFace)", benchAccuracy},
		{"bench speed", "[--runs N]", "times each stage of the engine against the models' own run times", benchSpeed},
		{"bench http", "[--faces N] [--clients N]", "authenticates over loopback HTTP against a synthetic gallery", runBenchHTTP},
		{"bench packs", "--data DIR [--doc FILE]", "compares recognisers on LFW and CFP, alone, with flip fusion, fused", benchPacks},
		{"bench pad", "--data DIR [--sessions N]", "plays widget sessions over HTTP: presentation attacks and real people", benchPad},
		{"bench liveness", "--data DIR", "runs the movement check frame by frame: real turns against warped photos", benchLiveness},
		{"bench human-pad", "--human-models DIR", "measures human-models' anti-spoofing models against MiniFASNet, alone and fused", benchHumanPad},
		{"bench recognisers", "--human-models DIR --data DIR [--doc FILE]", "measures human-models' recognisers on LFW and CFP, alone and fused with the default's members", benchRecognisers},
		{"bench detect", "--data DIR [--human-models DIR]", "measures candidate face detectors on CFP profiles, LFW and face-counts, alone and as fallbacks", benchDetect},
		{"bench align", "--data DIR --human-models DIR [--doc FILE]", "measures the 68-point model's alignment keypoints against facemesh's (+ iris): CFP keypoint error, LFW and CFP accuracy, cost", benchAlign},
		{"bench learn", "--data DIR", "plays LFW people logging in photo after photo, with and without learned templates", benchLearn},
		{"bench quality", "--data DIR", "fits the quality score on LFW's and CFP's pairs (face/quality.go)", benchQuality},
		{"bench levels", "--data DIR [--packs P,…] [--doc FILE]", "re-calibrates each pack's accuracy levels on LFW and measures them on CFP's frontal impostors", benchLevels},
		{"bench age", "--data DIR --human-models DIR", "measures the minors gate: face-api's age beside human-models' gear, SSR-Net and faceres on UTKFace, alone and fused", benchAge},
		{"bench abuse", "[--duration 5m]", "runs a server at twice its capacity, with heavy images, widget floods and slow clients", benchAbuse},
		{"bench scale", "[--faces N] [--store postgres://…] [--redis redis://…] [--skip PARTS]", "measures replicas on PostgreSQL: gallery load, 1:N search, change propagation, 1 vs 2 replicas", benchScale},
		{"calibrate", "--data DIR [--pack P]", "scores every LFW pair and writes the pack's score table", runCalibrate},
		{"models convert", "[--src DIR] [--models DIR]", "makes the ONNX models that come as TF.js or TFLite (make setup runs it)", sub(runModels, "convert")},
		{"version", "", "prints the version", runVersion},
	}
}

// sub runs a command of a group whose function takes the command's name
// first (`runApp(["create", ...])`).
func sub(run func([]string, io.Writer) error, name string) func([]string, io.Writer) error {
	return func(args []string, out io.Writer) error { return run(append([]string{name}, args...), out) }
}

// usage is `visage -h`: every command, then the settings they share.
func usage() string {
	var b strings.Builder
	b.WriteString("visage — self-hosted face authentication\n\nUsage:\n")
	listCommands(&b, "")
	b.WriteString("\n`visage COMMAND -h` prints a command's usage and flags.\n" +
		"Data folder (serve, app, key, admin, audit): --data DIR ($VISAGE_DATA), default ./data.\n" +
		"Store (serve, app, key, admin, audit): --store postgres://… ($VISAGE_STORE), default SQLite in the data folder.\n" +
		"Engine settings (every command): --ort-lib PATH ($VISAGE_ORT_LIB), --models DIR ($VISAGE_MODELS),\n" +
		"--pack NAME|PATH ($VISAGE_PACK; built in: " + strings.Join(pack.Builtin(), ", ") + "), --workers N.\n" +
		"Defaults: the deps/ folder that make setup fills, pack " + pack.Default + ".\n")
	return b.String()
}

// groupUsage is `visage GROUP -h`: the group's commands.
func groupUsage(group string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: visage %s COMMAND [flags]\n\nCommands:\n", group)
	listCommands(&b, group+" ")
	fmt.Fprintf(&b, "\n`visage %s COMMAND -h` prints a command's usage and flags.\n", group)
	return b.String()
}

// listCommands writes a line for every command whose name starts with
// prefix: its usage, and what it does in a column of its own.
func listCommands(b *strings.Builder, prefix string) {
	const column = 45
	for _, c := range commands {
		if !strings.HasPrefix(c.name, prefix) {
			continue
		}
		line := "  visage " + strings.TrimSpace(c.name+" "+c.args)
		if n := utf8.RuneCountInString(line); n+2 <= column {
			line += strings.Repeat(" ", column-n)
		} else {
			line += "\n" + strings.Repeat(" ", column)
		}
		b.WriteString(line + c.about + "\n")
	}
}

// help is what `visage NAME -h` prints for the command fs parses: its
// usage line, what it does, and its flags.
func help(fs *flag.FlagSet) string {
	c := command{name: fs.Name()}
	for _, cc := range commands {
		if cc.name == fs.Name() {
			c = cc
		}
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	var b strings.Builder
	b.WriteString(strings.TrimSpace("Usage: visage " + c.name + " " + c.args))
	if hasFlags {
		b.WriteString(" [flags]")
	}
	b.WriteString("\n")
	if c.about != "" {
		r, n := utf8.DecodeRuneInString(c.about)
		fmt.Fprintf(&b, "\n%c%s.\n", unicode.ToUpper(r), c.about[n:])
	}
	if hasFlags {
		b.WriteString("\nFlags:\n")
		fs.SetOutput(&b)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return b.String()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main but for the exit: it runs the command args name and returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	if isHelp(args[0]) {
		fmt.Fprint(stdout, usage())
		return 0
	}
	c, rest, err := lookup(args)
	if err == nil {
		err = c.run(rest, stdout)
	}
	return reportTo(stdout, stderr, err)
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "-help" || arg == "--help"
}

// lookup finds the command args name, and returns it with its arguments.
func lookup(args []string) (command, []string, error) {
	var group []command
	for _, c := range commands {
		if c.name == args[0] {
			return c, args[1:], nil
		}
		if strings.HasPrefix(c.name, args[0]+" ") {
			group = append(group, c)
		}
	}
	switch {
	case len(group) == 0:
		return command{}, nil, usageError{fmt.Sprintf("unknown command %q\n\n%s", args[0], usage())}
	case len(args) == 1:
		return command{}, nil, usageError{fmt.Sprintf("%s needs a command\n\n%s", args[0], groupUsage(args[0]))}
	case isHelp(args[1]):
		return command{}, nil, helpShown{groupUsage(args[0])}
	}
	for _, c := range group {
		if c.name == args[0]+" "+args[1] {
			return c, args[2:], nil
		}
	}
	return command{}, nil, usageError{fmt.Sprintf("unknown %s command %q\n\n%s", args[0], args[1], groupUsage(args[0]))}
}

func runVersion(args []string, out io.Writer) error {
	if _, err := parse(flag.NewFlagSet("version", flag.ContinueOnError), args); err != nil {
		return err
	}
	fmt.Fprintln(out, "visage", version())
	return nil
}

// report prints err for a person and picks the exit status: 0 for none
// or help asked for (printed on stdout), 2 for a usage mistake, 1 for
// anything else. Errors with a visage code lead with it, so scripts can
// match on the code.
func report(err error) int { return reportTo(os.Stdout, os.Stderr, err) }

func reportTo(stdout, stderr io.Writer, err error) int {
	var h helpShown
	if err == nil {
		return 0
	} else if errors.As(err, &h) {
		fmt.Fprint(stdout, h.text)
		return 0
	}
	var usageErr usageError
	if errors.As(err, &usageErr) {
		fmt.Fprintf(stderr, "visage: %v\n", err)
		return 2
	}
	if errors.Is(err, errReported) {
		return 1
	}
	var ve *visage.Error
	if errors.As(err, &ve) {
		fmt.Fprintf(stderr, "visage: %s: %s\n", ve.Code, ve.Message)
		return 1
	}
	fmt.Fprintf(stderr, "visage: %v\n", err)
	return 1
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// helpShown is returned by a command asked for -h: text, its help, goes to
// stdout and the exit status is 0.
type helpShown struct{ text string }

func (h helpShown) Error() string { return "help requested" }

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
// (`visage detect a.jpg --json`), and returns the positional ones. Every
// command parses its flags with it, so every command answers -h and
// --help with its help (see help), and a flag mistake with it too.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
			return nil, helpShown{help(fs)}
		} else if err != nil {
			return nil, usageError{fmt.Sprintf("%s: %v\n\n%s", fs.Name(), err, help(fs))}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
