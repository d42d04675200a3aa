package state

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func parse(t *testing.T, path, data string, mod time.Time) *content.Article {
	t.Helper()
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	a, err := content.Parse(path, []byte(data), mod, opts)
	if err != nil {
		t.Fatalf("Parse(%s) = %v", path, err)
	}
	return a
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, warn, err := Open(path, Options{})
	if err != nil || warn != "" {
		t.Fatalf("Open(%s) = %v, warning %q", path, err, warn)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func apply(t *testing.T, s *Store, now time.Time, arts ...*content.Article) map[string]*content.Article {
	t.Helper()
	out, err := s.Apply(arts, now)
	if err != nil {
		t.Fatalf("Apply = %v", err)
	}
	m := make(map[string]*content.Article)
	for _, a := range out {
		m[a.Path] = a
	}
	return m
}

const undated = "An article without a date\n\nThe body.\n\nSource: Desk\n"

// TestPublishedNeverMoves: an undated file keeps its first-seen time across a
// touch (new mtime, same bytes) and a restart.
func TestPublishedNeverMoves(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	got := apply(t, s, t0, parse(t, "a.txt", undated, t0))
	if !got["a.txt"].Published.Equal(t0) {
		t.Fatalf("first run: Published = %v, want %v", got["a.txt"].Published, t0)
	}
	touched := t0.Add(48 * time.Hour)
	got = apply(t, s, touched, parse(t, "a.txt", undated, touched))
	if a := got["a.txt"]; !a.Published.Equal(t0) || !a.Updated.Equal(t0) {
		t.Fatalf("after touch: Published %v Updated %v, want both %v", a.Published, a.Updated, t0)
	}
	s.Close()
	s2 := open(t, db)
	got = apply(t, s2, touched, parse(t, "a.txt", undated, touched))
	if a := got["a.txt"]; !a.Published.Equal(t0) || !a.Updated.Equal(t0) {
		t.Fatalf("after restart: Published %v Updated %v, want both %v", a.Published, a.Updated, t0)
	}
}

// TestUpdatedMovesOnEdit: an edit moves Updated to the edit's time, not Published.
func TestUpdatedMovesOnEdit(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	apply(t, s, t0, parse(t, "a.txt", undated, t0))
	edit := t0.Add(time.Hour)
	got := apply(t, s, edit, parse(t, "a.txt", strings.Replace(undated, "The body.", "The edited body.", 1), edit))
	if a := got["a.txt"]; !a.Published.Equal(t0) || !a.Updated.Equal(edit) {
		t.Fatalf("after edit: Published %v Updated %v, want %v and %v", a.Published, a.Updated, t0, edit)
	}
	// Copying the old bytes back with an old mtime (cp -p, rsync -a) is a change too;
	// its time is the run's, since the mtime went backwards.
	later := t0.Add(2 * time.Hour)
	got = apply(t, s, later, parse(t, "a.txt", undated, t0))
	if a := got["a.txt"]; !a.Published.Equal(t0) || !a.Updated.Equal(later) {
		t.Fatalf("after copy-back: Published %v Updated %v, want %v and %v", a.Published, a.Updated, t0, later)
	}
}

// TestRenameKeepsID: the same bytes leaving one path and appearing at another
// keep the id and dates, in one batch and across runs; the old path, reused
// by a new file, gets an id of its own.
func TestRenameKeepsID(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	first := apply(t, s, t0, parse(t, "old/name.txt", undated, t0))["old/name.txt"]

	// One batch: old path gone, new path present.
	moved := apply(t, s, t0.Add(time.Hour), parse(t, "new/place.txt", undated, t0.Add(time.Hour)))["new/place.txt"]
	if moved.ID != first.ID || !moved.Published.Equal(first.Published) {
		t.Fatalf("moved: ID %q Published %v, want %q %v", moved.ID, moved.Published, first.ID, first.Published)
	}
	// Across runs: the file is gone in one run, back under a third name in the next.
	apply(t, s, t0.Add(2*time.Hour))
	s.Close()
	s = open(t, db)
	back := apply(t, s, t0.Add(3*time.Hour), parse(t, "third.txt", undated, t0.Add(3*time.Hour)))["third.txt"]
	if back.ID != first.ID {
		t.Fatalf("moved across runs: ID %q, want %q", back.ID, first.ID)
	}
	// A new, different file at the original path must not take the moved file's id.
	other := apply(t, s, t0.Add(4*time.Hour),
		parse(t, "third.txt", undated, t0.Add(3*time.Hour)),
		parse(t, "old/name.txt", "A different article\n\nOther text.\n", t0.Add(4*time.Hour)))
	if other["old/name.txt"].ID == other["third.txt"].ID {
		t.Fatalf("new file at the old path reuses the moved file's id %q", other["third.txt"].ID)
	}
}

// TestExplicitIDWins: an explicit id is never replaced by the record's.
func TestExplicitIDWins(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "state.db"))
	a := parse(t, "a.md", "---\ntitle: T\nid: urn:example:1\n---\nBody\n", t0)
	got := apply(t, s, t0, a)["a.md"]
	if got.ID != "urn:example:1" {
		t.Fatalf("ID = %q, want the explicit one", got.ID)
	}
}

