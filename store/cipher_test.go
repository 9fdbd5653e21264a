package store

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/visagehq/visage"
)

func testCipher(t *testing.T, fill byte) *Cipher {
	t.Helper()
	c, err := NewCipher(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var testTemplates = []visage.Template{
	{Model: "arcface-r100", Vector: []float32{0.25, -1.5, 3e-7, 42}},
	{Model: "m2", Vector: []float32{1}},
}

func TestCipherRoundTrip(t *testing.T) {
	c := testCipher(t, 1)
	sealed := c.SealTemplates("app1", "face1", testTemplates)
	got, err := c.OpenTemplates("app1", "face1", sealed)
	if err != nil {
		t.Fatal(err)
	}
	if !templatesEqual(got, testTemplates) {
		t.Fatalf("templates: got %v, want %v", got, testTemplates)
	}
	payload := json.RawMessage(`{"name":"Ada"}`)
	p, err := c.OpenPayload("app1", "face1", c.SealPayload("app1", "face1", payload))
	if err != nil || string(p) != string(payload) {
		t.Fatalf("payload: got %s, %v", p, err)
	}
	if c.SealPayload("app1", "face1", nil) != nil {
		t.Fatal("an empty payload must seal to nil")
	}
	if p, err := c.OpenPayload("app1", "face1", nil); p != nil || err != nil {
		t.Fatalf("nil opens to %s, %v", p, err)
	}
}

func TestCipherNonceIsRandom(t *testing.T) {
	c := testCipher(t, 1)
	a := c.SealPayload("a", "f", json.RawMessage(`1`))
	b := c.SealPayload("a", "f", json.RawMessage(`1`))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
}

func TestCipherNoPlaintext(t *testing.T) {
	c := testCipher(t, 1)
	plain := marshalTemplates(testTemplates)
	sealed := c.SealTemplates("app1", "face1", testTemplates)
	if bytes.Contains(sealed, plain[len(plain)-8:]) || bytes.Contains(sealed, []byte("arcface")) {
		t.Fatal("sealed templates contain the plaintext")
	}
	if bytes.Contains(c.SealPayload("a", "f", json.RawMessage(`"secret-payload"`)), []byte("secret-payload")) {
		t.Fatal("sealed payload contains the plaintext")
	}
}

// A sealed value is bound to its row and field: every change of app, face
// or field, of key, and every flipped bit fails, and the error says
// nothing of the value.
func TestCipherRejectsTamperAndRowSwap(t *testing.T) {
	c := testCipher(t, 1)
	sealed := c.SealTemplates("app1", "face1", testTemplates)
	for _, tc := range []struct {
		name         string
		app, face    string
		c            *Cipher
		asPayload    bool
		modification func([]byte) []byte
	}{
		{name: "other face", app: "app1", face: "face2", c: c},
		{name: "other app", app: "app2", face: "face1", c: c},
		{name: "shifted boundary", app: "app1f", face: "ace1", c: c},
		{name: "other field", app: "app1", face: "face1", c: c, asPayload: true},
		{name: "other key", app: "app1", face: "face1", c: testCipher(t, 2)},
		{name: "truncated", app: "app1", face: "face1", c: c, modification: func(b []byte) []byte { return b[:len(b)-1] }},
		{name: "empty", app: "app1", face: "face1", c: c, modification: func([]byte) []byte { return []byte{} }},
		{name: "version", app: "app1", face: "face1", c: c, modification: func(b []byte) []byte { b[0]++; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(sealed)
			if tc.modification != nil {
				b = tc.modification(b)
			}
			var err error
			if tc.asPayload {
				_, err = tc.c.OpenPayload(tc.app, tc.face, b)
			} else {
				_, err = tc.c.OpenTemplates(tc.app, tc.face, b)
			}
			if err == nil {
				t.Fatal("opened")
			}
			if visage.ErrorCode(err) != visage.CodeInternal || strings.Contains(err.Error(), "arcface") {
				t.Fatalf("error %q", err)
			}
		})
	}
	for i := range sealed {
		b := bytes.Clone(sealed)
		b[i] ^= 0x10
		if _, err := c.OpenTemplates("app1", "face1", b); err == nil {
			t.Fatalf("flipping a bit of byte %d went unnoticed", i)
		}
	}
}

func TestKeyCheck(t *testing.T) {
	check := testCipher(t, 1).KeyCheck()
	if err := testCipher(t, 1).CheckKey(check); err != nil {
		t.Fatal(err)
	}
	if err := testCipher(t, 2).CheckKey(check); err == nil {
		t.Fatal("another key passed the key check")
	}
}

func TestNewCipherKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewCipher(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
}
