package content

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Selection is the incremental form of [Select], for a daemon that changes
// a few articles at a time among many: it keeps the visible articles sorted
// newest first, so that one changed article costs a binary search and a
// slice insert, not a sort of every article. Whenever a change touches an id
// or URL path that more than one publishable article claims, it falls back
// to the full selection, so its result is always the one [Select] gives.
//
// A Selection is not safe for concurrent use; the slices it returns are the
// caller's.
type Selection struct {
	byPath  map[string]*selEntry
	ids     map[string]int // publishable articles (not drafts, due) per id
	slugs   map[string]int // the same, per slug
	visible []*Article     // newest first
	future  []*Article     // not drafts, not due yet: by Published, then path
	warns   []Warning
}

// selEntry is one article of the selection and how it counts.
type selEntry struct {
	a       *Article
	kind    selKind
	visible bool
}

type selKind uint8

const (
	selDraft  selKind = iota // never shown
	selFuture                // shown once due
	selDue                   // publishable: shown unless a duplicate
)

// SelectionChange says what one [Selection.Update] did to the visible articles.
type SelectionChange struct {
	// Entered and Left are the articles that became visible and those that
	// stopped being visible (an article replaced by a new version of the
	// same path is in both: the old version left, the new one entered).
	Entered, Left []*Article
	// Warnings, when not nil, are every duplicate warning of the whole
	// selection, recomputed because this change touched a duplicate (or
	// was large).
	Warnings []Warning
}

// Empty reports whether the visible articles did not change.
func (c SelectionChange) Empty() bool { return len(c.Entered) == 0 && len(c.Left) == 0 }

// NewSelection returns an empty selection.
func NewSelection() *Selection {
	return &Selection{byPath: make(map[string]*selEntry), ids: make(map[string]int), slugs: make(map[string]int)}
}

// Update removes the articles at the paths in removed, adds or replaces
// (by path) the articles in set, and makes visible the articles that fell
// due by now. now should not go backwards between calls: an article once
// shown stays shown until it changes.
func (s *Selection) Update(removed []string, set []*Article, now time.Time) SelectionChange {
	if len(s.byPath) == 0 && len(set) > 64 {
		return s.load(set, now)
	}
	var gone, added []*selEntry
	conflict := false
	drop := func(e *selEntry) {
		switch e.kind {
		case selFuture:
			s.removeFuture(e.a)
		case selDue:
			conflict = s.uncount(e.a) || conflict
			if e.visible {
				gone = append(gone, e)
			}
		}
	}
	for _, p := range removed {
		if e, ok := s.byPath[p]; ok {
			delete(s.byPath, p)
			drop(e)
		}
	}
	for _, a := range set {
		if e, ok := s.byPath[a.Path]; ok {
			drop(e)
		}
		e := &selEntry{a: a}
		s.byPath[a.Path] = e
		switch {
		case a.Draft:
			e.kind = selDraft
		case a.Published.After(now):
			e.kind = selFuture
			s.addFuture(a)
		default:
			e.kind = selDue
			conflict = s.count(a) || conflict
			added = append(added, e)
		}
	}
	// Articles that fell due.
	n := 0
	for n < len(s.future) && !s.future[n].Published.After(now) {
		n++
	}
	for _, a := range s.future[:n] {
		e := s.byPath[a.Path]
		e.kind = selDue
		conflict = s.count(a) || conflict
		added = append(added, e)
	}
	s.future = slices.Delete(s.future, 0, n)

	if conflict || len(gone)+len(added) > max(64, len(s.visible)/16) {
		// A duplicate to settle, or so many changes that one sort beats
		// inserting each.
		return s.recompute()
	}
	var ch SelectionChange
	for _, e := range gone {
		if i, ok := slices.BinarySearchFunc(s.visible, e.a, CompareNewest); ok && s.visible[i] == e.a {
			s.visible = slices.Delete(s.visible, i, i+1)
		}
		e.visible = false
		ch.Left = append(ch.Left, e.a)
	}
	for _, e := range added {
		if s.byPath[e.a.Path] != e {
			continue // replaced again in the same update
		}
		i, _ := slices.BinarySearchFunc(s.visible, e.a, CompareNewest)
		s.visible = slices.Insert(s.visible, i, e.a)
		e.visible = true
		ch.Entered = append(ch.Entered, e.a)
	}
	return ch
}

