package widget

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of the frames' size
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/service"
)

// What makes a still frame good enough to keep.
const (
	stillFrames = 3    // frames kept before the challenge
	minFaceSize = 0.2  // face height over frame height ("move closer")
	maxStillYaw = 25   // degrees ("face the camera")
	maxShift    = 0.08 // face centre's move between frames, over frame width ("hold still")
)

// frameAnswer is what the page shows after each frame.
type frameAnswer struct {
	Nonce    string    `json:"nonce"`
	Guidance string    `json:"guidance"`
	Progress float32   `json:"progress"`
	Face     *faceRect `json:"face"`
	Done     bool      `json:"done"`
	PIN      string    `json:"pin"`
}

// faceRect is the face's box in fractions of the frame, for the page to
// draw; nothing else about the face leaves the server.
type faceRect struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
	W float32 `json:"w"`
	H float32 `json:"h"`
}

func (h *Handler) frame(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFrameBytes))
	if err != nil {
		writeFio(w, fioErr("PROCESSING_ERR", http.StatusRequestEntityTooLarge, "a frame must be a JPEG under 2 MB"))
		return
	}
	now := time.Now()
	s, err := h.sessions.take(r.PathValue("id"), r.Header.Get("X-Visage-Nonce"), now)
	if err != nil {
		writeFio(w, asFio(err))
		return
	}
	defer s.mu.Unlock()
	if s.phase == ready {
		writeFio(w, h.fail(s, fioErr("PROCESSING_ERR", http.StatusConflict, "the frames are done: complete the session")))
		return
	}
	ans, err := h.step(r.Context(), s, body, now)
	if err != nil {
		fe := asFio(err)
		if fe.status >= 500 {
			h.cfg.Logger.Error("widget frame failed", "app", s.app.ID, "err", err)
		}
		writeFio(w, h.fail(s, fe))
		return
	}
	ans.Nonce = s.nonce
	writeJSON(w, http.StatusOK, ans)
}

// fail ends the session with an error.
func (h *Handler) fail(s *session, e *fioError) *fioError {
	h.finish(s, false)
	return e
}

