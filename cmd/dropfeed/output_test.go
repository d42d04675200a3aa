//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeMediaAfterRescan: an article's media file is still served
// after the watcher's first batch (a full rescan of the same folder), which
// once closed the folder the served bundle reads media files through.
func TestServeMediaAfterRescan(t *testing.T) {
	src := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "example", "articles"), src)
	const media = "articles/science/2026-11-05-night-sky-survey/meadow.jpg"
	d := startServe(t, "-content", src, "-base-url", crashBase, "-v")
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
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code after SIGTERM = %d, want 0", code)
	}
}
