package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

const deps = "../../deps"

func engineArgs(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(deps, "models", "fr_feature.onnx")); err != nil {
		t.Skip("models not fetched: run `make setup`")
	}
	return []string{"--ort-lib", filepath.Join(deps, "onnxruntime", "libonnxruntime.so.1"), "--models", filepath.Join(deps, "models"), "--workers", "1"}
}

func samplePath(n string) string {
	return filepath.Join(deps, "testdata", "face-api", "sample"+n+".jpg")
}

func TestCompareJSON(t *testing.T) {
	args := engineArgs(t)
	var out bytes.Buffer
	// The same photo against itself: the largest face matches at the
	// strictest level.
	if err := runCompare(append([]string{samplePath("3"), samplePath("3"), "--json", "--level", "8"}, args...), &out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Similarity, Cosine, Distance, Threshold, FMR float64
		Match                                        bool
		Level                                        int
		Model                                        string
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if !res.Match || res.Similarity != 100 || res.Cosine < 0.999 || res.Level != 8 || res.Model == "" {
		t.Errorf("self comparison: %+v", res)
	}

	// Two different photos' largest faces are different people.
	out.Reset()
	if err := runCompare(append([]string{samplePath("1"), samplePath("6"), "--json"}, args...), &out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Match || res.Similarity >= 80 || res.Level != 4 {
		t.Errorf("different people: %+v", res)
	}
}

func TestCompareBadInput(t *testing.T) {
	args := engineArgs(t)
	bad := filepath.Join(t.TempDir(), "bad.jpg")
	os.WriteFile(bad, []byte("\xff\xd8\xff\xe0 not really a jpeg"), 0o644)
	var out bytes.Buffer
	err := runCompare(append([]string{bad, samplePath("1"), "--json"}, args...), &out)
	if !errors.Is(err, errReported) || report(err) != 1 {
		t.Fatalf("bad image: %v", err)
	}
	var res struct {
		Error struct{ Code, Message string }
	}
	if json.Unmarshal(out.Bytes(), &res); res.Error.Code != "IMAGE_INVALID" || res.Error.Message == "" {
		t.Errorf("bad image printed %s", out.String())
	}
	if err := runCompare([]string{samplePath("1")}, &out); report(err) != 2 {
		t.Errorf("one image: %v, want a usage error", err)
	}
	if err := runCompare(append([]string{samplePath("1"), samplePath("2"), "--level", "9"}, args...), &out); report(err) != 2 {
		t.Errorf("level 9: %v, want a usage error", err)
	}
}

func TestDetectJSON(t *testing.T) {
	args := engineArgs(t)
	var out bytes.Buffer
	if err := runDetect(append([]string{samplePath("5"), "--json"}, args...), &out); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Faces []struct {
			Box       struct{ X, Y, W, H float64 }
			Landmarks []struct{ X, Y float64 }
			Liveness  *float64
			Age       *float64
			Quality   struct{ Size float64 }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Faces) < 3 {
		t.Fatalf("%d faces in sample5", len(res.Faces))
	}
	for _, f := range res.Faces {
		if len(f.Landmarks) != 68 || f.Liveness == nil || f.Age == nil || f.Quality.Size <= 0 || f.Box.W <= 0 {
			t.Errorf("incomplete face: %+v", f)
		}
	}
	if bytes.Contains(out.Bytes(), []byte("Vector")) || bytes.Contains(out.Bytes(), []byte("template")) {
		t.Error("detect output must not carry templates")
	}
}

// binary is the visage binary the tests run as a child process, built
// once for all of them: a build takes tens of seconds.
var binary struct {
	once sync.Once
	path string
	err  error
}

// visageBinary returns the path of the built binary, failing the test if
// it does not build.
func visageBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "visage-test-bin")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "visage")
		if out, err := exec.Command("go", "build", "-o", binary.path, ".").CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}
