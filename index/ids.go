package index

// IDs returns the IDs of the app's faces, in no order: what a caller
// rebuilding the gallery from the store needs to drop the faces the store
// no longer has.
func (g *Gallery) IDs(appID string) []string {
	a := g.app(appID)
	if a == nil {
		return nil
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	ids := make([]string, 0, len(a.byID))
	for id := range a.byID {
		ids = append(ids, id)
	}
	return ids
}
