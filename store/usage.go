package store

import (
	"cmp"
	"slices"
)

// SortOutcomes puts outcomes in the order Store.Outcomes returns them:
// by day, then endpoint, then code.
func SortOutcomes(out []Outcome) {
	slices.SortFunc(out, func(a, b Outcome) int {
		return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Endpoint, b.Endpoint), cmp.Compare(a.Code, b.Code))
	})
}
