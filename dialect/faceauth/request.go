package faceauth

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/upload"
)

// headerKey is the key of an X-API-Key or an Authorization: Bearer
// header, X-API-Key first; "" when neither is there.
func headerKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k
	}
	auth := r.Header.Get("Authorization")
	if len(auth) > len("Bearer ") && strings.EqualFold(auth[:len("Bearer ")], "Bearer ") {
		return strings.TrimSpace(auth[len("Bearer "):])
	}
	return ""
}

// form is a request body: its text fields (the first value of each) and
// its files (non-empty ones, in order, per field).
type form struct {
	values map[string]string
	files  map[string][][]byte
}

func (f *form) value(name string) string { return f.values[name] }

// file is the first file of the field, nil when there is none.
func (f *form) file(name string) []byte {
	if fs := f.files[name]; len(fs) > 0 {
		return fs[0]
	}
	return nil
}

// filesOf are every file of the fields, in the order of the fields.
func (f *form) filesOf(names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		out = append(out, f.files[n]...)
	}
	return out
}

// readForm reads the body as multipart/form-data (how FaceAuth sends
// images), as a URL-encoded form, or as a JSON object (how it sends
// register's fields). Query parameters are not read: a key does not
// belong in a URL, and FaceAuth does not put one there (but for usage).
func readForm(r *http.Request) (*form, error) {
	f := &form{values: map[string]string{}, files: map[string][][]byte{}}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "unreadable Content-Type")
	}
	switch ct {
	case "multipart/form-data":
		err = f.fromMultipart(r)
	case "application/x-www-form-urlencoded":
		err = f.fromURLEncoded(r)
	case "application/json", "":
		err = f.fromJSON(r)
	default:
		return nil, visage.Errorf(visage.CodeInvalidRequest, "Content-Type %s is not accepted: send multipart/form-data (or JSON without images)", ct)
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, visage.Errorf(visage.CodeRequestTooLarge, "the request body is over the %d-byte limit", tooBig.Limit)
	}
	return f, err
}

func (f *form) fromMultipart(r *http.Request) error {
	values, files, err := upload.Multipart(r)
	if err != nil {
		return err
	}
	for name, vs := range values {
		f.values[name] = vs[0]
	}
	for name, parts := range files {
		for _, data := range parts {
			// A form's empty file input sends an empty part: no image.
			if len(data) > 0 {
				f.files[name] = append(f.files[name], data)
			}
		}
	}
	return nil
}

func (f *form) fromURLEncoded(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	vs, err := url.ParseQuery(string(body))
	if err != nil {
		return visage.Errorf(visage.CodeInvalidRequest, "unreadable form body")
	}
	for name := range vs {
		f.values[name] = vs.Get(name)
	}
	return nil
}

// fromJSON reads a JSON object's text fields. Numbers are kept as their
// text, since FaceAuth's names are often numbers ("101").
func (f *form) fromJSON(r *http.Request) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	var obj map[string]any
	switch err := dec.Decode(&obj); {
	case errors.Is(err, io.EOF):
		return nil // no body: the fields are missing, which the caller says
	case err != nil:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return visage.Errorf(visage.CodeInvalidRequest, "the body is not a JSON object")
	}
	for name, v := range obj {
		switch v := v.(type) {
		case string:
			f.values[name] = v
		case json.Number:
			f.values[name] = v.String()
		case nil:
		default:
			return visage.Errorf(visage.CodeInvalidRequest, "field %s must be a string", name)
		}
	}
	return nil
}

// errMissingImage names the file fields an endpoint wanted.
func errMissingImage(fields string) error {
	return fail(http.StatusBadRequest, codeMissingImage, "no image in the request: send the photo as the multipart file field %s", fields)
}