// TestCorruptFileIsRebuilt: garbage in the state file is set aside with a warning.
func TestCorruptFileIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	if err := os.WriteFile(db, []byte(strings.Repeat("not a database ", 500)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, warn, err := Open(db, Options{})
	if err != nil {
		t.Fatalf("Open(corrupt) = %v, want a warning, not an error", err)
	}
	defer s.Close()
	if !strings.Contains(warn, "rebuilt") {
		t.Fatalf("Open(corrupt) warning = %q, want it to say the state was rebuilt", warn)
	}
	if got := apply(t, s, t0, parse(t, "a.txt", undated, t0)); len(got) != 1 {
		t.Fatalf("Apply after rebuild returned %d articles", len(got))
	}
	matches, _ := filepath.Glob(db + ".corrupt-*")
	if len(matches) != 1 {
		t.Fatalf("corrupt file set aside as %v, want one .corrupt-* file", matches)
	}
}

// TestLockedAndReadOnly: a second writer times out clearly; readers share.
func TestLockedAndReadOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	apply(t, s, t0, parse(t, "a.txt", undated, t0))
	if _, _, err := Open(db, Options{Timeout: 50 * time.Millisecond}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second writer: Open = %v, want ErrLocked", err)
	}
	s.Close()
	r, warn, err := Open(db, Options{ReadOnly: true})
	if err != nil || warn != "" {
		t.Fatalf("read-only Open = %v %q", err, warn)
	}
	defer r.Close()
	if rec, ok := r.Get("a.txt"); !ok || !rec.FirstSeen.Equal(t0) {
		t.Fatalf("read-only Get(a.txt) = %+v, %v", rec, ok)
	}
	missing, _, err := Open(filepath.Join(t.TempDir(), "none.db"), Options{ReadOnly: true})
	if err != nil || missing.Len() != 0 {
		t.Fatalf("read-only Open of a missing file = %v, %d records; want an empty store", err, missing.Len())
	}
}

