package store

import (
	"slices"
	"testing"

	"github.com/visagehq/visage"
)

func templatesEqual(a, b []visage.Template) bool {
	return slices.EqualFunc(a, b, func(x, y visage.Template) bool {
		return x.Model == y.Model && slices.Equal(x.Vector, y.Vector) && x.Learned == y.Learned
	})
}

func TestTemplatesRoundTrip(t *testing.T) {
	for _, ts := range [][]visage.Template{
		nil,
		{{Model: "", Vector: nil}},
		testTemplates,
		{{Model: "arcface", Vector: make([]float32, 512)}},
		{{Model: "a", Vector: []float32{1}}, {Model: "a", Vector: []float32{2}, Learned: true}},
	} {
		got, err := unmarshalTemplates(marshalTemplates(ts))
		if err != nil {
			t.Fatal(err)
		}
		if !templatesEqual(got, ts) && !(len(got) == 0 && len(ts) == 0) {
			t.Fatalf("got %v, want %v", got, ts)
		}
	}
}

// The serialised form is compact and exact: 512 float32s take 2,048 bytes
// plus a few of framing, in little-endian order.
func TestTemplatesCompact(t *testing.T) {
	v := make([]float32, 512)
	v[0] = 1 // 0x3f800000
	b := marshalTemplates([]visage.Template{{Model: "arcface", Vector: v}})
	if want := 1 + 1 + 1 + len("arcface") + 2 + 4*512; len(b) != want {
		t.Fatalf("%d bytes, want %d", len(b), want)
	}
	head := 1 + 1 + 1 + len("arcface") + 2
	if got := b[head : head+4]; got[0] != 0 || got[1] != 0 || got[2] != 0x80 || got[3] != 0x3f {
		t.Fatalf("1.0 encodes as % x, want little-endian 00 00 80 3f", got)
	}
}

// Templates none of which is learned keep the first version, which the
// binaries before learned templates read; a learned one makes version 2.
func TestTemplatesVersion(t *testing.T) {
	if b := marshalTemplates(testTemplates); b[0] != templatesVersion {
		t.Fatalf("enrolled templates written as version %d", b[0])
	}
	learned := append(slices.Clone(testTemplates), visage.Template{Model: "m", Vector: []float32{1}, Learned: true})
	if b := marshalTemplates(learned); b[0] != templatesVersionFlagged {
		t.Fatalf("learned templates written as version %d", b[0])
	}
}

func TestTemplatesMalformed(t *testing.T) {
	learned := append(slices.Clone(testTemplates), visage.Template{Model: "m", Vector: []float32{1}, Learned: true})
	for _, good := range [][]byte{marshalTemplates(testTemplates), marshalTemplates(learned)} {
		for i := range len(good) {
			if _, err := unmarshalTemplates(good[:i]); err == nil {
				t.Fatalf("a %d-byte prefix was accepted", i)
			}
		}
		if _, err := unmarshalTemplates(append(good, 0)); err == nil {
			t.Fatal("trailing bytes were accepted")
		}
	}
	// Unknown flags are refused rather than dropped.
	if _, err := unmarshalTemplates([]byte{templatesVersionFlagged, 1, 2, 0, 0}); err == nil {
		t.Fatal("an unknown flag was accepted")
	}
	// A count far beyond the data must not allocate it.
	if _, err := unmarshalTemplates([]byte{templatesVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}); err == nil {
		t.Fatal("a huge count was accepted")
	}
}
