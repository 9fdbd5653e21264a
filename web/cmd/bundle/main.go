// Command bundle builds the browser widget (web/src, web/types) into
// web/dist, which package web embeds. Run it from the repository's root:
//
//	go run ./web/cmd/bundle
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/visagehq/visage/web/internal/bundle"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := bundle.WebDir()
	if err != nil {
		return err
	}
	files, err := bundle.Build(dir)
	if err != nil {
		return err
	}
	dist := filepath.Join(dir, "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	// Anything else in dist would be embedded too: remove it.
	old, err := os.ReadDir(dist)
	if err != nil {
		return err
	}
	for _, e := range old {
		if _, keep := files[e.Name()]; !keep {
			if err := os.RemoveAll(filepath.Join(dist, e.Name())); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dist, name), files[name], 0o644); err != nil {
			return err
		}
		fmt.Printf("%-10s %7d bytes\n", name, len(files[name]))
	}
	return nil
}
