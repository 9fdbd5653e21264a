package auther

// Fuzz targets of Auther's requests: the JSON bodies and the signature
// headers. Seeds only (make test):
//
//	go test ./dialect/auther -run '^Fuzz'
//
// Ten minutes each (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./dialect/auther -run '^$' -fuzz '^FuzzBody$' -fuzztime 10m -fuzzminimizetime 5s
//	go test ./dialect/auther -run '^$' -fuzz '^FuzzSignature$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"github.com/visagehq/visage/internal/testface"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/upload"
)

// fuzzMaxBody is Config.MaxBody in the fuzz targets: small, so that
// bodies over it are within the fuzzer's reach.
const fuzzMaxBody = 16 << 10

// fuzzNow is the handlers' clock in the fuzz targets.
var fuzzNow = time.Unix(1_750_000_000, 0)

// fuzzHandler is a handler as New builds it, without a service: the
// targets stop before any call of it.
func fuzzHandler() *handler {
	return New(nil, Config{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:     func() time.Time { return fuzzNow },
		MaxBody: fuzzMaxBody,
	}).(*handler)
}

// fuzzRequest is a request as ServeHTTP passes it on: its body bounded.
func fuzzRequest(method, path string, body []byte) *http.Request {
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Method = method
	r.URL = &url.URL{Path: path}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, fuzzMaxBody)
	return r
}

