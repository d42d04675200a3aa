package feed

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/tools/txtar"
)

// testNow is the fixed "now" every test selects articles at.
var testNow = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

// testModTime is the modification time of every file in a txtar tree. It is
// after every date the fixtures carry, so a file without a date is still
// published (at this time) and its date is visible in the goldens.
var testModTime = time.Date(2026, 12, 24, 18, 30, 15, 0, time.UTC)

// testSite is the site of the fixture trees. Its tag feeds are off, so
// tests about the writer and the server count only the main feeds; the tag
// and section feeds have tests of their own.
func testSite() Site {
	return Site{
		Title:       "Fixture Times",
		Description: "News from the fixture valley",
		BaseURL:     "https://news.example.com/",
		Author:      "Fixture desk",
		Language:    "en",
		NoTagFeeds:  true,
	}
}

// testOptions are the content options of the fixture trees.
func testOptions() content.Options {
	o := content.DefaultOptions()
	o.IDAuthority = "news.example.com"
	o.IDDate = "2026"
	return o
}

// txtarFS turns a txtar archive into a file system; every file gets testModTime.
func txtarFS(t testing.TB, archive string) fstest.MapFS {
	t.Helper()
	ar := txtar.Parse([]byte(archive))
	fsys := make(fstest.MapFS, len(ar.Files))
	for _, f := range ar.Files {
		if !fs.ValidPath(f.Name) {
			t.Fatalf("txtar: invalid path %q", f.Name)
		}
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644, ModTime: testModTime}
	}
	return fsys
}

// loadArticles loads every article of fsys and selects those visible at testNow,
// with their bodies read into memory (so that a bundle built without a source
// renders them). Any load error or selection warning fails the test.
func loadArticles(t testing.TB, fsys fs.FS, opts content.Options) []*content.Article {
	t.Helper()
	all, err := content.Load(context.Background(), fsys, opts)
	if err != nil {
		t.Fatalf("content.Load() error: %v", err)
	}
	for i, a := range all {
		kept := *a
		var complete bool
		if kept.Body, complete = a.Body.Read(fsys); !complete {
			t.Fatalf("read the body of %s: the file no longer holds it", a.Path)
		}
		all[i] = &kept
	}
	arts, warns := content.Select(all, testNow)
	for _, w := range warns {
		t.Errorf("content.Select() warning: %v", w)
	}
	return arts
}

// mustBuild builds a bundle or fails the test.
func mustBuild(t testing.TB, site Site, arts []*content.Article) *Bundle {
	t.Helper()
	b, err := Build(site, arts)
	if err != nil {
		t.Fatalf("Build(%q, %d articles) error: %v", site.BaseURL, len(arts), err)
	}
	return b
}

// buildTxtar loads a txtar tree with the fixture options and builds it with site.
func buildTxtar(t testing.TB, site Site, archive string) *Bundle {
	t.Helper()
	return mustBuild(t, site, loadArticles(t, txtarFS(t, archive), testOptions()))
}

// testClock is a Builder's clock that a test sets.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time      { return c.t }
func (c *testClock) add(d time.Duration) { c.t = c.t.Add(d) }

// builderAt returns a Builder for site that reads the time from c.
func builderAt(t testing.TB, site Site, c *testClock) *Builder {
	t.Helper()
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatalf("NewBuilder() error: %v", err)
	}
	bl.clock = c.now
	return bl
}

// buildTxtarAt is buildTxtar with the Builder's clock at at.
func buildTxtarAt(t testing.TB, site Site, archive string, at time.Time) *Bundle {
	t.Helper()
	b, err := builderAt(t, site, &testClock{at}).Build(loadArticles(t, txtarFS(t, archive), testOptions()))
	if err != nil {
		t.Fatalf("Build() error: %v", err)
	}
	return b
}

// feedBody returns the bytes of one of the bundle's files.
func feedBody(t testing.TB, b *Bundle, name string) []byte {
	t.Helper()
	f, ok := b.Lookup(name)
	if !ok {
		t.Fatalf("Bundle.Lookup(%q) = not found, want a file", name)
	}
	return f.Body
}

// feedNames are the three feed files.
var feedNames = []string{RSSName, AtomName, JSONName}
