package faceauth_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const guide = "../../docs/migrating-from-faceauth.md"

// step is one example of the guide: shell lines, then the answer the
// guide shows for them ("# → …" lines, possibly none).
type step struct {
	lines  []string
	answer string
}

// guideSteps cuts the guide's ```sh blocks into steps, each ending at its
// answer.
func guideSteps(doc string) []step {
	var steps []step
	var cur step
	in := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case line == "```sh":
			in = true
		case in && line == "```":
			in = false
			if len(cur.lines) > 0 {
				steps = append(steps, cur)
			}
			cur = step{}
		case in && strings.HasPrefix(line, "# → "):
			cur.answer += strings.TrimPrefix(line, "# → ")
			steps = append(steps, cur)
			cur = step{}
		case in:
			cur.lines = append(cur.lines, line)
		}
	}
	return steps
}

// literal finds the "field":value pairs of a shown answer whose value is
// exact: strings without an ellipsis, integers, true, false, null.
var literal = regexp.MustCompile(`"\w+":(?:"(?:[^"\\]|\\.)*"|true|false|null|-?\d+)(?:[,}\]])`)

func literals(answer string) []string {
	var out []string
	for _, m := range literal.FindAllString(answer, -1) {
		m = m[:len(m)-1] // the delimiter
		if !strings.Contains(m, "…") {
			out = append(out, m)
		}
	}
	return out
}

// The guide's curl examples run, in order, against a real server with
// only the base URL and the key filled in, and each answer holds every
// literal value the guide shows for it.
func TestGuideExamples(t *testing.T) {
	needShell(t)
	doc, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	steps := guideSteps(string(doc))
	if len(steps) < 10 {
		t.Fatalf("found %d examples in %s", len(steps), guide)
	}
	s := newServer(t, options{mounted: true})
	dir := writePhotos(t, people(t))

	// Each step's output goes to all.out too, so that the key register
	// printed can stand for the guide's placeholder.
	var script strings.Builder
	script.WriteString("set -eu\n: > all.out\n")
	placeholder := `$(grep -o '"api_key":"fa_[a-z0-9]*' all.out | head -1 | cut -d'"' -f4)`
	for i, st := range steps {
		body := strings.Join(st.lines, "\n")
		body = strings.ReplaceAll(body, "https://visage.example.com/api/v1", s.url)
		body = strings.ReplaceAll(body, "fa_your_key", placeholder)
		fmt.Fprintf(&script, "echo '@@step %d'\n{\n%s\n} > step.out 2>&1\ncat step.out >> all.out\ncat step.out\necho\n", i, body)
	}
	path := filepath.Join(dir, "guide.sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := runBash(t, dir, path)

	parts := strings.Split(out, "@@step ")
	if len(parts) != len(steps)+1 {
		t.Fatalf("%d steps ran of %d:\n%s", len(parts)-1, len(steps), out)
	}
	checked := 0
	for i, st := range steps {
		got := parts[i+1]
		for _, lit := range literals(st.answer) {
			checked++
			if !strings.Contains(got, lit) {
				t.Errorf("example %d (%s): the answer lacks %s\nanswer: %s", i, strings.TrimSpace(st.lines[len(st.lines)-1]), lit, got)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d literal values checked", checked)
	}
}
