package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
)

// TestServeWarmStart: a restart over the same folder takes the articles of
// files that did not change from the state file's parse cache instead of
// parsing them again (its first rebuild reports only what changed while it
// was down), and serves byte for byte the feeds a one-shot build parsing
// every file makes with the same state.
func TestServeWarmStart(t *testing.T) {
	t.Parallel()
	w := t.TempDir()
	c, stateDB := filepath.Join(w, "content"), filepath.Join(w, "state.db")
	opt := corpus.DefaultOptions()
	opt.N = 150
	if _, err := corpus.Write(t.Context(), c, opt, 0); err != nil {
		t.Fatal(err)
	}
	args := []string{"-content", c, "-state", stateDB, "-base-url", "https://news.example.com/", "-max-items", "0", "-v"}
	d := startServe(t, args...)
	d.waitReady()
	if code := d.stop(); code != 0 {
		t.Fatalf("first run exit %d:\n%s", code, d.Logs())
	}

	// While it is down: one file edited, one removed, one added, one touched.
	var files []string
	_ = filepath.WalkDir(c, func(p string, de os.DirEntry, err error) error {
		if err == nil && !de.IsDir() && filepath.Ext(p) == ".md" {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 4 {
		t.Fatalf("only %d Markdown files generated", len(files))
	}
	if err := os.WriteFile(files[0], []byte("---\ntitle: Edited while down\ndate: 2024-05-01T10:00:00Z\ntags: [desk]\n---\nA new body.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(files[1]); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c, "added-while-down.md"), []byte("---\ntitle: Added while down\ndate: 2024-05-02T10:00:00Z\n---\nBody.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(files[2], later, later); err != nil {
		t.Fatal(err)
	}
	// The oracle gets the state as the restart finds it.
	saved, err := os.ReadFile(stateDB)
	if err != nil {
		t.Fatal(err)
	}
	oracleDB := filepath.Join(w, "oracle.db")
	if err := os.WriteFile(oracleDB, saved, 0o644); err != nil {
		t.Fatal(err)
	}

	d = startServe(t, args...)
	d.waitReady()
	// serve logs the start's rebuild just after it turns ready.
	startLine := regexp.MustCompile(`msg=rebuild why=start .*added=(\d+) changed=(\d+) removed=(\d+)`)
	waitFor(t, 10*time.Second, "the start's rebuild in the log", func() bool { return startLine.MatchString(d.Logs()) })
	first := startLine.FindStringSubmatch(d.Logs())
	if first == nil || first[1] != "1" || first[2] != "1" || first[3] != "1" {
		t.Errorf("the restart's first rebuild is not 1 added, 1 changed, 1 removed (the cache was not used?): %q\n%s", first, d.Logs())
	}
	out := filepath.Join(w, "oracle")
	code, _, stderr := runCLI(t, "build", "-content", c, "-out", out, "-state", oracleDB, "-base-url", "https://news.example.com/", "-max-items", "0")
	if code != 0 {
		t.Fatalf("oracle build exit %d:\n%s", code, stderr)
	}
	// Every feed: those the change touched are rendered again, the others
	// come from what the first run saved when it stopped.
	names := []string{"rss.xml", "atom.xml", "feed.json", "index.html"}
	tagFeeds, _ := filepath.Glob(filepath.Join(out, "tags", "*", "*.*"))
	for _, f := range tagFeeds {
		if filepath.Ext(f) != ".gz" {
			rel, _ := filepath.Rel(out, f)
			names = append(names, filepath.ToSlash(rel))
		}
	}
	if len(tagFeeds) < 30 || !slices.Contains(names, "tags/desk/feed.json") {
		t.Fatalf("only %d tag feed files, or none for the new tag: %v", len(tagFeeds), names)
	}
	if _, err := os.Stat(stateDB + ".feeds"); err != nil {
		t.Errorf("the rendered feeds were not saved at the first stop: %v", err)
	}
	for _, name := range names {
		want, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := d.get(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s served after a warm start differs from a build that parsed every file", name)
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("second run exit %d:\n%s", code, d.Logs())
	}
}