// codeOf is the Auther code of an error, "" for another error.
func codeOf(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// compareRequest is the body of compare, field for field: the handler
// decodes it before it calls the service.
type compareRequest struct {
	SourceImage         string   `json:"sourceImage"`
	TargetImage         string   `json:"targetImage"`
	SimilarityThreshold *float64 `json:"similarityThreshold"`
}

// FuzzBody: whatever the person ID and body of a request of an app that
// does not sign, serve and the body decoders
//   - return within a second;
//   - refuse a body over the limit, R_004, and only such a body; pass
//     any other whole to the endpoint;
//   - read the path's person ID as it is, or refuse it with P_003;
//   - read {"faceImage"} and compare's body or refuse them with R_002,
//     with a detail for the developer, never another error;
//   - give a non-empty image of at most 3 bytes per 4 of the body, the
//     bytes the field's base64 (or data: URL) encodes, and the same again
//     from a body that sends them as standard base64.
func FuzzBody(f *testing.F) {
	img := base64.StdEncoding.EncodeToString([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
	for _, seed := range []struct {
		id   string
		body string
	}{
		{"alice", `{"faceImage":"` + img + `"}`},
		{"alice", `{"faceImage":"data:image/jpeg;base64,` + img + `","extra":[1,2,3]}`},
		{"alice", `{"faceImage":"_9j_4AAQ"}`},
		{"alice", `{"faceImage":"  /9j/4AAQ==\n"}`},
		{"alice", `{"faceImage":""}`},
		{"alice", `{"faceImage":"===="}`},
		{"alice", `{"faceImage":"not base64!"}`},
		{"alice", `{"faceImage":42}`},
		{"alice", `{"faceImage":["x"]}`},
		{"alice", `{"faceImage":null}`},
		{"alice", `{"faceImage":"QQ==","faceImage":"QUI="}`}, // duplicate keys
		{"alice", `{"FACEIMAGE":"QQ=="}`},                    // encoding/json matches keys without case
		{"alice", `[]`},
		{"alice", `"faceImage"`},
		{"alice", ``},
		{"alice", " \r\n\t"},
		{"alice", `{"faceImage":"QQ=="} trailing`},
		{"alice", strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)},
		{"alice", `{"faceImage":"` + strings.Repeat("A", fuzzMaxBody) + `"}`},
		{"", `{"faceImage":"QQ=="}`},
		{strings.Repeat("x", 300), `{}`},
		{"\xff\xfe", `{}`},
		{"a/b%2F..\x00", `{}`},
		{"bob", `{"sourceImage":"` + img + `","targetImage":"` + img + `","similarityThreshold":85.5}`},
		{"bob", `{"sourceImage":"QQ==","targetImage":"QQ==","similarityThreshold":1e400}`},
		{"bob", `{"sourceImage":"QQ==","targetImage":"QQ==","similarityThreshold":-0}`},
		{"bob", `{"sourceImage":"QQ==","targetImage":"QQ==","similarityThreshold":"80"}`},
		{"bob", `{"sourceImage":"QQ==","targetImage":"QQ==","similarityThreshold":100.0000000000000001}`},
		{"bob", `{"sourceImage":"QQ==","similarityThreshold":null}`},
	} {
		f.Add(seed.id, []byte(seed.body))
	}
	app := &visage.App{ID: "app", Plan: "free"}
	f.Fuzz(func(t *testing.T, id string, body []byte) {
		h := fuzzHandler()
		r := fuzzRequest("POST", "/persons/x", body)
		r.SetPathValue("personId", id)
		var got []byte
		called := false
		var err error
		var person string
		var perr, ferr, cerr error
		var face []byte
		var creq compareRequest
		testface.Bounded(t, func() {
			err = h.serve(httptest.NewRecorder(), r, app, func(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
				called, got = true, body
				person, perr = personID(r)
				face, ferr = faceImage(body)
				if cerr = decode(body, &creq); cerr == nil {
					if _, cerr = decodeImage("sourceImage", creq.SourceImage); cerr == nil {
						_, cerr = decodeImage("targetImage", creq.TargetImage)
					}
				}
				return nil
			})
		})
		if len(body) > fuzzMaxBody {
			if codeOf(err) != "R_004" || called {
				t.Fatalf("a %d-byte body over the %d-byte limit: %v (endpoint called: %v)", len(body), fuzzMaxBody, err, called)
			}
			return
		}
		if err != nil || !called || !bytes.Equal(got, body) {
			t.Fatalf("serve: %v, endpoint called %v with %q", err, called, got)
		}

		if perr != nil {
			if codeOf(perr) != "P_003" {
				t.Fatalf("person ID %q: %T %v", id, perr, perr)
			}
		} else if person != id {
			t.Fatalf("person ID %q read as %q", id, person)
		}

		for _, e := range []error{ferr, cerr} {
			var ae *apiError
			if e != nil && (!errors.As(e, &ae) || ae.Code != "R_002" || ae.Detail == "") {
				t.Fatalf("body %q: %T %v", body, e, e)
			}
		}
		if ferr != nil {
			return
		}
		if len(face) == 0 || len(face) > len(body)*3/4 {
			t.Fatalf("a %d-byte image from a %d-byte body", len(face), len(body))
		}
		var req struct {
			FaceImage string `json:"faceImage"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("body %q read, but not by encoding/json: %v", body, err)
		}
		if want, err := upload.Base64(req.FaceImage); err != nil || !bytes.Equal(want, face) {
			t.Fatalf("faceImage %q read as %x, want %x (%v)", req.FaceImage, face, want, err)
		}
		again, err := faceImage([]byte(`{"faceImage":"` + base64.StdEncoding.EncodeToString(face) + `"}`))
		if err != nil || !bytes.Equal(again, face) {
			t.Fatalf("image %x sent again: %x, %v", face, again, err)
		}
	})
}

// signingKey is a key made once per fuzzing process: an input the fuzzer
// saved cannot carry a signature that stays valid.
var signingKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// sign is a client's X-Signature, by docs/migrating-from-auther.md.
func sign(t *testing.T, pss bool, ts, method, path string, body []byte) string {
	digest := sha256.Sum256([]byte(stringToSign(ts, method, path, body)))
	var sig []byte
	var err error
	if pss {
		sig, err = rsa.SignPSS(rand.Reader, signingKey(), crypto.SHA256, digest[:], nil)
	} else {
		sig, err = rsa.SignPKCS1v15(rand.Reader, signingKey(), crypto.SHA256, digest[:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// FuzzSignature: whatever the method, path, body, X-Timestamp and
// X-Signature of a request of an app that requires signing, serve
//   - returns within a second;
//   - refuses an unsigned request, S_001; a timestamp that is not an
//     integer or is more than the window away from the clock, S_003,
//     whatever the signature; any other signature the fuzzer makes up,
//     S_002: never lets one through;
//   - accepts a request signed with the app's key (PKCS #1 v1.5 or PSS)
//     over its timestamp, method, path and body, within the window, and
//     passes the body on whole; refuses the same request again, S_004;
//   - refuses a signature over another body, S_002;
//   - answers nothing but those codes (and R_004 for a body over the
//     limit).
//
// mode picks the signature: 0 the fuzzed headers as they are, 1 a valid
// PKCS #1 v1.5 one, 2 a valid PSS one, 3 one over another body; skew
// moves the signed timestamp from the clock (seconds).
func FuzzSignature(f *testing.F) {
	body := []byte(`{"faceImage":"/9j/4AAQ"}`)
	now := strconv.FormatInt(fuzzNow.Unix(), 10)
	for _, seed := range []struct {
		method, path string
		body         []byte
		ts, sig      string
		mode         uint8
		skew         int64
	}{
		{"POST", "/persons/alice", body, "", "", 0, 0},
		{"POST", "/persons/alice", body, now, "", 0, 0},
		{"POST", "/persons/alice", body, now, "%%%", 0, 0},
		{"POST", "/persons/alice", body, now, "QUJD", 0, 0},
		{"POST", "/persons/alice", body, now, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 256)), 0, 0},
		{"POST", "/persons/alice", body, now, "data:;base64," + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 256)), 0, 0},
		{"POST", "/persons/alice", body, "", "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "1e9", "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "+" + now, "QUJD", 0, 0},
		{"POST", "/persons/alice", body, " " + now, "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "0x" + strconv.FormatInt(fuzzNow.Unix(), 16), "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "99999999999999999999", "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "-9223372036854775808", "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "9223372036854775807", "QUJD", 0, 0},
		{"POST", "/persons/alice", body, strconv.FormatInt(fuzzNow.Unix()-301, 10), "QUJD", 0, 0},
		{"POST", "/persons/alice", body, "", "", 1, 0},
		{"POST", "/persons/alice", body, "", "", 2, -299},
		{"POST", "/persons/alice", body, "", "", 1, 300},
		{"POST", "/persons/alice", body, "", "", 1, 301},
		{"POST", "/persons/alice", body, "", "", 2, -1 << 62},
		{"POST", "/persons/alice", body, "", "", 3, 0},
		{"GET", "/persons/alice", nil, "", "", 1, 0},
		{"DELETE", "/persons/ali ce/%2F", nil, "", "", 2, 5},
		{"PUT", "persons/alice", body, "", "", 1, 0}, // no leading slash
		{"POST", "/search", bytes.Repeat([]byte("x"), fuzzMaxBody+1), "", "", 1, 0},
		{"post", "/compare?x=1", body, "", "", 1, 0},
	} {
		f.Add(seed.method, seed.path, seed.body, seed.ts, seed.sig, seed.mode, seed.skew)
	}
	der, err := x509.MarshalPKIXPublicKey(&signingKey().PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	app := &visage.App{ID: "app", Plan: "free", Settings: visage.AppSettings{
		AutherSigningKey:       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
		AutherRequireSignature: true,
	}}
	window := int64(fuzzHandler().cfg.ReplayWindow / time.Second)

	f.Fuzz(func(t *testing.T, method, path string, body []byte, ts, sig string, mode uint8, skew int64) {
		h := fuzzHandler()
		r := fuzzRequest(method, path, body)
		signedPath := r.URL.EscapedPath()
		if !strings.HasPrefix(signedPath, "/") {
			signedPath = "/" + signedPath
		}
		mode %= 4
		if mode > 0 {
			skew %= 2 * window
			ts = strconv.FormatInt(fuzzNow.Unix()+skew, 10)
			signed := body
			if mode == 3 {
				signed = append(bytes.Clone(body), 'x')
			}
			sig = sign(t, mode == 2, ts, method, signedPath, signed)
		}
		r.Header.Set(headerTimestamp, ts)
		r.Header.Set(headerSignature, sig)
		var got []byte
		called := false
		endpoint := func(w http.ResponseWriter, r *http.Request, app *visage.App, body []byte) error {
			called, got = true, body
			return nil
		}
		var err error
		testface.Bounded(t, func() { err = h.serve(httptest.NewRecorder(), r, app, endpoint) })

		code := codeOf(err)
		if err != nil && code == "" {
			t.Fatalf("an error without an Auther code: %T %v", err, err)
		}
		if called != (err == nil) || (called && !bytes.Equal(got, body)) {
			t.Fatalf("endpoint called %v with %q, error %v", called, got, err)
		}
		secs, tserr := strconv.ParseInt(ts, 10, 64)
		inWindow := tserr == nil && secs >= fuzzNow.Unix()-window && secs <= fuzzNow.Unix()+window
		var want string
		switch {
		case len(body) > fuzzMaxBody:
			want = "R_004"
		case sig == "":
			want = "S_001"
		case !inWindow:
			want = "S_003"
		case mode == 1 || mode == 2:
			want = ""
		default:
			want = "S_002"
		}
		if code != want {
			t.Fatalf("mode %d, %s %q, %s %q: %q, want %q (%v)", mode, headerTimestamp, ts, headerSignature, sig, code, want, err)
		}
		if err != nil {
			return
		}
		// The same request again is a replay.
		r = fuzzRequest(method, path, body)
		r.Header.Set(headerTimestamp, ts)
		r.Header.Set(headerSignature, sig)
		called = false
		if err := h.serve(httptest.NewRecorder(), r, app, endpoint); codeOf(err) != "S_004" || called {
			t.Fatalf("replayed: %v (endpoint called: %v)", err, called)
		}
	})
}
