// Package index keeps every app's face templates for 1:N search.
//
// The store is the truth and the index is derived from it: the service
// fills a Gallery from the store at start and calls Put or Delete after each
// committed write, so a crash loses nothing the store does not rebuild.
// Search is exact (every template of the probe's model is scored, no
// approximate-neighbour structure), because a missed match in 1:N is a
// wrongly refused user or an undetected duplicate. The scan reads an 8-bit
// copy of each template and rescores exactly the few rows that could
// enter the results (quant.go): 100,000 faces take about 2 ms on one core,
// 1.1 ms on two; a million, about 49 and 27 ms.
//
// Memory. Only what the scan reads stays in memory: a row's 8-bit codes
// (512 bytes for today's templates), its scale and error bound, its owner
// and where its template is; with a face's ID and bookkeeping, about 680
// bytes a face of one template, against 3 KB when the float32 templates
// were kept alongside. The templates themselves, read only for the rows the
// scan cannot rule out (about one a search above the service's thresholds),
// go to a vault (vault.go): with Open, a file on disk whose pages the
// kernel caches as it sees fit, which is not the process's memory; with
// New, memory.
//
// Privacy. Templates are biometric data, so the vault holds each one
// sealed with AES-GCM under a key drawn at New or Open and kept only in the
// process's memory. Open's file is unlinked as soon as it is created, so
// it has no name to open it by (only this process's descriptor, which
// takes its user or root, who could read the key from its memory anyway)
// and a crash leaves nothing behind; once the process ends, what was
// written is ciphertext whose key is gone. While the process lives,
// Delete, a Put that replaces templates and DeleteApp overwrite the
// records of the templates they drop with zeros before returning, so a
// deleted template cannot be read back even with the key. The 8-bit codes
// are nearly as telling as the templates; they stay in memory, unsealed,
// and the package writes them nowhere (a swap device would see them, as it
// would the key).
package index

import (
	"fmt"
	"maps"
	"math"
	"sync"

	"github.com/visagehq/visage"
)

// Gallery holds every app's templates. It is safe for concurrent use:
// searches of one app run in parallel with each other, and a write waits
// only for the searches of its own app (app.go).
type Gallery struct {
	mu    sync.RWMutex // guards the map, not the apps in it
	apps  map[string]*app
	vault *vault
}

// New returns an empty Gallery that keeps its templates in memory, sealed
// all the same: about 2.7 KB a face. It suits tests and galleries of up to
// some hundred thousand faces; larger ones should use Open.
func New() *Gallery {
	return newGallery(newVault(&memBacking{}))
}

// Open returns an empty Gallery that keeps its templates in a file it
// creates in dir (the system's temporary directory when dir is "") and
// unlinks at once: about 700 bytes of memory a face, and 2 KB of disk.
// The directory should be on a disk: on a tmpfs, the file would be memory
// again. Close the Gallery to let go of the file.
func Open(dir string) (*Gallery, error) {
	v, err := openVault(dir)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return newGallery(v), nil
}

func newGallery(v *vault) *Gallery {
	return &Gallery{apps: make(map[string]*app), vault: v}
}

// Close lets go of the Gallery's file, or memory; the Gallery must not be
// used after.
func (g *Gallery) Close() error {
	return g.vault.f.Close()
}

// app returns the app's index, nil when the gallery has none.
func (g *Gallery) app(appID string) *app {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.apps[appID]
}

