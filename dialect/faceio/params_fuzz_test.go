package faceio

// Fuzz target of FACEIO's request parameters. Seeds only (make test):
//
//	go test ./dialect/faceio -run '^FuzzReadParams$'
//
// Ten minutes (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./dialect/faceio -run '^$' -fuzz '^FuzzReadParams$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"encoding/json"
	"github.com/visagehq/visage/internal/testface"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/visagehq/visage"
)

// fuzzMaxBody is the body limit of FuzzReadParams: small, so that bodies
// over it are within the fuzzer's reach.
const fuzzMaxBody = 4 << 10

// FuzzReadParams: whatever the method, query string, Content-Type and
// body, readParams (and then payload and fid, which read its result)
//   - returns within a second;
//   - fails only with INVALID_REQUEST or REQUEST_TOO_LARGE, the latter
//     exactly when the body is over the limit and the query string is
//     readable;
//   - returns no parameter longer than the query and body together, and
//     JSON only that is valid, for parameters it also has as text;
//   - lets the body win over the query: a URL-encoded body's parameters
//     are its first values, a JSON body's are its strings unquoted and
//     its other values as written (null leaving the query's), and the
//     query's parameters the body does not set are the query's first
//     values;
//   - gives a payload that is compact, valid JSON (the JSON a JSON body
//     sent), or INVALID_REQUEST.
func FuzzReadParams(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("fid", "f1d")
	mw.WriteField("pin", "1234")
	w, _ := mw.CreateFormFile("payload", "data.json")
	w.Write([]byte(`{"user":42}`))
	mw.Close()

	for _, seed := range []struct {
		method, query, ctype string
		body                 []byte
	}{
		{"GET", "key=k&fid=f1d", "", nil},
		{"GET", "key=k&facialid=f1d&fid=", "", nil},
		{"POST", "key=k", "application/x-www-form-urlencoded", []byte("fid=f1d&pin=1234&payload=%7B%22user%22%3A42%7D")},
		{"POST", "fid=query", "application/x-www-form-urlencoded; charset=utf-8", []byte("fid=body&fid=second")},
		{"POST", "key=k", "", []byte("fid=f1d&payload=plain+text")}, // curl -d
		{"POST", "key=k", "", []byte(` {"fid":"f1d","payload":{"user":42}}`)},
		{"POST", "key=k", mw.FormDataContentType(), mp.Bytes()},
		{"POST", "key=k", mw.FormDataContentType(), mp.Bytes()[:mp.Len()/2]},
		{"POST", "key=k", "multipart/form-data", mp.Bytes()},
		{"POST", "key=k&pin=0000", "application/json", []byte(`{"fid":"f1d","pin":1234,"payload":{"a":[1,2,{"b":null}]}}`)},
		{"POST", "", "application/json", []byte(`{"fid":"a","fid":"b","pin":null}`)},                       // duplicate keys, null
		{"POST", "", "application/json", []byte(`{"pin":1e400,"payload":123456789012345678901234567890}`)}, // huge numbers
		{"POST", "", "application/json", []byte(`{"fid":["f1d"],"pin":{"x":1},"payload":true}`)},           // wrong types
		{"POST", "", "application/json", []byte(strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000))},
		{"POST", "", "application/json", []byte(`{"payload":"\ud800\u0000\"\\"}`)},
		{"POST", "", "application/json", []byte(`["fid"]`)},
		{"POST", "", "application/json", []byte(`{"fid":"f1d"} trailing`)},
		{"POST", "", "application/json; charset=latin1", []byte("{\"payload\":\"\xe9\"}")},
		{"POST", "", "text/plain", []byte("fid=f1d")},
		{"POST", "", "application/x-www-form-urlencoded", []byte("payload=%ff%fe")},
		{"POST", "", "application/x-www-form-urlencoded", []byte("a=%zz")},
		{"POST", "", "application/x-www-form-urlencoded", []byte("a=1;b=2")},
		{"GET", "a=%zz", "", nil},
		{"GET", "a=1;b=2", "", nil},
		{"GET", "payload=%7B%22user%22%3A42%7D&payload=x", "", nil},
		{"DELETE", "fid=f1d", "", []byte(" \r\n\t ")},
		{"POST", "", "application/json", bytes.Repeat([]byte(" "), fuzzMaxBody+1)},
		{"POST", "", "application/json", append([]byte(`{"payload":"`), bytes.Repeat([]byte("x"), fuzzMaxBody)...)},
		{"POST", "", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"payload\"\r\n" +
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n{=22a=22:1}\r\n--x\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nv\r\n--x--\r\n")},
		{"POST", "", "multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"outer\"\r\n" +
			"Content-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\nContent-Disposition: form-data; name=\"fid\"\r\n\r\nin\r\n--y--\r\n\r\n--x--\r\n")},
		{"POST", "", "multipart/form-data; boundary=x", []byte(strings.Repeat("--x\r\nContent-Disposition: form-data; name=p\r\n\r\n\r\n", 80) + "--x--\r\n")},
		{"POST", "", "multipart/form-data; boundary=x", []byte("--x\r\nX: " + strings.Repeat("h", 3000) + "\r\n\r\n\r\n--x--\r\n")},
		{"POST", "", "application/json; =", []byte(`{}`)},
	} {
		f.Add(seed.method, seed.query, seed.ctype, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, query, ctype string, body []byte) {
		req := httptest.NewRequest("POST", "/checkfacialid", bytes.NewReader(body))
		req.Method = method
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", ctype)
		var p params
		var err error
		testface.Bounded(t, func() { p, err = readParams(httptest.NewRecorder(), req, fuzzMaxBody) })

		q, qerr := url.ParseQuery(query)
		if err != nil {
			switch visage.ErrorCode(err) {
			case visage.CodeRequestTooLarge:
				if len(body) <= fuzzMaxBody {
					t.Fatalf("a %d-byte body refused as over %d bytes", len(body), fuzzMaxBody)
				}
			case visage.CodeInvalidRequest:
				if len(body) > fuzzMaxBody && qerr == nil {
					t.Fatalf("a %d-byte body over the limit: %v, want REQUEST_TOO_LARGE", len(body), err)
				}
			default:
				t.Fatalf("error without a request code: %T %v", err, err)
			}
			return
		}
		if len(body) > fuzzMaxBody {
			t.Fatalf("a %d-byte body read whole, over the %d-byte limit", len(body), fuzzMaxBody)
		}
		if qerr != nil {
			t.Fatalf("malformed query %q read: %v", query, qerr)
		}

		for k, v := range p.text {
			// JSON's invalid UTF-8 bytes each become U+FFFD, three bytes.
			if len(k)+len(v) > 3*(len(query)+len(body)) {
				t.Fatalf("parameter %q of %d bytes from %d bytes of query and body", k, len(v), len(query)+len(body))
			}
		}
		for k, v := range p.raw {
			if _, ok := p.text[k]; !ok || !json.Valid(v) {
				t.Fatalf("raw parameter %q = %q, text %q", k, v, p.text[k])
			}
		}

		// What the body set, when its type is plain from the header.
		set := map[string]bool{}
		var known bool
		ct, _, _ := mime.ParseMediaType(ctype)
		switch trimmed := bytes.TrimSpace(body); {
		case len(trimmed) == 0:
			known = true
		case ct == "application/x-www-form-urlencoded":
			form, ferr := url.ParseQuery(string(body))
			if ferr != nil {
				t.Fatalf("malformed form %q read", body)
			}
			known = true
			for k := range form {
				set[k] = true
				if p.text[k] != form.Get(k) {
					t.Fatalf("form parameter %q = %q, want %q", k, p.text[k], form.Get(k))
				}
				if _, ok := p.raw[k]; ok {
					t.Fatalf("form parameter %q has JSON", k)
				}
			}
		case ct == "application/json":
			var obj map[string]json.RawMessage
			if jerr := json.Unmarshal(body, &obj); jerr != nil {
				t.Fatalf("malformed JSON %q read", body)
			}
			known = true
			for k, v := range obj {
				if string(v) == "null" {
					continue
				}
				set[k] = true
				want := string(v)
				var s string
				if json.Unmarshal(v, &s) == nil {
					want = s
				}
				if p.text[k] != want || !bytes.Equal(p.raw[k], v) {
					t.Fatalf("JSON parameter %q = %q (%s), want %q (%s)", k, p.text[k], p.raw[k], want, v)
				}
			}
		}
		if known {
			for k := range q {
				if !set[k] && p.text[k] != q.Get(k) {
					t.Fatalf("query parameter %q = %q, want %q", k, p.text[k], q.Get(k))
				}
			}
			for k := range p.text {
				if _, inQuery := q[k]; !inQuery && !set[k] {
					t.Fatalf("parameter %q from nowhere", k)
				}
			}
		}

		if fid := p.fid(); fid != p.get("fid") && (p.get("fid") != "" || fid != p.get("facialid")) {
			t.Fatalf("fid() = %q with fid %q, facialid %q", fid, p.get("fid"), p.get("facialid"))
		}

		payload, perr := p.payload()
		if perr != nil {
			if visage.ErrorCode(perr) != visage.CodeInvalidRequest {
				t.Fatalf("payload error without INVALID_REQUEST: %T %v", perr, perr)
			}
			return
		}
		var compact bytes.Buffer
		if !json.Valid(payload) || json.Compact(&compact, payload) != nil || !bytes.Equal(compact.Bytes(), payload) {
			t.Fatalf("payload %q is not compact JSON", payload)
		}
		if len(payload) > 6*len(p.get("payload"))+2 {
			t.Fatalf("payload of %d bytes from %d", len(payload), len(p.get("payload")))
		}
		if raw, ok := p.raw["payload"]; ok {
			var want bytes.Buffer
			json.Compact(&want, raw)
			if !bytes.Equal(want.Bytes(), payload) {
				t.Fatalf("payload %q, the body sent %q", payload, raw)
			}
		}
	})
}
