package feed

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestSaveRestore: a Builder that restores what another saved (through
// the file serve keeps it in) renders nothing for the same articles and
// returns the same files; after a change it renders only the feed sets the
// change touches, and its bundle equals a fresh build.
func TestSaveRestore(t *testing.T) {
	site := exampleSite()
	site.NoTagFeeds = false
	arts := exampleArticles(t)
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	first, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db.feeds")
	if err := WriteSaved(path, bl.Save()); err != nil {
		t.Fatal(err)
	}
	restore := func(s Site) (*Builder, bool) {
		sv, err := readSaved(path)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := NewBuilder(s)
		if err != nil {
			t.Fatal(err)
		}
		return nb, nb.Restore(sv)
	}

	nb, ok := restore(site)
	if !ok {
		t.Fatal("Restore refused what the same site saved")
	}
	again, err := nb.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.items) != 0 {
		t.Errorf("a restored build made %d items; the saved feeds needed none", len(nb.items))
	}
	sameBundle(t, "restored", again, first)

	// One article changed: its feeds are rendered, the others restored.
	nb, _ = restore(site)
	changed := make([]*content.Article, len(arts))
	copy(changed, arts)
	c := *changed[0]
	c.Title, c.Hash = "A new title", "changed"
	changed[0] = &c
	got, err := nb.Build(changed)
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.items) == 0 {
		t.Error("nothing rendered after an article changed")
	}
	sameBundle(t, "after a change", got, mustBuild(t, site, changed))

	other := site
	other.Title = "Another title"
	if _, ok := restore(other); ok {
		t.Error("Restore took feeds saved for other site settings")
	}
}

// TestRestorePagesAnyOrder: the page times restored do not depend on the
// order of the saved pages (Save writes them in slug order; a record made
// otherwise is sorted), and of two pages saved for one slug the later
// counts, as when they were kept in a map.
func TestRestorePagesAnyOrder(t *testing.T) {
	site := exampleSite()
	arts := exampleArticles(t)
	clock := &testClock{time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	bl := builderAt(t, site, clock)
	if _, err := bl.Build(arts); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Hour)
	changed := slices.Clone(arts)
	c := *changed[1]
	c.Title, c.Hash = "A new title", "changed"
	changed[1] = &c
	if _, err := bl.Build(changed); err != nil {
		t.Fatal(err)
	}
	sv := bl.Save()
	if len(sv.Pages) < 3 || !slices.IsSortedFunc(sv.Pages, func(a, b SavedPage) int { return strings.Compare(a.Slug, b.Slug) }) {
		t.Fatalf("Save wrote %d pages, want them in slug order", len(sv.Pages))
	}
	shuffled := *sv
	shuffled.Pages = slices.Clone(sv.Pages)
	slices.Reverse(shuffled.Pages)
	// An earlier record of one slug, which the later one overrides.
	stale := sv.Pages[1]
	stale.Version, stale.Since = "stale", clock.t.Add(time.Hour).Unix()
	shuffled.Pages = append([]SavedPage{stale}, shuffled.Pages...)

	clock.add(time.Hour)
	restart := func(sv *Saved) map[string]docVersion {
		nb := builderAt(t, site, clock)
		if !nb.Restore(sv) {
			t.Fatal("Restore refused what the same site saved")
		}
		b, err := nb.Build(changed)
		if err != nil {
			t.Fatal(err)
		}
		return servedDocs(b)
	}
	want := restart(sv)
	if got := restart(&shuffled); !maps.Equal(got, want) {
		t.Errorf("restored from pages out of order: %v, want %v", got, want)
	}
}

// TestPagesBySlug: saved pages in slug order, one per slug (the later of
// two), never nil; pages already in order are not copied.
func TestPagesBySlug(t *testing.T) {
	if got := pagesBySlug(nil); got == nil || len(got) != 0 {
		t.Errorf("pagesBySlug(nil) = %#v, want an empty, non-nil list", got)
	}
	sorted := []SavedPage{{Slug: "a"}, {Slug: "b"}, {Slug: "c"}}
	if got := pagesBySlug(sorted); &got[0] != &sorted[0] {
		t.Error("pagesBySlug copied pages already in order")
	}
	got := pagesBySlug([]SavedPage{{Slug: "c", Since: 1}, {Slug: "a", Since: 2}, {Slug: "c", Since: 3}, {Slug: "b", Since: 4}, {Slug: "a", Since: 5}})
	want := []SavedPage{{Slug: "a", Since: 5}, {Slug: "b", Since: 4}, {Slug: "c", Since: 3}}
	if !slices.Equal(got, want) {
		t.Errorf("pagesBySlug = %+v, want %+v", got, want)
	}
}
