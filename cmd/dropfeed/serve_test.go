package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

const droppedV1 = `---
title: "Dropped in: the first version"
date: 2026-03-01T10:00:00Z
---

A paragraph about the dropped file.
`

const droppedV2 = `---
title: "Dropped in: the edited version"
date: 2026-03-01T10:00:00Z
---

The paragraph after the edit.
`

// TestServeLiveRebuild runs the real binary: a file dropped into the folder
// appears in all three feeds, an edit shows, a delete removes it, and SIGTERM
// exits 0.
func TestServeLiveRebuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "first.txt"), "An article that is there from the start\nDate: 2026-01-02\n\nBody text.\n\nSource: Test desk\n")
	d := startServe(t, "-content", dir, "-quiet", "20ms")
	d.waitReady()
	d.waitFeeds("the first article", func(b string) bool { return strings.Contains(b, "there from the start") })

	writeAtomic(t, filepath.Join(dir, "news", "dropped.md"), droppedV1)
	d.waitFeeds("the dropped file in every feed", func(b string) bool { return strings.Contains(b, "the first version") })

	writeAtomic(t, filepath.Join(dir, "news", "dropped.md"), droppedV2)
	d.waitFeeds("the edit in every feed", func(b string) bool {
		return strings.Contains(b, "the edited version") && !strings.Contains(b, "the first version")
	})

	if err := os.Remove(filepath.Join(dir, "news", "dropped.md")); err != nil {
		t.Fatal(err)
	}
	d.waitFeeds("the deleted file gone from every feed", func(b string) bool {
		return !strings.Contains(b, "Dropped in") && strings.Contains(b, "there from the start")
	})

	// Every served feed parses with a real feed reader library.
	for _, p := range []string{"rss.xml", "atom.xml", "feed.json"} {
		_, body, err := d.get(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("gofeed.Parse(%s) = %v", p, err)
		}
		if len(f.Items) != 1 {
			t.Errorf("%s has %d items, want 1", p, len(f.Items))
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestServeHTTPHeaders checks the headers a feed reader relies on, over a real socket.
func TestServeHTTPHeaders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "example", "articles"), dir)
	d := startServe(t, "-content", dir)
	d.waitReady()
	cases := []struct {
		path, ctype string
	}{
		{"rss.xml", "application/rss+xml; charset=utf-8"},
		{"atom.xml", "application/atom+xml; charset=utf-8"},
		{"feed.json", "application/feed+json; charset=utf-8"},
		{"", "text/html; charset=utf-8"},
		{"articles/city/2026-11-10-bridge-closure/", "text/html; charset=utf-8"},
	}
	for _, tc := range cases {
		t.Run("/"+tc.path, func(t *testing.T) {
			resp, _, err := d.get(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.ctype {
				t.Fatalf("GET %s = %d %q, want 200 %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.ctype)
			}
			etag := resp.Header.Get("ETag")
			if etag == "" || strings.HasPrefix(etag, "W/") || resp.Header.Get("Last-Modified") == "" || resp.Header.Get("Cache-Control") == "" {
				t.Fatalf("GET %s headers = %v, want a strong ETag, Last-Modified and Cache-Control", tc.path, resp.Header)
			}
			req, _ := http.NewRequest(http.MethodGet, d.base+tc.path, nil)
			req.Header.Set("If-None-Match", etag)
			resp2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp2.Body.Close()
			if resp2.StatusCode != http.StatusNotModified {
				t.Fatalf("GET %s with If-None-Match %s = %d, want 304", tc.path, etag, resp2.StatusCode)
			}
		})
	}
	// The redirect nginx would make for a folder without its slash.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(d.base + "articles/city/2026-11-10-bridge-closure")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || !strings.HasSuffix(resp.Header.Get("Location"), "/articles/city/2026-11-10-bridge-closure/") {
		t.Fatalf("GET articles/x = %d Location %q, want 301 to articles/x/", resp.StatusCode, resp.Header.Get("Location"))
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestServeOutEqualsBuild checks that serve -out writes exactly the files build writes.
func TestServeOutEqualsBuild(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "example", "articles"), src)
	const base = "https://riverside.example.org/"
	outServe, outBuild := t.TempDir(), t.TempDir()

	d := startServe(t, "-content", src, "-base-url", base, "-out", outServe)
	d.waitReady()
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code = %d, want 0", code)
	}
	if code, _, stderr := runCLI(t, "build", "-content", src, "-base-url", base, "-out", outBuild); code != 0 {
		t.Fatalf("build exit code = %d, want 0; stderr:\n%s", code, stderr)
	}
	a, b := readTree(t, outServe), readTree(t, outBuild)
	if len(a) < 10 {
		t.Fatalf("serve -out wrote %d files, want the feeds, index and pages", len(a))
	}
	var names []string
	for name := range a {
		names = append(names, name)
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between serve -out (%d bytes) and build (%d bytes)", name, len(a[name]), len(b[name]))
		}
	}
}

