package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestStateOfEarlierReleaseMigrates: a state file written by the release
// before the compact binary records (each record JSON, and a parse cache
// in the encoding of then) gives the same ids and dates, so a build writes
// the items that release wrote (ids, URLs, titles, dates); and the next
// build, over the file the first one migrated, writes them again.
//
// testdata/earlier-state was made with that release's "build" (-pages=false
// -max-items 0, base URL https://news.example.com/): a first build with every
// file dated 2025-03-01 by its modification time and old-name.md and
// gone.txt present; then old-name.md renamed to new-name.md (its id stays),
// gone.txt deleted (its record is kept as gone), edited.txt edited, every
// file's time moved to 2025-06-01, and built twice; want/ holds what the
// last build wrote. Here the files carry yet another time, so a date taken
// from the files instead of the state shows in the feeds.
func TestStateOfEarlierReleaseMigrates(t *testing.T) {
	t.Parallel()
	fixture := filepath.Join("testdata", "earlier-state")
	dir := t.TempDir()
	src, stateFile := filepath.Join(dir, "articles"), filepath.Join(dir, "state.db")
	copyTree(t, filepath.Join(fixture, "articles"), src)
	db, err := os.ReadFile(filepath.Join(fixture, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stateFile, db, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.Chtimes(filepath.Join(src, e.Name()), later, later); err != nil {
			t.Fatal(err)
		}
	}
	build := func(state string) string {
		t.Helper()
		out := t.TempDir()
		code, _, stderr := runCLI(t, "build", "-content", src, "-out", out, "-state", state,
			"-base-url", "https://news.example.com/", "-pages=false", "-max-items", "0", "-strict")
		if code != 0 {
			t.Fatalf("build = exit %d; stderr:\n%s", code, stderr)
		}
		return out
	}
	// same compares what the state decides, item by item: ids, URLs and
	// dates (the feeds' other bytes change with the release that writes
	// them: new elements, a stylesheet).
	same := func(out string) bool {
		t.Helper()
		type item struct {
			ID, URL, Title string
			Published      string `json:"date_published"`
			Modified       string `json:"date_modified"`
		}
		items := func(path string) []item {
			t.Helper()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var f struct{ Items []item }
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return f.Items
		}
		want, got := items(filepath.Join(fixture, "want", "feed.json")), items(filepath.Join(out, "feed.json"))
		if len(want) == 0 {
			t.Fatal("the fixture's feed.json has no items")
		}
		return slices.Equal(got, want)
	}

	// Without the state, the ids and dates come from the files: the
	// comparison below can fail.
	if same(build(filepath.Join(t.TempDir(), "none.db"))) {
		t.Fatal("the feeds built without the state file equal the earlier release's: the fixture proves nothing")
	}
	before, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	if !same(build(stateFile)) {
		t.Error("first build over the earlier release's state file: the feeds differ from the ones it wrote")
	}
	after, err := os.ReadFile(stateFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) == string(before) {
		t.Error("the first build by a writer left the state file as it was: it did not migrate it")
	}
	if !same(build(stateFile)) {
		t.Error("second build, over the migrated state file: the feeds differ from the earlier release's")
	}
}
