package state

import (
	"maps"
	"path/filepath"
	"testing"
)

// TestCachePersists: cache entries are written with the next Apply, come
// back after a restart under the same key, and are dropped under another.
func TestCachePersists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	if c := s.TakeCache("k1"); c != nil {
		t.Fatalf("a new store has a cache: %v", c)
	}
	a := parse(t, "a.txt", undated, t0)
	s.Cache("a.txt", []byte("entry a"))
	s.Cache("b.txt", []byte("entry b"))
	apply(t, s, t0, a)
	s.Cache("b.txt", nil) // deleted
	s.Cache("c.txt", []byte("entry c"))
	if _, err := s.Update(nil, nil, t0); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, db)
	want := map[string][]byte{"a.txt": []byte("entry a"), "c.txt": []byte("entry c")}
	if got := s.TakeCache("k1"); !maps.EqualFunc(got, want, func(x, y []byte) bool { return string(x) == string(y) }) {
		t.Fatalf("after a restart: %q, want %q", got, want)
	}
	if got := s.TakeCache("k1"); got != nil {
		t.Fatalf("taken twice: %q", got)
	}
	s.Close()

	s = open(t, db)
	if got := s.TakeCache("k2"); got != nil {
		t.Fatalf("another key: %q", got)
	}
	if _, err := s.Update(nil, nil, t0); err != nil { // writes the new key, empty
		t.Fatal(err)
	}
	s.Close()
	s = open(t, db)
	if got := s.TakeCache("k2"); len(got) != 0 {
		t.Fatalf("entries made under k1 survived a change of key: %q", got)
	}
	if got := s.TakeCache("k1"); got != nil {
		t.Fatalf("the old key still matches: %q", got)
	}
}
