package auther_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/visagehq/visage"
)

// A person ID is printable text (service.ValidID): control characters
// and invisible direction marks get P_003 before the photo is looked at.
func TestPersonIDsArePrintable(t *testing.T) {
	f := newFixture(t, options{})
	_, key := f.newApp(visage.AppSettings{})
	for _, id := range []string{"ali\x00ce", "\u202Eecila", "alice\u2066", "\u200Falice", "alice\u061C", "alice\n"} {
		f.do("POST", "/persons/"+url.PathEscape(id), key, map[string]string{"faceImage": "AAAA"}).want(t, 400, "P_003")
		f.do("GET", "/persons/"+url.PathEscape(id), key, nil).want(t, 400, "P_003")
	}
}

// A body of the wrong shape is told in JSON's terms, not Go's.
func TestBodyMessagesNameNoGoTypes(t *testing.T) {
	f := newFixture(t, options{})
	_, key := f.newApp(visage.AppSettings{})
	for body, want := range map[string]string{
		`{"sourceImage": "AAAA", "targetImage": "AAAA", "similarityThreshold": "80"}`: "field similarityThreshold must be a number",
		`{"faceImage": 42}`:       "faceImage must be a string",
		`[{"faceImage": "AAAA"}]`: "JSON object",
	} {
		path := "/persons/x"
		if strings.Contains(body, "similarityThreshold") {
			path = "/compare"
		}
		a := f.do("POST", path, key, []byte(body)).want(t, 400, "R_002")
		if !strings.Contains(a.raw, want) || strings.Contains(a.raw, "float64") || strings.Contains(a.raw, "auther.") {
			t.Errorf("%s: %s, want a message saying %q", body, a.raw, want)
		}
	}
}
