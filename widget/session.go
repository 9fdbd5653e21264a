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

// frame is what a session keeps of a still camera frame: its analysis,
// which checks the frames that follow and, for an enrollment, goes to the
// service at the end. Not its bytes: a JPEG is larger than all of this
// but the crop, and anyone can send frames. It lives in memory only, for
// the session's life.
type frame struct {
	face     *face.Face     // template, age and gender; its crop is in shape
	shape    liveness.Frame // pose, landmarks and, for references, the crop
	size     float32        // face height as a fraction of the frame's
	liveness float32
}

// session is one widget operation. Its mutex serialises the requests of
// one page; the nonce, replaced at every answer, makes a copied or
// replayed request fail.
type session struct {
	mu     sync.Mutex
	id     string
	nonce  string
	app    *visage.App
	op     Operation
	userID string // Verify: the external ID the page claims
	client string // the visitor's address (clientAddress), for the limits
	// analysed counts the frames the engine analysed, for usage and
	// Config.MaxAnalysedFrames.
	analysed int
	// uniqueTries counts the PINs refused as taken (maxUniquePINTries).
	uniqueTries int
	expiry      *time.Timer
	moves       []liveness.Move
	move        int // the movement asked now
	idle        time.Duration
	expires     time.Time

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
// several replicas serve one host). It counts them per app and per
// visitor, for the limits.
type sessions struct {
	mu       sync.Mutex
	m        map[string]*session
	byApp    map[string]int
	byClient map[string]int
}

func newSessions() sessions {
	return sessions{m: map[string]*session{}, byApp: map[string]int{}, byClient: map[string]int{}}
}

// add opens s unless that would go over a limit: the server's (503, so
// that no app or visitor is blamed), the app's or the visitor's (429).
func (ss *sessions) add(s *session, lim Config) *fioError {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	switch {
	case len(ss.m) >= lim.MaxSessions:
		return tooMany(http.StatusServiceUnavailable, "the server has too many widget sessions open")
	case ss.byApp[s.app.ID] >= lim.MaxSessionsPerApp:
		return tooMany(http.StatusTooManyRequests, "too many widget sessions are open for this application")
	case ss.byClient[s.client] >= lim.MaxSessionsPerAddress:
		return tooMany(http.StatusTooManyRequests, "too many widget sessions are open from this address")
	}
	ss.m[s.id] = s
	ss.byApp[s.app.ID]++
	ss.byClient[s.client]++
	return nil
}

func tooMany(status int, msg string) *fioError {
	e := fioErr("TOO_MANY_REQUESTS", status, msg)
	e.retry = sessionRetry
	return e
}

func (ss *sessions) remove(id string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil {
		return
	}
	delete(ss.m, id)
	decrement(ss.byApp, s.app.ID)
	decrement(ss.byClient, s.client)
}

// decrement counts one down, dropping a key at zero so that the maps hold
// only who has sessions open.
func decrement(m map[string]int, key string) {
	if m[key] <= 1 {
		delete(m, key)
	} else {
		m[key]--
	}
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

// end closes the session: no request can use it again, and what it kept
// of its frames is dropped, as is its expiry timer, which would hold the
// session until its TTL.
func (s *session) end() {
	s.ended = true
	s.frames, s.ref, s.moves, s.seen, s.livenessN = nil, nil, nil, nil, nil
	s.result = nil
	if s.expiry != nil {
		s.expiry.Stop()
	}
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
		// As FaceAuth's REST verify: the face's number, and Visage's ID.
		"user": map[string]any{"id": v.Number, "external_user_id": v.ExternalID, "name": v.ExternalID, "facial_id": v.FacialID},
	}
}
