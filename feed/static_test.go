package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// tree lists the regular files under dir by slash path relative to dir.
func tree(t testing.TB, dir string) map[string]fs.FileInfo {
	t.Helper()
	out := map[string]fs.FileInfo{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		out[filepath.ToSlash(rel)] = fi
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantTree returns the files WriteDir should produce for b.
func wantTree(b *Bundle, pages bool) []string {
	var out []string
	for _, f := range b.Feeds() {
		out = append(out, f.Path, f.Path+".gz")
	}
	if pages {
		for _, a := range b.Articles() {
			out = append(out, PagePath(a), PagePath(a)+".gz")
		}
	}
	out = append(out, ManifestName)
	slices.Sort(out)
	return out
}

func mustWrite(t testing.TB, dir string, b *Bundle, opts WriteOptions) WriteStats {
	t.Helper()
	st, err := WriteDir(context.Background(), dir, b, opts)
	if err != nil {
		t.Fatalf("WriteDir(%+v) error: %v", opts, err)
	}
	return st
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ageTree sets every file's modification time an hour back, so that any
// rewrite shows even on a file system with coarse timestamps.
func ageTree(t testing.TB, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for rel := range tree(t, dir) {
		if err := os.Chtimes(filepath.Join(dir, rel), old, old); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	b := buildTxtar(t, testSite(), serverTree)
	st := mustWrite(t, dir, b, WriteOptions{})
	want := wantTree(b, true)
	if st != (WriteStats{Written: len(want) - 1, Rendered: b.Len()}) {
		t.Errorf("WriteDir() = %+v, want {Written: %d, Rendered: %d}", st, len(want)-1, b.Len())
	}
	files := tree(t, dir)
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range files {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(got, want) {
		t.Errorf("WriteDir() files = %q, want %q (no temp files left)", got, want)
	}
	for rel, fi := range files {
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s mode = %v, want 0644", rel, fi.Mode().Perm())
		}
		if plain, ok := strings.CutSuffix(rel, ".gz"); ok {
			if !bytes.Equal(gunzip(t, readFile(t, filepath.Join(dir, rel))), readFile(t, filepath.Join(dir, plain))) {
				t.Errorf("gunzip(%s) differs from %s", rel, plain)
			}
		}
	}
	for _, a := range b.Articles() {
		if got, want := readFile(t, filepath.Join(dir, filepath.FromSlash(PagePath(a)))), b.Page(a).Body; !bytes.Equal(got, want) {
			t.Errorf("%s differs from Bundle.Page(%s)", PagePath(a), a.Path)
		}
	}
	// Pages before feeds, each .gz before its plain file. Timestamps may be
	// coarse, so this can only catch the reverse order.
	rss := files[RSSName].ModTime()
	for rel, fi := range files {
		if strings.HasPrefix(rel, "articles/") && fi.ModTime().After(rss) {
			t.Errorf("%s written after %s, want pages first", rel, RSSName)
		}
		if gz, ok := files[rel+".gz"]; ok && gz.ModTime().After(fi.ModTime()) {
			t.Errorf("%s.gz written after %s, want the .gz first", rel, rel)
		}
	}
}

// TestWriteDirServesSameBytes checks every file on disk against what Server
// serves at the matching URL, plain and gzip.
func TestWriteDirServesSameBytes(t *testing.T) {
	for _, base := range []string{"https://news.example.com/", "https://x.example/news/"} {
		t.Run(base, func(t *testing.T) {
			site := testSite()
			site.BaseURL = base
			s, b := newTestServer(t, site, ServerConfig{})
			dir := t.TempDir()
			mustWrite(t, dir, b, WriteOptions{})
			prefix := b.basePath()
			n := 0
			for rel := range tree(t, dir) {
				if rel == ManifestName {
					continue
				}
				plain, gz := strings.CutSuffix(rel, ".gz")
				target := prefix + content.EscapePath(plain)
				ae := ""
				if gz {
					ae = "gzip"
				}
				resp := serve(t, s, http.MethodGet, target, "Accept-Encoding", ae)
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != ae {
					t.Errorf("GET %s (Accept-Encoding %q) = %d Content-Encoding %q, want 200 %q", target, ae, resp.StatusCode, resp.Header.Get("Content-Encoding"), ae)
					continue
				}
				if !bytes.Equal(body, readFile(t, filepath.Join(dir, rel))) {
					t.Errorf("GET %s (Accept-Encoding %q) differs from %s on disk", target, ae, rel)
				}
				n++
			}
			if want := 2 * (topDocs + b.Len()); n != want {
				t.Errorf("compared %d files, want %d", n, want)
			}
		})
	}
}

func TestWriteDirUnchanged(t *testing.T) {
	dir := t.TempDir()
	b := buildTxtar(t, testSite(), serverTree)
	mustWrite(t, dir, b, WriteOptions{})
	ageTree(t, dir)
	before := tree(t, dir)
	// The same bundle, and an equal one built again: nothing is written,
	// and no page is even rendered (the manifest says what each page was
	// rendered from).
	for i, b := range []*Bundle{b, buildTxtar(t, testSite(), serverTree)} {
		st := mustWrite(t, dir, b, WriteOptions{})
		if want := (WriteStats{Unchanged: len(before) - 1}); st != want {
			t.Errorf("WriteDir() #%d of the same articles = %+v, want %+v", i+2, st, want)
		}
		after := tree(t, dir)
		if len(after) != len(before) {
			t.Errorf("WriteDir() #%d: %d files, want %d", i+2, len(after), len(before))
		}
		for rel, fi := range before {
			a, ok := after[rel]
			if !ok || !os.SameFile(fi, a) || !a.ModTime().Equal(fi.ModTime()) {
				t.Errorf("WriteDir() #%d rewrote %s (same inode, mtime: %v, %v), want it untouched", i+2, rel, ok && os.SameFile(fi, a), ok && a.ModTime().Equal(fi.ModTime()))
			}
		}
	}
}

// editedTree is serverTree with the bakery article's body changed.
var editedTree = strings.Replace(serverTree, "Its wood-fired oven was rebuilt twice.", "Its wood-fired oven was rebuilt three times.", 1)

func TestWriteDirChanged(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, buildTxtar(t, testSite(), serverTree), WriteOptions{})
	ageTree(t, dir)
	before := tree(t, dir)
	b := buildTxtar(t, testSite(), editedTree)
	st := mustWrite(t, dir, b, WriteOptions{})
	// The page and the three feeds change, each with its .gz; the index
	// shows the summary, which the edit did not touch. Only the edited
	// page is rendered.
	if want := (WriteStats{Written: 8, Unchanged: len(before) - 1 - 8, Rendered: 1}); st != want {
		t.Errorf("WriteDir(one article edited) = %+v, want %+v", st, want)
	}
	changed := []string{"articles/2026-10-05-bakery/index.html", RSSName, AtomName, JSONName}
	for rel, fi := range tree(t, dir) {
		plain := strings.TrimSuffix(rel, ".gz")
		rewritten := !os.SameFile(fi, before[rel])
		if rel == ManifestName {
			// The manifest records the change, appended or rewritten.
			rewritten = rewritten || fi.Size() != before[rel].Size()
		}
		if want := slices.Contains(changed, plain) || rel == ManifestName; rewritten != want {
			t.Errorf("WriteDir(one article edited): %s rewritten = %v, want %v", rel, rewritten, want)
		}
	}
	checkRecord(t, dir, true)
	if page := readFile(t, filepath.Join(dir, "articles", "2026-10-05-bakery", "index.html")); !bytes.Contains(page, []byte("three times")) {
		t.Errorf("edited page on disk lacks the edit")
	}
}

func TestWriteDirRemoves(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, buildTxtar(t, testSite(), serverTree), WriteOptions{})
	own := map[string]string{
		"humans.txt":              "Written by hand\n",
		"articles/keep/own.html":  "<p>mine</p>",
		"articles/sport/notes.md": "operator notes",
		".well-known/x":           "x",
		"rss.xml.bak":             "old",
	}
	for rel, data := range own {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The bakery and both sport articles go; one page was deleted by hand already.
	smaller := serverTree
	for _, name := range []string{"2026-10-05-bakery.md", "sport/2026-10-02-rowing-club.txt", "sport/2026-10-02-cycling-path.txt"} {
		i := strings.Index(smaller, "-- "+name+" --")
		j := i + 1 + strings.Index(smaller[i+1:], "\n-- ")
		smaller = smaller[:i] + smaller[j+1:]
	}
	if err := os.Remove(filepath.Join(dir, "articles", "sport", "2026-10-02-cycling-path", "index.html.gz")); err != nil {
		t.Fatal(err)
	}
	b := buildTxtar(t, testSite(), smaller)
	if b.Len() != 5 {
		t.Fatalf("smaller tree has %d articles, want 5", b.Len())
	}
	st := mustWrite(t, dir, b, WriteOptions{})
	if st.Removed != 5 {
		t.Errorf("WriteDir(3 articles fewer) = %+v, want Removed 5 (6 files, one already gone)", st)
	}
	for _, gone := range []string{"articles/2026-10-05-bakery", "articles/sport/2026-10-02-rowing-club", "articles/sport/2026-10-02-cycling-path"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(gone))); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: Stat error %v, want the page and its folder gone", gone, err)
		}
	}
	for rel, data := range own {
		if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err != nil || string(got) != data {
			t.Errorf("operator file %s = %q, %v; want %q untouched", rel, got, err, data)
		}
	}
	got := tree(t, dir)
	for _, rel := range wantTree(b, true) {
		if _, ok := got[rel]; !ok {
			t.Errorf("%s missing after WriteDir", rel)
		}
	}
	// With no articles left, the articles folder goes too, unless it holds an operator's file.
	mustWrite(t, dir, mustBuild(t, testSite(), nil), WriteOptions{})
	if _, err := os.Stat(filepath.Join(dir, "articles", "keep", "own.html")); err != nil {
		t.Errorf("operator file under articles/: %v, want kept", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "articles", "notes")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("articles/notes: Stat error %v, want removed", err)
	}
}

