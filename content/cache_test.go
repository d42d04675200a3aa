package content_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content"
)

// cacheTree writes a generated corpus of both formats, with its quirks,
// and returns its folder.
func cacheTree(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	opt := corpus.DefaultOptions()
	for i := range n {
		f := corpus.Generate(i, opt)
		full := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Media references, which the generator's absolute image URLs are not.
	writeTree(t, dir, map[string][]byte{
		"media/a.md":  []byte("---\ntitle: With media\nimage: pic.png\n---\n![A chart](charts/c.webp)\n\n<video src=\"../clip.mp4\"></video>\n"),
		"media/b.txt": []byte("With an image\nImage: photo.jpg\n\nText.\n\nSource: Desk\n"),
	})
	return dir
}

// openCounter counts the files opened for reading.
type openCounter struct {
	fs.FS
	opens atomic.Int64
}

func (c *openCounter) Open(name string) (fs.File, error) {
	f, err := c.FS.Open(name)
	if err == nil {
		if fi, err := f.Stat(); err == nil && !fi.IsDir() {
			c.opens.Add(1)
		}
	}
	return f, err
}

func scanned(t *testing.T, fsys fs.FS, opts content.Options) *content.Index {
	t.Helper()
	x := content.NewIndex(fsys, opts)
	if _, err := x.Rescan(context.Background()); err != nil {
		t.Fatal(err)
	}
	return x
}

// sameArticle compares every exported field, times by instant, and the
// body by what it renders.
func sameArticle(t *testing.T, got, want *content.Article) {
	t.Helper()
	g, w := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range w.NumField() {
		name := w.Type().Field(i).Name
		gf, wf := g.Field(i).Interface(), w.Field(i).Interface()
		switch wv := wf.(type) {
		case time.Time:
			if !gf.(time.Time).Equal(wv) {
				t.Errorf("%s: %s = %v, want %v", want.Path, name, gf, wv)
			}
		case content.Body:
			gb := gf.(content.Body)
			if gb.HTML() != wv.HTML() || gb.Text() != wv.Text() {
				t.Errorf("%s: the body renders differently", want.Path)
			}
		default:
			if !reflect.DeepEqual(gf, wf) {
				t.Errorf("%s: %s = %#v, want %#v", want.Path, name, gf, wf)
			}
		}
	}
}

// TestCacheRoundTrip: an index seeded from another's cache entries holds
// the same articles, field by field, bodies included, without reading a
// file; a rescan then reads nothing and reports no change.
func TestCacheRoundTrip(t *testing.T) {
	// A new field of Article must be added to the cache encoding (and
	// counted here): otherwise a restart would lose it. MediaStamp is the
	// one field not cached: it says how the media files are now.
	if n := reflect.TypeFor[content.Article]().NumField(); n != 24 {
		t.Fatalf("Article has %d fields: update the cache encoding (content/cache.go) and this count", n)
	}
	if n := reflect.TypeFor[content.Warning]().NumField(); n != 5 {
		t.Fatalf("Warning has %d fields: update the cache encoding (content/cache.go) and this count", n)
	}
	dir := cacheTree(t, 400)
	opts := content.DefaultOptions()
	src := scanned(t, os.DirFS(dir), opts)
	arts := src.Articles()
	if len(arts) < 300 {
		t.Fatalf("only %d articles parsed", len(arts))
	}
	cfs := &openCounter{FS: os.DirFS(dir)}
	dst := content.NewIndex(cfs, opts)
	for _, a := range arts {
		e, ok := src.CacheEntry(a.Path)
		if !ok {
			t.Fatalf("no cache entry for %s", a.Path)
		}
		if err := dst.Seed([]byte(a.Path), e); err != nil {
			t.Fatal(err)
		}
	}
	got := dst.Articles()
	if len(got) != len(arts) {
		t.Fatalf("seeded %d articles, want %d", len(got), len(arts))
	}
	if n := cfs.opens.Load(); n != 0 {
		t.Fatalf("seeding opened %d files", n)
	}
	ch, err := dst.Rescan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !ch.Empty() || len(ch.Errors) != len(src.Errors()) {
		t.Errorf("rescan after seeding: %d added, %d changed, %d removed, %d errors (want %d)", len(ch.Added), len(ch.Changed), len(ch.Removed), len(ch.Errors), len(src.Errors()))
	}
	if n, failing := cfs.opens.Load(), int64(src.ErrorCount()); n != failing {
		t.Errorf("rescan after seeding read %d files; want only the %d that fail to parse", n, failing)
	}
	for i, a := range dst.Articles() {
		sameArticle(t, a, arts[i])
	}
}

// TestCacheStale: entries of files changed, removed or replaced since are
// corrected by the first rescan, as if there had been no cache.
func TestCacheStale(t *testing.T) {
	dir := cacheTree(t, 60)
	opts := content.DefaultOptions()
	src := scanned(t, os.DirFS(dir), opts)
	arts := src.Articles()
	entries := map[string][]byte{}
	for _, a := range arts {
		entries[a.Path], _ = src.CacheEntry(a.Path)
	}
	edited, removed := arts[0].Path, arts[1].Path
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(edited)), []byte("---\ntitle: Edited since\n---\nNew body.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, filepath.FromSlash(removed))); err != nil {
		t.Fatal(err)
	}
	x := content.NewIndex(os.DirFS(dir), opts)
	for p, e := range entries {
		if err := x.Seed([]byte(p), e); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := x.Rescan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Changed, []string{edited}) || !slices.Equal(ch.Removed, []string{removed}) || len(ch.Added) != 0 {
		t.Errorf("rescan: added %v, changed %v, removed %v; want %s changed and %s removed", ch.Added, ch.Changed, ch.Removed, edited, removed)
	}
	if a, ok := x.Article(edited); !ok || a.Title != "Edited since" || withBody(t, a, os.DirFS(dir)).Body.HTML() != "<p>New body.</p>\n" {
		t.Errorf("edited file: %+v", a)
	}
	fresh := scanned(t, os.DirFS(dir), opts)
	if got, want := len(x.Articles()), len(fresh.Articles()); got != want {
		t.Fatalf("%d articles, a fresh scan has %d", got, want)
	}
	for i, a := range x.Articles() {
		sameArticle(t, a, fresh.Articles()[i])
	}
}

