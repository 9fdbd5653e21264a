// Package store is the persistence of Visage: apps, their API keys, admin
// tokens, enrolled faces and usage counts. Store is the interface the
// service programs against, so that the embedded SQLite backend
// (store/sqlite) can be joined by PostgreSQL without touching the service;
// what every backend must do the same way, the encryption of templates and
// payloads at rest and the key file, lives here.
//
// Every face method takes the app's ID and scopes its query by it: a face of
// another app is reported NOT_FOUND, exactly like a face that does not
// exist, so one tenant cannot learn of another's faces. Errors name IDs and
// never templates, payloads or PINs.
package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/visagehq/visage"
)

// Store persists apps, keys, faces and usage. Missing rows are reported with
// visage.CodeNotFound and unique violations with visage.CodeConflict; other
// failures carry no code (visage.ErrorCode reports them as INTERNAL).
//
// Create methods set CreatedAt (and a face's UpdatedAt) to the current time
// when the caller left them zero, and write the value back. Times are kept
// to the microsecond (PostgreSQL's precision) and come back in UTC.
type Store interface {
	// CreateApp stores a new app. ID and PublicID are set by the caller;
	// CONFLICT when either is taken.
	CreateApp(ctx context.Context, a *visage.App) error
	App(ctx context.Context, id string) (*visage.App, error)
	AppByPublicID(ctx context.Context, publicID string) (*visage.App, error)
	// Apps lists every app in creation order.
	Apps(ctx context.Context) ([]visage.App, error)
	// UpdateApp saves the name, plan and settings of an existing app.
	UpdateApp(ctx context.Context, a *visage.App) error
	// DeleteApp removes the app and everything of it: keys, faces (purged
	// as DeleteFace does) and usage.
	DeleteApp(ctx context.Context, id string) error

	// CreateKey stores a new API key of an existing app (NOT_FOUND if the
	// app is not).
	CreateKey(ctx context.Context, k *visage.APIKey) error
	// KeysByPrefix returns the unrevoked keys with this prefix: the
	// candidates for authentication, whose hashes the caller compares in
	// constant time. Revoked keys are left out so that no caller can
	// forget to check RevokedAt.
	KeysByPrefix(ctx context.Context, prefix string) ([]visage.APIKey, error)
	// Keys lists an app's keys, revoked ones included, oldest first.
	Keys(ctx context.Context, appID string) ([]visage.APIKey, error)
	// TouchKey records that the app's key authenticated a request at at
	// (LastUsedAt).
	TouchKey(ctx context.Context, appID, keyID string, at time.Time) error
	// RevokeKey marks a key of the app revoked. Revoking a revoked key
	// keeps the first revocation time and succeeds.
	RevokeKey(ctx context.Context, appID, keyID string) error

	// CreateAccount stores a self-registered account together with the
	// app it owns and that app's first key, in one transaction: a refused
	// or interrupted registration leaves neither an app without its
	// account nor an account without its key. It sets a.AppID to app.ID
	// and a.ID to the next account number (1, 2, 3…, never reused), and
	// writes them back. CONFLICT when the email is taken, compared without
	// regard to case (Unicode lower-casing), or when the app's IDs or the
	// key's ID are.
	CreateAccount(ctx context.Context, a *Account, app *visage.App, key *visage.APIKey) error
	// AccountByApp returns the account that owns the app; NOT_FOUND for an
	// app made by an administrator, which has none. Deleting the app
	// deletes its account.
	AccountByApp(ctx context.Context, appID string) (*Account, error)

	// CreateAdminToken stores the hash of an admin API token.
	CreateAdminToken(ctx context.Context, id, prefix string, hash []byte) error
	// AdminTokensByPrefix returns the candidates for admin authentication.
	AdminTokensByPrefix(ctx context.Context, prefix string) ([]AdminToken, error)

	// CreateFace enrolls a face in f.AppID; f.ID (a UUID) is set by the
	// caller. CONFLICT when the face ID or the external ID is taken in the
	// app; the same external ID may be used by other apps. NOT_FOUND when
	// the app does not exist.
	CreateFace(ctx context.Context, f *visage.Face) error
	// Face returns a face with its templates.
	Face(ctx context.Context, appID, faceID string) (*visage.Face, error)
	FaceByExternalID(ctx context.Context, appID, externalID string) (*visage.Face, error)
	// Faces pages through an app's faces in facial ID order, without their
	// templates: it returns up to limit faces whose ID sorts after the
	// cursor after ("" for the first page); the last ID returned is the
	// next cursor. Pages by ID rather than by offset so that enrollments
	// and deletions between two pages neither skip nor repeat a face.
	Faces(ctx context.Context, appID string, after string, limit int) ([]visage.Face, error)
	CountFaces(ctx context.Context, appID string) (int, error)
	// DeleteFace purges a face: the row, its templates, payload and PIN
	// hash are removed from the database, not marked deleted. What that
	// means for bytes on disk is in the backend's documentation.
	DeleteFace(ctx context.Context, appID, faceID string) error
	// ReplaceTemplates gives an existing face new templates, and the age
	// and gender estimated with them, in one step: a crash leaves it with
	// the old ones or the new, never without a face. Its ID, external ID,
	// number, payload and PIN stay.
	ReplaceTemplates(ctx context.Context, appID, faceID string, templates []visage.Template, age, female float32) error
	// EraseFace purges a face as DeleteFace does and, in the same
	// transaction, every event about it: a data subject's erasure
	// (service.EraseSubject). It returns how many events it removed.
	EraseFace(ctx context.Context, appID, faceID string) (events int64, err error)
	// TouchFace records that the face authenticated at at (LastUsedAt).
	TouchFace(ctx context.Context, appID, faceID string, at time.Time) error
	// UnusedFaces returns the IDs of up to limit faces of the app that
	// have not authenticated since before, nor been enrolled since: what
	// the app's retention deletes.
	UnusedFaces(ctx context.Context, appID string, before time.Time, limit int) ([]string, error)
	// SetPayload replaces the face's payload; nil removes it.
	SetPayload(ctx context.Context, appID, faceID string, payload json.RawMessage) error
	// SetPIN replaces the face's PIN hash (nil removes the PIN) and clears
	// the PIN lockout: a new PIN starts with no failures.
	SetPIN(ctx context.Context, appID, faceID string, pinHash []byte) error
	// PINAttempt claims one PIN check of the face before it is made, in
	// one atomic step: unless the face is locked at now, it counts the
	// attempt as a failure, locks the face until now+lockFor once
	// failures reach lockAfter (so after a lock has run out a single wrong
	// PIN locks it again; lockAfter <= 0 never locks), and returns ok with
	// the failures so far and the end of the lock; a locked face returns
	// !ok and the end of its lock. Claiming before checking is what bounds
	// the guesses: PINs sent at once each claim their own count, no more
	// than lockAfter are ever checked before the lock, and a PIN that
	// arrives once it is set is refused unchecked, right or not.
	PINAttempt(ctx context.Context, appID, faceID string, lockAfter int, lockFor time.Duration, now time.Time) (failures int, lockedUntil time.Time, ok bool, err error)
	// PINSucceeded clears the failures and the lock, after a right PIN.
	PINSucceeded(ctx context.Context, appID, faceID string) error
	// PINHashes returns the PIN hashes of the app's faces, for the
	// unique-PIN rule.
	PINHashes(ctx context.Context, appID string) ([][]byte, error)

	// EachTemplate calls fn for every face of every app with its
	// templates, one face at a time, so that the in-memory index can be
	// rebuilt at start without the whole store in memory. It stops at the
	// first error of fn and returns it.
	EachTemplate(ctx context.Context, fn func(appID, faceID string, templates []visage.Template) error) error

	// CountCall counts one API call of the app on the UTC day of at.
	// Backends may buffer counts briefly (see the backend); Usage and
	// MonthCalls include buffered counts and Close writes them.
	CountCall(ctx context.Context, appID string, at time.Time, success bool) error
	// Usage returns the app's calls per UTC day for the days from the day
	// of from to the day of to, both included, oldest first; days without
	// calls are left out.
	Usage(ctx context.Context, appID string, from, to time.Time) ([]DayUsage, error)
	// CountOutcome counts one API call of the app on the UTC day of at by
	// its endpoint (a route's name, never a path with IDs) and its outcome:
	// code "" for a success, else the error's code. Buffered as CountCall.
	CountOutcome(ctx context.Context, appID string, at time.Time, endpoint, code string) error
	// Outcomes returns the app's calls by day, endpoint and outcome, for
	// the days from the day of from to the day of to, both included,
	// oldest day first.
	Outcomes(ctx context.Context, appID string, from, to time.Time) ([]Outcome, error)
	// RecordFaces records how many faces the app holds on the UTC day of
	// at (the day's last record counts): its gallery's size over time.
	RecordFaces(ctx context.Context, appID string, at time.Time, faces int64) error
	// MonthCalls returns the app's calls in the UTC month of month.
	MonthCalls(ctx context.Context, appID string, month time.Time) (int64, error)
	// CountSession counts one widget session of the app, and the camera
	// frames it had analysed, on the UTC day of at: what pages spend
	// with the public ID, apart from the API's calls. Buffered as
	// CountCall is.
	CountSession(ctx context.Context, appID string, at time.Time, frames int64) error
	// MonthSessions returns the app's widget sessions in the UTC month of
	// month.
	MonthSessions(ctx context.Context, appID string, month time.Time) (int64, error)
	// RecentFaces returns the IDs of the app's n most recently enrolled
	// faces, newest first.
	RecentFaces(ctx context.Context, appID string, n int) ([]string, error)

	// Every method above that changes something also writes, in the
	// same transaction, the journal its ctx carries (WithJournal): the
	// audit entry and the events of the change (journal.go).

	// Record writes a journal on its own, for what changes nothing else
	// the store keeps (a login's event).
	Record(ctx context.Context, j Journal) error
	// AuditLog returns up to limit audit entries with a sequence above
	// after that match f, oldest first.
	AuditLog(ctx context.Context, f AuditFilter, after int64, limit int) ([]AuditEntry, error)
	// AuditAnchor returns where the retained log starts (PruneAudit).
	AuditAnchor(ctx context.Context) (AuditAnchor, error)
	// PruneAudit removes the entries older than before, but never the
	// newest, and makes the last one removed the anchor that verification
	// starts from; it returns how many it removed.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
	// Events returns up to limit events of the app with a sequence above
	// after, oldest first: of the given types, or of all when types is
	// empty. A reader that has seen an event has seen every event before
	// it: sequences follow commit order.
	Events(ctx context.Context, appID string, after int64, types []string, limit int) ([]Event, error)
	// FaceEvents returns the events about one face of the app, oldest
	// first.
	FaceEvents(ctx context.Context, appID, faceID string) ([]Event, error)
	// EventByID returns an event of the app (NOT_FOUND when it is of
	// another app, or pruned).
	EventByID(ctx context.Context, appID, eventID string) (*Event, error)
	// PruneEvents removes the events committed before before that every
	// enabled webhook of their app is past (Webhook.Cursor), and the
	// delivery log's entries older than before; it returns how many of
	// each it removed.
	PruneEvents(ctx context.Context, before time.Time) (events, deliveries int64, err error)

	// Webhooks (webhooks.go). Each method is scoped by the app: a
	// webhook of another app is NOT_FOUND.

	// CreateWebhook stores a new webhook of an existing app (NOT_FOUND
	// if it is not); h.ID is set by the caller. It starts after the
	// last event committed before it: its Cursor is set, with its
	// CreatedAt and UpdatedAt, and written back. CONFLICT when the app
	// has MaxWebhooks already, or the ID is taken.
	CreateWebhook(ctx context.Context, h *Webhook) error
	// Webhook returns a webhook of the app, its secret opened.
	Webhook(ctx context.Context, appID, id string) (*Webhook, error)
	// Webhooks lists the app's webhooks, oldest first, secrets opened.
	Webhooks(ctx context.Context, appID string) ([]Webhook, error)
	// UpdateWebhook saves a webhook's URL, events and Disabled, and sets
	// UpdatedAt. Its head is tried again at once (Attempts and NextAt
	// reset). A webhook enabled again starts after the last event, as a
	// new one does: it is not sent what happened while it was off.
	UpdateWebhook(ctx context.Context, h *Webhook) error
	// DeleteWebhook removes a webhook and its delivery log.
	DeleteWebhook(ctx context.Context, appID, id string) error
	// DueWebhooks returns up to limit enabled webhooks that have an event
	// after their cursor, whose head is due at now (NextAt), and whose
	// lease is free at now or owner's: the deliverer's poll, cheap
	// enough to run twice a second.
	DueWebhooks(ctx context.Context, owner string, now time.Time, limit int) ([]Webhook, error)
	// ClaimWebhook gives owner the webhook's lease until until, when it
	// is free at now or owner's already, and returns the webhook as it
	// is then; ok is false when another owner holds it. One UPDATE
	// decides, so of deliverers claiming at once only one gets it.
	ClaimWebhook(ctx context.Context, appID, id, owner string, now, until time.Time) (h *Webhook, ok bool, err error)
	// ReleaseWebhook ends owner's lease on the webhook, if it holds it.
	ReleaseWebhook(ctx context.Context, appID, id, owner string) error
	// AdvanceWebhook records what owner did with the webhook it claimed
	// (as ClaimWebhook returned it): it writes p.Log to the delivery log,
	// and, if owner still holds the lease and the webhook is unchanged
	// since (its cursor and UpdatedAt), the new cursor and head state;
	// otherwise it changes no state and returns CONFLICT. NOT_FOUND when
	// the webhook was deleted.
	AdvanceWebhook(ctx context.Context, claimed *Webhook, owner string, p WebhookProgress) error
	// LogDelivery writes one attempt made outside the cursor (a manual
	// redelivery) to the delivery log; d.ID is set.
	LogDelivery(ctx context.Context, d *Delivery) error
	// Deliveries returns up to limit entries of the webhook's delivery
	// log with an ID below before (0: from the newest), newest first.
	Deliveries(ctx context.Context, appID, webhookID string, before int64, limit int) ([]Delivery, error)

	Ping(ctx context.Context) error
	// Close writes buffered usage counts and closes the store.
	Close() error
}