// TestWriteDirManifestConfined checks that a manifest naming paths outside
// the folder never makes WriteDir remove them.
func TestWriteDirManifestConfined(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "public")
	victim := filepath.Join(root, "victim.txt")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := "00 ../victim.txt\n00 " + victim + "\n00 articles/../../victim.txt\n00 ..\\victim.txt\n"
	if err := os.WriteFile(filepath.Join(dir, ManifestName), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	st := mustWrite(t, dir, mustBuild(t, testSite(), nil), WriteOptions{})
	if st.Removed != 0 {
		t.Errorf("WriteDir() with a hostile manifest = %+v, want Removed 0", st)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Errorf("file outside the folder: %v, want kept", err)
	}
}

func TestWriteDirNoPages(t *testing.T) {
	b := buildTxtar(t, testSite(), serverTree)
	t.Run("empty folder", func(t *testing.T) {
		dir := t.TempDir()
		st := mustWrite(t, dir, b, WriteOptions{NoPages: true})
		if want := (WriteStats{Written: 2 * topDocs}); st != want {
			t.Errorf("WriteDir(NoPages) = %+v, want %+v", st, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "articles")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("WriteDir(NoPages): articles folder Stat error %v, want none", err)
		}
	})
	t.Run("after a full write", func(t *testing.T) {
		dir := t.TempDir()
		mustWrite(t, dir, b, WriteOptions{})
		ageTree(t, dir)
		before := tree(t, dir)
		st := mustWrite(t, dir, buildTxtar(t, testSite(), editedTree), WriteOptions{NoPages: true})
		if st.Written != 6 || st.Removed != 0 {
			t.Errorf("WriteDir(NoPages) after a full write = %+v, want Written 6 (the feeds), Removed 0 (pages left alone)", st)
		}
		after := tree(t, dir)
		for rel, fi := range before {
			if strings.HasPrefix(rel, "articles/") && (after[rel] == nil || !os.SameFile(fi, after[rel])) {
				t.Errorf("WriteDir(NoPages) touched page %s", rel)
			}
		}
		// A later full write still knows the pages are its own.
		smaller := strings.Replace(editedTree, "-- what?#now.md --", "-- _hidden/what?#now.md --", 1)
		st = mustWrite(t, dir, buildTxtar(t, testSite(), smaller), WriteOptions{})
		if st.Removed != 2 {
			t.Errorf("full WriteDir() after NoPages, one article fewer = %+v, want Removed 2", st)
		}
	})
}

