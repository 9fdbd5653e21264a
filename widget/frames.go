package widget

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"net/http"
	"slices"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
)

// What makes a still frame good enough to keep.
const (
	stillFrames = 3    // frames kept before the movements
	minFaceSize = 0.2  // face height over frame height ("move closer")
	maxStillYaw = 25   // degrees ("face the camera")
	maxShift    = 0.08 // face centre's move between frames, over frame width ("hold still")
	// Every frame after the still ones shows a face of about their size:
	// a head turning in front of a camera keeps its size; a picture
	// swapped for another, or brought closer, does not.
	maxSizeChange = 1.33
)

// frameAnswer is what the page shows after each frame.
type frameAnswer struct {
	Nonce    string    `json:"nonce"`
	Guidance string    `json:"guidance"`
	Progress float32   `json:"progress"`
	Face     *faceRect `json:"face"`
	Done     bool      `json:"done"`
	PIN      string    `json:"pin"`
	// Step and Steps say which movement is asked (1-based) of how many,
	// while movements are asked.
	Step  int `json:"step,omitempty"`
	Steps int `json:"steps,omitempty"`
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
	// The session and its nonce first: a body is read only for a page
	// that holds one.
	s, err := h.sessions.take(r.PathValue("id"), r.Header.Get("X-Visage-Nonce"), time.Now())
	if err != nil {
		writeFio(w, asFio(err))
		return
	}
	defer s.mu.Unlock()
	body, bad := readFrame(w, r)
	now := time.Now() // the frame's arrival, the only clock liveness trusts
	var fw, fh int
	if bad == nil {
		fw, fh, bad = checkFrame(body)
	}
	// A camera never sends such a frame: the session ends.
	if bad != nil {
		writeFio(w, h.fail(s, bad))
		return
	}
	if s.phase == ready {
		writeFio(w, h.fail(s, fioErr("PROCESSING_ERR", http.StatusConflict, "the frames are done: complete the session")))
		return
	}
	ans, err := h.step(r.Context(), s, body, image.Pt(fw, fh), now)
	if err != nil {
		fe := asFio(err)
		if fe.status >= 500 {
			h.cfg.Logger.Error("widget frame failed", "app", s.app.ID, "err", err)
		}
		writeFio(w, h.fail(s, fe))
		return
	}
	s.last = *ans
	ans.Nonce = s.nonce
	writeJSON(w, http.StatusOK, ans)
}

// fail ends the session with an error.
func (h *Handler) fail(s *session, e *fioError) *fioError {
	h.finish(s, false)
	return e
}

