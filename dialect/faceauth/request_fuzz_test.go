package faceauth

// Fuzz target of FaceAuth's request bodies. Seeds only (make test):
//
//	go test ./dialect/faceauth -run '^FuzzReadForm$'
//
// Ten minutes (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./dialect/faceauth -run '^$' -fuzz '^FuzzReadForm$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"encoding/json"
	"github.com/visagehq/visage/internal/testface"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/visagehq/visage"
)

// fuzzMaxBody is the body limit of FuzzReadForm's requests, set as
// ServeHTTP sets Config.MaxBody's: small, so that bodies over it are
// within the fuzzer's reach.
const fuzzMaxBody = 16 << 10

// readBody is readForm on a POST of body with this Content-Type, through
// the body limit.
func readBody(ctype string, body []byte) (*form, error) {
	r := httptest.NewRequest("POST", "/api/v1/authenticate", bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, fuzzMaxBody)
	return readForm(r)
}

// FuzzReadForm: whatever the Content-Type and body, readForm
//   - returns within a second;
//   - fails only with INVALID_REQUEST or REQUEST_TOO_LARGE (which
//     writeError answers VALIDATION_ERROR and 413), the latter only for a
//     body over the limit;
//   - returns no empty file, and no more bytes of fields and files than
//     the body holds;
//   - round-trips: its fields sent again as a JSON object, and its fields
//     and files as multipart/form-data, read back the same.
func FuzzReadForm(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("api_key", "sk_live_x")
	mw.WriteField("email", "ada@example.com")
	mw.WriteField("name", "Ada")
	for _, field := range []string{"image", "image1", "image2", "image"} {
		w, _ := mw.CreateFormFile(field, field+".jpg")
		w.Write([]byte("\xff\xd8\xff\xe0 " + field))
	}
	w, _ := mw.CreateFormFile("image3", "") // an empty file input
	w.Write(nil)
	mw.Close()
	ct := mw.FormDataContentType()

	for _, seed := range []struct {
		ctype string
		body  []byte
	}{
		{ct, mp.Bytes()},
		{ct, mp.Bytes()[:mp.Len()-10]},
		{"multipart/form-data", mp.Bytes()},
		{"multipart/form-data; boundary=" + mw.Boundary() + "x", mp.Bytes()},
		{ct, append(bytes.Clone(mp.Bytes()), bytes.Repeat([]byte("x"), fuzzMaxBody)...)},
		{"application/json", []byte(`{"api_key":"sk_live_x","email":"ada@example.com","name":"101","pin":1234}`)},
		{"", []byte(`{"name":"Ada"}`)},
		{"", nil},
		{"application/json", []byte(`{"name":"a","name":"b","email":null}`)}, // duplicate keys, null
		{"application/json", []byte(`{"pin":1e400,"name":123456789012345678901234567890.5e-7}`)},
		{"application/json", []byte(`{"name":["Ada"]}`)},
		{"application/json", []byte(`{"name":{"first":"Ada"}}`)},
		{"application/json", []byte(`{"ok":true}`)},
		{"application/json", []byte(`[{"name":"Ada"}]`)},
		{"application/json", []byte(`"name"`)},
		{"application/json", []byte(`{"name":"Ada"} {"name":"Bob"}`)},
		{"application/json", []byte(strings.Repeat("[", 20000))},
		{"application/json", []byte(strings.Repeat(`{"a":`, 3000) + `"x"` + strings.Repeat("}", 3000))},
		{"application/json", []byte("{\"name\":\"\xff\\ud800\"}")},
		{"application/json", append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), fuzzMaxBody)...)},
		{"application/x-www-form-urlencoded", []byte("api_key=sk_live_x&email=ada%40example.com&name=Ada&name=Bob")},
		{"application/x-www-form-urlencoded", []byte("a=%zz")},
		{"application/x-www-form-urlencoded", []byte("a=1;b=2")},
		{"application/x-www-form-urlencoded", bytes.Repeat([]byte("&"), fuzzMaxBody+1)},
		{"text/plain", []byte("name=Ada")},
		{"image/jpeg", []byte("\xff\xd8\xff")},
		{"multipart/form-data; boundary=\"", mp.Bytes()},
		{"application/json; charset=\"utf-8", []byte(`{}`)},
		{"multipart/form-data; boundary=x", []byte(strings.Repeat("--x\r\nContent-Disposition: form-data; name=image; filename=a\r\n\r\n\xff\r\n", 300) + "--x--\r\n")},
		{"multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a\"\r\n" +
			"Content-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b\"\r\n\r\nin\r\n--y--\r\n\r\n--x--\r\n")},
		{"multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"k\"\r\nX-Pad: " + strings.Repeat("p", 12<<10) + "\r\n\r\nv\r\n--x--\r\n")},
	} {
		f.Add(seed.ctype, seed.body)
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		var fm *form
		var err error
		testface.Bounded(t, func() { fm, err = readBody(ctype, body) })
		if err != nil {
			switch visage.ErrorCode(err) {
			case visage.CodeRequestTooLarge:
				if len(body) <= fuzzMaxBody {
					t.Fatalf("a %d-byte body refused as over %d bytes: %v", len(body), fuzzMaxBody, err)
				}
			case visage.CodeInvalidRequest:
			default:
				t.Fatalf("error without a request code: %T %v", err, err)
			}
			return
		}
		n := 0
		for k, v := range fm.values {
			n += len(k) + len(v)
		}
		for k, fs := range fm.files {
			for _, data := range fs {
				if len(data) == 0 {
					t.Fatalf("an empty file in field %q", k)
				}
				n += len(data)
			}
		}
		// At most the body's size, but for JSON's invalid UTF-8, whose every
		// byte becomes U+FFFD (three bytes) when decoded.
		if n > 3*len(body) {
			t.Fatalf("%d bytes of fields and files from a %d-byte body", n, len(body))
		}

		// JSON carries back fields of UTF-8 text.
		for k, v := range fm.values {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return
			}
		}
		js, _ := json.Marshal(fm.values)
		again, err := readBody("application/json", js)
		if len(js) <= fuzzMaxBody && (err != nil || !maps.Equal(again.values, fm.values) || len(again.files) != 0) {
			t.Fatalf("fields %q sent again as %s: %v, %v", fm.values, js, again, err)
		}

		// Multipart carries back fields and files whose names a quoted
		// header parameter holds.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fm.values {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return
			}
			mw.WriteField(k, v)
		}
		for k, fs := range fm.files {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) || !utf8.ValidString(k) {
				return
			}
			for _, data := range fs {
				w, _ := mw.CreateFormFile(k, "photo.jpg")
				w.Write(data)
			}
		}
		mw.Close()
		if buf.Len() > fuzzMaxBody {
			return
		}
		again, err = readBody(mw.FormDataContentType(), buf.Bytes())
		if err != nil || !maps.Equal(again.values, fm.values) || !maps.EqualFunc(again.files, fm.files, func(a, b [][]byte) bool {
			if len(a) != len(b) {
				return false
			}
			for i := range a {
				if !bytes.Equal(a[i], b[i]) {
					return false
				}
			}
			return true
		}) {
			t.Fatalf("fields %q and files sent again as multipart: %v, %v", fm.values, again, err)
		}
	})
}
