package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"strings"

	"github.com/visagehq/visage/service"
)

// fileConfig is the optional config file of `visage serve --config FILE`
// (or $VISAGE_CONFIG): JSON whose keys are the flags' names, plus plans.
// A flag on the command line wins over the environment, which wins over
// the file, which wins over the built-in default.
type fileConfig struct {
	Flags map[string]any
	Plans map[string]service.Plan
}

// configPath finds --config in args (before flags are parsed: the file
// supplies their defaults) or $VISAGE_CONFIG.
func configPath(args []string) string {
	for i, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if v, ok := strings.CutPrefix(a, "config="); ok {
			return v
		}
		if a == "config" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return os.Getenv("VISAGE_CONFIG")
}

// loadConfig reads the file and applies its values to the flags of fs
// whose environment variable (envOf) is unset.
func loadConfig(path string, fs *flag.FlagSet, envOf map[string]string) (*fileConfig, error) {
	cfg := &fileConfig{}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	for key, val := range raw {
		if key == "plans" {
			var plans map[string]struct {
				PerMinute         int    `json:"per_minute"`
				PerMonth          int64  `json:"per_month"`
				SessionsPerMinute *int   `json:"sessions_per_minute"`
				SessionsPerMonth  *int64 `json:"sessions_per_month"`
			}
			if err := json.Unmarshal(val, &plans); err != nil {
				return nil, fmt.Errorf("config file %s: plans: %w", path, err)
			}
			// Plans the file leaves out keep their defaults. A plan's page
			// budget, when the file gives none, is its default plan's, or
			// the free plan's for a new plan: never unlimited by omission.
			cfg.Plans = maps.Clone(service.DefaultPlans)
			for name, p := range plans {
				base, ok := service.DefaultPlans[name]
				if !ok {
					base = service.DefaultPlans["free"]
				}
				plan := service.Plan{PerMinute: p.PerMinute, PerMonth: p.PerMonth,
					SessionsPerMinute: base.SessionsPerMinute, SessionsPerMonth: base.SessionsPerMonth}
				if p.SessionsPerMinute != nil {
					plan.SessionsPerMinute = *p.SessionsPerMinute
				}
				if p.SessionsPerMonth != nil {
					plan.SessionsPerMonth = *p.SessionsPerMonth
				}
				// 0 is unlimited, and the service reads anything below as
				// unlimited too: a typed minus sign must not open a plan.
				if plan.PerMinute < 0 || plan.PerMonth < 0 || plan.SessionsPerMinute < 0 || plan.SessionsPerMonth < 0 {
					return nil, fmt.Errorf("config file %s: plans: %s: limits are 0 (unlimited) or more", path, name)
				}
				cfg.Plans[name] = plan
			}
			continue
		}
		if fs.Lookup(key) == nil || key == "config" {
			return nil, fmt.Errorf("config file %s: unknown setting %q", path, key)
		}
		if env := envOf[key]; env != "" && os.Getenv(env) != "" {
			continue
		}
		var s string
		if err := json.Unmarshal(val, &s); err != nil {
			s = string(val) // numbers and booleans as written
		}
		if err := fs.Set(key, s); err != nil {
			return nil, fmt.Errorf("config file %s: %s: %w", path, key, err)
		}
	}
	return cfg, nil
}
