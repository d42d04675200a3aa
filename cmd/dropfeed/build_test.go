package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/mmcdole/gofeed"
)

// TestBuildCorpus builds a generated corpus of 1,000 articles with every item
// in the feeds: each feed holds exactly the files that are neither drafts nor
// future-dated, every output parses with gofeed, and check finds no error.
func TestBuildCorpus(t *testing.T) {
	t.Parallel()
	src, out := filepath.Join(t.TempDir(), "corpus"), t.TempDir()
	opt := corpus.DefaultOptions()
	opt.N = 1000
	opt.Now = time.Now().UTC().Truncate(time.Second)
	want := 0
	for i := range opt.N {
		if f := corpus.Generate(i, opt); !f.Draft && !f.Future {
			want++
		}
	}
	if _, err := corpus.Write(t.Context(), src, opt, 0); err != nil {
		t.Fatal(err)
	}
	// No archives: -max-items 0 puts every article in one document. Feeds
	// only: the pages of a corpus are tested at a smaller size.
	cfg := filepath.Join(t.TempDir(), "dropfeed.yaml")
	writeBytes(t, cfg, []byte("archives: false\n"))
	code, _, stderr := runCLI(t, "build", "-config", cfg, "-content", src, "-out", out, "-base-url", "https://news.example.com/", "-max-items", "0", "-strict", "-pages=false")
	if code != 0 {
		t.Fatalf("build exit code = %d, want 0; stderr:\n%s", code, stderr)
	}
	ids := make(map[string][]string)
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("gofeed.Parse(%s) = %v", name, err)
		}
		if len(f.Items) != want {
			t.Errorf("%s has %d items, want %d (files - drafts - future)", name, len(f.Items), want)
		}
		seen := make(map[string]bool)
		for _, it := range f.Items {
			if it.GUID == "" || seen[it.GUID] {
				t.Fatalf("%s: empty or duplicate id %q", name, it.GUID)
			}
			seen[it.GUID] = true
			ids[name] = append(ids[name], it.GUID)
		}
	}
	if strings.Join(ids["rss.xml"], "\n") != strings.Join(ids["atom.xml"], "\n") || strings.Join(ids["rss.xml"], "\n") != strings.Join(ids["feed.json"], "\n") {
		t.Errorf("the three feeds do not list the same ids in the same order")
	}
	code, stdout, _ := runCLI(t, "check", "-content", src)
	if code != 0 || !strings.Contains(stdout, " 0 errors") {
		t.Fatalf("check over the corpus = exit %d, output tail %q; want 0 errors", code, tail(stdout, 400))
	}
}

// TestCheckReportsLines checks that check names each bad file with its line,
// exits 1, and that build skips them and still publishes the good one.
func TestCheckReportsLines(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, "check", "-content", filepath.Join("testdata", "bad"))
	if code != 1 {
		t.Fatalf("check exit code = %d, want 1; output:\n%s", code, stdout)
	}
	for _, want := range []string{
		"wrong-type.md:4: error: ",
		"unclosed.md:1: error: ",
		"bad-date.txt:2: error: ",
		"4 files, 1 articles, 3 errors",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("check output lacks %q; output:\n%s", want, stdout)
		}
	}
	out := t.TempDir()
	code, _, stderr := runCLI(t, "build", "-content", filepath.Join("testdata", "bad"), "-out", out, "-base-url", "https://news.example.com/")
	if code != 0 {
		t.Fatalf("build without -strict = exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "wrong-type.md:4: error") {
		t.Errorf("build stderr does not report the bad file with its line:\n%s", stderr)
	}
	rss, err := os.ReadFile(filepath.Join(out, "rss.xml"))
	if err != nil || !strings.Contains(string(rss), "A good article beside the broken ones") {
		t.Fatalf("rss.xml lacks the good article (err %v)", err)
	}
	code, _, _ = runCLI(t, "build", "-strict", "-content", filepath.Join("testdata", "bad"), "-out", t.TempDir(), "-base-url", "https://news.example.com/")
	if code != 1 {
		t.Fatalf("build -strict with bad files = exit %d, want 1", code)
	}
}

// TestCLIUsage checks exit codes and messages for the command line itself.
func TestCLIUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"help", []string{"build", "-h"}, 0, ""},
		{"double dash flag", []string{"build", "--content", "nowhere", "--out", "x", "--base-url", "https://a.example/"}, 1, "nowhere"},
		{"stray argument", []string{"build", "extra"}, 2, "unexpected argument"},
		{"bad flag", []string{"check", "-nope"}, 2, "flag provided but not defined"},
		{"build needs out", []string{"build", "-content", "."}, 2, "-out"},
		{"missing content folder", []string{"build", "-content", "does-not-exist", "-out", "x", "-base-url", "https://a.example/"}, 1, "does-not-exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.inStderr) {
				t.Fatalf("dropfeed %v = exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.code, tc.inStderr)
			}
		})
	}
	if _, err := os.Stat("x"); err == nil {
		t.Fatalf("a failed build created its output folder")
	}
}

// TestBuildWithConfig runs build from a config file, with a flag overriding it.
func TestBuildWithConfig(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	code, _, stderr := runCLI(t, "build", "-config", filepath.Join("..", "..", "example", "dropfeed.yaml"),
		"-out", out, "-base-url", "https://riverside.example.org/", "-max-items", "2")
	if code != 0 {
		t.Fatalf("build = exit %d; stderr:\n%s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "Riverside Gazette" || len(f.Items) != 2 {
		t.Fatalf("feed.json title %q with %d items; want the config's title and -max-items 2", f.Title, len(f.Items))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// TestBuildTwiceSameBytes: a second build with the same state file publishes
// the same bytes (every article, the same ids).
func TestBuildTwiceSameBytes(t *testing.T) {
	t.Parallel()
	src, stateFile := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	copyTree(t, filepath.Join("..", "..", "example", "articles"), src)
	writeAtomic(t, filepath.Join(src, "undated.txt"), "An undated piece\n\nBody.\n\nSource: Desk\n")
	var feeds [2]string
	for i := range feeds {
		out := t.TempDir()
		if code, _, stderr := runCLI(t, "build", "-state", stateFile, "-content", src, "-out", out, "-base-url", "https://riverside.example.org/"); code != 0 || strings.Contains(stderr, "duplicate") {
			t.Fatalf("build %d = exit %d; stderr:\n%s", i, code, stderr)
		}
		data, err := os.ReadFile(filepath.Join(out, "feed.json"))
		if err != nil {
			t.Fatal(err)
		}
		feeds[i] = string(data)
	}
	if feeds[0] != feeds[1] || strings.Count(feeds[0], `"id": "tag:`) != 7 {
		t.Fatalf("two builds differ or lack items:\n%s\n---\n%s", feeds[0], feeds[1])
	}
}