// AdminToken is the stored form of an admin API token: its hash, and its
// prefix in clear so it can be found.
type AdminToken struct {
	ID, Prefix string
	Hash       []byte
	CreatedAt  time.Time
}

// Account is someone who signed up on their own (FaceAuth's POST
// /register) rather than being given an app by an administrator: they own
// one app, whose plan is theirs.
type Account struct {
	// ID is a small number, as FaceAuth shows it ("id": 1), assigned by
	// the store.
	ID        int64
	AppID     string
	Email     string // as given; unique regardless of case
	Name      string
	CreatedAt time.Time
}

// DayUsage is an app's API calls on one UTC day (Day is its midnight,
// UTC), and apart from them its widget sessions and the frames they had
// analysed.
type DayUsage struct {
	Day              time.Time
	Calls, Succeeded int64
	Sessions, Frames int64
	// Faces is how many faces the app held that day (RecordFaces), -1
	// when none was recorded.
	Faces int64
}

// Outcome is how many of an app's calls to one endpoint on one UTC day
// ended one way: Code "" for a success, else the error's code.
type Outcome struct {
	Day            time.Time
	Endpoint, Code string
	Calls          int64
}

// Change is one committed change to the faces the galleries hold: a face
// enrolled, deleted or given new templates, or with FaceID "" every face
// of an app deleted. It names IDs only; what the face is now is read from
// the store.
type Change struct {
	Seq           int64 // from 1, in commit order, without gaps
	AppID, FaceID string
	At            time.Time
}

