package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// feedparserScript reads a feed URL with Python's feedparser (the library
// behind many feed readers) and prints what a reader would store.
const feedparserScript = `
import json, sys, feedparser
d = feedparser.parse(sys.argv[1])
print(json.dumps({
    "bozo": bool(d.bozo),
    "bozo_exception": str(d.get("bozo_exception", "")),
    "version": d.version,
    "entries": [{"id": e.get("id", ""), "title": e.get("title", ""),
                 "published": e.get("published", ""), "updated": e.get("updated", "")} for e in d.entries],
}))
`

type parsedFeed struct {
	Bozo          bool   `json:"bozo"`
	BozoException string `json:"bozo_exception"`
	Version       string `json:"version"`
	Entries       []struct {
		ID, Title, Published, Updated string
	} `json:"entries"`
}

// requireFeedparser returns the Python that has feedparser, skipping (or
// failing under CI=true) when there is none.
func requireFeedparser(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(py); err == nil && exec.Command(p, "-c", "import feedparser").Run() == nil {
			return p
		}
	}
	unavailable(t, "python3 with feedparser not found; install Debian's python3-feedparser")
	return ""
}

func feedparse(t *testing.T, py, url string) parsedFeed {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), py, "-c", feedparserScript, url).Output()
	if err != nil {
		t.Fatalf("feedparser %s: %v", url, err)
	}
	var f parsedFeed
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("decode feedparser output %q: %v", out, err)
	}
	return f
}

// TestFeedparserReadsFeeds: a real reader library reads both XML feeds of the
// example site without complaint and sees every item once.
func TestFeedparserReadsFeeds(t *testing.T) {
	t.Parallel()
	py := requireFeedparser(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "example", "articles"), dir)
	d := startServe(t, "-content", dir)
	d.waitReady()
	for _, tc := range []struct{ path, version string }{{"rss.xml", "rss20"}, {"atom.xml", "atom10"}} {
		f := feedparse(t, py, d.base+tc.path)
		if f.Bozo || f.Version != tc.version {
			t.Errorf("feedparser(%s): bozo %v (%s), version %q; want no bozo, %s", tc.path, f.Bozo, f.BozoException, f.Version, tc.version)
		}
		if len(f.Entries) != 6 {
			t.Errorf("feedparser(%s) saw %d entries, want 6", tc.path, len(f.Entries))
		}
		seen := map[string]bool{}
		for _, e := range f.Entries {
			if e.ID == "" || seen[e.ID] {
				t.Errorf("feedparser(%s): empty or repeated id %q", tc.path, e.ID)
			}
			seen[e.ID] = true
		}
	}
}

// TestReaderNeverSeesDuplicates plays a reader that polls RSS and Atom with
// feedparser while a writer touches, edits and renames files and the server
// restarts: every article keeps one id and one published date throughout.
func TestReaderNeverSeesDuplicates(t *testing.T) {
	t.Parallel()
	py := requireFeedparser(t)
	dir := t.TempDir()
	stateFile := filepath.Join(t.TempDir(), "state.db")
	writeAtomic(t, filepath.Join(dir, "a.txt"), "Undated plain-text article\n\nFirst body.\n\nSource: Desk\n")
	writeAtomic(t, filepath.Join(dir, "b.md"), "---\ntitle: Dated markdown article\ndate: 2026-05-01T10:00:00+05:45\n---\n\nBody.\n")
	seen := map[string]map[string]string{"rss.xml": {}, "atom.xml": {}} // feed -> id -> published
	titles := map[string]map[string]string{"rss.xml": {}, "atom.xml": {}}
	poll := func(d *daemonProc, want int) {
		t.Helper()
		for feedName := range seen {
			f := feedparse(t, py, d.base+feedName)
			if f.Bozo {
				t.Fatalf("%s: bozo %s", feedName, f.BozoException)
			}
			if len(f.Entries) != want {
				t.Fatalf("%s: %d entries, want %d", feedName, len(f.Entries), want)
			}
			for _, e := range f.Entries {
				base := strings.Fields(e.Title)[0]
				if id, ok := titles[feedName][base]; ok && id != e.ID {
					t.Fatalf("%s: %q changed id from %s to %s: a reader would show it again", feedName, e.Title, id, e.ID)
				}
				titles[feedName][base] = e.ID
				if pub, ok := seen[feedName][e.ID]; ok && pub != e.Published {
					t.Fatalf("%s: %s re-dated from %s to %s", feedName, e.ID, pub, e.Published)
				}
				seen[feedName][e.ID] = e.Published
			}
		}
	}
	d := startServe(t, "-content", dir, "-state", stateFile, "-quiet", "20ms")
	gen := d.waitReady()
	poll(d, 2)
	next := func(what string) {
		t.Helper()
		waitFor(t, 10*time.Second, what, func() bool {
			_, g := d.health()
			return g > gen
		})
		_, gen = d.health()
	}
	// touch: no rebuild is needed, nothing may change.
	now := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "a.txt"), now, now); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // let a (wrong) rebuild happen if it would
	poll(d, 2)
	// edit
	writeAtomic(t, filepath.Join(dir, "a.txt"), "Undated plain-text article, edited\n\nSecond body.\n\nSource: Desk\n")
	next("the edit")
	poll(d, 2)
	// rename (the same bytes at a new path)
	if err := os.Rename(filepath.Join(dir, "a.txt"), filepath.Join(dir, "moved.txt")); err != nil {
		t.Fatal(err)
	}
	next("the rename")
	poll(d, 2)
	// restart
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	d = startServe(t, "-content", dir, "-state", stateFile)
	d.waitReady()
	poll(d, 2)
	if len(seen["rss.xml"]) != 2 || len(seen["atom.xml"]) != 2 {
		t.Fatalf("readers saw ids %v; want exactly two articles in each feed over the whole run", seen)
	}
}
