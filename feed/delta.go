package feed

import (
	"maps"
	"slices"
	"sync/atomic"

	"github.com/dropfeed/dropfeed/content"
)

// Delta says which article pages of a bundle may differ from those of an
// earlier bundle: the pages of articles added, changed or removed in
// between, or every page. A page not named may be taken from the earlier
// bundle's output as it is. The zero Delta names no page.
//
// A page depends only on its article's version (its file's bytes, id and
// dates) and on what the Builder renders with (the site settings, the render
// key, the program), so an article that did not change keeps its page.
type Delta struct {
	all   bool
	slugs map[string]struct{} // never modified once the Delta is made
}

// All reports whether every page may differ (the first bundle of a
// Builder, or one after a failed build).
func (d Delta) All() bool { return d.all }

// Pages returns the paths ([PagePath]) of the pages that may differ, sorted,
// when not [Delta.All]: those of articles the later bundle has were added or
// changed, the others were removed.
func (d Delta) Pages() []string {
	out := make([]string, 0, len(d.slugs))
	for _, s := range slices.Sorted(maps.Keys(d.slugs)) {
		out = append(out, pagePathOf(s))
	}
	return out
}

// Len returns the number of pages named (0 when [Delta.All]).
func (d Delta) Len() int {
	if d.all {
		return 0
	}
	return len(d.slugs)
}

// Merge returns the pages that may differ over two steps: d, then later.
func (d Delta) Merge(later Delta) Delta {
	switch {
	case d.all || later.all:
		return Delta{all: true}
	case len(later.slugs) == 0:
		return d
	case len(d.slugs) == 0:
		return later
	}
	m := make(map[string]struct{}, len(d.slugs)+len(later.slugs))
	maps.Copy(m, d.slugs)
	maps.Copy(m, later.slugs)
	return Delta{slugs: m}
}

// deltaOf returns the delta of articles entered and left.
func deltaOf(entered, left []*content.Article) Delta {
	if len(entered)+len(left) == 0 {
		return Delta{}
	}
	m := make(map[string]struct{}, len(entered)+len(left))
	for _, a := range entered {
		m[a.Slug] = struct{}{}
	}
	for _, a := range left {
		m[a.Slug] = struct{}{}
	}
	return Delta{slugs: m}
}

// deltaLink is one bundle's place in the chain of the bundles a Builder
// made: its delta from the bundle before, and the link of the bundle after,
// set when that one is made. A reader holding an old link walks forward to
// merge what changed since; links nobody holds are garbage.
type deltaLink struct {
	delta Delta
	next  atomic.Pointer[deltaLink]
}

// Delta returns the pages that may differ from the previous bundle of the
// same Builder.
func (b *Bundle) Delta() Delta {
	if b.link == nil {
		return Delta{all: true}
	}
	return b.link.delta
}

// DeltaSince returns the pages that may differ from those of older, an
// earlier bundle of the same Builder: the deltas of the bundles in between,
// merged. Any other older (nil, a later bundle, one of another Builder)
// gives [Delta.All].
func (b *Bundle) DeltaSince(older *Bundle) Delta {
	if older == nil {
		return Delta{all: true}
	}
	return b.deltaSince(older.link)
}

// deltaSince is DeltaSince from the link of the older bundle.
func (b *Bundle) deltaSince(from *deltaLink) Delta {
	if from == nil || b.link == nil {
		return Delta{all: true}
	}
	var d Delta
	for l := from; l != b.link; {
		l = l.next.Load()
		if l == nil {
			return Delta{all: true} // b does not follow older
		}
		if d = d.Merge(l.delta); d.all {
			return d
		}
	}
	return d
}

// pagePathOf is [PagePath] from a slug.
func pagePathOf(slug string) string { return "articles/" + slug + "/" + IndexName }