// load is Update on an empty selection with many articles (a start): it
// selects from scratch, as recompute does, with the entries in one block and
// no more maps than the counts of ids and slugs.
func (s *Selection) load(set []*Article, now time.Time) SelectionChange {
	entries := make([]selEntry, len(set))
	s.byPath = make(map[string]*selEntry, len(set))
	s.ids, s.slugs = make(map[string]int, len(set)), make(map[string]int, len(set))
	for i, a := range set {
		entries[i].a = a
		s.byPath[a.Path] = &entries[i] // a path set twice: the last one
	}
	// A set sorted by path (a start's) has a path set twice side by side.
	sorted := slices.IsSortedFunc(set, func(a, b *Article) int { return strings.Compare(a.Path, b.Path) })
	due := make([]*selEntry, 0, len(set))
	for i := range entries {
		e := &entries[i]
		a := e.a
		switch {
		case sorted && i+1 < len(entries) && entries[i+1].a.Path == a.Path,
			!sorted && s.byPath[a.Path] != e: // set again later in set
		case a.Draft:
			e.kind = selDraft
		case a.Published.After(now):
			e.kind = selFuture
			s.future = append(s.future, a)
		default:
			e.kind = selDue
			s.ids[a.ID]++ // as count does, with no question asked
			s.slugs[a.Slug]++
			due = append(due, e)
		}
	}
	slices.SortFunc(s.future, compareFuture)
	byPath := func(a, b *selEntry) int { return cmp.Compare(a.a.Path, b.a.Path) }
	if !slices.IsSortedFunc(due, byPath) {
		slices.SortFunc(due, byPath)
	}
	// Sorted newest first beside the search for duplicates below, which
	// goes by path: the sort then keeps the entries that search left
	// visible (a start's 100,000 articles take 30 ms to sort).
	newest := slices.Clone(due)
	var byNewest sync.WaitGroup
	byNewest.Go(func() { sortNewestBy(newest, func(e *selEntry) *Article { return e.a }) })
	// One article per id and per URL path, the first by path, as
	// pickUnique keeps them: only the ids and slugs counted more than once
	// need telling which came first.
	var first, firstSlug map[string]*Article
	var warns []Warning
	for _, e := range due {
		a := e.a
		sharedID, sharedSlug := s.ids[a.ID] > 1, s.slugs[a.Slug] > 1
		if sharedID {
			if f, dup := first[a.ID]; dup {
				warns = append(warns, dupIDWarning(a, f))
				continue
			}
		}
		if sharedSlug {
			if f, dup := firstSlug[a.Slug]; dup {
				warns = append(warns, dupURLWarning(a, f))
				continue
			}
		}
		if sharedID {
			if first == nil {
				first = make(map[string]*Article)
			}
			first[a.ID] = a
		}
		if sharedSlug {
			if firstSlug == nil {
				firstSlug = make(map[string]*Article)
			}
			firstSlug[a.Slug] = a
		}
		e.visible = true
	}
	byNewest.Wait()
	visible := make([]*Article, 0, len(due))
	for _, e := range newest {
		if e.visible {
			visible = append(visible, e.a)
		}
	}
	s.visible, s.warns = visible, warns
	ch := SelectionChange{Entered: slices.Clone(visible), Warnings: slices.Clone(warns)}
	if ch.Warnings == nil {
		ch.Warnings = []Warning{}
	}
	return ch
}

// count registers a publishable article's id and slug; it reports whether
// another publishable article claims either.
func (s *Selection) count(a *Article) bool {
	s.ids[a.ID]++
	s.slugs[a.Slug]++
	return s.ids[a.ID] > 1 || s.slugs[a.Slug] > 1
}

// uncount forgets a publishable article's id and slug; it reports whether
// another publishable article still claims either.
func (s *Selection) uncount(a *Article) bool {
	shared := false
	for _, m := range []struct {
		m map[string]int
		k string
	}{{s.ids, a.ID}, {s.slugs, a.Slug}} {
		if m.m[m.k]--; m.m[m.k] > 0 {
			shared = true
		} else {
			delete(m.m, m.k)
		}
	}
	return shared
}

// recompute selects from scratch, as [Select] does, and reports the difference.
func (s *Selection) recompute() SelectionChange {
	due := make([]*Article, 0, len(s.byPath))
	for _, e := range s.byPath {
		if e.kind == selDue {
			due = append(due, e.a)
		}
	}
	slices.SortFunc(due, func(a, b *Article) int { return cmp.Compare(a.Path, b.Path) })
	visible, warns := pickUnique(due)
	SortNewest(visible)
	var ch SelectionChange
	now := make(map[*Article]bool, len(visible))
	for _, a := range visible {
		now[a] = true
	}
	was := make(map[*Article]bool, len(s.visible))
	for _, a := range s.visible {
		was[a] = true
		if !now[a] {
			ch.Left = append(ch.Left, a)
		}
	}
	for _, a := range visible {
		if !was[a] {
			ch.Entered = append(ch.Entered, a)
		}
	}
	for _, e := range s.byPath {
		e.visible = now[e.a]
	}
	s.visible, s.warns = visible, warns
	ch.Warnings = slices.Clone(warns)
	if ch.Warnings == nil {
		ch.Warnings = []Warning{}
	}
	return ch
}

// Visible returns the visible articles, newest first, in a new slice.
func (s *Selection) Visible() []*Article { return slices.Clone(s.visible) }

// Article returns the article at path p as the selection holds it (visible
// or not), if it holds one.
func (s *Selection) Article(p string) (*Article, bool) {
	e, ok := s.byPath[p]
	if !ok {
		return nil, false
	}
	return e.a, true
}

// Len returns the number of visible articles.
func (s *Selection) Len() int { return len(s.visible) }

// Warnings returns the duplicate warnings of the last full selection.
func (s *Selection) Warnings() []Warning { return slices.Clone(s.warns) }

// NextDue returns the earliest publication time among the articles not due
// yet (drafts aside), for scheduling the update that shows it.
func (s *Selection) NextDue() (time.Time, bool) {
	if len(s.future) == 0 {
		return time.Time{}, false
	}
	return s.future[0].Published, true
}

func compareFuture(a, b *Article) int {
	if c := a.Published.Compare(b.Published); c != 0 {
		return c
	}
	return cmp.Compare(a.Path, b.Path)
}

func (s *Selection) addFuture(a *Article) {
	i, _ := slices.BinarySearchFunc(s.future, a, compareFuture)
	s.future = slices.Insert(s.future, i, a)
}

func (s *Selection) removeFuture(a *Article) {
	if i, ok := slices.BinarySearchFunc(s.future, a, compareFuture); ok && s.future[i] == a {
		s.future = slices.Delete(s.future, i, i+1)
	}
}

// CompareNewest orders articles newest first, as [SortNewest] does: by
// Published descending, then by id.
func CompareNewest(a, b *Article) int {
	if c := b.Published.Compare(a.Published); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
