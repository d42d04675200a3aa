package content

import (
	"cmp"
	"slices"
	"time"
)

// Select returns the articles a feed shows at time now: drafts and articles
// published after now left out, one article per id and per URL path (the one
// whose path sorts first, with a warning naming both), sorted newest first (by Published, then
// by id). The input is not modified.
func Select(all []*Article, now time.Time) ([]*Article, []Warning) {
	byPath := slices.Clone(all)
	slices.SortFunc(byPath, func(a, b *Article) int { return cmp.Compare(a.Path, b.Path) })
	seen := make(map[string]*Article, len(byPath))
	slugs := make(map[string]*Article, len(byPath))
	var warns []Warning
	out := make([]*Article, 0, len(byPath))
	for _, a := range byPath {
		if a.Draft || a.Published.After(now) {
			continue
		}
		if first, dup := seen[a.ID]; dup {
			warns = append(warns, Warning{Path: a.Path, Msg: "duplicate id " + a.ID + " (also " + first.Path + "); left out"})
			continue
		}
		if first, dup := slugs[a.Slug]; dup {
			warns = append(warns, Warning{Path: a.Path, Msg: "duplicate URL path articles/" + a.Slug + "/ (also " + first.Path + "); left out"})
			continue
		}
		seen[a.ID] = a
		slugs[a.Slug] = a
		out = append(out, a)
	}
	SortNewest(out)
	return out, warns
}

// SortNewest sorts articles newest first: by Published descending, then by id.
func SortNewest(arts []*Article) {
	slices.SortFunc(arts, func(a, b *Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// NextDue returns the earliest publication time after now among non-draft
// articles, for scheduling a rebuild when a future article falls due.
func NextDue(all []*Article, now time.Time) (time.Time, bool) {
	var best time.Time
	for _, a := range all {
		if !a.Draft && a.Published.After(now) && (best.IsZero() || a.Published.Before(best)) {
			best = a.Published
		}
	}
	return best, !best.IsZero()
}
