package upload

// Fuzz targets of the two forms an image arrives in. Seeds only (make
// test):
//
//	go test ./internal/upload -run '^Fuzz'
//
// Ten minutes each (a short -fuzzminimizetime: the default minute spent
// shrinking each new input stalls the run):
//
//	go test ./internal/upload -run '^$' -fuzz '^FuzzBase64$' -fuzztime 10m -fuzzminimizetime 5s
//	go test ./internal/upload -run '^$' -fuzz '^FuzzMultipart$' -fuzztime 10m -fuzzminimizetime 5s

import (
	"bytes"
	"encoding/base64"
	"errors"
	"github.com/visagehq/visage/internal/testface"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/visagehq/visage"
)

// FuzzBase64: whatever the text, Base64
//   - returns within a second, the bytes or a base64.CorruptInputError
//     (which the callers turn into their own invalid-image answers; the
//     bytes decoded before the fault may come with it, as from
//     encoding/base64, and are not used);
//   - returns at most 3 bytes per 4 characters of input;
//   - accepts whatever the standard and URL-safe encodings, padded or
//     not, accept, with the same bytes (but for padding split by a line
//     break, see below);
//   - round-trips: the bytes it returns, encoded in any of the forms it
//     promises (standard, URL-safe, unpadded, data: URL, surrounded by
//     space), decode to the same bytes.
func FuzzBase64(f *testing.F) {
	jpeg := []byte{0xff, 0xd8, 0xff, 0xfb, 0x10, 0x00, 0x3e, 0x3f, 0xfe}
	for _, s := range []string{
		"",
		"=",
		"====",
		"/9j/+xA=",
		"/9j/+xA",
		"_9j_-xA=",
		" /9j/+xA=\n",
		"\t\r\n/9j/\r\n+xA=\r\n",
		"data:image/jpeg;base64,/9j/+xA=",
		"data:image/png;base64,",
		"data:,",
		"data:image/jpeg;base64",
		"data:text/plain,a,b,c",
		base64.StdEncoding.EncodeToString(jpeg),
		base64.URLEncoding.EncodeToString(jpeg),
		base64.RawStdEncoding.EncodeToString(jpeg),
		base64.RawURLEncoding.EncodeToString(jpeg),
		"QQ==", "QQ", "QUI=", "QUJD", "Q", "QQ=\n=", "QQ\n==", "Q===",
		"/9j_-xA=",    // both alphabets at once
		"QQ==QQ==",    // padding in the middle
		"QR==",        // non-zero trailing bits
		"not base64!", // garbage
		"\u00a0QQ==\u2003",
		"\xff\xfe\x00",
		strings.Repeat("A", 4096),
		strings.Repeat("\n", 64) + "QUJD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var out []byte
		var err error
		testface.Bounded(t, func() { out, err = Base64(s) })
		if err != nil {
			var corrupt base64.CorruptInputError
			if !errors.As(err, &corrupt) {
				t.Fatalf("Base64(%q) = %x, %T %v", s, out, err, err)
			}
		}
		if len(out) > len(s)*3/4 {
			t.Fatalf("Base64(%q) gave %d bytes from %d characters", s, len(out), len(s))
		}

		// Accepts what the encodings accept. A line break inside the
		// padding ("QQ=\n=") is the one exception: encoding/base64 skips
		// line breaks anywhere, Base64 trims padding from the end only.
		// No encoder wraps lines inside a 4-character group, so it is not
		// worth a failure.
		paddingSplit := false
		if i := strings.IndexByte(s, '='); i >= 0 {
			paddingSplit = strings.ContainsAny(s[i:], "\r\n")
		}
		if !paddingSplit {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
				if want, werr := enc.DecodeString(s); werr == nil && (err != nil || !bytes.Equal(out, want)) {
					t.Fatalf("Base64(%q) = %x, %v; encoding/base64 decodes %x", s, out, err, want)
				}
			}
		}

		if err != nil {
			return
		}
		std := base64.StdEncoding.EncodeToString(out)
		for _, form := range []string{
			std,
			base64.URLEncoding.EncodeToString(out),
			base64.RawStdEncoding.EncodeToString(out),
			base64.RawURLEncoding.EncodeToString(out),
			"data:image/jpeg;base64," + std,
			" \r\n\t" + std + "\n",
		} {
			if back, err := Base64(form); err != nil || !bytes.Equal(back, out) {
				t.Fatalf("Base64(%q) = %x, %v; want %x (from %q)", form, back, err, out, s)
			}
		}
	})
}

