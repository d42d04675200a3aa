package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMediaAfterArticle: an image saved after the article that references
// it is served, enclosed (with its length) and copied to the static output;
// replaced by one of another size, the enclosure follows; removed, it is
// gone from all three; changed while serve is stopped, the next start
// publishes the new one (the saved feeds are not taken back as they were).
func TestMediaAfterArticle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content, out, state := filepath.Join(dir, "content"), filepath.Join(dir, "out"), filepath.Join(dir, "state.db")
	writeAtomic(t, filepath.Join(content, "a.md"), "---\ntitle: With a picture\ndate: 2026-01-01T00:00:00Z\nimage: pic.png\n---\n![The picture](pic.png)\n")
	args := []string{"-content", content, "-out", out, "-state", state, "-quiet", "20ms"}
	d := startServe(t, args...)
	d.waitReady()
	enclosure := regexp.MustCompile(`<enclosure url="[^"]*/articles/a/pic\.png" length="(\d+)" type="image/png">`)
	length := func() string {
		_, body, err := d.get("rss.xml")
		if err != nil {
			return "error"
		}
		if m := enclosure.FindSubmatch(body); m != nil {
			return string(m[1])
		}
		return ""
	}
	published := func(want string) func() bool {
		return func() bool {
			resp, body, err := d.get("articles/a/pic.png")
			if err != nil {
				return false
			}
			disk, derr := os.ReadFile(filepath.Join(out, "articles", "a", "pic.png"))
			if want == "" {
				return resp.StatusCode == http.StatusNotFound && length() == "" && os.IsNotExist(derr)
			}
			return resp.StatusCode == http.StatusOK && string(body) == want && length() == strconv.Itoa(len(want)) && string(disk) == want
		}
	}
	if length() != "" {
		t.Fatal("an enclosure for an image that does not exist")
	}
	writeAtomic(t, filepath.Join(content, "pic.png"), "png")
	waitFor(t, 10*time.Second, "the image saved after its article: served, enclosed, copied", published("png"))
	writeAtomic(t, filepath.Join(content, "pic.png"), "a larger png")
	waitFor(t, 10*time.Second, "the image replaced by a larger one", published("a larger png"))
	if err := os.Remove(filepath.Join(content, "pic.png")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the image removed", published(""))
	writeAtomic(t, filepath.Join(content, "pic.png"), "png")
	waitFor(t, 10*time.Second, "the image back", published("png"))
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}

	// Changed while serve is stopped.
	writeAtomic(t, filepath.Join(content, "pic.png"), "the png after a restart")
	d = startServe(t, args...)
	d.waitReady()
	waitFor(t, 10*time.Second, "the image changed while serve was stopped", published("the png after a restart"))
	if strings.Contains(d.Logs(), "level=ERROR") {
		t.Errorf("errors logged:\n%s", d.Logs())
	}
}
