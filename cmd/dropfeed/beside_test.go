package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBuildBesideServe: "build" and "check" run while "serve" keeps the
// same site's state, and build writes the feeds serve publishes, byte for
// byte: the same ids and the same first-seen dates for files without a date
// of their own, which only the state knows.
func TestBuildBesideServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content, state, out := filepath.Join(dir, "content"), filepath.Join(dir, "state.db"), filepath.Join(dir, "out")
	if err := os.MkdirAll(content, 0o755); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(content, "dated.md"), "---\ntitle: Dated\ndate: 2026-01-02T10:00:00Z\n---\nBody.\n")
	// No date: published at the time serve first saw it, which the state keeps.
	writeAtomic(t, filepath.Join(content, "undated.txt"), "Undated news\n\nA paragraph.\n\nSource: Desk\n")
	base := "https://news.example.test/"
	d := startServe(t, "-content", content, "-state", state, "-base-url", base, "-quiet", "20ms")
	d.waitReady()
	// Touch the undated file: a build that stamped it from the file would
	// now date it differently from what serve published.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(content, "undated.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, filepath.Join(content, "new.txt"), "Dropped while serving\n\nText.\n\nSource: Desk\n")
	d.waitFeeds("the dropped article", func(b string) bool { return strings.Contains(b, "Dropped while serving") })

	code, _, errOut := runCLI(t, "build", "-content", content, "-state", state, "-out", out, "-base-url", base)
	if code != 0 {
		t.Fatalf("build beside serve = exit %d:\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "kept by a running dropfeed serve") {
		t.Errorf("build beside serve does not say it read the state as a snapshot:\n%s", errOut)
	}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		_, served, err := d.get(name)
		if err != nil {
			t.Fatal(err)
		}
		built, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(built, served) {
			t.Errorf("%s written by build beside serve differs from the served one:\nbuilt:\n%s\nserved:\n%s", name, built, served)
		}
	}
	if code, stdout, errOut := runCLI(t, "check", "-content", content, "-state", state); code != 0 || !strings.Contains(stdout, "3 articles, 0 errors") {
		t.Errorf("check beside serve = exit %d:\n%s%s", code, stdout, errOut)
	}
	// serve still writes its state: a file dropped after the build is
	// published and recorded.
	writeAtomic(t, filepath.Join(content, "after.txt"), "After the build\n\nText.\n\nSource: Desk\n")
	d.waitFeeds("the article dropped after the build", func(b string) bool { return strings.Contains(b, "After the build") })
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code = %d", code)
	}
	// Once serve stopped, build writes the state again.
	if code, _, errOut := runCLI(t, "build", "-content", content, "-state", state, "-out", out, "-base-url", base); code != 0 || strings.Contains(errOut, "snapshot") {
		t.Errorf("build after serve stopped = exit %d:\n%s", code, errOut)
	}
}
