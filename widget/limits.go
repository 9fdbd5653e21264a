package widget

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"time"

	"github.com/visagehq/visage/internal/visitor"
)

// What a frame may be. The widget sends the camera's picture at 640
// pixels wide at most (web/src/camera.ts), as a JPEG of 30–80 kB: these
// leave room for a portrait camera and a high quality setting, and
// nothing else. They are checked on the bytes and the JPEG header,
// before anything is decoded: the public ID that opens a session is in
// every page, so a frame is whatever anyone chooses to send.
const (
	maxFrameBytes = 512 << 10
	maxFrameSide  = 1280 // pixels, each side
	// defaultMaxAnalysedFrames is what one session may have analysed
	// (Config.MaxAnalysedFrames): a person
	// needs about 20 (three still frames, two movements held at the
	// widget's pace of one every 150 ms); 200 leave room for a slow start
	// and bound what a page that never finishes can spend (30 s of
	// frames at the widget's pace).
	defaultMaxAnalysedFrames = 200
	// maxUniquePINTries is how many PINs a session may have refused as
	// taken by another person (UNIQUE_PIN_REQUIRED) before it ends: each
	// refusal tells the page that someone has that PIN.
	maxUniquePINTries = 3
)

// Default limits on open sessions (Config). A session holds at most about
// 160 kB once its frames are in (docs/widget.md, Limits), so the default
// budget is about 160 MB at worst.
const (
	defaultMaxSessions           = 1000
	defaultMaxSessionsPerApp     = 100
	defaultMaxSessionsPerAddress = 10
	// sessionRetry is the Retry-After of a refusal for open sessions:
	// most sessions end within a minute, though one may last its TTL.
	sessionRetry = 30 * time.Second
)

// readFrame reads a frame's bytes, refusing before reading a body that
// says it is over the limit, and while reading one that turns out to be.
func readFrame(w http.ResponseWriter, r *http.Request) ([]byte, *fioError) {
	if r.ContentLength > maxFrameBytes {
		return nil, errFrameBytes
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + 1) // one allocation, not a doubling series
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, maxFrameBytes)); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errFrameBytes
		}
		return nil, fioErr("PROCESSING_ERR", http.StatusBadRequest, "the frame could not be read")
	}
	return buf.Bytes(), nil
}

var errFrameBytes = fioErr("PROCESSING_ERR", http.StatusRequestEntityTooLarge,
	fmt.Sprintf("a frame must be a JPEG of at most %d kB", maxFrameBytes>>10))

// checkFrame refuses a frame that is not a camera's JPEG, from its first
// bytes and its header alone: another format (the engine would decode a
// PNG or a TIFF too), or more pixels than a camera frame has. It returns
// the frame's size.
func checkFrame(b []byte) (w, h int, err *fioError) {
	if !bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}) {
		return 0, 0, fioErr("PROCESSING_ERR", http.StatusUnsupportedMediaType, "a frame must be a JPEG image")
	}
	cfg, derr := jpeg.DecodeConfig(bytes.NewReader(b))
	switch {
	case derr != nil || cfg.Width == 0 || cfg.Height == 0:
		return 0, 0, fioErr("PROCESSING_ERR", http.StatusBadRequest, "a frame must be a JPEG image; its header cannot be read")
	case cfg.Width > maxFrameSide || cfg.Height > maxFrameSide:
		return 0, 0, fioErr("PROCESSING_ERR", http.StatusRequestEntityTooLarge,
			fmt.Sprintf("a frame is %d×%d pixels; at most %d×%d are accepted", cfg.Width, cfg.Height, maxFrameSide, maxFrameSide))
	}
	return cfg.Width, cfg.Height, nil
}

// clientAddress names the visitor a request comes from, for the limits
// on open sessions (visitor.Address, with Config.AddressHeader), grouped
// as visitor.Group does.
func (h *Handler) clientAddress(r *http.Request) string {
	return visitor.Group(visitor.Address(r, h.cfg.AddressHeader))
}
