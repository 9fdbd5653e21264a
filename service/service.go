// Package service holds Visage's use cases: enroll, authenticate, verify,
// compare, detect and manage faces for an application. It knows nothing of
// HTTP or of which API dialect called it; every error it returns carries a
// visage.Code that the callers map to their own status and spelling.
//
// Writes go to the store first and to the in-memory gallery only once
// committed: the store is the truth, the gallery is derived from it.
package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/cluster"
	"github.com/visagehq/visage/face"
	"github.com/visagehq/visage/index"
	"github.com/visagehq/visage/match"
	"github.com/visagehq/visage/store"
)

// Engine is the part of face.Engine the service uses.
type Engine interface {
	Analyze(ctx context.Context, image []byte, opts face.Options) ([]face.Face, error)
}

// Limits the service enforces on what clients send.
const (
	MaxImages       = 5
	MaxPayloadBytes = 16 << 10
	MaxExternalID   = 256
	MinPINDigits    = 4
	MaxPINDigits    = 16
	PINLockAfter    = 3
	PINLockFor      = 15 * time.Minute
	MinorsMargin    = 5 // years added to an app's minimum age (docs/accuracy.md, "The minors gate")
	// Background is the share of the tallest face's height under which a
	// face does not count as a second person in a photo that must show
	// one: a poster, or a passer-by far behind (face.Options.Background).
	Background = 0.5
	// MaxYaw is how far, in degrees, a head may be turned. Beyond it the
	// face cannot be aligned to the frontal reference and its template is
	// unreliable: a profile face has matched a stranger at level 4. The
	// landmark fit reads a full profile as only 60–65° (docs/engine.md),
	// so the limit sits below that. It refuses 1.2 % of LFW's photos; the
	// most turned of them, inspected, are three-quarter views or profiles.
	MaxYaw = 50

	// MinEnrollQuality is the quality score (face.Quality.Score) under
	// which a photo sent to enroll is refused with LOW_QUALITY: a photo
	// that matches another of the same person less often than not.
	// docs/engine.md has what it refuses and prevents.
	MinEnrollQuality = 0.5

	// MaxDetectFaces is how many faces detect analyses, the largest
	// first. Each costs every model's run, about 30 ms of a core: a crowd
	// photo must not buy two seconds of it with one call.
	MaxDetectFaces = 16
)

// What LOW_QUALITY's advice blames, in order: a face under
// qualitySmallFace pixels tall (advised to be qualityGoodSize), a head
// turned more than qualityTurned degrees, a face less sharp than
// qualityBlurred (the floor Auther's dialect applies too), else the light.
const (
	qualitySmallFace = 60
	qualityGoodSize  = 100
	qualityTurned    = 30
	qualityBlurred   = MinPersonSharpness
)

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	store   store.Store
	gallery *index.Gallery
	follow  Follower // nil on a server alone
	engine  Engine
	table   *match.Table
	pinKey  []byte
	log     *slog.Logger
	now     func() time.Time
	plans   map[string]Plan
	limits  *limiter // the API's requests
	pages   *limiter // the widget sessions pages open with the public ID

	// enrollMu serialises the duplicate check and the insert of one app's
	// enrollments, so two simultaneous enrollments of one person cannot
	// both pass the check.
	enrollMu sync.Map // app ID → *sync.Mutex

	subscribed sync.Map // app ID → subscription (logins.go)
}

// Config wires a Service.
type Config struct {
	Store   store.Store
	Gallery *index.Gallery
	// Follower, on a replica sharing its store with others, keeps Gallery
	// in step with the store's change log (replica.Follower); nil on a
	// server alone, whose gallery takes its writes directly.
	Follower Follower
	Engine   Engine
	// Table is the score calibration of the engine's recogniser pack
	// (Engine.Pack().Calibration). Without it nothing can be matched: a
	// level means nothing for an uncalibrated recogniser.
	Table *match.Table
	// PINKey keys the PIN hash (HMAC-SHA-256). PINs have so few values that
	// a salted slow hash would not stop an offline search anyway; what
	// protects them is this server-side secret and the lockout after
	// PINLockAfter wrong tries. Being deterministic, the keyed hash also
	// lets the service check that a PIN is unique within an app.
	PINKey []byte
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Plans are the limits of each plan; default DefaultPlans.
	Plans map[string]Plan
	// Shared holds the plans' budgets that the replicas of a deployment
	// share (cluster.Redis); nil keeps them in this process's memory, for
	// a server alone.
	Shared cluster.State
}