// multipartBody is a body as multipart.Writer writes it, with its
// Content-Type: text fields, then file parts.
func multipartBody(values map[string][]string, files map[string][][]byte) (string, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range sortedKeys(values) {
		for _, v := range values[name] {
			mw.WriteField(name, v)
		}
	}
	for _, name := range sortedKeys(files) {
		for _, data := range files[name] {
			w, _ := mw.CreateFormFile(name, "photo.jpg")
			w.Write(data)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fuzzLimit is the body limit of FuzzMultipart's requests: small, so that
// over-limit bodies are within the fuzzer's reach.
const fuzzLimit = 64 << 10

// FuzzMultipart: whatever the Content-Type and body, read through an
// http.MaxBytesReader of fuzzLimit bytes, Multipart
//   - returns within a second;
//   - fails only with the *http.MaxBytesError, and that only for a body
//     over the limit, or with INVALID_REQUEST: never an uncoded error;
//   - returns no more bytes (fields and files together) than the body
//     holds;
//   - round-trips: the fields and files it returns, written again by
//     multipart.Writer, read back the same.
func FuzzMultipart(f *testing.F) {
	ct, body := multipartBody(map[string][]string{"name": {"alice"}, "pin": {"1234"}},
		map[string][][]byte{"image": {[]byte("\xff\xd8\xff one"), []byte("\xff\xd8\xff two")}})
	f.Add(ct, body)
	f.Add(ct, body[:len(body)/2])                                                 // cut short
	f.Add(ct, append(bytes.Clone(body), bytes.Repeat([]byte("x"), fuzzLimit)...)) // over the limit
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nbroken"))
	f.Add("multipart/form-data", body) // no boundary
	f.Add(`multipart/form-data; boundary="a b"`, []byte("--a b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--a b--\r\n"))
	f.Add("multipart/mixed; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--x--\r\n"))
	f.Add("application/json", []byte(`{"image":"QQ=="}`))
	f.Add("", body)
	f.Add("multipart/form-data; boundary=x; boundary=y", body)

	// More parts than Go reads (1000), and more headers (10,000).
	f.Add("multipart/form-data; boundary=x", []byte(strings.Repeat("--x\r\nContent-Disposition:form-data;name=f\r\n\r\n\r\n", 1001)+"--x--\r\n"))
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\n"+strings.Repeat("A:b\r\n", 10001)+
		"Content-Disposition: form-data; name=\"k\"\r\n\r\nv\r\n--x--\r\n"))
	// A huge part header.
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"k\"\r\nX-Pad: "+
		strings.Repeat("p", 48<<10)+"\r\n\r\nv\r\n--x--\r\n"))
	// A part that nests another multipart body, with its own boundary.
	inner := "--y\r\nContent-Disposition: form-data; name=\"in\"\r\n\r\nv\r\n--y--\r\n"
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"outer\"; filename=\"o\"\r\n"+
		"Content-Type: multipart/mixed; boundary=y\r\n\r\n"+inner+"\r\n--x--\r\n"))
	// A boundary that is a prefix of another, inside the data.
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n--xx\r\n--x-\r\n--x--\r\n"))
	// Quoted-printable, RFC 2231 names, empty names and file names.
	f.Add("multipart/form-data; boundary=x", []byte("--x\r\nContent-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc\r\n"+
		"--x\r\nContent-Disposition: form-data; name*=utf-8''%C3%A9t%C3%A9; filename*=utf-8''%E2%82%AC.jpg\r\n\r\n\xff\xd8\r\n"+
		"--x\r\nContent-Disposition: form-data; name=\"\"; filename=\"\"\r\n\r\nnameless\r\n"+
		"--x\r\nContent-Disposition: form-data; name=\"e\"; filename=\"\"\r\n\r\n\r\n--x--\r\n"))
	// LF line ends, preamble and epilogue.
	f.Add("multipart/form-data; boundary=x", []byte("preamble\n--x\nContent-Disposition: form-data; name=\"k\"\n\nv\n--x--\nepilogue"))

	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", ctype)
		req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, fuzzLimit)
		var values map[string][]string
		var files map[string][][]byte
		var err error
		testface.Bounded(t, func() { values, files, err = Multipart(req) })
		if err != nil {
			var tooBig *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig):
				if len(body) <= fuzzLimit {
					t.Fatalf("a %d-byte body is over the %d-byte limit: %v", len(body), fuzzLimit, err)
				}
			case visage.ErrorCode(err) != visage.CodeInvalidRequest:
				t.Fatalf("error without the INVALID_REQUEST code: %T %v", err, err)
			}
			return
		}
		n := 0
		for _, vs := range values {
			for _, v := range vs {
				n += len(v)
			}
		}
		for _, fs := range files {
			for _, data := range fs {
				n += len(data)
			}
		}
		if n > len(body) {
			t.Fatalf("%d bytes of fields and files from a %d-byte body", n, len(body))
		}

		// Round trip, for the names a header can carry back.
		for name := range values {
			if !writable(name) {
				return
			}
		}
		for name := range files {
			if !writable(name) {
				return
			}
		}
		ct2, body2 := multipartBody(values, files)
		req2 := httptest.NewRequest("POST", "/", bytes.NewReader(body2))
		req2.Header.Set("Content-Type", ct2)
		values2, files2, err := Multipart(req2)
		if err != nil {
			t.Fatalf("written again: %v", err)
		}
		if !sameValues(values, values2) || !sameFiles(files, files2) {
			t.Fatalf("round trip: %q %q, then %q %q", values, files, values2, files2)
		}
	})
}

// writable says whether multipart.Writer can carry name in a quoted
// Content-Disposition parameter: UTF-8 without control characters.
func writable(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	return !strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func sameValues(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func sameFiles(a, b map[string][][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.EqualFunc(v, b[k], bytes.Equal) {
			return false
		}
	}
	return true
}
