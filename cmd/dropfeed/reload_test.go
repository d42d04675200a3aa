package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// reloadSite is a site whose config file a test rewrites and reloads.
type reloadSite struct {
	t    *testing.T
	dir  string
	cfg  string
	d    *daemonProc
	seen int // "config reloaded" lines seen so far
}

// startReloadSite writes the config (content: articles is added) and the
// articles, starts serve on it and waits for the first build.
func startReloadSite(t *testing.T, config string, articles map[string]string, args ...string) *reloadSite {
	t.Helper()
	s := &reloadSite{t: t, dir: t.TempDir()}
	s.cfg = filepath.Join(s.dir, "dropfeed.yaml")
	writeAtomic(t, s.cfg, "content: articles\n"+config)
	for p, text := range articles {
		s.write(p, text)
	}
	s.d = startServe(t, append([]string{"-config", s.cfg, "-quiet", "20ms", "-rescan-interval", "-1s"}, args...)...)
	s.d.waitReady()
	return s
}

func (s *reloadSite) write(p, text string) {
	writeAtomic(s.t, filepath.Join(s.dir, "articles", filepath.FromSlash(p)), text)
}

// reload writes the config and sends SIGHUP, then waits until the daemon
// has applied it and served its rebuild.
func (s *reloadSite) reload(config string) {
	s.t.Helper()
	writeAtomic(s.t, s.cfg, "content: articles\n"+config)
	_, gen := s.d.health()
	if err := s.d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		s.t.Fatal(err)
	}
	s.seen++
	waitFor(s.t, 10*time.Second, "the reload", func() bool {
		_, g := s.d.health()
		return strings.Count(s.d.Logs(), `msg="config reloaded"`) >= s.seen && g > gen
	})
}

func md(title, date, extra string) string {
	return "---\ntitle: " + title + "\ndate: " + date + "\n" + extra + "---\nBody of " + title + ".\n"
}

// status returns the status code of a GET of path under the listen URL.
func (s *reloadSite) status(path string) int {
	s.t.Helper()
	resp, _, err := s.d.get(path)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode
}

// hubRecorder is a WebSub hub that records the feeds it is pinged for.
type hubRecorder struct {
	*httptest.Server
	mu     sync.Mutex
	pinged []string
}

func newHub(t *testing.T) *hubRecorder {
	h := &hubRecorder{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("hub.mode") == "publish" {
			h.mu.Lock()
			h.pinged = append(h.pinged, r.PostForm.Get("hub.url"))
			h.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hubRecorder) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pinged)
}

// TestReloadHub: removing hub: stops the pings and the Link header; adding
// one starts them, to the new hub.
func TestReloadHub(t *testing.T) {
	t.Parallel()
	a, b := newHub(t), newHub(t)
	s := startReloadSite(t, "hub: "+a.URL+"/\n", map[string]string{"a.md": md("First", "2026-01-01", "")})
	waitFor(t, 10*time.Second, "the start-up pings of hub A", func() bool { return a.count() >= 3 })

	s.reload("")
	if resp, _, _ := s.d.get("rss.xml"); resp.Header.Get("Link") != "" {
		t.Errorf("Link header after the hub was removed = %q, want none", resp.Header.Get("Link"))
	}
	before := a.count()
	s.write("b.md", md("Second", "2026-01-02", ""))
	s.d.waitFeeds("the second article", func(body string) bool { return strings.Contains(body, "Second") })
	s.write("c.md", md("Third", "2026-01-03", ""))
	s.d.waitFeeds("the third article", func(body string) bool { return strings.Contains(body, "Third") })
	if n := a.count(); n != before {
		t.Errorf("hub A was pinged %d more times after it was removed from the config", n-before)
	}

	s.reload("hub: " + b.URL + "/\n")
	s.write("d.md", md("Fourth", "2026-01-04", ""))
	waitFor(t, 10*time.Second, "pings of hub B after it was added", func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return slices.Contains(b.pinged, s.d.base+"rss.xml")
	})
	if resp, _, _ := s.d.get("rss.xml"); !strings.Contains(resp.Header.Get("Link"), b.URL) {
		t.Errorf("Link header after hub B was added = %q", resp.Header.Get("Link"))
	}
}

// TestReloadIgnore: a folder no longer ignored is published at once, and
// the watcher follows edits inside it without waiting for a rescan (the
// periodic one is off).
func TestReloadIgnore(t *testing.T) {
	t.Parallel()
	s := startReloadSite(t, "ignore: [drafts]\n", map[string]string{
		"a.md": md("Public", "2026-01-01", ""), "drafts/x.md": md("Hidden draft", "2026-01-02", ""),
	})
	if _, body, _ := s.d.get("feed.json"); strings.Contains(string(body), "Hidden draft") {
		t.Fatal("an ignored folder's article is published")
	}
	s.reload("")
	s.d.waitFeeds("the article of the folder no longer ignored", func(b string) bool { return strings.Contains(b, "Hidden draft") })
	s.write("drafts/y.md", md("Later draft", "2026-01-03", ""))
	s.d.waitFeeds("an article added in that folder after the reload", func(b string) bool { return strings.Contains(b, "Later draft") })

	s.reload("ignore: [drafts]\n")
	s.d.waitFeeds("the folder ignored again", func(b string) bool { return !strings.Contains(b, "draft") })
}