// step moves a session on by one frame.
func (h *Handler) step(ctx context.Context, s *session, jpeg []byte, now time.Time) (*frameAnswer, error) {
	s.nframes++
	if s.nframes > maxFrames {
		return nil, fioErr("TIMEOUT", http.StatusRequestTimeout, "too many frames without a result")
	}
	if s.lastFace.IsZero() {
		s.lastFace, s.lastSteps = now, now // the first frame starts the clocks
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(jpeg))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		return nil, fioErr("PROCESSING_ERR", http.StatusBadRequest, "a frame must be a JPEG image")
	}
	f, err := h.svc.Frame(ctx, s.app, jpeg)
	switch code := visage.ErrorCode(err); code {
	case "":
	case visage.CodeNoFace, visage.CodeManyFaces:
		s.lastBox = nil
		if now.Sub(s.lastFace) > s.idle {
			if code == visage.CodeManyFaces {
				return nil, fioErr("MANY_FACES", http.StatusUnprocessableEntity, "more than one face stayed in view")
			}
			return nil, fioErr("NO_FACES_DETECTED", http.StatusUnprocessableEntity, "no face was seen for the idle timeout")
		}
		g := "no_face"
		if code == visage.CodeManyFaces {
			g = "many_faces"
		}
		return &frameAnswer{Guidance: g, Progress: s.progress(0), PIN: s.pin}, nil
	default:
		return nil, err
	}
	s.lastFace = now
	fr := frame{jpeg: jpeg, template: f.Template, pose: pose{f.Quality.Yaw, f.Quality.Roll},
		size: f.Box.H / float32(cfg.Height)}
	if f.Liveness != nil {
		fr.liveness = *f.Liveness
	}
	ans := &frameAnswer{PIN: s.pin, Face: &faceRect{
		X: f.Box.X / float32(cfg.Width), Y: f.Box.Y / float32(cfg.Height),
		W: f.Box.W / float32(cfg.Width), H: f.Box.H / float32(cfg.Height)}}
	shift := float32(0)
	if s.lastBox != nil {
		dx := (f.Box.X + f.Box.W/2) - (s.lastBox.X + s.lastBox.W/2)
		dy := (f.Box.Y + f.Box.H/2) - (s.lastBox.Y + s.lastBox.H/2)
		shift = max(abs(dx), abs(dy)) / float32(cfg.Width)
	}
	s.lastBox = &f.Box

	// A timeout counts from the last frame that moved things on: someone
	// who stays in view but never follows the guidance is not waited for
	// forever.
	if now.Sub(s.lastSteps) > s.idle {
		return nil, fioErr("TIMEOUT", http.StatusRequestTimeout, "the guidance was not followed in time")
	}
	if len(s.frames) > 0 {
		same, err := h.svc.SamePerson(s.app, s.frames[0].template, fr.template)
		if err != nil {
			return nil, err
		}
		if !same {
			if s.op == Enroll {
				return nil, fioErr("FACE_MISMATCH", http.StatusUnprocessableEntity, "the frames of this enrollment show different people")
			}
			// Someone else stepped in: start again with them.
			s.frames, s.livenessN, s.phase = nil, nil, still
		}
	}

	switch s.phase {
	case still:
		switch {
		case fr.size < minFaceSize:
			ans.Guidance = "move_closer"
		case abs(fr.pose.yaw) > maxStillYaw:
			ans.Guidance = "face_camera"
		case shift > maxShift:
			ans.Guidance = "hold_still"
		default:
			s.frames = append(s.frames, fr)
			s.livenessN = append(s.livenessN, fr.liveness)
			s.lastSteps = now
			ans.Guidance = "ok"
			if len(s.frames) == stillFrames {
				if err := s.live(); err != nil {
					return nil, err
				}
				s.phase = moving
				ans.Guidance = string(s.challenge)
			}
		}
		ans.Progress = s.progress(0)
		return ans, nil
	case moving:
		p := s.challenge.progress(s.stillPose(), fr.pose)
		s.livenessN = append(s.livenessN, fr.liveness)
		if p < 1 {
			ans.Guidance = string(s.challenge)
			ans.Progress = s.progress(p)
			return ans, nil
		}
		if err := s.live(); err != nil {
			return nil, err
		}
		s.lastSteps = now
		if err := h.decide(ctx, s); err != nil {
			return nil, err
		}
		ans.Guidance, ans.Progress, ans.Done, ans.PIN = "ok", 1, true, s.pin
		return ans, nil
	}
	return nil, fioErr("PROCESSING_ERR", http.StatusConflict, "the frames are done")
}

// progress is the share of the work done, for the page's progress bar:
// the still frames are the first 60 %, the challenge the rest.
func (s *session) progress(challenge float32) float32 {
	if s.phase == still {
		return 0.6 * float32(len(s.frames)) / stillFrames
	}
	return 0.6 + 0.4*min(max(challenge, 0), 1)
}

// stillPose is the median pose of the still frames, the reference the
// challenge movement is measured from.
func (s *session) stillPose() pose {
	yaws := make([]float32, len(s.frames))
	rolls := make([]float32, len(s.frames))
	for i, f := range s.frames {
		yaws[i], rolls[i] = f.pose.yaw, f.pose.roll
	}
	return pose{median(yaws), median(rolls)}
}

// live applies the app's liveness rule to the frames so far: the median
// score, so that one odd frame neither lets a photo through nor stops a
// person.
func (s *session) live() error {
	if !s.app.Settings.RequireLiveness {
		return nil
	}
	if median(slices.Clone(s.livenessN)) < face.DefaultLivenessThreshold {
		return fioErr("PAD_ATTACK", http.StatusForbidden, "the face does not appear to be a live person in front of the camera")
	}
	return nil
}

