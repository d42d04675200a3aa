package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDirStoreRecord: commits are appended to the manifest and read back
// after a reopen; once the appended changes outnumber the entries the
// manifest is rewritten whole, sorted; a last line cut short is ignored
// and cut off.
func TestDirStoreRecord(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, ManifestName)
	s := openDir(t, dir)
	full, err := s.Load(t.Context())
	if err != nil || full.Len() != 0 {
		t.Fatalf("Load(empty folder) = %v, %v; want nothing", full, err)
	}
	commit := func(s *DirStore, cs ...Change) {
		t.Helper()
		for _, c := range cs {
			if c.Removed {
				full.Delete(c.Path)
			} else {
				full.Set(c.Path, c.Entry)
			}
		}
		if err := s.Commit(t.Context(), cs, full); err != nil {
			t.Fatal(err)
		}
	}
	entry := func(i int) Entry { return Entry{ID: fmt.Sprint("id", i), Size: int64(i), GzipSize: int64(i / 2)} }
	var first []Change
	for i := range 10 {
		first = append(first, Change{Path: fmt.Sprintf("articles/p%d/index.html", i), Entry: entry(i)})
	}
	commit(s, first...) // the first commit writes the whole record
	snapshot := readFile(t, manifest)
	if !bytes.HasPrefix(snapshot, []byte(recordHeader+"\n")) || bytes.Count(snapshot, []byte("\n")) != 11 {
		t.Fatalf("the first commit wrote:\n%s\nwant the header and 10 lines", snapshot)
	}
	commit(s, Change{Path: "articles/p3/index.html", Entry: entry(33)}, Change{Path: "articles/p4/index.html", Removed: true})
	if got := readFile(t, manifest); !bytes.HasPrefix(got, snapshot) || bytes.Count(got, []byte("\n")) != 13 {
		t.Errorf("a small commit did not append two lines:\n%s", got)
	}
	reopen := func() *DirStore {
		t.Helper()
		s.Close()
		s = openDir(t, dir)
		got, err := s.Load(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if g, w := maps.Collect(got.All()), maps.Collect(full.All()); !maps.Equal(g, w) {
			t.Fatalf("Load() after reopening = %v, want %v", g, w)
		}
		return s
	}
	s = reopen()

	// A commit cut short: half a line at the end.
	f, err := os.OpenFile(manifest, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("id99\t99\t9\t\tarticles/p9")
	f.Close()
	s = reopen()
	if got := readFile(t, manifest); !bytes.HasSuffix(got, []byte("\n")) {
		t.Errorf("Load left a line cut short at the end")
	}
	commit(s, Change{Path: "articles/p5/index.html", Entry: entry(55)})
	s = reopen()

	// Enough changes to outnumber the snapshot: rewritten whole, sorted.
	for i := range 12 {
		commit(s, Change{Path: "articles/p1/index.html", Entry: entry(100 + i)})
	}
	got := readFile(t, manifest)
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) > 1+full.Len()+full.Len() {
		t.Errorf("the manifest has %d lines for %d entries; want it rewritten once the changes outnumber them", len(lines), full.Len())
	}
	if !slices.IsSorted(lines[1 : 1+full.Len()]) {
		t.Errorf("the rewritten manifest is not sorted:\n%s", got)
	}
	reopen()
}

