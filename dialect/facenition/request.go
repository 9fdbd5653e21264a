package facenition

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/visagehq/visage/internal/upload"
	"github.com/visagehq/visage/service"
)

// request is a call's fields and images, whichever way they came:
// multipart/form-data (images as file parts named image, repeated once per
// image), a URL-encoded form, or JSON (image as a base64 string or a list
// of them). Text fields keep their first value.
type request struct {
	version int
	fields  map[string]string
	images  [][]byte
}

const imageField = "image"

func (h *handler) parse(r *http.Request, version int) (*request, error) {
	req := &request{version: version, fields: map[string]string{}}
	header := r.Header.Get("Content-Type")
	ct, _, err := mime.ParseMediaType(header)
	if err != nil && header != "" {
		return nil, fail(http.StatusBadRequest, "unreadable Content-Type")
	}
	switch ct {
	case "multipart/form-data":
		values, files, err := upload.Multipart(r)
		if err != nil {
			return nil, badBody(err, "unreadable multipart body")
		}
		if err := req.formValues(values); err != nil {
			return nil, err
		}
		req.images = append(req.images, files[imageField]...)
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, badBody(err, "unreadable form body")
		}
		// PostForm, not Form: a token in the URL would end up in logs.
		if err := req.formValues(r.PostForm); err != nil {
			return nil, err
		}
	case "application/json", "":
		if err := req.fromJSON(r.Body); err != nil {
			return nil, err
		}
	default:
		return nil, fail(http.StatusBadRequest, "Content-Type %s is not accepted: send multipart/form-data, a form or JSON", ct)
	}
	return req, nil
}

// formValues takes text fields; a text image field is base64.
func (req *request) formValues(values map[string][]string) error {
	for k, vs := range values {
		if k == imageField {
			for _, v := range vs {
				if err := req.addBase64(v); err != nil {
					return err
				}
			}
			continue
		}
		if len(vs) > 0 {
			req.fields[k] = vs[0]
		}
	}
	return nil
}

func (req *request) fromJSON(body io.Reader) error {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty body: v1's generateToken needs nothing
		}
		return badBody(err, "the body is not a JSON object")
	}
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case string:
			if k == imageField {
				if err := req.addBase64(v); err != nil {
					return err
				}
			} else {
				req.fields[k] = v
			}
		case json.Number:
			req.fields[k] = v.String()
		case []any:
			if k != imageField {
				return fail(http.StatusBadRequest, "field %s must be a string", k)
			}
			for _, s := range v {
				s, ok := s.(string)
				if !ok {
					return fail(http.StatusBadRequest, "field image must be a base64 string or a list of them")
				}
				if err := req.addBase64(s); err != nil {
					return err
				}
			}
		default:
			return fail(http.StatusBadRequest, "field %s must be a string", k)
		}
	}
	return nil
}

// addBase64 adds an image sent as base64 text.
func (req *request) addBase64(s string) error {
	b, err := upload.Base64(s)
	if err != nil {
		return fail(http.StatusBadRequest, "image %d is not valid base64", len(req.images)+1)
	}
	req.images = append(req.images, b)
	return nil
}

// badBody keeps a body-limit error (answered with the limit) and turns
// anything else into a 400 with msg.
func badBody(err error, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return fail(http.StatusBadRequest, "%s", msg)
}

// need returns a required text field.
func (req *request) need(name string) (string, error) {
	v := strings.TrimSpace(req.fields[name])
	if v == "" {
		return "", fail(http.StatusBadRequest, "field %s is required", name)
	}
	return v, nil
}

// userID is the user_id field: required, and an ID as the service
// accepts them (service.ValidID), refused under the field's own name.
func (req *request) userID() (string, error) {
	id, err := req.need("user_id")
	if err == nil {
		err = service.ValidID("user_id", id)
	}
	return id, err
}

// DefaultAccuracy is Facenition's accuracy when none is sent: Visage's
// level 4, a false-match rate of 1 in 10,000 (docs/scores.md).
const DefaultAccuracy = 4

// accuracy reads the accuracy field, 1 to 8.
func (req *request) accuracy() (int, error) {
	s := strings.TrimSpace(req.fields["accuracy"])
	if s == "" {
		return DefaultAccuracy, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 8 {
		return 0, fail(http.StatusBadRequest, "accuracy must be an integer from 1 to 8")
	}
	return n, nil
}
