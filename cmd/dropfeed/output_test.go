//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOutputFolderHeld: while serve -out keeps a folder, a build into it
// and a second serve on it are refused at once with the holder's pid, and
// the folder is left as serve wrote it; once serve stops, build writes it.
func TestOutputFolderHeld(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	site, out := filepath.Join(work, "site"), filepath.Join(work, "out")
	genSite(t, site, 20, "A", 0)
	d := startServe(t, "-content", site, "-out", out, "-base-url", crashBase, "-max-items", "0")
	d.waitReady()
	d.waitOut()
	before := visibleTree(t, out)
	writeBytes(t, filepath.Join(site, "extra.md"), []byte("---\ntitle: Extra\ndate: 2026-02-01T00:00:00Z\n---\nMore.\n"))

	want := fmt.Sprintf("output folder %s is being written by another dropfeed (pid %d)", out, d.cmd.Process.Pid)
	start := time.Now()
	code, _, stderr := runCLI(t, "build", "-content", site, "-out", out, "-base-url", crashBase, "-max-items", "0")
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("build into serve's folder = exit %d, stderr %q; want 1 and %q", code, tail(stderr, 3), want)
	}
	t.Logf("build refused in %s", time.Since(start).Round(time.Millisecond))
	code, _, stderr = runCLI(t, "serve", "-addr", "127.0.0.1:0", "-content", site, "-out", out, "-base-url", crashBase)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("a second serve on the folder = exit %d, stderr %q; want 1 and %q", code, tail(stderr, 3), want)
	}
	d.waitFeeds("the extra article served", func(b string) bool { return strings.Contains(b, "Extra") })
	d.waitOut()
	after := visibleTree(t, out)
	for rel := range before {
		if _, ok := after[rel]; !ok {
			t.Errorf("%s went missing while serve kept the folder", rel)
		}
	}
	if !bytes.Contains(after["rss.xml"], []byte("Extra")) {
		t.Errorf("serve's own write after the refused build lacks the new article")
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code after SIGTERM = %d, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(out, heldLock)); err == nil {
		t.Errorf("serve left its lock file %s after it stopped", heldLock)
	}
	buildInto(t, site, out)
}

// TestServeMediaAfterRescan: an article's media file is still served, and
// copied to the static output by the writes beside the loop, after the
// watcher's first batch (a full rescan of the same folder), which once
// closed the folder the bundles read media files through.
func TestServeMediaAfterRescan(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), filepath.Join(t.TempDir(), "out")
	copyTree(t, filepath.Join("..", "..", "example", "articles"), src)
	const media = "articles/science/2026-11-05-night-sky-survey/meadow.jpg"
	d := startServe(t, "-content", src, "-out", out, "-base-url", crashBase, "-v")
	d.waitReady()
	waitFor(t, 30*time.Second, "the watcher's first batch", func() bool {
		logs := d.Logs()
		return strings.Count(logs, "msg=rebuild ")+strings.Count(logs, `msg="no article changed"`) >= 2
	})
	want, err := os.ReadFile(filepath.Join(src, "science", "meadow.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body, err := d.get(media)
	if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, want) {
		t.Errorf("GET %s after the rescan = %v, %v; want 200 with the image", media, resp.StatusCode, err)
	}
	// A new article makes a new bundle, written beside the loop.
	writeBytes(t, filepath.Join(src, "later.md"), []byte("---\ntitle: Later\ndate: 2026-02-01T00:00:00Z\n---\nLater.\n"))
	d.waitFeeds("the new article served", func(b string) bool { return strings.Contains(b, "Later") })
	d.waitOut()
	if got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(media))); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the static copy of %s: %v; want the image", media, err)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code after SIGTERM = %d, want 0", code)
	}
}
