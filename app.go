package visage

import (
	"encoding/json"
	"time"
)

// App is one website's tenancy: its faces, keys, settings and usage are
// its own, and every query is scoped to it.
type App struct {
	// ID is internal and never leaves the server's admin surface.
	ID string
	// PublicID is safe to put in a web page: the browser widget opens
	// sessions with it. It grants nothing a page could not already do.
	PublicID  string
	Name      string
	Plan      string // "free", "pro" or "enterprise"
	Settings  AppSettings
	CreatedAt time.Time
}

// AppSettings are the rules the service enforces for an app.
type AppSettings struct {
	// Level is the accuracy level 1–8: matches need the cosine at
	// false-match rate 10^-Level (see docs/scores.md). Default 4.
	Level int `json:"level"`
	// PreventDuplicates refuses to enroll a face that already matches one
	// of the app's faces (FACE_DUPLICATION).
	PreventDuplicates bool `json:"prevent_duplicates"`
	// RequirePIN makes a PIN mandatory at enrollment; UniquePIN refuses a
	// PIN another face of the app already has (UNIQUE_PIN_REQUIRED).
	RequirePIN bool `json:"require_pin"`
	UniquePIN  bool `json:"unique_pin"`
	// MinAge refuses faces estimated younger than MinAge plus the safety
	// margin (MINORS_NOT_ALLOWED); 0 turns the gate off.
	MinAge int `json:"min_age"`
	// RequireLiveness refuses faces the anti-spoofing model scores as not
	// live (PAD_ATTACK).
	RequireLiveness bool `json:"require_liveness"`
	// LearnTemplates keeps a person's face up to date: a login that
	// proved a live person and matched one level stricter than Level
	// adds its template to the face, up to service.MaxLearned, beside
	// the enrolled ones (docs/api.md).
	LearnTemplates bool `json:"learn_templates"`

	// The browser widget's gate (docs/widget.md). AllowedOrigins, when
	// set, are the only web origins ("https://shop.example") whose pages
	// may open widget sessions (FORBIDDDEN_ORIGIN); RejectEmptyOrigin
	// refuses a request that names no origin at all (EMPTY_ORIGIN).
	AllowedOrigins    []string `json:"allowed_origins,omitempty"`
	RejectEmptyOrigin bool     `json:"reject_empty_origin"`
	// AllowedCountries, when set, are the ISO 3166-1 alpha-2 codes from
	// which widget sessions may be opened (FORBIDDDEN_COUNTRY), as read
	// from the header the server is configured to trust.
	AllowedCountries []string `json:"allowed_countries,omitempty"`

	// The Auther dialect's request signing (docs/migrating-from-auther.md).
	// AutherSigningKey is the PEM of the RSA public key (2048 bits or
	// more) the app's backend signs requests with; a signed request is
	// checked against it. AutherRequireSignature refuses unsigned ones.
	// The dialect checks the key (service.ParseSigningKey), since a PEM
	// is only known to be good once parsed.
	AutherSigningKey       string `json:"auther_signing_key,omitempty"`
	AutherRequireSignature bool   `json:"auther_require_signature"`
	// RetentionDays deletes faces that have not authenticated for this
	// many days (counted from enrollment for a face never used), with a
	// face.deleted event; 0 keeps them until they are deleted.
	RetentionDays int `json:"retention_days"`
}

// APIKey is a private key of an app. Only its hash is stored; Prefix is
// the start of the key, kept in clear so a key can be listed and found.
type APIKey struct {
	ID        string
	AppID     string
	Prefix    string
	Hash      []byte
	CreatedAt time.Time
	RevokedAt *time.Time
	// LastUsedAt is when the key last authenticated a request (zero:
	// never), to the hour (store.Store.TouchKey).
	LastUsedAt time.Time
}

// Face is an enrolled person of an app: one or more templates, and what
// the app attached to them. Templates and payload are encrypted at rest.
type Face struct {
	ID         string // the facial ID, a UUID
	AppID      string
	ExternalID string // the app's own name for the person; unique per app, optional
	Payload    json.RawMessage
	PINHash    []byte // nil when the face has no PIN
	Templates  []Template
	Age        float32
	Female     float32
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// LastUsedAt is when the face last authenticated (zero: never), to
	// the hour (store.Store.TouchFace).
	LastUsedAt time.Time
	// PIN lockout: consecutive wrong PINs and when the lock ends.
	PINFailures    int
	PINLockedUntil time.Time
	// Number is the face's number in its app, from 1 in enrollment order
	// and never given twice: FaceAuth shows face IDs as numbers. The
	// store gives it; a face created with one keeps it (a replacement).
	Number int64
}

// Template is a face embedding and the model that made it. Templates of
// different models are never compared.
type Template struct {
	Model  string
	Vector []float32
	// Learned marks a template added after a login rather than at
	// enrollment (AppSettings.LearnTemplates).
	Learned bool
}
