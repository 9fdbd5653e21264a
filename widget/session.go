package widget

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
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

// sessions holds the live sessions of this server. Sessions are per
// server: the page talks to the server that opened its session (sticky
// routing when several replicas serve one host), and MaxSessions bounds
// this server's memory. The limits per app and per visitor hold across
// the replicas: a session counts in its app's and its visitor's set in
// the shared state until it ends or expires, so that a replica that dies
// holds its places no longer than its sessions would have lasted.
type sessions struct {
	mu     sync.Mutex
	m      map[string]*session
	shared cluster.State
}

func newSessions(shared cluster.State) sessions {
	return sessions{m: map[string]*session{}, shared: cluster.OrMemory(shared)}
}

// places are the shared sets a session counts in: its visitor's, then
// its app's. The visitor's first: a flood from one address is refused
// there, without touching the app's set that other visitors need.
func (s *session) places() []string {
	return []string{"widget:address:" + s.client, "widget:app:" + s.app.ID}
}

// member is the session in the shared sets: a hash of its ID, which is
// half of what a request needs to use the session, so that whoever reads
// the shared state cannot use it.
func (s *session) member() string {
	sum := sha256.Sum256([]byte(s.id))
	return hex.EncodeToString(sum[:16])
}

// add opens s unless that would go over a limit: the server's (503, so
// that no app or visitor is blamed), the app's or the visitor's (429).
// The session holds its place on this server while the shared sets are
// asked, so that a flood cannot pass MaxSessions meanwhile.
func (ss *sessions) add(ctx context.Context, s *session, lim Config) *fioError {
	ss.mu.Lock()
	if len(ss.m) >= lim.MaxSessions {
		ss.mu.Unlock()
		return tooMany(http.StatusServiceUnavailable, "the server has too many widget sessions open")
	}
	ss.m[s.id] = s
	ss.mu.Unlock()
	limits := []struct {
		max  int
		full string
	}{
		{lim.MaxSessionsPerAddress, "too many widget sessions are open from this address"},
		{lim.MaxSessionsPerApp, "too many widget sessions are open for this application"},
	}
	for i, key := range s.places() {
		ok, err := ss.shared.Join(ctx, key, s.member(), limits[i].max, s.expires, s.opened)
		if err == nil && ok {
			continue
		}
		// Given back even if the client has gone, lest its places stay
		// taken until the session's expiry; one that cannot be given
		// back now frees itself then.
		ss.leave(context.WithoutCancel(ctx), s, s.places()[:i])
		ss.mu.Lock()
		delete(ss.m, s.id)
		ss.mu.Unlock()
		if err != nil {
			return asFio(err)
		}
		return tooMany(http.StatusTooManyRequests, limits[i].full)
	}
	return nil
}

func tooMany(status int, msg string) *fioError {
	e := fioErr("TOO_MANY_REQUESTS", status, msg)
	e.retry = sessionRetry
	return e
}

// remove forgets the session, here and in the shared sets.
func (ss *sessions) remove(ctx context.Context, id string) error {
	ss.mu.Lock()
	s := ss.m[id]
	delete(ss.m, id)
	ss.mu.Unlock()
	if s == nil {
		return nil
	}
	return ss.leave(ctx, s, s.places())
}

func (ss *sessions) leave(ctx context.Context, s *session, places []string) error {
	var errs []error
	for _, key := range places {
		errs = append(errs, ss.shared.Leave(ctx, key, s.member()))
	}
	return errors.Join(errs...)
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