// TestReloadBaseURL: a new base URL moves the feeds' links and the path the
// site is served under, and the metrics count requests under the new path
// by route.
func TestReloadBaseURL(t *testing.T) {
	t.Parallel()
	s := startReloadSite(t, "base_url: https://a.example/\n", map[string]string{"a.md": md("First", "2026-01-01", "")})
	s.d.waitFeeds("the first base URL", func(b string) bool { return strings.Contains(b, "https://a.example/articles/a/") })
	s.reload("base_url: https://b.example/news/\n")
	if code := s.status("news/rss.xml"); code != http.StatusOK {
		t.Fatalf("GET /news/rss.xml after the reload = %d, want 200", code)
	}
	_, body, _ := s.d.get("news/rss.xml")
	if !strings.Contains(string(body), "https://b.example/news/articles/a/") {
		t.Errorf("the feed after the reload does not link under the new base URL:\n%s", body)
	}
	v, ok := sample(scrape(t, s.d.base+"metrics"), "dropfeed_http_requests_total", map[string]string{"route": "rss", "code": "200"})
	if !ok || v < 1 {
		t.Errorf("requests of /news/rss.xml counted as route rss: %v (found %t), want at least 1", v, ok)
	}
}

// TestReloadFeeds: sections and tag_feeds take effect on reload.
func TestReloadFeeds(t *testing.T) {
	t.Parallel()
	s := startReloadSite(t, "", map[string]string{"world/a.md": md("Abroad", "2026-01-01", "tags: [x]\n")})
	if code := s.status("sections/world/rss.xml"); code != http.StatusNotFound {
		t.Fatalf("a section feed before sections: are set = %d, want 404", code)
	}
	if code := s.status("tags/x/rss.xml"); code != http.StatusOK {
		t.Fatalf("a tag feed by default = %d, want 200", code)
	}
	s.reload("sections: [world]\ntag_feeds: false\n")
	if code := s.status("sections/world/rss.xml"); code != http.StatusOK {
		t.Errorf("the section feed after the reload = %d, want 200", code)
	}
	if code := s.status("tags/x/rss.xml"); code != http.StatusNotFound {
		t.Errorf("the tag feed after tag_feeds: false = %d, want 404", code)
	}
}

// TestReloadInvalid: a config that does not parse (or names a key that needs
// a restart) is reported, with its line, and the old one stays in force.
func TestReloadInvalid(t *testing.T) {
	t.Parallel()
	s := startReloadSite(t, "title: Kept title\n", map[string]string{"a.md": md("First", "2026-01-01", "")})
	writeAtomic(t, s.cfg, "content: articles\ntitle: New title\nmax_items: lots\n")
	if err := s.d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reload error", func() bool {
		return strings.Contains(s.d.Logs(), "reload config; keeping the old one")
	})
	if logs := s.d.Logs(); !strings.Contains(logs, "line 3") {
		t.Errorf("the reload error does not name the line:\n%s", logs)
	}
	s.write("b.md", md("Second", "2026-01-02", ""))
	s.d.waitFeeds("a change after the failed reload", func(b string) bool { return strings.Contains(b, "Second") })
	if _, body, _ := s.d.get("rss.xml"); !strings.Contains(string(body), "Kept title") {
		t.Errorf("the old config is not in force after a failed reload:\n%s", body)
	}

	// A key that needs a restart keeps its old value, and says so.
	s.reload("title: Kept title\nmax_connections: 7\npublish: s3://news-bucket/site\n")
	for _, key := range []string{"max_connections", "publish"} {
		if logs := s.d.Logs(); !strings.Contains(logs, "needs a restart") || !strings.Contains(logs, "key="+key) {
			t.Errorf("a changed %s is not reported as needing a restart:\n%s", key, logs)
		}
	}
}

// TestReloadKeepsFlags: the flags serve was started with still override the
// config file after a reload: -max-age keeps its Cache-Control, and -addr
// and -quiet, which differ from the file's values, are not taken for keys
// the file changed.
func TestReloadKeepsFlags(t *testing.T) {
	t.Parallel()
	s := startReloadSite(t, "title: One\ncache_max_age: 1m\n", map[string]string{"a.md": md("First", "2026-01-01", "")}, "-max-age", "5m")
	cacheControl := func() string {
		t.Helper()
		resp, _, err := s.d.get("rss.xml")
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Get("Cache-Control")
	}
	if got := cacheControl(); !strings.Contains(got, "max-age=300") {
		t.Fatalf("Cache-Control = %q before the reload, want max-age=300 from -max-age", got)
	}
	s.reload("title: Two\ncache_max_age: 1m\n")
	if got := cacheControl(); !strings.Contains(got, "max-age=300") {
		t.Errorf("Cache-Control = %q after the reload, want max-age=300: -max-age still overrides the file", got)
	}
	if logs := s.d.Logs(); strings.Contains(logs, "needs a restart") {
		t.Errorf("a reload that changed only the title warns of a restart (the -addr or -quiet flag was taken for a change):\n%s", logs)
	}
}