// TestServeBusyPort checks that a second server on a taken port fails clearly.
func TestServeBusyPort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := startServe(t, "-content", dir)
	d.waitReady()
	addr := strings.TrimSuffix(strings.TrimPrefix(d.base, "http://"), "/")
	code, _, stderr := runCLI(t, "serve", "-content", dir, "-addr", addr)
	if code != 1 || !strings.Contains(stderr, "listen on "+addr) {
		t.Fatalf("serve on a busy port = exit %d, stderr %q; want 1 and a message naming the address", code, stderr)
	}
}

// TestServeReloadOnSIGHUP: SIGHUP reads the config file again and rebuilds.
func TestServeReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	writeAtomic(t, filepath.Join(site, "articles", "a.md"), "---\ntitle: An article\ndate: 2026-01-01\n---\nBody.\n")
	cfg := filepath.Join(site, "dropfeed.yaml")
	writeAtomic(t, cfg, "title: Before the reload\ncontent: articles\n")
	d := startServe(t, "-config", cfg)
	gen := d.waitReady()
	d.waitFeeds("the first title", func(b string) bool { return strings.Contains(b, "Before the reload") })
	writeAtomic(t, cfg, "title: After the reload\ncontent: articles\n")
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	d.waitFeeds("the reloaded title", func(b string) bool { return strings.Contains(b, "After the reload") })
	// /healthz moves to the new generation once every output is current,
	// a moment after the feeds are served.
	waitFor(t, 10*time.Second, "/healthz to report a generation after the reload", func() bool {
		_, g := d.health()
		return g > gen
	})
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d after SIGTERM, want 0", code)
	}
}

// TestServeSchedule: an article dated a few seconds ahead is left out of
// the feeds while it is in the future, and appears by itself when its time
// comes: the rebuild that publishes it is the scheduled one (the log says
// why=scheduled, with the generation that first serves it), as no file
// changed to trigger another.
func TestServeSchedule(t *testing.T) {
	t.Parallel()
	// The article must still be in the future once the daemon serves: when
	// the start takes longer than the lead (a loaded machine), that proves
	// nothing about the timer, so the test starts again with twice the lead.
	for lead := 3 * time.Second; !serveScheduleOnce(t, lead); lead *= 2 {
		if lead >= 48*time.Second {
			t.Fatalf("the daemon never served before an article %v ahead was due", lead)
		}
		t.Logf("the daemon started after the article %v ahead was due; again with more lead", lead)
	}
}

var scheduledRE = regexp.MustCompile(`msg=rebuild why=scheduled generation=(\d+) `)

// serveScheduleOnce runs TestServeSchedule with an article lead ahead; it
// reports false when the daemon first served after the article was due.
func serveScheduleOnce(t *testing.T, lead time.Duration) bool {
	t.Helper()
	dir := t.TempDir()
	due := time.Now().Add(lead).UTC().Truncate(time.Second).Add(time.Second)
	writeAtomic(t, filepath.Join(dir, "now.md"), "---\ntitle: Already out\ndate: 2026-01-01T00:00:00Z\n---\nBody.\n")
	writeAtomic(t, filepath.Join(dir, "later.md"), "---\ntitle: Scheduled piece\ndate: "+due.Format(time.RFC3339)+"\n---\nBody.\n")
	d := startServe(t, "-content", dir)
	d.waitReady()
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		_, body, err := d.get(name)
		if err != nil {
			t.Fatal(err)
		}
		if !time.Now().Before(due) {
			if code := d.stop(); code != 0 {
				t.Fatalf("exit %d after SIGTERM, want 0", code)
			}
			return false
		}
		if !strings.Contains(string(body), "Already out") || strings.Contains(string(body), "Scheduled piece") {
			t.Fatalf("%s before %s = %s\nwant the article that is out, not the scheduled one", name, due, body)
		}
	}
	var gen string
	waitFor(t, lead+30*time.Second, "the scheduled article in the feeds", func() bool {
		resp, body, err := d.get("feed.json")
		if err != nil || !strings.Contains(string(body), "Scheduled piece") {
			return false
		}
		gen = resp.Header.Get("X-Dropfeed-Generation")
		return true
	})
	if time.Now().Before(due) {
		t.Fatalf("the scheduled article appeared before %s", due)
	}
	d.waitFeeds("the scheduled article in every feed", func(b string) bool { return strings.Contains(b, "Scheduled piece") })
	waitFor(t, 10*time.Second, "the scheduled rebuild's log line", func() bool { return scheduledRE.MatchString(d.Logs()) })
	if m := scheduledRE.FindAllStringSubmatch(d.Logs(), -1); len(m) != 1 || m[0][1] != gen {
		t.Fatalf("scheduled rebuilds logged: %q; want one, of generation %s, the first to serve the article:\n%s", m, gen, d.Logs())
	}
	return true
}
