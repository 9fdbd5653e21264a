package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"time"
)

// The journal is what a change writes besides itself, in its own
// transaction: the audit log's entry that says who made it, and the
// events an app's webhooks deliver. Written with the change, neither can
// be lost when the server dies between the change and its record, and
// neither can claim a change that was rolled back.

// AuditEntry is one entry of the audit log: who changed what, when and
// from where. It names IDs and never a template, photo, payload, PIN or
// secret.
type AuditEntry struct {
	Seq int64 // from 1, in commit order, without gaps; set by the store
	At  time.Time
	// Actor is the kind of caller (service.Caller: admin, console, key,
	// public, system), ActorID its credential's ID or prefix, Addr its
	// address.
	Actor, ActorID, Addr string
	// Action is what was done, as "app.create" or "face.delete".
	Action string
	// AppID is the app it was done to ("" for none), Target the object
	// within it (a face, a key, a webhook).
	AppID, Target string
	// Detail holds what else the action needs to be read: changed setting
	// names, a plan. JSON; nil for none.
	Detail json.RawMessage
	// Hash chains the entry to the one before: SHA-256 of the one before's
	// hash and this entry's fields (ChainHash). Set by the store.
	Hash []byte
}

// MarshalJSON is how an entry is shown, by `visage audit export` and the
// admin API alike: with the sequence and hash that verification checks.
func (e AuditEntry) MarshalJSON() ([]byte, error) {
	type shown struct {
		Seq     int64           `json:"seq"`
		At      time.Time       `json:"at"`
		Actor   string          `json:"actor"`
		ActorID string          `json:"actor_id,omitempty"`
		Addr    string          `json:"address,omitempty"`
		Action  string          `json:"action"`
		AppID   string          `json:"app_id,omitempty"`
		Target  string          `json:"target,omitempty"`
		Detail  json.RawMessage `json:"detail,omitempty"`
		Hash    string          `json:"hash"`
	}
	return json.Marshal(shown{e.Seq, e.At, e.Actor, e.ActorID, e.Addr, e.Action, e.AppID, e.Target, e.Detail, hex.EncodeToString(e.Hash)})
}

// ChainHash is the hash of e following an entry whose hash is prev (nil
// for the first entry ever): every field is length-prefixed, so that no
// two different entries hash the same, and an edited field or a removed
// entry breaks the chain from there on.
func (e *AuditEntry) ChainHash(prev []byte) []byte {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field(prev)
	field(binary.BigEndian.AppendUint64(nil, uint64(e.Seq)))
	field(binary.BigEndian.AppendUint64(nil, uint64(Micros(e.At))))
	for _, s := range []string{e.Actor, e.ActorID, e.Addr, e.Action, e.AppID, e.Target} {
		field([]byte(s))
	}
	field(e.Detail)
	return h.Sum(nil)
}

// AuditFilter selects audit entries; zero fields select all.
type AuditFilter struct {
	AppID, Action, Actor, Target string
	From, To                     time.Time // To excluded
}

// ParseTime reads a bound of an AuditFilter as people write it: RFC 3339
// (2026-12-01T10:00:00Z) or a UTC date (2026-12-01); "" is no bound.
func ParseTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// AuditAnchor is where the retained audit log starts: the last entry
// pruned by retention (Seq 0 and no hash when none was).
type AuditAnchor struct {
	Seq  int64
	Hash []byte
}

// Event is something that happened in an app that its webhooks deliver
// (docs/webhooks.md): a face enrolled or deleted, a login, an attack.
type Event struct {
	Seq int64 // from 1, in commit order, without gaps; set by the store
	// ID is unique and stays the same across redeliveries (the
	// webhook-id header), so receivers can drop duplicates.
	ID     string
	AppID  string
	Type   string // "face.enrolled", "authentication.failed"…
	FaceID string // "" when it is about no face
	At     time.Time
	// Data is the event's JSON body's "data": IDs, codes, times; never
	// biometric data.
	Data json.RawMessage
}

// Journal is what a change writes besides itself.
type Journal struct {
	Audit  *AuditEntry
	Events []Event
}

type journalKey struct{}

// WithJournal returns ctx carrying j: the next change the store makes
// with ctx writes it in the change's own transaction. The service says
// what to record this way, rather than through every method's
// signature, because the store is what knows the transaction.
func WithJournal(ctx context.Context, j Journal) context.Context {
	return context.WithValue(ctx, journalKey{}, j)
}

// JournalOf returns what ctx asks the store to write with its change.
func JournalOf(ctx context.Context) Journal {
	j, _ := ctx.Value(journalKey{}).(Journal)
	return j
}

// Stamp sets the journal's times the caller left zero, to the
// microsecond that will be stored.
func (j Journal) Stamp() {
	if j.Audit != nil {
		Stamp(&j.Audit.At)
	}
	for i := range j.Events {
		Stamp(&j.Events[i].At)
	}
}

// ScanAudit reads an audit entry, selected as
// "seq, at, actor, actor_id, addr, action, app_id, target, detail, hash".
func ScanAudit(r Row) (AuditEntry, error) {
	var e AuditEntry
	var at int64
	var detail []byte
	err := r.Scan(&e.Seq, &at, &e.Actor, &e.ActorID, &e.Addr, &e.Action, &e.AppID, &e.Target, &detail, &e.Hash)
	e.At = FromMicros(at)
	if len(detail) > 0 {
		e.Detail = detail
	}
	return e, err
}

// ScanEvent reads an event, selected as
// "seq, id, app_id, type, face_id, at, data".
func ScanEvent(r Row) (Event, error) {
	var ev Event
	var at int64
	var data []byte
	err := r.Scan(&ev.Seq, &ev.ID, &ev.AppID, &ev.Type, &ev.FaceID, &at, &data)
	ev.At, ev.Data = FromMicros(at), data
	return ev, err
}

// AuditProblem is where the audit log's chain breaks.
type AuditProblem struct {
	Seq int64 // the first entry that does not follow
	// Why: "edited" (its hash is not what its fields and the entry
	// before it give), "missing" (entries before it are gone).
	Why string
}

// VerifyAudit walks the whole retained audit log from its anchor and
// returns how many entries it checked and the first break in the chain,
// nil when there is none. An edited entry breaks the chain at itself, a
// deleted one at the entry after it. Entries removed from the end leave
// no break: compare the last sequence and hash with an earlier export.
func VerifyAudit(ctx context.Context, s Store) (checked int64, last AuditAnchor, problem *AuditProblem, err error) {
	last, err = s.AuditAnchor(ctx)
	if err != nil {
		return 0, last, nil, err
	}
	for {
		page, err := s.AuditLog(ctx, AuditFilter{}, last.Seq, 1000)
		if err != nil {
			return checked, last, nil, err
		}
		if len(page) == 0 {
			return checked, last, nil, nil
		}
		for i := range page {
			e := &page[i]
			switch {
			case e.Seq != last.Seq+1:
				return checked, last, &AuditProblem{Seq: e.Seq, Why: "missing"}, nil
			case !bytes.Equal(e.Hash, e.ChainHash(last.Hash)):
				return checked, last, &AuditProblem{Seq: e.Seq, Why: "edited"}, nil
			}
			checked++
			last = AuditAnchor{Seq: e.Seq, Hash: e.Hash}
		}
	}
}
