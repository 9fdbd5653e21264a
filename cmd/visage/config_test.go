package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

func TestConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "visage.json")
	os.WriteFile(path, []byte(`{"addr": "127.0.0.1:9000", "data": "/srv/visage", "workers": 3, "plans": {"pro": {"per_minute": 5, "per_month": 50}}}`), 0o600)
	t.Setenv("VISAGE_DATA", "/from/env")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "")
	data := fs.String("data", os.Getenv("VISAGE_DATA"), "")
	workers := fs.Int("workers", 0, "")
	fs.String("config", "", "")
	args := []string{"--config", path, "--workers", "1"}
	if got := configPath(args); got != path {
		t.Fatalf("configPath = %q", got)
	}
	cfg, err := loadConfig(path, fs, map[string]string{"addr": "VISAGE_ADDR", "data": "VISAGE_DATA"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parse(fs, args); err != nil {
		t.Fatal(err)
	}
	// file beats default; environment beats file; command line beats file.
	if *addr != "127.0.0.1:9000" || *data != "/from/env" || *workers != 1 {
		t.Errorf("addr %q data %q workers %d", *addr, *data, *workers)
	}
	if p := cfg.Plans["pro"]; p.PerMinute != 5 || p.PerMonth != 50 || p.SessionsPerMinute != 300 || cfg.Plans["free"].PerMinute != 100 {
		t.Errorf("plans %+v: pro's widget sessions left out keep pro's default", cfg.Plans)
	}
	os.WriteFile(path, []byte(`{"plans": {"pro": {"per_minute": -1}}}`), 0o600)
	if _, err := loadConfig(path, flag.NewFlagSet("x", flag.ContinueOnError), nil); err == nil {
		t.Error("a negative limit, which the service would read as unlimited, must be an error")
	}
	os.WriteFile(path, []byte(`{"adress": "x"}`), 0o600)
	if _, err := loadConfig(path, flag.NewFlagSet("x", flag.ContinueOnError), nil); err == nil {
		t.Error("a misspelt setting must be an error")
	}
}
