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
	byPath := make([]*Article, 0, len(all))
	for _, a := range all {
		if !a.Draft && !a.Published.After(now) {
			byPath = append(byPath, a)
		}
	}
	slices.SortFunc(byPath, func(a, b *Article) int { return cmp.Compare(a.Path, b.Path) })
	out, warns := pickUnique(byPath)
	SortNewest(out)
	return out, warns
}

// pickUnique keeps one article per id and per URL path from publishable
// articles sorted by path: the first, with a warning for each other.
func pickUnique(byPath []*Article) ([]*Article, []Warning) {
	seen := make(map[string]*Article, len(byPath))
	slugs := make(map[string]*Article, len(byPath))
	var warns []Warning
	out := make([]*Article, 0, len(byPath))
	for _, a := range byPath {
		if first, dup := seen[a.ID]; dup {
			warns = append(warns, dupIDWarning(a, first))
			continue
		}
		if first, dup := slugs[a.Slug]; dup {
			warns = append(warns, dupURLWarning(a, first))
			continue
		}
		seen[a.ID] = a
		slugs[a.Slug] = a
		out = append(out, a)
	}
	return out, warns
}

// dupIDWarning says that a is left out for having the id of first.
func dupIDWarning(a, first *Article) Warning {
	return Warning{Path: a.Path, Code: WarnDuplicateID, Msg: "duplicate id " + a.ID + " (also " + first.Path + "); left out"}
}

// dupURLWarning says that a is left out for having the URL path of first.
func dupURLWarning(a, first *Article) Warning {
	return Warning{Path: a.Path, Code: WarnDuplicateURL, Msg: "duplicate URL path articles/" + a.Slug + "/ (also " + first.Path + "); left out"}
}

// SortNewest sorts articles newest first: by Published descending, then by id.
func SortNewest(arts []*Article) {
	if len(arts) < 512 {
		slices.SortFunc(arts, CompareNewest)
		return
	}
	sortNewestBy(arts, func(a *Article) *Article { return a })
}

// sortNewestBy sorts xs by their articles as SortNewest sorts articles: by
// their times copied beside them, which compares without reading each
// article (the order of CompareNewest, whose time comparison is that of
// the Unix seconds and nanoseconds).
func sortNewestBy[T any](xs []T, art func(T) *Article) {
	type key struct {
		sec  int64
		nsec int64
		x    T
		a    *Article
	}
	keys := make([]key, len(xs))
	for i, x := range xs {
		a := art(x)
		keys[i] = key{a.Published.Unix(), int64(a.Published.Nanosecond()), x, a}
	}
	slices.SortFunc(keys, func(x, y key) int {
		if c := cmp.Compare(y.sec, x.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(y.nsec, x.nsec); c != 0 {
			return c
		}
		return cmp.Compare(x.a.ID, y.a.ID)
	})
	for i := range keys {
		xs[i] = keys[i].x
	}
}