func TestWriteDirWorkers(t *testing.T) {
	b := buildTxtar(t, testSite(), serverTree)
	var trees [][]string
	for _, workers := range []int{1, 3, 16} {
		dir := t.TempDir()
		mustWrite(t, dir, b, WriteOptions{Workers: workers})
		var files []string
		for rel := range tree(t, dir) {
			files = append(files, rel+" "+string(readFile(t, filepath.Join(dir, rel))))
		}
		slices.Sort(files)
		trees = append(trees, files)
	}
	if !slices.Equal(trees[0], trees[1]) || !slices.Equal(trees[0], trees[2]) {
		t.Errorf("WriteDir() with 1, 3 and 16 workers wrote different trees")
	}
}

func TestWriteDirCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dir := t.TempDir()
	_, err := WriteDir(ctx, dir, buildTxtar(t, testSite(), serverTree), WriteOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("WriteDir(canceled) error = %v, want context.Canceled", err)
	}
	for rel := range tree(t, dir) {
		if base := path.Base(rel); strings.HasPrefix(base, ".") && base != ManifestName {
			t.Errorf("WriteDir(canceled) left %s", rel)
		}
		if rel == RSSName {
			t.Errorf("WriteDir(canceled) wrote the feeds")
		}
	}
}

// TestWriteDirOrder makes the write of rss.xml fail (a non-empty folder
// stands in its place) and checks what was on disk by then: every page, the
// index, rss.xml.gz (each .gz before its plain file), no temp file, and not
// yet the feeds after rss.xml.
func TestWriteDirOrder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, RSSName, "occupied"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := buildTxtar(t, testSite(), serverTree)
	_, err := WriteDir(context.Background(), dir, b, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), RSSName) {
		t.Fatalf("WriteDir(rss.xml is a folder) error = %v, want one naming %s", err, RSSName)
	}
	files := tree(t, dir)
	for _, a := range b.Articles() {
		if _, ok := files[PagePath(a)]; !ok {
			t.Errorf("%s not written before the feeds", PagePath(a))
		}
	}
	for _, rel := range []string{IndexName, IndexName + ".gz", RSSName + ".gz"} {
		if _, ok := files[rel]; !ok {
			t.Errorf("%s not written before rss.xml", rel)
		}
	}
	for _, rel := range []string{AtomName, JSONName} {
		if _, ok := files[rel]; ok {
			t.Errorf("%s written although rss.xml failed before it", rel)
		}
	}
	for rel := range files {
		if strings.HasPrefix(path.Base(rel), ".") && rel != ManifestName {
			t.Errorf("WriteDir left the temp file %s", rel)
		}
	}
	// The manifest lists every file the failed write created or was to
	// create, so that a later write can remove those it no longer makes:
	// the pages it wrote with their bytes, the feeds as pending.
	listed := readRecord(t, dir)
	for _, rel := range wantTree(b, true) {
		plain, gz := strings.CutSuffix(rel, ".gz")
		if rel == ManifestName || gz {
			continue
		}
		e, ok := listed[plain]
		switch {
		case !ok:
			t.Errorf("%s is not in the manifest", rel)
		case strings.HasPrefix(rel, "articles/") && e.ID == PendingID:
			t.Errorf("manifest entry of the page %s is pending, want its bytes (it was written)", rel)
		case !strings.HasPrefix(rel, "articles/") && e.ID != PendingID:
			t.Errorf("manifest entry of %s = %+v, want pending (the feeds were not all written)", rel, e)
		}
	}
	checkRecord(t, dir, true)
}

