package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/visagehq/visage"
	"github.com/visagehq/visage/store"
)

// A data subject's rights (docs/privacy.md): to see what Visage holds
// about them, and to have it erased, with proof. The person is named by
// the facial ID the app was given, or by the app's own external ID.

// SubjectExport is everything Visage holds about one person, but the
// templates themselves: a template is a biometric key, and handing it out
// would let whoever gets the export be recognised as the person.
type SubjectExport struct {
	FacialID   string          `json:"facial_id"`
	ExternalID string          `json:"external_id,omitempty"`
	Number     int64           `json:"number"`
	EnrolledAt time.Time       `json:"enrolled_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	LastUsedAt *time.Time      `json:"last_authenticated_at,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	HasPIN     bool            `json:"has_pin"`
	// What the engine estimated from the enrollment photo.
	EstimatedAge    float32 `json:"estimated_age"`
	EstimatedFemale float32 `json:"estimated_female_probability"`
	// Templates describes the templates: how many, of which recognisers,
	// how many learned from logins; never their values.
	Templates SubjectTemplates `json:"templates"`
	// Events are the events about the face still kept (logins, changes),
	// and Audit the audit entries naming it.
	Events []SubjectEvent     `json:"events"`
	Audit  []store.AuditEntry `json:"audit"`
}

// SubjectTemplates describes a face's templates without their values.
type SubjectTemplates struct {
	Count   int      `json:"count"`
	Learned int      `json:"learned"`
	Models  []string `json:"models"`
}

// SubjectEvent is an event as the export shows it.
type SubjectEvent struct {
	Type string          `json:"type"`
	At   time.Time       `json:"at"`
	Data json.RawMessage `json:"data"`
}

// subject finds the face of the app named by facialID, else externalID.
func (s *Service) subject(ctx context.Context, app *visage.App, facialID, externalID string) (*visage.Face, error) {
	switch {
	case facialID != "":
		return s.store.Face(ctx, app.ID, facialID)
	case externalID != "":
		if err := ValidID("external_id", externalID); err != nil {
			return nil, err
		}
		return s.store.FaceByExternalID(ctx, app.ID, externalID)
	}
	return nil, visage.Errorf(visage.CodeInvalidRequest, "name the person by facial_id or external_id")
}

// ExportSubject returns what Visage holds about one person of the app.
// The export is audited: who asked for a person's data is itself worth
// knowing.
func (s *Service) ExportSubject(ctx context.Context, app *visage.App, facialID, externalID string) (*SubjectExport, error) {
	f, err := s.subject(ctx, app, facialID, externalID)
	if err != nil {
		return nil, err
	}
	out := &SubjectExport{FacialID: f.ID, ExternalID: f.ExternalID, Number: f.Number, EnrolledAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		Payload: f.Payload, HasPIN: f.PINHash != nil, EstimatedAge: f.Age, EstimatedFemale: f.Female,
		Events: []SubjectEvent{}, Audit: []store.AuditEntry{}}
	if !f.LastUsedAt.IsZero() {
		out.LastUsedAt = &f.LastUsedAt
	}
	for _, t := range f.Templates {
		out.Templates.Count++
		if t.Learned {
			out.Templates.Learned++
		}
		if !slices.Contains(out.Templates.Models, t.Model) {
			out.Templates.Models = append(out.Templates.Models, t.Model)
		}
	}
	events, err := s.store.FaceEvents(ctx, app.ID, f.ID)
	if err != nil {
		return nil, err
	}
	for _, ev := range events {
		out.Events = append(out.Events, SubjectEvent{Type: ev.Type, At: ev.At, Data: ev.Data})
	}
	for after := int64(0); ; {
		page, err := s.store.AuditLog(ctx, store.AuditFilter{AppID: app.ID, Target: f.ID}, after, 1000)
		if err != nil {
			return nil, err
		}
		out.Audit = append(out.Audit, page...)
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if err := s.store.Record(ctx, store.JournalOf(journal(ctx, "subject.export", app.ID, f.ID, nil))); err != nil {
		return nil, err
	}
	return out, nil
}

// ErasureReceipt is the proof of an erasure: what was removed, from
// where, when, and what is kept and why.
type ErasureReceipt struct {
	FacialID   string    `json:"facial_id"`
	ExternalID string    `json:"external_id,omitempty"`
	ErasedAt   time.Time `json:"erased_at"`
	Removed    struct {
		Templates int   `json:"templates"`
		Payload   bool  `json:"payload"`
		PIN       bool  `json:"pin"`
		Events    int64 `json:"events"`
	} `json:"removed"`
	// From names where the face was removed from: the store, and the
	// gallery of this server (and, with replicas, every replica's, which
	// follow the store's change log within seconds).
	From []string `json:"removed_from"`
	// Kept says what remains and why: the audit entries (IDs only) and
	// the face.deleted event the app's webhooks deliver.
	Kept []string `json:"kept"`
	// AuditSeq is the audit entry that records the erasure.
	AuditSeq int64 `json:"audit_seq"`
}

// EraseSubject deletes one person of the app, and every event about
// them, and returns a receipt. Only the face.deleted event that tells the
// app's backend (facial ID and reason) and the audit log's entries (IDs,
// no external ID) remain.
func (s *Service) EraseSubject(ctx context.Context, app *visage.App, facialID, externalID string) (*ErasureReceipt, error) {
	f, err := s.subject(ctx, app, facialID, externalID)
	if err != nil {
		return nil, err
	}
	ctx = journal(ctx, "subject.erase", app.ID, f.ID, map[string]any{"reason": "erasure"},
		event(app.ID, EventFaceDeleted, f.ID, map[string]any{"reason": "erasure"}))
	events, err := s.store.EraseFace(ctx, app.ID, f.ID)
	if err != nil {
		return nil, err
	}
	s.indexed(ctx, func() { s.gallery.Delete(app.ID, f.ID) })
	entry := store.JournalOf(ctx).Audit
	r := &ErasureReceipt{FacialID: f.ID, ExternalID: f.ExternalID, ErasedAt: entry.At, AuditSeq: entry.Seq,
		From: []string{"store", "gallery"},
		Kept: []string{
			"the audit log's entries about the face: facial ID, actions, times, callers' addresses (docs/audit.md), until the audit retention removes them",
			"a face.deleted event (facial ID and reason) for the app's webhooks, until the event retention removes it",
		}}
	r.Removed.Templates, r.Removed.Payload, r.Removed.PIN, r.Removed.Events = len(f.Templates), f.Payload != nil, f.PINHash != nil, events
	if s.follow != nil {
		r.From = append(r.From, "every replica's gallery, through the change log")
	}
	return r, nil
}