// decide runs the identification once the frames are in, so that the
// page learns whether to ask for a PIN. Enrollment waits for complete:
// it needs the payload and the PIN.
func (h *Handler) decide(ctx context.Context, s *session) error {
	s.phase = ready
	best := s.bestFrame()
	switch s.op {
	case Authenticate:
		rec, err := h.svc.Authenticate(ctx, s.app, best, "")
		switch visage.ErrorCode(err) {
		case "":
			s.result = map[string]any{"facialId": rec.FacialID, "payload": rec.Payload}
		case visage.CodePINRequired:
			s.pin = "confirm"
		default:
			return err
		}
	case Verify:
		// FaceAuth's script tag decides by FaceAuth's rule, as its REST
		// verify does.
		res, err := h.svc.Verify(ctx, s.app, best, "", s.userID)
		if visage.ErrorCode(err) == visage.CodeNotFound ||
			(err == nil && !service.FaceAuthMatch(res.Match, h.svc.CalibratedDistance(res.Cosine), res.Similarity)) {
			return fioErr("UNRECOGNIZED_FACE", http.StatusUnprocessableEntity, "the face is not that of the user the page names")
		}
		if err != nil {
			return err
		}
		s.result = verifiedJSON(res, s.userID)
	}
	return nil
}

// bestFrame is the still frame with the largest face.
func (s *session) bestFrame() []byte {
	best := 0
	for i, f := range s.frames {
		if f.size > s.frames[best].size {
			best = i
		}
	}
	return s.frames[best].jpeg
}

// completeRequest finishes a session.
type completeRequest struct {
	Nonce   string          `json:"nonce"`
	PIN     string          `json:"pin"`
	Payload json.RawMessage `json:"payload"`
}

func (h *Handler) complete(w http.ResponseWriter, r *http.Request) {
	var req completeRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, service.MaxPayloadBytes+4<<10)).Decode(&req); err != nil {
		writeFio(w, fioErr("PROCESSING_ERR", http.StatusBadRequest, "the body must be JSON: {nonce, pin?, payload?} with a payload under 16 kB"))
		return
	}
	s, err := h.sessions.take(r.PathValue("id"), req.Nonce, time.Now())
	if err != nil {
		writeFio(w, asFio(err))
		return
	}
	defer s.mu.Unlock()
	if s.phase != ready {
		writeFio(w, h.fail(s, fioErr("PROCESSING_ERR", http.StatusConflict, "the frames are not done yet")))
		return
	}
	if bytes.Equal(bytes.TrimSpace(req.Payload), []byte("null")) {
		req.Payload = nil
	}
	result, err := h.run(r.Context(), s, req)
	if err != nil {
		fe := asFio(err)
		if again := h.retry(s, visage.ErrorCode(err), fe); again != nil {
			writeFio(w, again)
			return
		}
		if fe.status >= 500 {
			h.cfg.Logger.Error("widget complete failed", "app", s.app.ID, "err", err)
		}
		writeFio(w, h.fail(s, fe))
		return
	}
	h.finish(s, true)
	writeJSON(w, http.StatusOK, result)
}

// run does the session's operation with what complete brought.
func (h *Handler) run(ctx context.Context, s *session, req completeRequest) (any, error) {
	switch {
	case s.op == Enroll:
		imgs := make([][]byte, len(s.frames))
		for i, f := range s.frames {
			imgs[i] = f.jpeg
		}
		e, err := h.svc.Enroll(ctx, s.app, service.EnrollRequest{Images: imgs, Payload: req.Payload, PIN: req.PIN})
		if err != nil {
			return nil, err
		}
		return enrolledJSON(e), nil
	case s.result != nil:
		return s.result, nil
	case s.pin == "confirm":
		rec, err := h.svc.Authenticate(ctx, s.app, s.bestFrame(), req.PIN)
		if err != nil {
			return nil, err
		}
		return map[string]any{"facialId": rec.FacialID, "payload": rec.Payload}, nil
	}
	return nil, errors.New("widget: session ready without a result")
}

// retry keeps the session open after the errors the person can correct
// (a taken PIN; a wrong PIN with tries left) and says so with the next
// nonce; it returns nil when the error ends the session.
func (h *Handler) retry(s *session, code visage.Code, fe *fioError) *fioError {
	switch code {
	case visage.CodeUniquePINRequired:
	case visage.CodeWrongPIN, visage.CodePINRequired, visage.CodePINLocked:
		s.pinTries++
		left := service.PINLockAfter - s.pinTries
		if code == visage.CodePINLocked || left <= 0 {
			left = 0
			fe.TriesLeft = &left
			return nil
		}
		fe.TriesLeft = &left
	default:
		return nil
	}
	fe.Nonce = s.nonce
	return fe
}

func median(v []float32) float32 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