// readRecord returns the entries the manifest in dir records.
func readRecord(t testing.TB, dir string) map[string]Entry {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, _, _, _, err := parseRecord(f)
	if err != nil {
		t.Fatal(err)
	}
	return maps.Collect(entries.All())
}

// checkRecord checks that the manifest in dir tells the truth: every file
// it records with bytes holds those bytes (and its .gz copy their gzip),
// and every file in dir that is not hidden is recorded (the caller puts
// no files of its own there). Unless complete, a recorded file may be
// missing: a write cut short after it removed a file and before it
// recorded that leaves such an entry, which is harmless.
func checkRecord(t testing.TB, dir string, complete bool) {
	t.Helper()
	entries := readRecord(t, dir)
	for rel, e := range entries {
		if e.ID == PendingID {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) && !complete {
			continue
		}
		if err != nil {
			t.Errorf("%s is recorded as %+v but: %v", rel, e, err)
			continue
		}
		if kindOf(rel) == kindMedia {
			if int64(len(data)) != e.Size {
				t.Errorf("media %s holds %d bytes, recorded %d", rel, len(data), e.Size)
			}
			continue
		}
		// sameText reads only the body and the ETag newFile gives it: no gzip
		// copy is made (the .gz file is checked below), which would be the
		// costliest part of this check, by far under the race detector.
		f := &File{Path: rel, Body: data, ETag: etagOf(data)}
		if !sameText(e, f) {
			t.Errorf("%s is recorded as %+v but holds other bytes", rel, e)
		}
		gz, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel+".gz")))
		if err != nil || !bytes.Equal(gunzip(t, gz), data) {
			t.Errorf("%s.gz is not the gzip of %s (%v)", rel, rel, err)
		}
	}
	for rel := range tree(t, dir) {
		base := path.Base(rel)
		if strings.HasPrefix(base, ".") {
			continue
		}
		plain, gz := strings.CutSuffix(rel, ".gz")
		if !gz || kindOf(plain) == kindMedia {
			plain = rel
		}
		if _, ok := entries[plain]; !ok {
			t.Errorf("%s is in the folder but not in the manifest", rel)
		}
	}
}

