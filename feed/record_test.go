package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
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
	if err != nil || len(full) != 0 {
		t.Fatalf("Load(empty folder) = %v, %v; want nothing", full, err)
	}
	commit := func(s *DirStore, cs ...Change) {
		t.Helper()
		for _, c := range cs {
			if c.Removed {
				delete(full, c.Path)
			} else {
				full[c.Path] = c.Entry
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
		if !maps.Equal(got, full) {
			t.Fatalf("Load() after reopening = %v, want %v", got, full)
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
	if len(lines) > 1+len(full)+len(full) {
		t.Errorf("the manifest has %d lines for %d entries; want it rewritten once the changes outnumber them", len(lines), len(full))
	}
	if !slices.IsSorted(lines[1 : 1+len(full)]) {
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