// Feed is a store shared by several replicas, whose galleries follow its
// change log (package replica).
type Feed interface {
	Store
	// Changes returns up to limit changes with a sequence above after, in
	// order, and the first sequence the log still holds: when that is
	// above after+1, changes were pruned before the caller read them.
	Changes(ctx context.Context, after int64, limit int) (changes []Change, first int64, err error)
	// Head returns the last change's sequence (0 before the first) and
	// when it was committed.
	Head(ctx context.Context) (seq int64, at time.Time, err error)
	// Changed returns a channel closed at the next committed change, or
	// when changes may have been missed (a lost connection): either way
	// the caller reads the log again.
	Changed() <-chan struct{}
	// PruneChanges drops changes old enough that no running replica
	// needs them.
	PruneChanges(ctx context.Context) error
}

// Copier is a store that can be copied to another as it is (`visage store
// copy`): what the Store interface gives out and takes in, plus what it
// keeps to itself — every admin token, the accounts' numbers, the apps'
// face counters and whole days of usage — so that nothing is renumbered,
// reset or lost on the way.
type Copier interface {
	Store
	// AdminTokens lists every admin token.
	AdminTokens(ctx context.Context) ([]AdminToken, error)
	// FacesNumbered returns the last face number the app gave.
	FacesNumbered(ctx context.Context, appID string) (int64, error)

	// ImportAdminToken stores an admin token with its ID and time.
	ImportAdminToken(ctx context.Context, t AdminToken) error
	// ImportAccount stores an account of an existing app with its number
	// (a.ID); later accounts are numbered after it.
	ImportAccount(ctx context.Context, a *Account) error
	// SetFacesNumbered raises the app's last face number to n, so that a
	// number given before the copy, even to a face deleted since, is
	// never given again.
	SetFacesNumbered(ctx context.Context, appID string, n int64) error
	// ImportUsage adds a day's counts to the app's usage.
	ImportUsage(ctx context.Context, appID string, d DayUsage) error
}

// AppLocker is a store shared by replicas that can hold a lock on an app
// for all of them: the checks that read the app's faces before writing one
// (no duplicate person, no PIN taken twice) must not interleave with
// another replica's.
type AppLocker interface {
	// LockApp waits for the app's lock and returns its release, which
	// must be called.
	LockApp(ctx context.Context, appID string) (unlock func(), err error)
}

// Replica is one server process among those sharing a store.
type Replica struct {
	// ID is random, made at the process's start.
	ID string
	// URL is where the other replicas reach this one (widget frames for
	// its sessions are passed to it).
	URL string
	// Shared says whether it keeps its limits in Redis: replicas that do
	// not would each grant the whole budget.
	Shared bool
	SeenAt time.Time
}

// Roster is a store that keeps the list of the replicas serving from it.
type Roster interface {
	// Heartbeat records r as alive now.
	Heartbeat(ctx context.Context, r Replica) error
	// Replicas lists the replicas seen alive since since.
	Replicas(ctx context.Context, since time.Time) ([]Replica, error)
	// Leave removes a replica that stops.
	Leave(ctx context.Context, id string) error
}
