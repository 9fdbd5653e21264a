package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Client makes an application's /v1 calls with one of its private keys.
type Client struct{ c conn }

// New returns a client of the server at baseURL (http://127.0.0.1:8080)
// for the application whose private key (vsk_…) is key.
func New(baseURL, key string, opts ...Option) *Client {
	return &Client{newConn(baseURL, key, opts)}
}

// EnrollRequest enrolls a person: 1 to 5 photos showing one face each.
type EnrollRequest struct {
	Photos     []Photo
	ExternalID string // optional, unique in the app
	Payload    any    // optional, any JSON value (a json.RawMessage is sent as is)
	PIN        string // optional, 4–16 digits
}

// Enrollment is an enrolled face.
type Enrollment struct {
	FacialID   string    `json:"facial_id"`
	ExternalID string    `json:"external_id"`
	Timestamp  time.Time `json:"timestamp"`
	Details    struct {
		Age    float64 `json:"age"`
		Gender string  `json:"gender"`
	} `json:"details"`
	Quality Quality `json:"quality"`
}

// Quality is how usable a face is for recognition (docs/api.md, "Quality
// score"): Score from 0 to 1, Size the face's height in pixels, the head's
// pose in degrees.
type Quality struct {
	Score     float64     `json:"score"`
	Size      float64     `json:"size"`
	Sharpness float64     `json:"sharpness"`
	Yaw       float64     `json:"yaw"`
	Pitch     float64     `json:"pitch"`
	Roll      float64     `json:"roll"`
	EyesOpen  *[2]float64 `json:"eyes_open,omitempty"`
}

// Enroll is POST /v1/enroll.
func (c *Client) Enroll(ctx context.Context, r EnrollRequest) (*Enrollment, error) {
	f := newForm()
	for _, p := range r.Photos {
		f.photo("images", p)
	}
	f.text("external_id", r.ExternalID)
	f.json("payload", r.Payload)
	f.text("pin", r.PIN)
	var out Enrollment
	return result(&out, c.post(ctx, "/v1/enroll", f, &out))
}

// Match is the enrolled face a photo was recognised as.
type Match struct {
	FacialID   string          `json:"facial_id"`
	ExternalID string          `json:"external_id"`
	Payload    json.RawMessage `json:"payload"` // null when the face has none
	Similarity float64         `json:"similarity"`
}

// AuthenticateRequest asks who, among the app's faces, is on Photo.
type AuthenticateRequest struct {
	Photo Photo
	PIN   string // when the face matched has one
}

// Authenticate is POST /v1/authenticate.
func (c *Client) Authenticate(ctx context.Context, r AuthenticateRequest) (*Match, error) {
	f := newForm()
	f.photo("image", r.Photo)
	f.text("pin", r.PIN)
	var out Match
	return result(&out, c.post(ctx, "/v1/authenticate", f, &out))
}

// VerifyRequest asks whether Photo shows the face named by FacialID or
// ExternalID.
type VerifyRequest struct {
	Photo      Photo
	FacialID   string
	ExternalID string
	PIN        string // when the face has one
}

// Verification is the answer of Verify.
type Verification struct {
	Match      bool    `json:"match"`
	Similarity float64 `json:"similarity"`
	FacialID   string  `json:"facial_id"`
	ExternalID string  `json:"external_id"`
}

// Verify is POST /v1/verify.
func (c *Client) Verify(ctx context.Context, r VerifyRequest) (*Verification, error) {
	f := newForm()
	f.photo("image", r.Photo)
	f.text("facial_id", r.FacialID)
	f.text("external_id", r.ExternalID)
	f.text("pin", r.PIN)
	var out Verification
	return result(&out, c.post(ctx, "/v1/verify", f, &out))
}

// Comparison is the answer of Compare, for the largest face of each photo.
type Comparison struct {
	Match      bool    `json:"match"`
	Similarity float64 `json:"similarity"`
	Cosine     float64 `json:"cosine"`
	Distance   float64 `json:"distance"`
}

// Compare is POST /v1/compare.
func (c *Client) Compare(ctx context.Context, a, b Photo) (*Comparison, error) {
	f := newForm()
	f.photo("image1", a)
	f.photo("image2", b)
	var out Comparison
	return result(&out, c.post(ctx, "/v1/compare", f, &out))
}

// DetectedFace is one face Detect found, in the photo's pixels.
type DetectedFace struct {
	Box       struct{ X, Y, W, H float64 } `json:"box"`
	Score     float64                      `json:"score"`
	Landmarks []struct{ X, Y float64 }     `json:"landmarks"`
	Quality   Quality                      `json:"quality"`
	Liveness  float64                      `json:"liveness"`
	Age       float64                      `json:"age"`
	Gender    string                       `json:"gender"`
}

// Detect is POST /v1/detect: the 16 largest faces of photo, largest
// first; none is not an error.
func (c *Client) Detect(ctx context.Context, photo Photo) ([]DetectedFace, error) {
	f := newForm()
	f.photo("image", photo)
	var out struct {
		Faces []DetectedFace `json:"faces"`
	}
	if err := c.post(ctx, "/v1/detect", f, &out); err != nil {
		return nil, err
	}
	return out.Faces, nil
}