// New returns a Service. The gallery must already hold the store's faces
// (see LoadGallery).
func New(c Config) *Service {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Plans == nil {
		c.Plans = DefaultPlans
	}
	return &Service{store: c.Store, gallery: c.Gallery, follow: c.Follower, engine: c.Engine, table: c.Table, pinKey: c.PINKey, log: c.Logger, now: c.Now,
		plans:  c.Plans,
		limits: newLimiter(c.Shared, "api", "requests", c.Store.MonthCalls),
		pages:  newLimiter(c.Shared, "pages", "widget sessions", c.Store.MonthSessions)}
}

// LoadGallery fills g with every template in st: the index is rebuilt
// from the store at every start. A face whose templates the gallery
// refuses is logged and left out rather than keeping the server down.
func LoadGallery(ctx context.Context, st store.Store, g *index.Gallery, log *slog.Logger) error {
	return st.EachTemplate(ctx, func(appID, faceID string, t []visage.Template) error {
		if err := g.Put(appID, faceID, t); err != nil {
			log.Error("face not indexed", "app", appID, "face", faceID, "err", err)
		}
		return nil
	})
}

// Follower is what the service needs of a gallery that follows a shared
// store (replica.Follower).
type Follower interface {
	// Sync returns once the gallery holds every change committed before
	// it was called.
	Sync(ctx context.Context) error
}

// syncWait bounds how long a committed write waits for the gallery to
// apply it before it is acknowledged anyway.
const syncWait = 2 * time.Second

// indexed brings the gallery up to a write the store has committed. A
// server alone applies it directly (put); a replica's follower applies the
// store's change log up to it instead, in commit order with the writes of
// every other replica, so that an enrollment here and a deletion there
// land in every gallery in the order they committed. The write is
// committed either way: when the follower is slow, it is acknowledged and
// applied moments later.
func (s *Service) indexed(ctx context.Context, put func()) {
	if s.follow == nil {
		put()
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), syncWait)
	defer cancel()
	if err := s.follow.Sync(ctx); err != nil {
		s.log.Warn("a committed write is not in this replica's gallery yet; it will be", "err", err)
	}
}

// caughtUp brings a replica's gallery up to the store before a check that
// reads it (duplicates): the check must see the enrollments made through
// the other replicas. A server alone's gallery is always up to date.
func (s *Service) caughtUp(ctx context.Context) error {
	if s.follow == nil {
		return nil
	}
	return s.follow.Sync(ctx)
}

// lockApp serialises the writes of one app whose checks read its faces
// first (no duplicate person, no PIN taken twice): within this process
// with a mutex, and, when the store is shared by replicas, across them
// with the store's lock (store.AppLocker), which a replica's writers then
// take one at a time.
func (s *Service) lockApp(ctx context.Context, appID string) (unlock func(), err error) {
	m, _ := s.enrollMu.LoadOrStore(appID, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	locker, ok := s.store.(store.AppLocker)
	if !ok {
		return mu.Unlock, nil
	}
	release, err := locker.LockApp(ctx, appID)
	if err != nil {
		mu.Unlock()
		return nil, err
	}
	return func() { release(); mu.Unlock() }, nil
}

// threshold is the cosine an app's faces must reach to match.
func (s *Service) threshold(app *visage.App) (float32, error) {
	level := app.Settings.Level
	if level == 0 {
		level = match.DefaultLevel
	}
	if s.table == nil {
		return 0, visage.Errorf(visage.CodeInternal, "the recogniser has no calibration; run `visage calibrate`")
	}
	return s.table.Threshold(level)
}

func (s *Service) pinHash(pin string) []byte {
	m := hmac.New(sha256.New, s.pinKey)
	m.Write([]byte(pin))
	return m.Sum(nil)
}

func validPIN(pin string) bool {
	if len(pin) < MinPINDigits || len(pin) > MaxPINDigits {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func validPayload(p json.RawMessage) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > MaxPayloadBytes {
		return visage.Errorf(visage.CodeInvalidRequest, "payload is %d bytes; the limit is %d", len(p), MaxPayloadBytes)
	}
	if !json.Valid(p) {
		return visage.Errorf(visage.CodeInvalidRequest, "payload is not valid JSON")
	}
	return nil
}
