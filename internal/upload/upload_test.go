package upload

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/visagehq/visage"
)

func TestBase64(t *testing.T) {
	want := []byte{0xff, 0xd8, 0xff, 0xfb, 0x10}
	for _, s := range []string{"/9j/+xA=", "/9j/+xA", "_9j_-xA=", " /9j/+xA=\n", "data:image/jpeg;base64,/9j/+xA="} {
		if got, err := Base64(s); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%q: %x %v", s, got, err)
		}
	}
	if _, err := Base64("not base64!"); err == nil {
		t.Error("garbage decoded")
	}
}

func TestMultipart(t *testing.T) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("name", "alice")
	for _, img := range []string{"one", "two"} {
		w, _ := mw.CreateFormFile("image", img+".jpg")
		w.Write([]byte(img))
	}
	mw.Close()
	req := httptest.NewRequest("POST", "/", bytes.NewReader(body.Bytes()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	values, files, err := Multipart(req)
	if err != nil || values["name"][0] != "alice" || len(files["image"]) != 2 || string(files["image"][1]) != "two" {
		t.Fatalf("%v %v %v", values, files, err)
	}

	req = httptest.NewRequest("POST", "/", bytes.NewReader(body.Bytes()))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Body = http.MaxBytesReader(httptest.NewRecorder(), req.Body, 10)
	var tooBig *http.MaxBytesError
	if _, _, err := Multipart(req); !errors.As(err, &tooBig) {
		t.Errorf("over the limit: %v, want *http.MaxBytesError", err)
	}

	req = httptest.NewRequest("POST", "/", bytes.NewReader([]byte("--x\r\nbroken")))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	if _, _, err := Multipart(req); visage.ErrorCode(err) != visage.CodeInvalidRequest {
		t.Errorf("broken body: %v, want INVALID_REQUEST", err)
	}
}
