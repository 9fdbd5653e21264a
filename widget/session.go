package widget

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/liveness"
	"github.com/visagehq/visage/service"
)

// Operation is what a session does once the frames are in.
type Operation string

const (
	Enroll       Operation = "enroll"
	Authenticate Operation = "authenticate"
	// Verify is FaceAuth's embed: is the person at the camera the user
	// the page names (1:1)?
	Verify Operation = "verify"
)

// phase is where a session is.
type phase int

const (
	still    phase = iota // collecting still, frontal frames
	moving                // waiting for a movement
	centring              // waiting for the face to come back to the front
	ready                 // frames done; waiting for complete (and a PIN)
)

// frame is a kept camera frame: the JPEG goes to the service at the end,
// the template and pose check the frames that follow. They live in memory
// only, for the session's life.
type frame struct {
	jpeg     []byte
	template *visage.Template
	shape    liveness.Frame // pose, landmarks and, for references, the crop
	size     float32        // face height as a fraction of the frame's
	liveness float32
}

// session is one widget operation. Its mutex serialises the requests of
// one page; the nonce, replaced at every answer, makes a copied or
// replayed request fail.
type session struct {
	mu      sync.Mutex
	id      string
	nonce   string
	app     *visage.App
	op      Operation
	userID  string // Verify: the external ID the page claims
	moves   []liveness.Move
	move    int // the movement asked now
	idle    time.Duration
	expires time.Time

	phase     phase
	opened    time.Time
	lastFace  time.Time   // last frame with exactly one face
	faceless  visage.Code // why the last analysed frame had none, if it had none
	lastSteps time.Time   // last frame that moved the operation on
	lastBox   *face.Rect
	frames    []frame // the still frames
	ref       *liveness.Frame
	livenessN []float32
	nframes   int
	// Server timing: the arrival of the last frame that was counted, and
	// the hashes of every frame received, so that frames sent faster than
	// a camera gives them, or sent twice, count for nothing.
	counted  time.Time
	seen     map[[32]byte]bool
	last     frameAnswer // repeated for a frame that is not counted
	verdict  liveness.Reason
	pin      string // "none", "choose" or "confirm"
	result   any    // the answer when nothing more is needed
	pinTries int
	ended    bool
}

// sessions holds the live sessions. Sessions are per server: the page
// talks to the server that opened its session (sticky routing when
// several replicas serve one host).
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func (ss *sessions) add(s *session) {
	ss.mu.Lock()
	ss.m[s.id] = s
	ss.mu.Unlock()
}

func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	delete(ss.m, id)
	ss.mu.Unlock()
}

func (ss *sessions) count(appID string) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	n := 0
	for _, s := range ss.m {
		if s.app.ID == appID {
			n++
		}
	}
	return n
}

var errExpired = fioErr("SESSION_EXPIRED", http.StatusGone, "this widget session has ended, expired or was replayed; open a new one")

// take finds a session and checks the request's nonce; on success the
// session is returned locked, with a new nonce for the answer.
func (ss *sessions) take(id, nonce string, now time.Time) (*session, error) {
	ss.mu.Lock()
	s := ss.m[id]
	ss.mu.Unlock()
	if s == nil {
		return nil, errExpired
	}
	s.mu.Lock()
	if s.ended || now.After(s.expires) || subtle.ConstantTimeCompare([]byte(nonce), []byte(s.nonce)) != 1 {
		s.mu.Unlock()
		return nil, errExpired
	}
	s.nonce = token()
	return s, nil
}

func token() string {
	var b [18]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// end closes the session: no request can use it again, and its frames
// are dropped.
func (s *session) end() {
	s.ended = true
	s.frames, s.ref, s.moves, s.seen = nil, nil, nil, nil
	s.result = nil
}

// enrolledJSON is fio.js's enroll result.
func enrolledJSON(e *service.Enrolled) map[string]any {
	gender := "male"
	if e.Female >= 0.5 {
		gender = "female"
	}
	return map[string]any{
		"facialId":  e.FacialID,
		"timestamp": e.Timestamp.UTC().Format(time.RFC3339),
		"details":   map[string]any{"gender": gender, "age": int(e.Age + 0.5)},
	}
}

// verifiedJSON is FaceAuth's verify result.
func verifiedJSON(v *service.VerifyResult, userID string) map[string]any {
	return map[string]any{
		"success": true, "match": true, "status": "match",
		"confidence": float64(int(v.Similarity*10+0.5)) / 10,
		"identity":   userID,
		"message":    "Verified as " + userID,
		"user":       map[string]any{"id": v.FacialID, "external_user_id": v.ExternalID, "name": v.ExternalID},
	}
}