// TestCacheBadEntries: truncated, extended or altered entries are refused
// with an error, never a panic or a wrong article.
func TestCacheBadEntries(t *testing.T) {
	dir := cacheTree(t, 5)
	opts := content.DefaultOptions()
	src := scanned(t, os.DirFS(dir), opts)
	a := src.Articles()[0]
	e, _ := src.CacheEntry(a.Path)
	for n := range len(e) {
		x := content.NewIndex(os.DirFS(dir), opts)
		if err := x.Seed([]byte(a.Path), e[:n]); err == nil {
			t.Fatalf("an entry cut to %d of %d bytes was accepted", n, len(e))
		}
	}
	x := content.NewIndex(os.DirFS(dir), opts)
	if err := x.Seed([]byte(a.Path), append(slices.Clone(e), 0)); err == nil {
		t.Error("an entry with a trailing byte was accepted")
	}
	if err := x.Seed([]byte("other.md"), e); err == nil {
		t.Error("an entry seeded at another path was accepted")
	}
	if err := x.Seed([]byte(a.Path), e); err != nil {
		t.Errorf("the entry itself: %v", err)
	}
	if err := x.Seed([]byte(a.Path), e); err == nil {
		t.Error("a path seeded twice was accepted")
	}
	for i := range e {
		bad := slices.Clone(e)
		bad[i] ^= 0xff
		y := content.NewIndex(os.DirFS(dir), opts)
		_ = y.Seed([]byte(a.Path), bad) // must not panic
	}
}

// TestCacheKey: every parse option that changes what a file parses to
// changes the key.
func TestCacheKey(t *testing.T) {
	base := content.DefaultOptions()
	keys := map[string]bool{content.CacheKey(base): true}
	berlin, err := time.LoadLocation("Europe/Berlin") // the test binary embeds time/tzdata
	if err != nil {
		t.Fatal(err)
	}
	for _, mod := range []func(*content.Options){
		func(o *content.Options) { o.Location = berlin },
		func(o *content.Options) { o.IDAuthority = "other.example" },
		func(o *content.Options) { o.IDDate = "2030" },
		func(o *content.Options) { o.UnsafeHTML = true },
		func(o *content.Options) { o.Ignore = []string{"drafts"} },
		func(o *content.Options) { o.MaxSize = 1 << 20 },
		func(o *content.Options) { o.MaxMarkdownSize = 1 << 10 },
	} {
		o := base
		mod(&o)
		k := content.CacheKey(o)
		if keys[k] {
			t.Errorf("key %q not different", k)
		}
		keys[k] = true
	}
	if content.CacheKey(base) != content.CacheKey(content.DefaultOptions()) {
		t.Error("the key is not stable")
	}
}

// BenchmarkSeed seeds a new index with the cache entries of 10,000
// generated articles, as a warm start does, then publishes them.
func BenchmarkSeed(b *testing.B) {
	dir := b.TempDir()
	opt := corpus.DefaultOptions()
	opt.N = 10000
	if _, err := corpus.Write(context.Background(), dir, opt, 0); err != nil {
		b.Fatal(err)
	}
	opts := content.DefaultOptions()
	src := content.NewIndex(os.DirFS(dir), opts)
	if _, err := src.Rescan(context.Background()); err != nil {
		b.Fatal(err)
	}
	var paths, entries [][]byte
	size := 0
	for _, a := range src.Articles() {
		e, _ := src.CacheEntry(a.Path)
		paths, entries = append(paths, []byte(a.Path)), append(entries, e)
		size += len(e)
	}
	for b.Loop() {
		x := content.NewIndex(os.DirFS(dir), opts)
		for i, e := range entries {
			if err := x.Seed(paths[i], e); err != nil {
				b.Fatal(err)
			}
		}
		if n := len(x.Articles()); n != len(entries) {
			b.Fatalf("%d articles seeded, want %d", n, len(entries))
		}
	}
	b.ReportMetric(float64(size)/float64(len(entries)), "B/entry")
}

// TestCompactedArticles: an index that reads many files at once keeps
// their articles in the compact form Seed makes, which must hold what
// parsing each file on its own gives, field by field, bodies included.
func TestCompactedArticles(t *testing.T) {
	dir := cacheTree(t, 400)
	opts := content.DefaultOptions()
	fsys := os.DirFS(dir)
	x := scanned(t, fsys, opts)
	arts := x.Articles()
	if len(arts) < 300 {
		t.Fatalf("only %d articles parsed", len(arts))
	}
	for _, a := range arts {
		want, err := content.ParseFile(fsys, a.Path, opts)
		if err != nil {
			t.Fatal(err)
		}
		sameArticle(t, withBody(t, a, fsys), withBody(t, want, fsys))
	}
}
