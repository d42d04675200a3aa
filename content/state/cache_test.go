package state

import (
	"bytes"
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestCachePersists: cache entries are written with the next Apply, come
// back after a restart under the same key, and are dropped under another.
// take reads the cache as a map.
func take(t *testing.T, s *Store, key string) map[string][]byte {
	t.Helper()
	var m map[string][]byte
	if err := s.ReadCache(key, func(p, e []byte) {
		if m == nil {
			m = map[string][]byte{}
		}
		m[string(p)] = bytes.Clone(e)
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

// cacheFrom makes s take the entries it writes from the map it returns.
func cacheFrom(s *Store) map[string][]byte {
	m := map[string][]byte{}
	s.CacheFrom(func(p string) ([]byte, bool) {
		e, ok := m[p]
		return e, ok
	})
	return m
}

func TestCachePersists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	if c := take(t, s, "k1"); c != nil {
		t.Fatalf("a new store has a cache: %v", c)
	}
	entries := cacheFrom(s)
	a := parse(t, "a.txt", undated, t0)
	entries["a.txt"], entries["b.txt"] = []byte("entry a"), []byte("entry b")
	s.Cache("a.txt")
	s.Cache("b.txt")
	apply(t, s, t0, a)
	delete(entries, "b.txt") // deleted
	entries["c.txt"] = []byte("entry c")
	s.Cache("b.txt")
	s.Cache("c.txt")
	if _, err := s.Update(nil, nil, t0); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, db)
	want := map[string][]byte{"a.txt": []byte("entry a"), "c.txt": []byte("entry c")}
	if got := take(t, s, "k1"); !maps.EqualFunc(got, want, func(x, y []byte) bool { return string(x) == string(y) }) {
		t.Fatalf("after a restart: %q, want %q", got, want)
	}
	s.Close()

	s = open(t, db)
	if got := take(t, s, "k2"); got != nil {
		t.Fatalf("another key: %q", got)
	}
	if _, err := s.Update(nil, nil, t0); err != nil { // writes the new key, empty
		t.Fatal(err)
	}
	s.Close()
	s = open(t, db)
	if got := take(t, s, "k2"); len(got) != 0 {
		t.Fatalf("entries made under k1 survived a change of key: %q", got)
	}
	if got := take(t, s, "k1"); got != nil {
		t.Fatalf("the old key still matches: %q", got)
	}
}

// TestStampSharesUnchanged: an article the records change nothing of is
// returned as it is, not copied; one they change is copied, the input kept.
func TestStampSharesUnchanged(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	dated := parse(t, "dated.md", "---\ntitle: Dated\ndate: 2026-01-02T10:00:00Z\n---\nBody.\n", t0)
	undatedArt := parse(t, "u.txt", undated, t0)
	out, err := s.Apply([]*content.Article{dated, undatedArt}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if out[0] != dated {
		t.Error("a dated article with a derived id matching its record was copied")
	}
	moved, err := s.Apply([]*content.Article{dated, parse(t, "u.txt", undated, t0.Add(time.Hour))}, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !moved[1].Published.Equal(t0) {
		t.Errorf("a touched undated file: Published %v, want its first-seen %v", moved[1].Published, t0)
	}
}

// TestSaveInBatches: a save larger than one transaction's batch writes
// every record and cache entry, with the cache's new key, across several.
func TestSaveInBatches(t *testing.T) {
	defer func(n int) { saveBatch = n }(saveBatch)
	saveBatch = 7
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	take(t, s, "k") // a new key: the cache is reset in the first batch
	entries := cacheFrom(s)
	var arts []*content.Article
	for i := range 50 {
		p := fmt.Sprintf("d/%02d.txt", i)
		arts = append(arts, parse(t, p, fmt.Sprintf("Article %d\n\nBody %d.\n\nSource: Desk\n", i, i), t0))
		entries[p] = []byte(p)
		s.Cache(p)
	}
	apply(t, s, t0, arts...)
	s.Close()
	s = open(t, db)
	if s.Len() != 50 {
		t.Errorf("%d records, want 50", s.Len())
	}
	if got := take(t, s, "k"); len(got) != 50 || string(got["d/49.txt"]) != "d/49.txt" {
		t.Errorf("%d cache entries under the key, want 50", len(got))
	}
}
