package main

import (
	"bytes"
	"strings"
	"testing"
)

// knownFlag is a flag each command's -h must list; "" for a command
// without flags. A command missing here fails TestEveryCommandHelp.
var knownFlag = map[string]string{
	"serve": "addr", "app create": "plan", "app list": "data", "app show": "data", "app plan": "data", "app delete": "data",
	"key create": "data", "key list": "store", "key revoke": "data", "admin token": "data", "audit verify": "store", "audit export": "action", "store copy": "from",
	"detect": "json", "compare": "level", "bench accuracy": "data", "bench speed": "runs", "bench http": "clients",
	"bench packs": "doc", "bench pad": "sessions", "bench liveness": "trials", "bench human-pad": "human-models",
	"bench recognisers": "base", "bench detect": "candidates", "bench align": "human-models", "bench learn": "min-photos",
	"bench quality": "protocols", "bench levels": "packs", "bench age": "human-models", "bench abuse": "duration",
	"bench scale": "skip", "calibrate": "out", "models convert": "src", "version": "",
}

// Every command main dispatches to answers -h and --help on stdout with
// status 0: its usage line, what it does, and its flags.
func TestEveryCommandHelp(t *testing.T) {
	for _, c := range commands {
		flagName, ok := knownFlag[c.name]
		if !ok {
			t.Errorf("%s: not in knownFlag: add a flag its -h must list", c.name)
		}
		for _, h := range []string{"-h", "--help"} {
			args := append(strings.Fields(c.name), h)
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
				t.Errorf("visage %s: status %d, stderr %q", strings.Join(args, " "), code, stderr.String())
				continue
			}
			out := stdout.String()
			line := strings.TrimSpace("Usage: visage " + c.name + " " + c.args)
			if !strings.HasPrefix(out, line) || !strings.Contains(out, "\n"+strings.ToUpper(c.about[:1])+c.about[1:]+".\n") {
				t.Errorf("visage %s: want the usage line %q and what it does, got\n%s", strings.Join(args, " "), line, out)
			}
			// The flag named here, and every flag the usage line shows, are listed.
			want := []string{flagName}
			for _, w := range strings.Fields(c.args) {
				if f, ok := strings.CutPrefix(strings.Trim(w, "[]"), "--"); ok {
					want = append(want, f)
				}
			}
			for _, f := range want {
				if f != "" && !strings.Contains(out, "\n  -"+f+" ") && !strings.Contains(out, "\n  -"+f+"\n") {
					t.Errorf("visage %s lists no -%s:\n%s", strings.Join(args, " "), f, out)
				}
			}
		}
	}
}

// A group's -h lists its commands; the top level's lists every command.
func TestGroupHelp(t *testing.T) {
	groups := map[string]bool{}
	for _, c := range commands {
		if g, _, ok := strings.Cut(c.name, " "); ok {
			groups[g] = true
		}
	}
	for g := range groups {
		var stdout, stderr bytes.Buffer
		if code := run([]string{g, "-h"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "Usage: visage "+g+" COMMAND") {
			t.Errorf("visage %s -h: status %d, %q %q", g, code, stdout.String(), stderr.String())
		}
		for _, c := range commands {
			if strings.HasPrefix(c.name, g+" ") && !strings.Contains(stdout.String(), "  visage "+c.name) {
				t.Errorf("visage %s -h does not list %s", g, c.name)
			}
		}
		stdout.Reset()
		if code := run([]string{g}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "Usage: visage "+g+" COMMAND") {
			t.Errorf("visage %s: status %d, stderr %q", g, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, &stdout, &stderr); code != 0 {
		t.Fatalf("visage -h: status %d", code)
	}
	for _, c := range commands {
		if !strings.Contains(stdout.String(), "  visage "+c.name) {
			t.Errorf("visage -h does not list %s", c.name)
		}
	}
}

// A flag mistake still exits 2, with the command's usage on stderr.
func TestFlagErrorUsage(t *testing.T) {
	for _, args := range [][]string{{"serve", "--no-such-flag"}, {"bench", "packs", "--no-such-flag"}, {"app", "create", "x", "-no-such-flag"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		name := strings.Join(args[:len(args)-1], " ")
		if name == "app create x" {
			name = "app create"
		}
		if code != 2 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "flag provided but not defined") || !strings.Contains(stderr.String(), "Usage: visage "+name+" ") {
			t.Errorf("visage %s: status %d, stdout %q, stderr %q", strings.Join(args, " "), code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "nope"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown bench command "nope"`) {
		t.Errorf("visage bench nope: status %d, %q", code, stderr.String())
	}
}
