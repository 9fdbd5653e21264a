package faceio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/visagehq/visage"
)

// params are a request's parameters. FACEIO calls every endpoint "the
// same way" with GET or POST, so they are read from the query string and
// from a body of any usual encoding (urlencoded, multipart, JSON), with
// any method; a parameter in the body wins over the query's.
type params struct {
	text map[string]string
	// raw holds the values of a JSON body as JSON, so that a payload sent
	// as an object stays one.
	raw map[string]json.RawMessage
}

func (p params) get(name string) string { return p.text[name] }

// fid is the facial ID; FACEIO's page also calls it facialid once.
func (p params) fid() string {
	if id := p.get("fid"); id != "" {
		return id
	}
	return p.get("facialid")
}

func invalid(msg string) error { return visage.Errorf(visage.CodeInvalidRequest, "%s", msg) }

// readParams reads the query string and the body (at most max bytes).
func readParams(w http.ResponseWriter, r *http.Request, max int64) (params, error) {
	p := params{text: map[string]string{}, raw: map[string]json.RawMessage{}}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return p, invalid("the query string is malformed")
	}
	p.addValues(q)

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return p, visage.Errorf(visage.CodeRequestTooLarge, "the request body is over %d bytes", max)
		}
		return p, invalid("the request body could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	ct, mp, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "" {
		// No declared type: a JSON object is recognisable; anything else
		// is read as a form, which is what curl -d sends.
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			ct, err = "application/json", nil
		} else {
			ct, err = "application/x-www-form-urlencoded", nil
		}
	}
	if err != nil {
		return p, invalid("the Content-Type header is malformed")
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p, invalid("the form body is malformed")
		}
		p.addValues(form)
	case "multipart/form-data":
		return p, p.addMultipart(body, mp["boundary"])
	case "application/json":
		return p, p.addJSON(body)
	default:
		return p, invalid("send the parameters in the query string or as a form or JSON body, not " + ct)
	}
	return p, nil
}

func (p params) addValues(v url.Values) {
	for k := range v {
		p.text[k] = v.Get(k)
		delete(p.raw, k)
	}
}

// addMultipart reads every part, files included, as a text value: a
// payload may come as a file (curl -F payload=@data.json).
func (p params) addMultipart(body []byte, boundary string) error {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return invalid("the multipart body is malformed")
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return invalid("the multipart body is malformed")
		}
		if name := part.FormName(); name != "" {
			p.text[name] = string(v)
			delete(p.raw, name)
		}
	}
}

// addJSON reads a JSON object: strings as text, numbers and booleans as
// their literal (a PIN may be a number, as FACEIO types it), null as
// absent, and every value also as JSON for the payload.
func (p params) addJSON(body []byte) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return invalid("the body is not a JSON object")
	}
	for k, v := range obj {
		if string(v) == "null" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		p.text[k], p.raw[k] = s, v
	}
	return nil
}

// payload is the payload parameter as the JSON the service keeps. A JSON
// body's value is kept as it is. Text (query, form) that reads as JSON is
// kept as that JSON, so `{"user":42}` stays an object; any other text
// becomes a JSON string. Binary data has no faithful JSON form and is
// refused. The size limit (service.MaxPayloadBytes) is the service's.
func (p params) payload() (json.RawMessage, error) {
	t := p.get("payload")
	if t == "" { // an empty JSON string too
		return nil, invalid("the payload parameter is required")
	}
	v, ok := p.raw["payload"]
	if !ok {
		switch {
		case !utf8.ValidString(t):
			return nil, invalid("the payload must be UTF-8 text or JSON; encode binary data (base64) first")
		case json.Valid([]byte(t)):
			v = json.RawMessage(t)
		default:
			v, _ = json.Marshal(t)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, v); err != nil {
		return nil, invalid("the payload is not valid JSON")
	}
	return buf.Bytes(), nil
}
