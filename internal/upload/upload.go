// Package upload reads the images clients send, in the two forms every
// API Visage speaks accepts: multipart file parts and base64 text.
package upload

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/visagehq/visage"
)

// Base64 decodes an image sent as text: plain or URL-safe base64, padded
// or not, with surrounding space, or a data: URL as a browser's canvas
// makes it.
func Base64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "data:") {
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.TrimRight(s, "=\r\n") // padding, however lines were broken
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// Multipart parses r's multipart body and returns its text fields and
// the bytes of its file parts, by field name. Up to 8 MiB stay in memory;
// the rest spills to temporary files, removed before it returns. A body
// over the request's limit gives the *http.MaxBytesError, for the caller
// to answer with the limit; a body whose reader gave a coded error (one
// too slow to arrive) that error; any other broken body INVALID_REQUEST.
func Multipart(r *http.Request) (values map[string][]string, files map[string][][]byte, err error) {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		var coded *visage.Error
		if errors.As(err, &tooBig) || errors.As(err, &coded) {
			return nil, nil, err
		}
		return nil, nil, visage.Errorf(visage.CodeInvalidRequest, "unreadable multipart body")
	}
	defer r.MultipartForm.RemoveAll()
	files = map[string][][]byte{}
	for name, fhs := range r.MultipartForm.File {
		for _, fh := range fhs {
			f, err := fh.Open()
			if err != nil {
				return nil, nil, err
			}
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, nil, err
			}
			files[name] = append(files[name], data)
		}
	}
	return r.MultipartForm.Value, files, nil
}