// TestFirstSeenHook: a file's first commit date (or any hook) is its first-seen time.
func TestFirstSeenHook(t *testing.T) {
	commit := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	s, _, err := Open(filepath.Join(t.TempDir(), "state.db"), Options{FirstSeen: func(p string) (time.Time, bool) {
		return commit, p == "a.txt"
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := apply(t, s, t0, parse(t, "a.txt", undated, t0), parse(t, "b.txt", strings.Replace(undated, "body", "other body", 1), t0))
	if !got["a.txt"].Published.Equal(commit) || !got["b.txt"].Published.Equal(t0) {
		t.Fatalf("Published = %v and %v, want %v (hook) and %v (mtime)", got["a.txt"].Published, got["b.txt"].Published, commit, t0)
	}
}

// TestGitFirstSeen: in a git work tree, a file's first-seen time is the date
// of the commit that added it, whatever its modification time.
func TestGitFirstSeen(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git is required in CI: %v", err)
		}
		t.Skipf("git not installed: %v", err)
	}
	repo := t.TempDir()
	content := filepath.Join(repo, "site", "articles")
	if err := os.MkdirAll(content, 0o755); err != nil {
		t.Fatal(err)
	}
	git := func(env []string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = append(os.Environ(), append([]string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}, env...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(nil, "init", "-q")
	if err := os.WriteFile(filepath.Join(content, "a.txt"), []byte(undated), 0o644); err != nil {
		t.Fatal(err)
	}
	git(nil, "add", ".")
	git([]string{"GIT_COMMITTER_DATE=2024-02-03T04:05:06Z"}, "commit", "-q", "-m", "add a")
	if err := os.WriteFile(filepath.Join(content, "a.txt"), []byte(undated+"more\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(nil, "add", ".")
	git([]string{"GIT_COMMITTER_DATE=2025-01-01T00:00:00Z"}, "commit", "-q", "-m", "edit a")

	first := GitFirstSeen(t.Context(), content)
	if first == nil {
		t.Fatal("GitFirstSeen = nil in a work tree")
	}
	want := time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC)
	if got, ok := first("a.txt"); !ok || !got.Equal(want) {
		t.Fatalf("first(a.txt) = %v, %v; want %v", got, ok, want)
	}
	if _, ok := first("nope.txt"); ok {
		t.Fatal("first(nope.txt) found a date for an untracked file")
	}
	if GitFirstSeen(t.Context(), t.TempDir()) != nil {
		t.Fatal("GitFirstSeen outside a work tree is not nil")
	}
	// Run beside the caller, the answers are the same; outside a work
	// tree, nothing is found.
	behind := GitFirstSeenBehind(t.Context(), content)
	if got, ok := behind("a.txt"); !ok || !got.Equal(want) {
		t.Fatalf("GitFirstSeenBehind: a.txt = %v, %v; want %v", got, ok, want)
	}
	if _, ok := behind("nope.txt"); ok {
		t.Fatal("GitFirstSeenBehind found a date for an untracked file")
	}
	if _, ok := GitFirstSeenBehind(t.Context(), t.TempDir())("a.txt"); ok {
		t.Fatal("GitFirstSeenBehind outside a work tree found a date")
	}
}

// TestManyRecordsPersist: several records written in one transaction come
// back intact after a reopen, each with its own id (a reused encode buffer
// once made them overwrite each other).
func TestManyRecordsPersist(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	var arts []*content.Article
	for _, name := range []string{"a.txt", "b.txt", "c.txt", "d/e.txt"} {
		arts = append(arts, parse(t, name, "Article "+name+"\n\nBody of "+name+".\n", t0))
	}
	first := apply(t, s, t0, arts...)
	s.Close()
	s = open(t, db)
	again := apply(t, s, t0.Add(time.Hour), arts...)
	ids := map[string]bool{}
	for p, a := range again {
		if a.ID != first[p].ID {
			t.Errorf("after reopen %s has id %s, want %s", p, a.ID, first[p].ID)
		}
		if ids[a.ID] {
			t.Errorf("id %s appears twice after reopen", a.ID)
		}
		ids[a.ID] = true
	}
}

// TestIDFollowsSettings: an unpinned record follows the id the file derives
// now (ids seen in a preview before id_authority was set do not stick), and
// edits are saved.
func TestIDFollowsSettings(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	preview := content.DefaultOptions() // authority "localhost"
	a, err := content.Parse("a.txt", []byte(undated), t0, preview)
	if err != nil {
		t.Fatal(err)
	}
	apply(t, s, t0, a)
	got := apply(t, s, t0.Add(time.Hour), parse(t, "a.txt", undated, t0))["a.txt"]
	if !strings.HasPrefix(got.ID, "tag:news.example.com,") || !got.Published.Equal(t0) {
		t.Fatalf("after setting the authority: ID %s Published %v; want the new authority and the same date", got.ID, got.Published)
	}
	edit := t0.Add(2 * time.Hour)
	apply(t, s, edit, parse(t, "a.txt", undated+"An edit.\n", edit))
	s.Close()
	s = open(t, db)
	if rec, _ := s.Get("a.txt"); !rec.Changed.Equal(edit) {
		t.Fatalf("after reopen the edit time is %v, want %v: the edit was not saved", rec.Changed, edit)
	}
}