// TestLegacyManifest: a folder written by an earlier version (a manifest
// of SHA-256 sums, one line per file) is taken over without rewriting a
// file whose bytes did not change; its pages are rendered once to compare,
// and the manifest takes the current form.
func TestLegacyManifest(t *testing.T) {
	dir := t.TempDir()
	b := buildTxtar(t, testSite(), serverTree)
	mustWrite(t, dir, b, WriteOptions{})
	var legacy strings.Builder
	files := tree(t, dir)
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if strings.HasPrefix(filepath.Base(rel), ".") {
			continue
		}
		sum := sha256.Sum256(readFile(t, filepath.Join(dir, rel)))
		legacy.WriteString(hex.EncodeToString(sum[:]) + " " + rel + "\n")
	}
	legacy.WriteString(strings.Repeat("0", 64) + " articles/old/index.html\n")
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(legacy.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ageTree(t, dir)
	before := tree(t, dir)
	st := mustWrite(t, dir, b, WriteOptions{})
	if st.Written != 0 || st.Rendered != b.Len() || st.Removed != 0 {
		t.Errorf("WriteDir over a legacy manifest = %+v, want Written 0, Rendered %d, Removed 0 (the old page is not there)", st, b.Len())
	}
	for rel, fi := range tree(t, dir) {
		if rel != ManifestName && !os.SameFile(fi, before[rel]) {
			t.Errorf("WriteDir over a legacy manifest rewrote %s", rel)
		}
	}
	if got := readFile(t, filepath.Join(dir, ManifestName)); !bytes.HasPrefix(got, []byte(recordHeader+"\n")) {
		t.Errorf("the manifest was not rewritten in the current form:\n%.300s", got)
	}
	if e, ok := readRecord(t, dir)["articles/old/index.html"]; ok {
		t.Errorf("the manifest still lists the page that was not there: %+v", e)
	}
	checkRecord(t, dir, true)
	if st := mustWrite(t, dir, b, WriteOptions{}); st.Rendered != 0 || st.Written != 0 {
		t.Errorf("WriteDir once more = %+v, want nothing rendered or written", st)
	}
}

// TestRecord: a Record gives back what was set, as a map of entries does,
// over random sets, replacements and deletions, with sizes of every width
// (and -1), IDs long enough for a multi-byte length, and empty fields; a
// clone is apart from its original; replacing an entry costs one
// allocation, the packed string of path and entry.
func TestRecord(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int64{-1, 0, 1, 63, 64, 127, 128, 1 << 20, 1<<31 + 5, math.MaxInt64, math.MinInt64}
	str := func(max int) string {
		b := make([]byte, rng.IntN(max+1))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	var null *Record
	if _, ok := null.Get("x"); ok || null.Len() != 0 || null.Has("x") || len(maps.Collect(null.All())) != 0 || len(slices.Collect(null.Paths())) != 0 || null.Clone().Len() != 0 {
		t.Fatal("a nil *Record does not read as empty")
	}
	null.Delete("x") // no panic, as with a nil map
	var r Record
	if _, ok := r.Get("x"); ok || r.Len() != 0 || r.Has("x") {
		t.Fatal("the zero Record is not empty")
	}
	r.Delete("x") // on the zero Record: no panic
	want := make(map[string]Entry)
	paths := make([]string, 50)
	for i := range paths {
		paths[i] = fmt.Sprintf("articles/%d/%s", i, str(40))
	}
	for range 5000 {
		rel := paths[rng.IntN(len(paths))]
		if rng.IntN(4) == 0 {
			r.Delete(rel)
			delete(want, rel)
			continue
		}
		e := Entry{ID: str(300), Size: sizes[rng.IntN(len(sizes))], GzipSize: sizes[rng.IntN(len(sizes))], Source: str(80)}
		r.Set(rel, e)
		want[rel] = e
	}
	if r.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", r.Len(), len(want))
	}
	for _, rel := range paths {
		got, ok := r.Get(rel)
		w, wok := want[rel]
		if ok != wok || got != w || r.Has(rel) != wok {
			t.Errorf("Get(%q) = %+v, %v; want %+v, %v", rel, got, ok, w, wok)
		}
	}
	if got := maps.Collect(r.All()); !maps.Equal(got, want) {
		t.Errorf("All() differs from what was set: %d entries, want %d", len(got), len(want))
	}
	if got := slices.Sorted(r.Paths()); !slices.Equal(got, slices.Sorted(maps.Keys(want))) {
		t.Errorf("Paths() = %q, want the paths set", got)
	}

	c := r.Clone()
	for _, rel := range paths {
		c.Delete(rel)
	}
	c.Set("feed.json", Entry{ID: "x"})
	if r.Len() != len(want) || r.Has("feed.json") {
		t.Errorf("changing a clone changed the original")
	}

	rel := "articles/some-article-of-the-usual-length/index.html"
	e := Entry{ID: "LYTTKnOHHMNWISbAt02Da71J", Size: 6747, GzipSize: 3093, Source: "ysb9QWTRauMLVGwBv1v7"}
	r.Set(rel, e)
	if n := testing.AllocsPerRun(100, func() { r.Set(rel, e) }); n != 1 {
		t.Errorf("replacing an entry made %v allocations, want 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { r.Get(rel) }); n != 0 {
		t.Errorf("Get made %v allocations, want 0", n)
	}
}
