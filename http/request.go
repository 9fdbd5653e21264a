package http

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/internal/reply"
	"github.com/visagehq/visage/internal/upload"
)

// faceRequest is what the face endpoints accept, as JSON (images base64,
// optionally as data: URLs) or as multipart/form-data (images as file
// fields, the rest as text fields).
type faceRequest struct {
	Image      string          `json:"image"`
	Images     []string        `json:"images"`
	Image1     string          `json:"image1"`
	Image2     string          `json:"image2"`
	FacialID   string          `json:"facial_id"`
	ExternalID string          `json:"external_id"`
	Payload    json.RawMessage `json:"payload"`
	PIN        string          `json:"pin"`

	images [][]byte // decoded, in order: image, images..., image1, image2
}

// imageFields are the multipart file fields read, in order.
var imageFields = []string{"image", "images", "image1", "image2", "image3", "image4", "image5"}

// parseFaceRequest reads r's body in whichever encoding it came.
func parseFaceRequest(r *http.Request) (*faceRequest, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil && r.Header.Get("Content-Type") != "" {
		return nil, visage.Errorf(visage.CodeInvalidRequest, "unreadable Content-Type")
	}
	req := &faceRequest{}
	switch ct {
	case "multipart/form-data":
		err = req.fromMultipart(r)
	case "application/json", "":
		err = req.fromJSON(r)
	default:
		return nil, visage.Errorf(visage.CodeInvalidRequest, "Content-Type %s is not accepted: send application/json or multipart/form-data", ct)
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, visage.Errorf(visage.CodeRequestTooLarge, "the request body is over the %d-byte limit", tooBig.Limit)
		}
		return nil, err
	}
	return req, nil
}

func (req *faceRequest) fromJSON(r *http.Request) error {
	if err := decodeBody(r, req); err != nil {
		return err
	}
	for i, s := range append(append([]string{req.Image}, req.Images...), req.Image1, req.Image2) {
		if s == "" {
			continue
		}
		img, err := upload.Base64(s)
		if err != nil {
			return visage.Errorf(visage.CodeInvalidRequest, "image %d is not valid base64", i+1)
		}
		req.images = append(req.images, img)
	}
	return nil
}

func (req *faceRequest) fromMultipart(r *http.Request) error {
	_, files, err := upload.Multipart(r)
	if err != nil {
		return err
	}
	for _, field := range imageFields {
		req.images = append(req.images, files[field]...)
	}
	req.FacialID = r.FormValue("facial_id")
	req.ExternalID = r.FormValue("external_id")
	req.PIN = r.FormValue("pin")
	if p := r.FormValue("payload"); p != "" {
		req.Payload = json.RawMessage(p)
	}
	return nil
}

// decodeBody reads a JSON object body into v. A body that arrived too
// slowly keeps its coded error (bodyDeadline); anything else wrong is
// INVALID_REQUEST in the client's terms, or REQUEST_TOO_LARGE.
func decodeBody(r *http.Request, v any) error {
	err := json.NewDecoder(r.Body).Decode(v)
	var tooBig *http.MaxBytesError
	var coded *visage.Error
	switch {
	case err == nil || errors.As(err, &coded):
		return err
	case errors.As(err, &tooBig):
		return visage.Errorf(visage.CodeRequestTooLarge, "the request body is over the %d-byte limit", tooBig.Limit)
	}
	return visage.Errorf(visage.CodeInvalidRequest, "%s", reply.JSONError(err))
}

// oneImage returns the single image an endpoint needs.
func (req *faceRequest) oneImage() ([]byte, error) {
	switch len(req.images) {
	case 0:
		return nil, visage.Errorf(visage.CodeInvalidRequest, "an image is required (field image)")
	case 1:
		return req.images[0], nil
	}
	return nil, visage.Errorf(visage.CodeInvalidRequest, "one image expected, got %d", len(req.images))
}
