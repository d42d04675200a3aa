package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	oldArticle = "---\ntitle: The old article\ndate: 2024-05-01T10:00:00Z\n---\nOld body.\n"
	newArticle = "---\ntitle: The new article\ndate: 2024-06-01T10:00:00Z\n---\nNew body.\n"
)

// getWith fetches a path relative to the base URL with request headers
// (name, value, ...).
func (d *daemonProc) getWith(path string, header ...string) (*http.Response, []byte) {
	d.t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return resp, body
}

// lastModified returns the Last-Modified of a 200 response for path, waiting
// while there is none: a document changed twice within a second is dated a
// second ahead, and goes without one until the clock gets there.
func (d *daemonProc) lastModified(path string) time.Time {
	d.t.Helper()
	var lm time.Time
	waitFor(d.t, 10*time.Second, "a Last-Modified for "+path, func() bool {
		resp, _ := d.getWith(path)
		t, err := http.ParseTime(resp.Header.Get("Last-Modified"))
		lm = t
		return resp.StatusCode == http.StatusOK && err == nil
	})
	return lm
}

// TestServeLastModifiedNewestDeleted runs the real binary through the
// defect's reproduction: a reader that read /rss.xml with two articles, and
// asks again with only If-Modified-Since (no If-None-Match) after the newest
// article was deleted, gets 200 and the feed without it, not 304; both while
// serve runs and when the article was deleted while serve was down. The
// Last-Modified after the delete is later than the one before.
func TestServeLastModifiedNewestDeleted(t *testing.T) {
	t.Parallel()
	for _, restart := range []bool{false, true} {
		name := "while running"
		if restart {
			name = "while down"
		}
		t.Run(name, func(t *testing.T) {
			w := t.TempDir()
			dir, stateDB := filepath.Join(w, "content"), filepath.Join(w, "state.db")
			writeAtomic(t, filepath.Join(dir, "old.md"), oldArticle)
			writeAtomic(t, filepath.Join(dir, "new.md"), newArticle)
			args := []string{"-content", dir, "-state", stateDB, "-quiet", "20ms"}
			d := startServe(t, args...)
			d.waitReady()
			d.waitFeeds("both articles", func(b string) bool {
				return strings.Contains(b, "The new article") && strings.Contains(b, "The old article")
			})
			before := d.lastModified("rss.xml")
			ims := before.UTC().Format(http.TimeFormat)
			if resp, _ := d.getWith("rss.xml", "If-Modified-Since", ims); resp.StatusCode != http.StatusNotModified {
				t.Fatalf("GET /rss.xml If-Modified-Since %s (its own Last-Modified) = %d, want 304", ims, resp.StatusCode)
			}

			if restart {
				if code := d.stop(); code != 0 {
					t.Fatalf("first run exit %d:\n%s", code, d.Logs())
				}
			}
			if err := os.Remove(filepath.Join(dir, "new.md")); err != nil {
				t.Fatal(err)
			}
			if restart {
				d = startServe(t, args...)
				d.waitReady()
			}
			d.waitFeeds("the newest article gone", func(b string) bool {
				return !strings.Contains(b, "The new article") && strings.Contains(b, "The old article")
			})

			resp, body := d.getWith("rss.xml", "If-Modified-Since", ims)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /rss.xml If-Modified-Since %s after the newest article was deleted = %d, want 200", ims, resp.StatusCode)
			}
			if !strings.Contains(string(body), "The old article") || strings.Contains(string(body), "The new article") {
				t.Errorf("GET /rss.xml If-Modified-Since %s = %s, want the feed without the deleted article", ims, body)
			}
			if after := d.lastModified("rss.xml"); !after.After(before) {
				t.Errorf("Last-Modified of /rss.xml after the delete = %v, want after %v", after, before)
			}
			if code := d.stop(); code != 0 {
				t.Fatalf("exit %d:\n%s", code, d.Logs())
			}
		})
	}
}
