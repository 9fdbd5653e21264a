package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"

	"github.com/visagehq/visage/convert"
	"github.com/visagehq/visage/face"
)

// runModels is `visage models convert`: make the ONNX models that come as
// TF.js or TFLite files (make setup runs it).
func runModels(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "convert" {
		return usageError{"models takes one subcommand: visage models convert [--src DIR] [--models DIR]"}
	}
	fs := flag.NewFlagSet("models convert", flag.ContinueOnError)
	src := fs.String("src", filepath.Join(face.DefaultDepsDir(), "src"), "the fetched package files (make setup puts them in deps/src)")
	models := fs.String("models", os.Getenv("VISAGE_MODELS"), "where the models go (default $VISAGE_MODELS or deps/models)")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *models == "" {
		*models = filepath.Join(face.DefaultDepsDir(), "models")
	}
	return convert.Run(*src, *models, out)
}
