package feed

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

// restoredFixture builds the example site's articles with tag feeds, saves
// the builder's record through its file and returns that first bundle and
// the record read back, with the clock an hour later.
func restoredFixture(t *testing.T) (Site, *testClock, *Bundle, func() *Saved) {
	t.Helper()
	site := exampleSite()
	site.NoTagFeeds = false
	clock := &testClock{time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	bl := builderAt(t, site, clock)
	first, err := bl.Build(exampleArticles(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db.feeds")
	if err := WriteSaved(path, bl.Save()); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Hour)
	read := func() *Saved {
		sv, err := readSaved(path)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	return site, clock, first, read
}

// TestRestored: the bundle a restored Builder hands out before its first
// build serves the last run's feeds of every set, its index page and the
// stylesheet, byte for byte with their ETags and times, and nothing else; it
// changes nothing the first build then does.
func TestRestored(t *testing.T) {
	site, clock, first, read := restoredFixture(t)
	bl := builderAt(t, site, clock)
	if !bl.Restore(read()) {
		t.Fatal("Restore refused what the same site saved")
	}
	r := bl.Restored()
	if r == nil {
		t.Fatal("Restored() = nil after a Restore that took feeds back")
	}
	want := make(map[string]*File)
	for _, f := range first.Feeds() {
		want[f.Path] = f
	}
	var tagFeeds int
	for _, f := range r.Feeds() {
		w, ok := want[f.Path]
		switch {
		case !ok:
			t.Errorf("Restored has %s, which the saved run did not serve", f.Path)
			continue
		case string(f.Body) != string(w.Body) || f.ETag != w.ETag || f.ContentType != w.ContentType:
			t.Errorf("Restored %s: %d bytes, ETag %s, type %s; the run served %d bytes, %s, %s", f.Path, len(f.Body), f.ETag, f.ContentType, len(w.Body), w.ETag, w.ContentType)
		case !f.ModTime.Equal(w.ModTime):
			t.Errorf("Restored %s dated %v; the run served it dated %v", f.Path, f.ModTime, w.ModTime)
		}
		if filepath.Dir(filepath.Dir(f.Path)) == "tags" {
			tagFeeds++
		}
	}
	for _, p := range []string{RSSName, AtomName, JSONName, IndexName, StyleName} {
		if _, ok := r.files[p]; !ok {
			t.Errorf("Restored has no %s", p)
		}
	}
	if tagFeeds == 0 {
		t.Errorf("Restored has no tag feed among %d files", len(r.Feeds()))
	}
	if r.Len() != 0 || len(r.Archives()) != 0 {
		t.Errorf("Restored has %d articles and %d archive documents, want none", r.Len(), len(r.Archives()))
	}
	a := first.Articles()[0]
	if _, ok := r.Lookup("articles/" + a.Slug + "/"); ok {
		t.Errorf("Restored has the page of %s", a.Slug)
	}

	// Its first build is the one of a Builder that restored the same
	// record and was never asked.
	arts := exampleArticles(t)
	again, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	other := builderAt(t, site, clock)
	other.Restore(read())
	oracle, err := other.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := servedDocs(again), servedDocs(oracle); !maps.Equal(got, want) {
		t.Errorf("the first build after Restored differs from one without it:\n got %v\nwant %v", got, want)
	}
	sameBundle(t, "first build after Restored", again, oracle)
	if bl.Restored() != nil {
		t.Error("Restored() after a build is not nil")
	}
}

// TestRestoredNone: no bundle of what a Builder did not take back.
func TestRestoredNone(t *testing.T) {
	site, clock, _, read := restoredFixture(t)
	for _, c := range []struct {
		name string
		site Site
		sv   *Saved
	}{
		{"a record a crashed run left", site, &Saved{Taken: true}},
		{"a record of other site settings", func() Site { s := site; s.Title = "Another title"; return s }(), read()},
		{"no record", site, nil},
	} {
		bl := builderAt(t, c.site, clock)
		bl.Restore(c.sv)
		if b := bl.Restored(); b != nil {
			t.Errorf("%s: Restored() serves %d files, want nil", c.name, len(b.Feeds()))
		}
	}
}

// TestServerPreload: a preloaded bundle is served as generation 0, and
// what it lacks is answered 503 with Retry-After (the build under way may
// have it), not 404; the first Swap replaces it, and a Preload after that
// is refused.
func TestServerPreload(t *testing.T) {
	site, clock, first, read := restoredFixture(t)
	bl := builderAt(t, site, clock)
	bl.Restore(read())
	r := bl.Restored()
	srv := NewServer(ServerConfig{})
	if !srv.Preload(r) {
		t.Fatal("Preload refused on a server with nothing to serve")
	}
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	rss := r.files[RSSName]
	rec := get("/" + RSSName)
	if rec.Code != http.StatusOK || rec.Body.String() != string(rss.Body) {
		t.Fatalf("GET /%s on the preloaded bundle: %d, %d bytes; want 200 and the saved %d bytes", RSSName, rec.Code, rec.Body.Len(), len(rss.Body))
	}
	if g, e, lm := rec.Header().Get("X-Dropfeed-Generation"), rec.Header().Get("Etag"), rec.Header().Get("Last-Modified"); g != "0" || e != rss.ETag || lm != rss.ModTime.UTC().Format(http.TimeFormat) {
		t.Errorf("GET /%s on the preloaded bundle: generation %q, ETag %q, Last-Modified %q; want 0, %q, %q", RSSName, g, e, lm, rss.ETag, rss.ModTime.UTC().Format(http.TimeFormat))
	}
	slug := first.Articles()[0].Slug
	for _, p := range []string{"/articles/" + slug + "/", "/" + SitemapName, "/no-such-file.xml"} {
		rec := get(p)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s on the preloaded bundle: %d, Retry-After %q; want 503 with Retry-After", p, rec.Code, rec.Header().Get("Retry-After"))
		}
	}

	b, err := bl.Build(exampleArticles(t))
	if err != nil {
		t.Fatal(err)
	}
	if gen := srv.Swap(b); gen != 1 {
		t.Errorf("the first Swap after Preload is generation %d, want 1", gen)
	}
	if srv.Preload(r) {
		t.Error("Preload accepted after a Swap")
	}
	if rec := get("/articles/" + slug + "/"); rec.Code != http.StatusOK {
		t.Errorf("GET an article page after the Swap: %d, want 200", rec.Code)
	}
	if rec := get("/no-such-file.xml"); rec.Code != http.StatusNotFound {
		t.Errorf("GET a missing file after the Swap: %d, want 404", rec.Code)
	}
}
