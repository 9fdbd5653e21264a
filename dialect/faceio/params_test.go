package faceio

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// A JSON object sent without a Content-Type is read as JSON, as the
// comment in readParams promises (found by FuzzReadParams: it was refused
// as a malformed Content-Type).
func TestJSONWithoutContentType(t *testing.T) {
	r := httptest.NewRequest("POST", "/getfacialidbypayload", strings.NewReader(`{"fid":"f1d"}`))
	p, err := readParams(httptest.NewRecorder(), r, 1<<20)
	if err != nil || p.fid() != "f1d" {
		t.Fatalf("readParams: fid %q, %v; want f1d", p.fid(), err)
	}
}