// TestManifestQuoting: names with a backslash, a newline or a tab survive
// a round trip through the manifest; plain names are written as they are.
func TestManifestQuoting(t *testing.T) {
	names := []string{"articles/a/index.html", `articles/back\slash/index.html`, "articles/new\nline/index.html", "articles/t\tab/x.png", `a\\n`, "\\\n\\"}
	var buf []byte
	want := make(map[string]Entry)
	for i, rel := range names {
		e := Entry{ID: fmt.Sprint("id", i), Size: int64(i), GzipSize: -1, Source: "src\t" + rel}
		want[rel] = e
		buf = appendChange(buf, Change{Path: rel, Entry: e})
	}
	if n := bytes.Count(buf, []byte("\n")); n != len(names) {
		t.Errorf("%d names make %d lines, want one each", len(names), n)
	}
	if !bytes.Contains(buf, []byte("\tarticles/a/index.html\n")) {
		t.Errorf("a plain name was escaped:\n%s", buf)
	}
	got, _, current, _, err := parseRecord(bytes.NewReader(append([]byte(recordHeader+"\n"), buf...)))
	if err != nil || !current {
		t.Fatalf("parseRecord() = current %v, error %v", current, err)
	}
	if g := maps.Collect(got.All()); !maps.Equal(g, want) {
		t.Errorf("parseRecord(appendChange(...)) = %v, want %v", g, want)
	}
}