// step moves a session on by one frame, a JPEG of dim pixels.
func (h *Handler) step(ctx context.Context, s *session, jpeg []byte, dim image.Point, now time.Time) (*frameAnswer, error) {
	s.nframes++
	if s.nframes > maxFrames {
		return nil, errTimeout("too many frames without a result")
	}
	if s.lastFace.IsZero() {
		s.lastFace, s.lastSteps = now, now // the first frame starts the clocks
	}
	// Time runs out whether frames count or not: a camera that froze, or
	// a page that sends one frame over and over, gets its answer too.
	if err := h.deadlines(s, now); err != nil {
		return nil, err
	}
	// A frame that comes sooner after the last counted one than a camera
	// gives them, or that was sent before, is answered as the last one
	// was and counts for nothing: it is not even analysed.
	sum := sha256.Sum256(jpeg)
	if now.Sub(s.counted) < liveness.MinFrameGap || s.seen[sum] {
		last := s.last
		return &last, nil
	}
	s.counted, s.seen[sum] = now, true
	// Each analysis is counted (usage, apart from API calls), and a
	// session gets so many: a page that keeps one open for its whole idle
	// time cannot have hundreds analysed.
	if s.analysed >= h.cfg.MaxAnalysedFrames {
		return nil, errTimeout(fmt.Sprintf("a session is given %d frames; start another", h.cfg.MaxAnalysedFrames))
	}
	s.analysed++
	analyse := h.svc.Frame
	if s.op == Enroll && s.phase == still {
		analyse = h.svc.EnrollmentFrame // the still frames are what is enrolled
	}
	f, err := analyse(ctx, s.app, jpeg)
	switch code := visage.ErrorCode(err); code {
	case "":
	case visage.CodeNoFace, visage.CodeManyFaces:
		s.lastBox, s.faceless = nil, code
		if err := h.deadlines(s, now); err != nil {
			return nil, err
		}
		g := "no_face"
		if code == visage.CodeManyFaces {
			g = "many_faces"
		}
		return s.answer(&frameAnswer{Guidance: g}, 0), nil
	default:
		return nil, err
	}
	s.lastFace, s.faceless = now, ""
	width, height := float32(dim.X), float32(dim.Y)
	fr := frame{face: f, size: f.Box.H / height, shape: liveness.FrameOf(f)}
	f.Crop = nil // shape holds it, and lets it go when it is no longer needed
	if f.Liveness != nil {
		fr.liveness = *f.Liveness
	}
	ans := &frameAnswer{Face: &faceRect{
		X: f.Box.X / width, Y: f.Box.Y / height,
		W: f.Box.W / width, H: f.Box.H / height}}
	shift := float32(0)
	if s.lastBox != nil {
		dx := (f.Box.X + f.Box.W/2) - (s.lastBox.X + s.lastBox.W/2)
		dy := (f.Box.Y + f.Box.H/2) - (s.lastBox.Y + s.lastBox.H/2)
		shift = max(abs(dx), abs(dy)) / width
	}
	s.lastBox = &f.Box

	if len(s.frames) > 0 {
		same, err := h.svc.SamePerson(s.app, s.frames[0].face.Template, f.Template)
		if err != nil {
			return nil, err
		}
		if !same {
			if s.op == Enroll || s.phase != still {
				// Another person doing the movements is not the person
				// who was seen: that ends a login too.
				return nil, fioErr("FACE_MISMATCH", http.StatusUnprocessableEntity, "the frames of this session show different people")
			}
			// Someone else stepped in before any movement: start again
			// with them, with the same movements to make.
			s.restart()
		}
	}
	if s.phase != still && (fr.size > s.stillSize()*maxSizeChange || fr.size*maxSizeChange < s.stillSize()) {
		ans.Guidance = "hold_still"
		return s.answer(ans, 0), nil
	}

	switch s.phase {
	case still:
		switch {
		case fr.size < minFaceSize:
			ans.Guidance = "move_closer"
		case abs(fr.shape.Yaw) > maxStillYaw:
			ans.Guidance = "face_camera"
		case shift > maxShift:
			ans.Guidance = "hold_still"
		default:
			s.frames = append(s.frames, fr)
			s.livenessN = append(s.livenessN, fr.liveness)
			s.lastSteps = now
			ans.Guidance = "ok"
			if len(s.frames) == stillFrames {
				if err := h.passive(s, false); err != nil {
					return nil, err
				}
				s.ref = &s.frames[stillFrames-1].shape
				s.startMove(0, s.ref, now)
				ans.Guidance = string(s.moves[0].Movement)
			}
		}
		// Only references keep their crop: it is the only copy of the
		// face that liveness needs later.
		for i := range len(s.frames) - 1 {
			s.frames[i].shape.Crop = nil
		}
		return s.answer(ans, 0), nil
	case moving:
		mv := &s.moves[s.move]
		s.livenessN = append(s.livenessN, fr.liveness)
		out := mv.Step(&fr.shape, now)
		if out.Attack != "" {
			return nil, h.attack(s, out.Attack)
		}
		if !out.Done {
			ans.Guidance = string(mv.Movement)
			if out.Progress >= 1 {
				ans.Guidance = "hold"
			}
			return s.answer(ans, out.Progress), nil
		}
		s.lastSteps = now
		// Only a movement under way judges frames against the crop of its
		// reference: a session holds one crop at a time.
		mv.Ref.Crop = nil
		if s.move+1 < len(s.moves) {
			s.phase = centring
			ans.Guidance = "face_camera"
			return s.answer(ans, 1), nil
		}
		if err := h.passive(s, true); err != nil {
			return nil, err
		}
		h.record(s, liveness.ReasonLive)
		if err := h.decide(ctx, s); err != nil {
			return nil, err
		}
		ans.Guidance, ans.Done = "ok", true
		return s.answer(ans, 1), nil
	case centring:
		s.livenessN = append(s.livenessN, fr.liveness)
		if !liveness.Frontal(s.ref, &fr.shape) {
			ans.Guidance = "face_camera"
			return s.answer(ans, 1), nil
		}
		// Back in front: this frame is the next movement's reference.
		s.lastSteps = now
		ref := fr.shape
		s.startMove(s.move+1, &ref, now)
		ans.Guidance = string(s.moves[s.move].Movement)
		return s.answer(ans, 0), nil
	}
	return nil, fioErr("PROCESSING_ERR", http.StatusConflict, "the frames are done")
}

