package main

// Fuzz target of the config file of `visage serve --config`. Seeds only
// (make test):
//
//	go test ./cmd/visage -run '^FuzzLoadConfig$'
//
// Ten minutes (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./cmd/visage -run '^$' -fuzz '^FuzzLoadConfig$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"encoding/json"
	"flag"
	"github.com/visagehq/visage/internal/testface"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/visagehq/visage/service"
)

// fuzzFlags is a serve-like flag set: the engine's and data's flags as
// serve registers them, and one flag of every other kind serve has.
func fuzzFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var ef engineFlags
	var df dataFlags
	ef.register(fs)
	df.register(fs)
	fs.String("addr", "127.0.0.1:8080", "")
	fs.String("country-header", "", "")
	fs.Bool("demo", false, "")
	fs.Duration("max-queue-wait", 5*time.Second, "")
	fs.Float64("rate", 1.5, "")
	var domains []string
	fs.Func("signup-domains", "", func(s string) error {
		domains = append(domains, strings.Split(s, ",")...)
		return nil
	})
	fs.String("config", "", "")
	return fs
}

// fuzzEnv names, per flag, the environment variable that wins over the
// file: addr's is set, data's is not.
var fuzzEnv = map[string]string{"addr": "VISAGE_FUZZ_ADDR", "data": "VISAGE_FUZZ_UNSET"}

// FuzzLoadConfig: whatever the file holds, loadConfig
//   - returns within a second;
//   - refuses, with an error that names the file, anything but a JSON
//     object (or null), a key that is no flag of the set, and the key
//     "config";
//   - sets each flag the file names, unless its environment variable is
//     set, to the file's string or, for another JSON value, to the value
//     as written; leaves the flags it does not name, and the ones the
//     environment sets, at their defaults;
//   - gives plans only for a file with "plans": the file's, as written,
//     and service.DefaultPlans for the others, which it never changes.
func FuzzLoadConfig(f *testing.F) {
	for _, seed := range []string{
		`{"addr": "127.0.0.1:9000", "data": "/srv/visage", "workers": 3, "plans": {"pro": {"per_minute": 5, "per_month": 50}}}`,
		`{}`,
		`null`,
		``,
		`[]`,
		`"addr"`,
		`{"adress": "x"}`,
		`{"config": "/etc/other.json"}`,
		`{"plans": {}}`,
		`{"plans": null}`,
		`{"plans": []}`,
		`{"plans": {"free": {"per_minute": -1, "per_month": -5}, "new": {}}}`,
		`{"plans": {"free": {"per_minute": 1e400}}}`,
		`{"plans": {"free": {"per_minute": "5"}}}`,
		`{"plans": {"free": {"per_minute": 99999999999999999999}}}`,
		`{"plans": {"free": {"PER_MINUTE": 7, "extra": true}}}`,
		`{"plans": {"free": null}}`,
		`{"workers": 1e400}`,
		`{"workers": "4"}`,
		`{"workers": 4.5}`,
		`{"workers": -0}`,
		`{"workers": null}`,
		`{"data": null}`,
		`{"demo": true, "rate": 2e-3, "max-queue-wait": "250ms"}`,
		`{"demo": "yes"}`,
		`{"demo": 1}`,
		`{"max-queue-wait": 5}`,
		`{"signup-domains": "a.example, b.example", "country-header": "CF-IPCountry"}`,
		`{"addr": "0.0.0.0:1", "addr": "duplicate"}`,
		`{"pack": {"nested": {"deep": [1, 2, {"x": null}]}}}`,
		`{"models": ["a", "b"]}`,
		`{"ort-lib": "\u0000\ud800\"\\"}`,
		`{"ort-lib": "x"} trailing`,
		"\ufeff{\"addr\": \"bom\"}",
		`{"addr": "x",}`,
		`{'addr': 'x'}`,
		`// comment
{"addr": "x"}`,
		`{"": ""}`,
		strings.Repeat(`{"pack":`, 3000) + `1` + strings.Repeat(`}`, 3000),
		`{"plans": ` + strings.Repeat(`{"a":`, 3000) + `1` + strings.Repeat(`}`, 3000) + `}`,
	} {
		f.Add([]byte(seed))
	}
	f.Setenv("VISAGE_FUZZ_ADDR", "127.0.0.1:7000")
	path := filepath.Join(f.TempDir(), "visage.json")
	defaults := maps.Clone(service.DefaultPlans)

	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fs := fuzzFlags()
		var cfg *fileConfig
		var err error
		testface.Bounded(t, func() { cfg, err = loadConfig(path, fs, fuzzEnv) })
		if !maps.Equal(service.DefaultPlans, defaults) {
			t.Fatalf("service.DefaultPlans changed: %v", service.DefaultPlans)
		}

		var raw map[string]json.RawMessage
		rawErr := json.Unmarshal(data, &raw)
		unknown := ""
		for k := range raw {
			if k != "plans" && (fs.Lookup(k) == nil || k == "config") {
				unknown = k
			}
		}
		if err != nil {
			if cfg != nil || !strings.Contains(err.Error(), "config file "+path) {
				t.Fatalf("%v, with %+v", err, cfg)
			}
			return
		}
		if rawErr != nil || unknown != "" {
			t.Fatalf("%q read (%v, key %q)", data, rawErr, unknown)
		}

		defaultsOf := fuzzFlags()
		fs.VisitAll(func(fl *flag.Flag) {
			val, inFile := raw[fl.Name]
			if !inFile || (fuzzEnv[fl.Name] != "" && os.Getenv(fuzzEnv[fl.Name]) != "") {
				if fl.Value.String() != defaultsOf.Lookup(fl.Name).Value.String() {
					t.Fatalf("flag %s = %q, not its default", fl.Name, fl.Value)
				}
				return
			}
			var s string
			if json.Unmarshal(val, &s) != nil {
				s = string(val)
			}
			want := fuzzFlags()
			if err := want.Set(fl.Name, s); err != nil {
				t.Fatalf("flag %s: file value %s read, but %q cannot be set: %v", fl.Name, val, s, err)
			}
			if fl.Value.String() != want.Lookup(fl.Name).Value.String() {
				t.Fatalf("flag %s = %q from %s, want %q", fl.Name, fl.Value, val, want.Lookup(fl.Name).Value)
			}
		})

		val, hasPlans := raw["plans"]
		if !hasPlans {
			if cfg.Plans != nil {
				t.Fatalf("plans %v from a file without any", cfg.Plans)
			}
			return
		}
		var plans map[string]struct {
			PerMinute int   `json:"per_minute"`
			PerMonth  int64 `json:"per_month"`
		}
		if err := json.Unmarshal(val, &plans); err != nil {
			t.Fatalf("plans %s read: %v", val, err)
		}
		for name, p := range defaults {
			if _, inFile := plans[name]; !inFile && cfg.Plans[name] != p {
				t.Fatalf("plan %s = %+v, want the default %+v", name, cfg.Plans[name], p)
			}
		}
		for name, p := range plans {
			if got := cfg.Plans[name]; got.PerMinute != p.PerMinute || got.PerMonth != p.PerMonth {
				t.Fatalf("plan %s = %+v, the file says %+v", name, got, p)
			}
		}
		if len(cfg.Plans) > len(defaults)+len(plans) {
			t.Fatalf("plans %v", cfg.Plans)
		}
	})
}
