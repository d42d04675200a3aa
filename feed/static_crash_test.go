package feed

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteDirCleansAfterCrash: a write that was killed leaves its marker
// and hidden temporary files; the next write removes those temporary files,
// and nothing else (an operator's dotfiles, hidden folders).
func TestWriteDirCleansAfterCrash(t *testing.T) {
	dir := t.TempDir()
	b := buildTxtar(t, testSite(), serverTree)
	mustWrite(t, dir, b, WriteOptions{})
	page := filepath.Dir(filepath.Join(dir, filepath.FromSlash(PagePath(b.Articles()[0]))))
	stale := []string{
		filepath.Join(dir, "."+RSSName+".tmp-1234567"),
		filepath.Join(dir, "."+ManifestName+".tmp-99"),
		filepath.Join(page, "."+IndexName+".gz.tmp-42"),
	}
	kept := []string{
		filepath.Join(dir, ".well-known", "x.tmp-1"),
		filepath.Join(dir, ".git", ".index.tmp-1"),
		filepath.Join(dir, ".htaccess"),
		filepath.Join(dir, ".notes.tmp-draft"),
		filepath.Join(dir, "report.tmp-1"),
	}
	for _, p := range append(slices.Clone(stale), kept...) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("half a file"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Without the marker no write was cut short: temporary names may belong
	// to someone else, and stay.
	mustWrite(t, dir, b, WriteOptions{})
	for _, p := range stale {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("WriteDir without a crash marker removed %s", p)
		}
	}

	if err := os.WriteFile(filepath.Join(dir, lockName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dir, b, WriteOptions{})
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("WriteDir after a crash left the stale temporary file %s", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("WriteDir after a crash removed %s, which it did not write: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, lockName)); err == nil {
		t.Errorf("WriteDir left its marker %s after it finished", lockName)
	}
}

// TestWriteDirFailureLeavesNoMarker: a write that fails removes its
// temporary files and its marker, so the next write has nothing to clean.
func TestWriteDirFailureLeavesNoMarker(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, AtomName, "occupied"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := buildTxtar(t, testSite(), serverTree)
	if _, err := WriteDir(context.Background(), dir, b, WriteOptions{}); err == nil {
		t.Fatal("WriteDir(atom.xml is a folder) succeeded, want an error")
	}
	for rel := range tree(t, dir) {
		if name := filepath.Base(rel); name == lockName || isTempName(name) {
			t.Errorf("failed WriteDir left %s", rel)
		}
	}
}

func TestIsTempName(t *testing.T) {
	for name, want := range map[string]bool{
		".rss.xml.tmp-123":        true,
		".index.html.gz.tmp-9":    true,
		".a.tmp-1.tmp-22":         true,
		".rss.xml.tmp-":           false,
		".rss.xml.tmp-12a":        false,
		"rss.xml.tmp-123":         false,
		".tmp-123":                false,
		".dropfeed-manifest":      false,
		".dropfeed-writing":       false,
		".notes.tmp-draft":        false,
		".photo.jpg.tmp-00000000": true,
	} {
		if got := isTempName(name); got != want {
			t.Errorf("isTempName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestWriteDirPrunesAfterFailure: a write that fails after it created the
// page of a new article still leaves the page listed, so once the article is
// gone, the next write removes the page instead of leaving it forever.
func TestWriteDirPrunesAfterFailure(t *testing.T) {
	dir := t.TempDir()
	old := buildTxtar(t, testSite(), serverTree)
	mustWrite(t, dir, old, WriteOptions{})
	grown := buildTxtar(t, testSite(), serverTree+"-- news/2026-03-03-extra.md --\n---\ntitle: Extra\ndate: 2026-03-03\n---\nBody.\n")
	var extra string
	for _, a := range grown.Articles() {
		if a.Title == "Extra" {
			extra = filepath.Join(dir, filepath.FromSlash(PagePath(a)))
		}
	}
	if err := os.Remove(filepath.Join(dir, AtomName)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, AtomName, "occupied"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(context.Background(), dir, grown, WriteOptions{}); err == nil {
		t.Fatal("WriteDir(atom.xml is a folder) succeeded, want an error")
	}
	if _, err := os.Stat(extra); err != nil {
		t.Fatalf("the failed write did not create the new page first: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, AtomName)); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, dir, old, WriteOptions{})
	if _, err := os.Stat(extra); err == nil {
		t.Errorf("the page of an article that is gone was left after a failed write: %s", extra)
	}
	got := tree(t, dir)
	for _, rel := range wantTree(old, true) {
		delete(got, rel)
	}
	if len(got) > 0 {
		t.Errorf("after the write, extra files remain: %v", got)
	}
}
