package service

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/visagehq/visage"
)

// The operator's view of an app and its faces (the admin API, and the
// console through it). It tells what a face is made of — when, with which
// recogniser, whether it has a PIN, how big its payload is — and never
// the templates, the payload's content or an image.

// FaceInfo is what the operator may see of one face.
type FaceInfo struct {
	// Face has no templates, payload or PIN hash: only its IDs, times,
	// and what the store keeps beside them.
	Face visage.Face
	// HasPIN says whether the face has a PIN; PayloadBytes is the size
	// of the payload the app keeps with it (0 for none).
	HasPIN       bool
	PayloadBytes int
	// NeedsReenrollment is true when the face has no template of the
	// engine's recogniser (CurrentModel): it cannot be recognised until
	// the person enrolls again (docs/packs.md).
	NeedsReenrollment bool
	// Detailed says the fields below were read (AdminFace), not left
	// empty (AdminFaces lists without templates).
	Detailed bool
	// Models are the recognisers the face's templates were made by,
	// sorted; Enrolled and Learned count its templates of each kind.
	Models            []string
	Enrolled, Learned int
	CurrentModel      string
}

// info is what the operator sees of f. With its templates (detailed) it
// counts them and names their models; without, the gallery says whether
// the face has a template of the current recogniser.
func (s *Service) info(app *visage.App, f *visage.Face, detailed bool) FaceInfo {
	fi := FaceInfo{HasPIN: f.PINHash != nil, PayloadBytes: len(f.Payload), Detailed: detailed}
	if s.table != nil {
		fi.CurrentModel = s.table.Model
	}
	if detailed {
		for _, t := range f.Templates {
			if !slices.Contains(fi.Models, t.Model) {
				fi.Models = append(fi.Models, t.Model)
			}
			if t.Learned {
				fi.Learned++
			} else {
				fi.Enrolled++
			}
		}
		sort.Strings(fi.Models)
		fi.NeedsReenrollment = s.table != nil && !slices.Contains(fi.Models, s.table.Model)
	} else {
		fi.NeedsReenrollment = s.NeedsReenrollment(app, f.ID)
	}
	fi.Face = *f
	fi.Face.Templates, fi.Face.Payload, fi.Face.PINHash = nil, nil, nil
	return fi
}

// AdminFace returns what the operator may see of one face of the app:
// NOT_FOUND for a face of another app, as for one that does not exist.
func (s *Service) AdminFace(ctx context.Context, app *visage.App, facialID string) (*FaceInfo, error) {
	f, err := s.store.Face(ctx, app.ID, facialID)
	if err != nil {
		return nil, err
	}
	fi := s.info(app, f, true)
	return &fi, nil
}

// AdminFaces pages through the app's faces after the cursor, as Faces
// does; with a query, it returns instead the face whose facial ID or
// external ID is exactly the query (none, or one of each).
func (s *Service) AdminFaces(ctx context.Context, app *visage.App, query, after string, limit int) ([]FaceInfo, error) {
	var faces []visage.Face
	if query = strings.TrimSpace(query); query != "" {
		for _, find := range []func() (*visage.Face, error){
			func() (*visage.Face, error) { return s.store.Face(ctx, app.ID, query) },
			func() (*visage.Face, error) { return s.FaceByExternalID(ctx, app, query) },
		} {
			f, err := find()
			switch {
			case visage.ErrorCode(err) == visage.CodeNotFound || visage.ErrorCode(err) == visage.CodeInvalidRequest:
				continue
			case err != nil:
				return nil, err
			}
			if !slices.ContainsFunc(faces, func(g visage.Face) bool { return g.ID == f.ID }) {
				faces = append(faces, *f)
			}
		}
	} else {
		var err error
		if faces, err = s.Faces(ctx, app, after, limit); err != nil {
			return nil, err
		}
	}
	out := make([]FaceInfo, len(faces))
	for i := range faces {
		out[i] = s.info(app, &faces[i], false)
	}
	return out, nil
}

// FaceCount is the number of the app's enrolled faces, as the store
// counts them.
func (s *Service) FaceCount(ctx context.Context, app *visage.App) (int, error) {
	return s.store.CountFaces(ctx, app.ID)
}

// EditApp gives an app another name, another plan or both (admin); ""
// keeps the value. Both are checked before either is stored. The audit
// log's entry (app.edit) names what changed, and the plans.
func (s *Service) EditApp(ctx context.Context, app *visage.App, name, plan string) error {
	if name != "" {
		if err := validText("an application's name", name, MaxName); err != nil {
			return err
		}
	}
	if _, ok := s.plans[plan]; plan != "" && !ok {
		return visage.Errorf(visage.CodeInvalidRequest, "unknown plan %q", plan)
	}
	prev := *app
	changed := []string{}
	detail := map[string]any{}
	if name != "" && name != app.Name {
		app.Name, changed = name, append(changed, "name")
	}
	if plan != "" && plan != app.Plan {
		app.Plan, changed = plan, append(changed, "plan")
		detail["plan"], detail["was"] = plan, prev.Plan
	}
	if len(changed) == 0 {
		return nil
	}
	detail["changed"] = changed
	if err := s.store.UpdateApp(journal(ctx, "app.edit", app.ID, "", detail), app); err != nil {
		*app = prev
		return err
	}
	return nil
}

// Plans returns the plans an app may be put on, with their limits.
func (s *Service) Plans() map[string]Plan {
	out := make(map[string]Plan, len(s.plans))
	for name, p := range s.plans {
		out[name] = p
	}
	return out
}
