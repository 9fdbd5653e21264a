package facenition

// Fuzz target of Facenition's request bodies. Seeds only (make test):
//
//	go test ./dialect/facenition -run '^FuzzParse$'
//
// Ten minutes (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./dialect/facenition -run '^$' -fuzz '^FuzzParse$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/visagehq/visage/internal/testface"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzMaxBody is the handler's Config.MaxBody in FuzzParse: small, so
// that bodies over it are within the fuzzer's reach.
const fuzzMaxBody = 16 << 10

// parseBody is h.parse of a POST of body with this Content-Type, bounded
// as ServeHTTP bounds it.
func parseBody(h *handler, ctype string, body []byte, version int) (*request, error) {
	r := httptest.NewRequest("POST", "/v1/authenticate", bytes.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, h.cfg.MaxBody)
	return h.parse(r, version)
}

// FuzzParse: whatever the Content-Type and body, the handler's parse
// (a handler as New builds it)
//   - returns within a second;
//   - fails only with the dialect's own 400 or with the
//     *http.MaxBytesError, and that only for a body over the limit;
//   - keeps the version, never has an "image" text field, and returns
//     no more bytes of fields and images than the body holds;
//   - round-trips: its fields and images sent again as JSON (images as
//     a list of base64 strings) read back the same, and as
//     multipart/form-data (images as file parts) too.
func FuzzParse(f *testing.F) {
	jpeg := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")
	b64 := base64.StdEncoding.EncodeToString(jpeg)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.WriteField("auth_token", "sk_live_x")
	mw.WriteField("user_id", "alice")
	mw.WriteField("image", b64) // a text image field is base64
	for range 2 {
		w, _ := mw.CreateFormFile("image", "face.jpg")
		w.Write(jpeg)
	}
	w, _ := mw.CreateFormFile("other", "ignored.jpg")
	w.Write(jpeg)
	mw.Close()
	ct := mw.FormDataContentType()

	for _, seed := range []struct {
		ctype string
		body  []byte
	}{
		{ct, mp.Bytes()},
		{ct, mp.Bytes()[:mp.Len()/3]},
		{"multipart/form-data", mp.Bytes()},
		{ct, append(bytes.Clone(mp.Bytes()), bytes.Repeat([]byte("-"), fuzzMaxBody)...)},
		{"application/json", []byte(`{"auth_token":"sk_live_x","user_id":"alice","image":"` + b64 + `"}`)},
		{"application/json", []byte(`{"user_id":"alice","accuracy":4,"image":["` + b64 + `","data:image/jpeg;base64,` + b64 + `"]}`)},
		{"application/json", []byte(`{"image":["_9j_4AAQ","/9j/4AAQ==","  /9j/4AAQ\n"]}`)},
		{"application/json", []byte(`{"image":[1,2]}`)},
		{"application/json", []byte(`{"image":{"data":"x"}}`)},
		{"application/json", []byte(`{"image":"not base64!"}`)},
		{"application/json", []byte(`{"image":null,"email":null,"accuracy":1e400}`)},
		{"application/json", []byte(`{"user_id":"a","user_id":"b"}`)}, // duplicate keys
		{"application/json", []byte(`{"user_id":["a"]}`)},
		{"application/json", []byte(`{"ok":false}`)},
		{"application/json", []byte(`[]`)},
		{"application/json", []byte(`{"a":1} garbage`)},
		{"application/json", []byte(strings.Repeat(`{"a":`, 3000) + "1" + strings.Repeat("}", 3000))},
		{"application/json", []byte(`{"image":[` + strings.Repeat(`"",`, 2000) + `""]}`)},
		{"application/json", []byte("{\"email\":\"\xff\\udc00\"}")},
		{"", []byte(`{"email":"ada@example.com","phone":"+15550100"}`)},
		{"", nil},
		{"application/x-www-form-urlencoded", []byte("auth_token=sk_live_x&user_id=alice&image=" + strings.ReplaceAll(b64, "+", "%2B") + "&image=_9j_4AAQ")},
		{"application/x-www-form-urlencoded", []byte("image=%zz")},
		{"application/x-www-form-urlencoded", []byte("image=not+base64")},
		{"application/x-www-form-urlencoded", []byte("a=1;b=2")},
		{"application/x-www-form-urlencoded; charset=\"", []byte("a=1")},
		{"text/xml", []byte("<a/>")},
		{"multipart/form-data; boundary=x", []byte(strings.Repeat("--x\r\nContent-Disposition: form-data; name=image; filename=a\r\n\r\n\xff\r\n", 200) + "--x--\r\n")},
		{"multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a\"\r\n" +
			"Content-Type: multipart/mixed; boundary=y\r\n\r\n--y\r\nContent-Disposition: form-data; name=\"image\"; filename=\"b\"\r\n\r\nin\r\n--y--\r\n\r\n--x--\r\n")},
		{"multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"image\"\r\nX-Pad: " + strings.Repeat("p", 12<<10) + "\r\n\r\n" + b64 + "\r\n--x--\r\n")},
	} {
		f.Add(seed.ctype, seed.body, uint8(1))
	}
	f.Add("application/json", []byte(`{"email":"ada@example.com","email_code":"123456","phone":"+15550100","sms_code":"654321"}`), uint8(2))

	h := New(nil, Config{MaxBody: fuzzMaxBody}).(*handler)
	f.Fuzz(func(t *testing.T, ctype string, body []byte, version uint8) {
		v := 1 + int(version%2)
		var req *request
		var err error
		testface.Bounded(t, func() { req, err = parseBody(h, ctype, body, v) })
		if err != nil {
			var ae *apiError
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				if len(body) <= fuzzMaxBody {
					t.Fatalf("a %d-byte body refused as over %d bytes: %v", len(body), fuzzMaxBody, err)
				}
			case errors.As(err, &ae):
				if ae.status != http.StatusBadRequest || ae.msg == "" {
					t.Fatalf("error %d %q", ae.status, ae.msg)
				}
			default:
				t.Fatalf("error neither the dialect's nor the body limit's: %T %v", err, err)
			}
			return
		}
		if req.version != v {
			t.Fatalf("version %d, want %d", req.version, v)
		}
		if _, ok := req.fields[imageField]; ok {
			t.Fatalf("an image text field %q", req.fields[imageField])
		}
		n := 0
		for k, s := range req.fields {
			n += len(k) + len(s)
		}
		for _, img := range req.images {
			n += len(img)
		}
		// At most the body's size, but for JSON's invalid UTF-8, whose every
		// byte becomes U+FFFD (three bytes) when decoded.
		if n > 3*len(body) {
			t.Fatalf("%d bytes of fields and images from a %d-byte body", n, len(body))
		}

		// JSON carries back fields of UTF-8 text, and images as base64.
		for k, s := range req.fields {
			if !utf8.ValidString(k) || !utf8.ValidString(s) {
				return
			}
		}
		obj := map[string]any{}
		for k, s := range req.fields {
			obj[k] = s
		}
		var imgs []string
		for _, img := range req.images {
			imgs = append(imgs, base64.StdEncoding.EncodeToString(img))
		}
		if len(imgs) > 0 {
			obj[imageField] = imgs
		}
		js, _ := json.Marshal(obj)
		if len(js) <= fuzzMaxBody {
			again, err := parseBody(h, "application/json", js, v)
			if err != nil || !same(again, req) {
				t.Fatalf("sent again as %s: %+v, %v; want %+v", js, again, err, req)
			}
		}

		// Multipart carries back fields whose names a quoted header
		// parameter holds; images go as file parts.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, s := range req.fields {
			if k == "" || strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				return
			}
			mw.WriteField(k, s)
		}
		for _, img := range req.images {
			w, _ := mw.CreateFormFile(imageField, "face.jpg")
			w.Write(img)
		}
		mw.Close()
		if buf.Len() <= fuzzMaxBody {
			again, err := parseBody(h, mw.FormDataContentType(), buf.Bytes(), v)
			if err != nil || !same(again, req) {
				t.Fatalf("sent again as multipart: %+v, %v; want %+v", again, err, req)
			}
		}
	})
}

func same(a, b *request) bool {
	return a.version == b.version && maps.Equal(a.fields, b.fields) && slices.EqualFunc(a.images, b.images, bytes.Equal)
}