// deadlines ends a session that has waited too long: for a face (the
// idle timeout), for the guidance to be followed (the idle timeout again,
// from the last frame that moved things on: someone who stays in view but
// never does what is asked is not waited for forever), or for the
// movement asked (liveness.MaxMoveTime).
func (h *Handler) deadlines(s *session, now time.Time) error {
	switch {
	case s.faceless != "" && now.Sub(s.lastFace) > s.idle:
		if s.faceless == visage.CodeManyFaces {
			return fioErr("MANY_FACES", http.StatusUnprocessableEntity, "more than one face stayed in view")
		}
		return fioErr("NO_FACES_DETECTED", http.StatusUnprocessableEntity, "no face was seen for the idle timeout")
	case now.Sub(s.lastSteps) > s.idle:
		return h.timeout(s, "the guidance was not followed in time")
	case s.phase == moving && now.Sub(s.moves[s.move].Start) > liveness.MaxMoveTime:
		return h.timeout(s, "the movement asked for was not made in time")
	}
	return nil
}

// answer completes a frame answer with the session's state. progress is
// that of the current movement, from 0 to 1.
func (s *session) answer(a *frameAnswer, progress float32) *frameAnswer {
	a.PIN = s.pin
	// The still frames are the first 40 % of the bar, each movement an
	// equal share of the rest.
	switch s.phase {
	case still:
		a.Progress = 0.4 * float32(len(s.frames)) / stillFrames
	case ready:
		a.Progress = 1
	default:
		share := 0.6 / float32(len(s.moves))
		a.Progress = 0.4 + share*(float32(s.move)+min(max(progress, 0), 1))
		a.Step, a.Steps = s.move+1, len(s.moves)
	}
	return a
}

// startMove asks for movement i, measured from ref.
func (s *session) startMove(i int, ref *liveness.Frame, now time.Time) {
	s.phase, s.move = moving, i
	s.moves[i].Ref, s.moves[i].Start = ref, now
}

// restart forgets the still frames of the person who stepped out of
// view.
func (s *session) restart() { s.frames, s.livenessN = nil, nil }

// stillSize is the median face size of the still frames.
func (s *session) stillSize() float32 {
	v := make([]float32, len(s.frames))
	for i, f := range s.frames {
		v[i] = f.size
	}
	return median(v)
}

// passive applies the texture model's scores of the frames so far to
// the session's verdict, against liveness.PassiveFloor (the movements
// prove a head on their own). After the still frames, a session ends
// when every frame scored below it, as a print's or a screen's do; at
// the end, the median of all frames must reach it, so that one odd frame
// neither lets a photo through nor stops a person. A few frames are not
// enough for a median: the model's score of one person's photo ranges
// from 0.07 to 0.97 with a camera's jitter alone (grey-scale people of
// head-turns).
func (h *Handler) passive(s *session, final bool) error {
	if !s.app.Settings.RequireLiveness {
		return nil
	}
	score := slices.Max(s.livenessN)
	if final {
		score = median(slices.Clone(s.livenessN))
	}
	if score < liveness.PassiveFloor {
		return h.attack(s, liveness.ReasonPassive)
	}
	return nil
}

// errPadAttack is all the page learns of why liveness failed.
var errPadAttack = fioErr("PAD_ATTACK", http.StatusForbidden, "the face does not appear to be a live person in front of the camera")

// attack records the session's verdict, tells the app's webhooks, and
// returns PAD_ATTACK.
func (h *Handler) attack(s *session, why liveness.Reason) error {
	h.record(s, why)
	// A page sent the frames: the event's caller is public.
	ctx, cancel := context.WithTimeout(service.WithCaller(context.Background(), ""), 5*time.Second)
	defer cancel()
	h.svc.ReportAttack(ctx, s.app, "widget", string(why))
	return errPadAttack
}

// timeout ends a session whose person did not do what was asked. When
// frames reached the movement's pose without ever showing a head's depth,
// that is a liveness verdict.
func (h *Handler) timeout(s *session, msg string) error {
	if s.phase == moving && s.moves[s.move].Unproven() {
		return h.attack(s, liveness.ReasonNoDepth)
	}
	return errTimeout(msg)
}

