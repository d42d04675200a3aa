package state

import (
	"bytes"
	"maps"
	"path/filepath"
	"testing"
)

// TestCachePersists: cache entries are written with the next Apply, come
// back after a restart under the same key, and are dropped under another.
// take reads the cache as a map.
func take(t *testing.T, s *Store, key string) map[string][]byte {
	t.Helper()
	var m map[string][]byte
	if err := s.ReadCache(key, func(p string, e []byte) {
		if m == nil {
			m = map[string][]byte{}
		}
		m[p] = bytes.Clone(e)
	}); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCachePersists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	if c := take(t, s, "k1"); c != nil {
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
