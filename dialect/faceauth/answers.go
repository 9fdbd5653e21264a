package faceauth

// FaceAuth's answers, field for field in the order its page shows them;
// the few fields Visage adds say so.

type registered struct {
	Success bool    `json:"success"`
	APIKey  string  `json:"api_key"`
	User    account `json:"user"`
}

type account struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Plan  string `json:"plan"`
	// PublicID is Visage's: what the script-tag embed takes instead of
	// the key (docs/widget.md).
	PublicID string `json:"public_id"`
}

type enrolled struct {
	Success bool `json:"success"`
	// FaceID is the face's number in the app, as FaceAuth shows it;
	// FacialID is Visage's: the native API's ID of the same face.
	FaceID         int64  `json:"face_id"`
	ExternalUserID string `json:"external_user_id"`
	Message        string `json:"message"`
	FacialID       string `json:"facial_id"`
}

type verified struct {
	Success    bool    `json:"success"`
	Match      bool    `json:"match"`
	Status     string  `json:"status"` // "match" or "no_match"
	Confidence float64 `json:"confidence"`
	// Distance is Visage's addition: the number FaceAuth's rule reads.
	Distance float64       `json:"distance"`
	Identity *string       `json:"identity"` // null when not verified
	Message  string        `json:"message"`
	User     *verifiedUser `json:"user"` // null when not verified
}

type verifiedUser struct {
	ID             int64  `json:"id"` // the face's number, as face_id
	ExternalUserID string `json:"external_user_id"`
	Name           string `json:"name"`
	FacialID       string `json:"facial_id"` // Visage's, as enroll's
}

type matched struct {
	Success    bool    `json:"success"`
	Match      bool    `json:"match"`
	Status     string  `json:"status"`
	Similarity float64 `json:"similarity"`
	Confidence float64 `json:"confidence"`
	Distance   float64 `json:"distance"`
}

type usageAnswer struct {
	Success    bool        `json:"success"`
	User       usageUser   `json:"user"`
	Usage      usageCounts `json:"usage"`
	Daily      []dayCalls  `json:"daily_usage"`
	RecentLogs []any       `json:"recent_logs"`
}

type usageUser struct {
	Plan   string `json:"plan"`
	APIKey string `json:"api_key"` // its first characters only
	// Visage's additions: the account, when the app has one (an
	// administrator's app has none), and the app's public ID.
	ID       int64  `json:"id,omitempty"`
	Email    string `json:"email,omitempty"`
	Name     string `json:"name,omitempty"`
	PublicID string `json:"public_id"`
}

type usageCounts struct {
	MonthlyCalls int64   `json:"monthly_calls"`
	MonthlyLimit *int64  `json:"monthly_limit"` // null: unlimited
	TotalCalls   int64   `json:"total_calls"`
	SuccessRate  float64 `json:"success_rate"` // percent
	// EnrolledFaces counts people: one per name, however many photos.
	EnrolledFaces int `json:"enrolled_faces"`
}

type dayCalls struct {
	Day   string `json:"day"`
	Calls int64  `json:"calls"`
}

type healthAnswer struct {
	Success      bool   `json:"success"`
	Status       string `json:"status"` // "healthy" or "unhealthy"
	ModelsLoaded bool   `json:"models_loaded"`
	Uptime       int64  `json:"uptime"` // seconds
}