// errTimeout ends a session that took too long. Its status is 422, not
// 408: browsers resend a request answered 408 (as a connection the server
// closed), and the resent frame would find the session ended.
func errTimeout(msg string) *fioError {
	return fioErr("TIMEOUT", http.StatusUnprocessableEntity, msg)
}

// record keeps a session's one liveness verdict: in the log (by app and
// reason, nothing of the face) and in the metrics.
func (h *Handler) record(s *session, why liveness.Reason) {
	if s.verdict != "" {
		return
	}
	s.verdict = why
	h.cfg.Logger.Info("widget liveness verdict", "app", s.app.ID, "verdict", string(why))
	if h.cfg.OnVerdict != nil {
		h.cfg.OnVerdict(s.id, why)
	}
}

// decide runs the identification once the frames are in, so that the
// page learns whether to ask for a PIN. Enrollment waits for complete:
// it needs the payload and the PIN.
func (h *Handler) decide(ctx context.Context, s *session) error {
	s.phase = ready
	best := s.bestFrame()
	switch s.op {
	case Authenticate:
		rec, err := h.svc.AuthenticateTemplate(ctx, s.app, best, "")
		switch visage.ErrorCode(err) {
		case "":
			s.result = map[string]any{"facialId": rec.FacialID, "payload": rec.Payload}
		case visage.CodePINRequired:
			s.pin = "confirm"
		default:
			return err
		}
	case Verify:
		// A face with a PIN is asked for it, as a login is.
		res, err := h.verify(ctx, s, "")
		if visage.ErrorCode(err) == visage.CodePINRequired {
			s.pin = "confirm"
			return nil
		}
		if err != nil {
			return err
		}
		s.result = res
	}
	return nil
}

// verify checks that the session's face is the user the page names, by
// FaceAuth's rule, as FaceAuth's REST verify does: the script tag that
// asks for it is FaceAuth's.
func (h *Handler) verify(ctx context.Context, s *session, pin string) (map[string]any, error) {
	res, err := h.svc.VerifyTemplate(ctx, s.app, s.bestFrame(), "", s.userID, pin)
	if visage.ErrorCode(err) == visage.CodeNotFound ||
		(err == nil && !service.FaceAuthMatch(res.Match, h.svc.CalibratedDistance(res.Cosine), res.Similarity)) {
		return nil, fioErr("UNRECOGNIZED_FACE", http.StatusUnprocessableEntity, "the face is not that of the user the page names")
	}
	if err != nil {
		return nil, err
	}
	return verifiedJSON(res, s.userID), nil
}

// bestFrame is the template of the still frame most likely to be
// recognised, by its face's quality score (docs/engine.md), the larger
// face between equals: the session has decided its liveness, so it is not
// analysed again.
func (s *session) bestFrame() *visage.Template {
	best := 0
	for i, f := range s.frames {
		if q, b := frameQuality(f), frameQuality(s.frames[best]); q > b || q == b && f.size > s.frames[best].size {
			best = i
		}
	}
	return s.frames[best].face.Template
}

// frameQuality is a frame's quality score; every frame has one, since its
// template was computed.
func frameQuality(f frame) float32 {
	if q := f.face.Quality.Score; q != nil {
		return *q
	}
	return 0
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
		faces := make([]face.Face, len(s.frames))
		for i, f := range s.frames {
			faces[i] = *f.face
		}
		e, err := h.svc.Enroll(ctx, s.app, service.EnrollRequest{Faces: faces, Payload: req.Payload, PIN: req.PIN, Live: s.app.Settings.RequireLiveness})
		if err != nil {
			return nil, err
		}
		return enrolledJSON(e), nil
	case s.result != nil:
		return s.result, nil
	case s.pin == "confirm" && s.op == Verify:
		return h.verify(ctx, s, req.PIN)
	case s.pin == "confirm":
		rec, err := h.svc.AuthenticateTemplate(ctx, s.app, s.bestFrame(), req.PIN)
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
		// Each refusal says that someone has this PIN: a page must not
		// get to try PINs without end to learn which are taken.
		s.uniqueTries++
		if s.uniqueTries >= maxUniquePINTries {
			return nil
		}
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