// Face is an enrolled face as the app sees it: never its templates.
type Face struct {
	FacialID          string          `json:"facial_id"`
	ExternalID        string          `json:"external_id"`
	Payload           json.RawMessage `json:"payload"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	HasPIN            bool            `json:"has_pin"`
	NeedsReenrollment bool            `json:"needs_reenrollment"`
}

// FacePage is a page of Faces; Next, when not empty, is the after of the
// following page.
type FacePage struct {
	Faces []Face `json:"faces"`
	Next  string `json:"next"`
}

// Faces is GET /v1/faces: up to limit faces (0: the server's 100) after
// the face ID after ("" for the first page).
func (c *Client) Faces(ctx context.Context, after string, limit int) (*FacePage, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out FacePage
	return result(&out, c.c.do(ctx, http.MethodGet, "/v1/faces?"+q.Encode(), nil, &out))
}

// Face is GET /v1/faces/{id}.
func (c *Client) Face(ctx context.Context, id string) (*Face, error) {
	var out Face
	return result(&out, c.c.do(ctx, http.MethodGet, "/v1/faces/"+url.PathEscape(id), nil, &out))
}

// DeleteFace is DELETE /v1/faces/{id}: its templates, payload and PIN are
// gone when it returns.
func (c *Client) DeleteFace(ctx context.Context, id string) error {
	return c.c.do(ctx, http.MethodDelete, "/v1/faces/"+url.PathEscape(id), nil, nil)
}

// SetPayload is PUT /v1/faces/{id}/payload: payload is any JSON value.
func (c *Client) SetPayload(ctx context.Context, id string, payload any) error {
	return c.putJSON(ctx, "/v1/faces/"+url.PathEscape(id)+"/payload", map[string]any{"payload": payload})
}

// SetPIN is PUT /v1/faces/{id}/pin: "" removes the PIN, unless the app
// requires one.
func (c *Client) SetPIN(ctx context.Context, id, pin string) error {
	return c.putJSON(ctx, "/v1/faces/"+url.PathEscape(id)+"/pin", map[string]string{"pin": pin})
}

// Stats is the answer of GET /v1/stats.
type Stats struct {
	TotalCalls      int64    `json:"total_calls"`
	IndexedFaces    int      `json:"indexed_faces"`
	RecentFacialIDs []string `json:"recent_facial_ids"`
}

// Stats is GET /v1/stats.
func (c *Client) Stats(ctx context.Context) (*Stats, error) {
	var out Stats
	return result(&out, c.c.do(ctx, http.MethodGet, "/v1/stats", nil, &out))
}

// Usage is the answer of GET /v1/usage: the API's calls, and apart from
// them the widget's sessions and the frames they had analysed. Days are
// YYYY-MM-DD.
type Usage struct {
	From           string     `json:"from"`
	To             string     `json:"to"`
	Calls          int64      `json:"calls"`
	SuccessRate    float64    `json:"success_rate"`
	WidgetSessions int64      `json:"widget_sessions"`
	WidgetFrames   int64      `json:"widget_frames"`
	Days           []UsageDay `json:"days"`
}

// UsageDay is one day of Usage.
type UsageDay struct {
	Day            string  `json:"day"`
	Calls          int64   `json:"calls"`
	Succeeded      int64   `json:"succeeded"`
	SuccessRate    float64 `json:"success_rate"`
	WidgetSessions int64   `json:"widget_sessions"`
	WidgetFrames   int64   `json:"widget_frames"`
}

// Usage is GET /v1/usage from one day to another (UTC); zero times leave
// the server's default, the last 30 days.
func (c *Client) Usage(ctx context.Context, from, to time.Time) (*Usage, error) {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.UTC().Format(time.DateOnly))
	}
	if !to.IsZero() {
		q.Set("to", to.UTC().Format(time.DateOnly))
	}
	var out Usage
	return result(&out, c.c.do(ctx, http.MethodGet, "/v1/usage?"+q.Encode(), nil, &out))
}

// Person names one enrolled person for the data-subject calls: by the
// facial ID Visage gave, or else the app's own external ID.
type Person struct {
	FacialID   string `json:"facial_id,omitempty"`
	ExternalID string `json:"external_id,omitempty"`
}

// ExportSubject is GET /v1/subjects/export: everything the server holds
// about the person but the templates' values (docs/privacy.md), as the
// server's JSON, to hand to them.
func (c *Client) ExportSubject(ctx context.Context, p Person) (json.RawMessage, error) {
	q := url.Values{}
	if p.FacialID != "" {
		q.Set("facial_id", p.FacialID)
	} else {
		q.Set("external_id", p.ExternalID)
	}
	var out json.RawMessage
	return out, c.c.do(ctx, http.MethodGet, "/v1/subjects/export?"+q.Encode(), nil, &out)
}

// Erasure is the receipt of POST /v1/subjects/erase.
type Erasure struct {
	FacialID   string    `json:"facial_id"`
	ExternalID string    `json:"external_id"`
	ErasedAt   time.Time `json:"erased_at"`
	Removed    struct {
		Templates int   `json:"templates"`
		Payload   bool  `json:"payload"`
		PIN       bool  `json:"pin"`
		Events    int64 `json:"events"`
	} `json:"removed"`
	RemovedFrom []string `json:"removed_from"`
	Kept        []string `json:"kept"`
	AuditSeq    int64    `json:"audit_seq"`
}

// EraseSubject is POST /v1/subjects/erase: the person's face and every
// event about them are deleted, and the receipt says what went.
func (c *Client) EraseSubject(ctx context.Context, p Person) (*Erasure, error) {
	b, err := jsonBody(p)
	if err != nil {
		return nil, err
	}
	var out Erasure
	return result(&out, c.c.do(ctx, http.MethodPost, "/v1/subjects/erase", b, &out))
}

// result is v, or nil with err.
func result[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (c *Client) post(ctx context.Context, path string, f *form, out any) error {
	b, err := f.body()
	if err != nil {
		return err
	}
	return c.c.do(ctx, http.MethodPost, path, b, out)
}

func (c *Client) putJSON(ctx context.Context, path string, v any) error {
	b, err := jsonBody(v)
	if err != nil {
		return err
	}
	return c.c.do(ctx, http.MethodPut, path, b, nil)
}