// appOrNew returns the app's index, creating it if need be.
func (g *Gallery) appOrNew(appID string) *app {
	if a := g.app(appID); a != nil {
		return a
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	a := g.apps[appID]
	if a == nil {
		a = newApp(g.vault)
		g.apps[appID] = a
	}
	return a
}

// Put adds or replaces the templates of one face (one per enrollment
// image). Put with no templates deletes the face: it could never be found.
// The vectors are copied; the caller may reuse them.
//
// Put refuses, leaving the gallery unchanged, a template that is empty or
// not of unit length (NaN, infinite, or not normalised: a long vector would
// outscore the true match for every probe), or whose length differs from
// the app's other templates of the same model (different lengths mean
// different models, which are never compared). Templates from the engine
// never fail these checks; an error means the store holds something the
// engine did not make. It also fails, leaving the gallery unchanged, when
// the vault cannot write a record (a full disk).
func (g *Gallery) Put(appID, faceID string, templates []visage.Template) error {
	if len(templates) == 0 {
		g.Delete(appID, faceID)
		return nil
	}
	for i, t := range templates {
		if err := checkUnit(t.Vector); err != nil {
			return fmt.Errorf("index: face %s, template %d: %w", faceID, i, err)
		}
		for _, u := range templates[:i] {
			if u.Model == t.Model && len(u.Vector) != len(t.Vector) {
				return fmt.Errorf("index: face %s: templates of model %q have %d and %d numbers", faceID, t.Model, len(u.Vector), len(t.Vector))
			}
		}
	}
	// The records are written before the app is locked, so that the app's
	// searches do not wait for the I/O, nor concurrent Puts for each other.
	refs := make([]recordID, 0, len(templates))
	for i, t := range templates {
		r, err := g.vault.seal(t.Vector)
		if err != nil {
			g.erase(templates[:i], refs)
			return fmt.Errorf("index: face %s: storing template %d: %w", faceID, i, err)
		}
		refs = append(refs, r)
	}
	for {
		if done, err := g.appOrNew(appID).put(faceID, templates, refs); done {
			if err != nil {
				g.erase(templates, refs)
			}
			return err
		}
	}
}

// erase erases the records of templates Put sealed but did not index.
func (g *Gallery) erase(templates []visage.Template, refs []recordID) {
	for i, r := range refs {
		g.vault.erase(r, len(templates[i].Vector))
	}
}

// unitTolerance bounds |‖v‖² − 1|. The engine normalises in float32, which
// is off by about 1e-6; anything further was not normalised.
const unitTolerance = 1e-3

// checkUnit says why v is not an L2-normalised vector, nil when it is.
func checkUnit(v []float32) error {
	if len(v) == 0 {
		return fmt.Errorf("empty vector")
	}
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if !(math.Abs(ss-1) <= unitTolerance) { // also true for NaN
		return fmt.Errorf("vector of squared length %g, want 1", ss)
	}
	return nil
}

// Delete removes a face; deleting a face the gallery does not hold is a
// no-op, so the service may call it after any committed delete.
func (g *Gallery) Delete(appID, faceID string) {
	a := g.app(appID)
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.remove(faceID)
}

// DeleteApp removes an app and all its faces. Searches already running on
// the app finish on what they hold; later ones find nothing. It returns
// once those searches are done and the app's templates are erased, which
// takes about 3 seconds a million.
func (g *Gallery) DeleteApp(appID string) {
	g.mu.Lock()
	a := g.apps[appID]
	delete(g.apps, appID)
	g.mu.Unlock()
	if a != nil {
		a.erase()
	}
}

// Len returns the number of faces of the app.
func (g *Gallery) Len(appID string) int {
	a := g.app(appID)
	if a == nil {
		return 0
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.byID)
}

// Sizes returns the number of faces of every app the gallery holds, for
// metrics. It lets go of the map before counting, so that an app busy with
// a write delays only the metrics, not the lookups of every other app.
func (g *Gallery) Sizes() map[string]int {
	g.mu.RLock()
	apps := maps.Clone(g.apps)
	g.mu.RUnlock()
	sizes := make(map[string]int, len(apps))
	for id, a := range apps {
		a.mu.RLock()
		sizes[id] = len(a.byID)
		a.mu.RUnlock()
	}
	return sizes
}

// HasModel reports whether the face has a template of the model.
func (g *Gallery) HasModel(appID, faceID, model string) bool {
	a := g.app(appID)
	if a == nil {
		return false
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	slot, ok := a.byID[faceID]
	if !ok {
		return false
	}
	s := a.models[model]
	return s != nil && inSlab(a.faces[slot].rows, s)
}

// Models returns, per model, how many faces of the app have templates of
// it, so the service can tell when faces enrolled with an old recogniser
// need to enroll again: Search never compares a probe with templates of
// another model.
func (g *Gallery) Models(appID string) map[string]int {
	a := g.app(appID)
	if a == nil {
		return map[string]int{}
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	models := make(map[string]int, len(a.models))
	for m, s := range a.models {
		models[m] = s.faces
	}
	return models
}
