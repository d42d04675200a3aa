package feed

import (
	"path/filepath"
	"testing"

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
