package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type jsonFeedItems struct {
	Items []struct {
		ID        string `json:"id"`
		URL       string `json:"url"`
		Title     string `json:"title"`
		Published string `json:"date_published"`
		Modified  string `json:"date_modified"`
	} `json:"items"`
}

// TestIdentitySurvives runs build repeatedly over one folder with one state
// file: a touch changes no byte, a rename keeps the id and the published
// date, an edit moves only the modified date, and a fresh state over the
// same files on another machine would agree for files that carry a date.
func TestIdentitySurvives(t *testing.T) {
	t.Parallel()
	src, out := t.TempDir(), t.TempDir()
	stateFile := filepath.Join(t.TempDir(), "state.db")
	build := func() (jsonFeedItems, []byte) {
		t.Helper()
		code, _, stderr := runCLI(t, "build", "-state", stateFile, "-content", src, "-out", out, "-base-url", "https://news.example.com/")
		if code != 0 {
			t.Fatalf("build = exit %d; stderr:\n%s", code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(out, "feed.json"))
		if err != nil {
			t.Fatal(err)
		}
		rss, err := os.ReadFile(filepath.Join(out, "rss.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var f jsonFeedItems
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Items) != 1 {
			t.Fatalf("feed.json has %d items, want 1", len(f.Items))
		}
		return f, rss
	}
	path := filepath.Join(src, "undated.txt")
	body := "An undated article\n\nIts only paragraph.\n\nSource: Desk\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	first := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, first, first); err != nil {
		t.Fatal(err)
	}
	f1, rss1 := build()
	it := f1.Items[0]
	if it.Published != "2026-04-01T08:00:00Z" {
		t.Fatalf("date_published = %s, want the first-seen mtime 2026-04-01T08:00:00Z", it.Published)
	}

	// touch: a new mtime, the same bytes.
	later := first.Add(72 * time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if _, rss2 := build(); string(rss2) != string(rss1) {
		t.Fatalf("touch changed rss.xml")
	}

	// rename: same bytes, new path; same id and dates, new URL.
	moved := filepath.Join(src, "moved", "renamed.txt")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	f3, _ := build()
	if got := f3.Items[0]; got.ID != it.ID || got.Published != it.Published || got.Modified != it.Modified || !strings.HasSuffix(got.URL, "/articles/moved/renamed/") {
		t.Fatalf("after rename: %+v; want id %s, dates %s/%s and the new URL", got, it.ID, it.Published, it.Modified)
	}

	// edit: the modified date moves, the id and published date do not.
	if err := os.WriteFile(moved, []byte(strings.Replace(body, "only paragraph", "edited paragraph", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	edit := first.Add(100 * time.Hour)
	if err := os.Chtimes(moved, edit, edit); err != nil {
		t.Fatal(err)
	}
	f4, _ := build()
	if got := f4.Items[0]; got.ID != it.ID || got.Published != it.Published || got.Modified != "2026-04-05T12:00:00Z" {
		t.Fatalf("after edit: %+v; want id %s, published %s, modified 2026-04-05T12:00:00Z", got, it.ID, it.Published)
	}
}

// TestFreshCloneAgrees: two fresh clones of a git content folder, built with
// no state at different times, publish the same ids and dates: an undated
// file is dated by the commit that added it, not by its checkout mtime.
func TestFreshCloneAgrees(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		unavailable(t, fmt.Sprintf("git is not installed: %v", err))
	}
	origin := t.TempDir()
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_COMMITTER_DATE=2025-06-07T08:09:10Z")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(origin, "init", "-q")
	writeAtomic(t, filepath.Join(origin, "news", "undated.txt"), "An undated article in git\n\nBody.\n\nSource: Desk\n")
	writeAtomic(t, filepath.Join(origin, "dated.md"), "---\ntitle: Dated\ndate: 2025-01-02\n---\nBody.\n")
	git(origin, "add", ".")
	git(origin, "commit", "-q", "-m", "articles")

	feeds := make([]string, 2)
	for i := range feeds {
		clone := filepath.Join(t.TempDir(), "clone")
		git(origin, "clone", "-q", origin, clone)
		// A checkout's mtimes are the time of the checkout; make them differ.
		when := time.Now().Add(time.Duration(i+1) * time.Hour)
		if err := os.Chtimes(filepath.Join(clone, "news", "undated.txt"), when, when); err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		code, _, stderr := runCLI(t, "build", "-content", clone, "-out", out, "-base-url", "https://news.example.com/")
		if code != 0 {
			t.Fatalf("build clone %d = exit %d:\n%s", i, code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(out, "feed.json"))
		if err != nil {
			t.Fatal(err)
		}
		feeds[i] = string(data)
	}
	if feeds[0] != feeds[1] {
		t.Fatalf("two fresh clones built different feeds:\n%s\n---\n%s", feeds[0], feeds[1])
	}
	if !strings.Contains(feeds[0], `"date_published": "2025-06-07T08:09:10Z"`) {
		t.Fatalf("the undated file is not dated by its commit:\n%s", feeds[0])
	}
}
