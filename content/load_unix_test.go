//go:build unix

package content_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// diskTree makes, under t.TempDir(), a content folder holding good files and
// every awkward kind of entry, plus a file outside it. It returns the content
// folder's path.
func diskTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "site")
	write := func(name, data string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	write("secret.md", "# Secret\n\nOutside the content folder.\n")
	write("site/real.md", "# Real\n\nText.\n")
	write("site/news/story.txt", "Story\nDate: 2024-05-06\n\nText.\n")
	write("site/empty.txt", "")
	link("../secret.md", "escape.md")               // leaves the root
	link(filepath.Join(dir, "secret.md"), "abs.md") // leaves the root, absolute
	link("real.md", "inside.md")                    // stays inside
	link("news/story.txt", "story-link.txt")        // stays inside, into a folder
	link("nowhere.md", "dangling.md")               // points at nothing
	link("loop.md", "loop.md")                      // points at itself
	link("ping.md", "pong.md")                      // a cycle of two
	link("pong.md", "ping.md")                      //
	link(".", "news/again")                         // a folder cycle
	link("..", "news/up")                           // a folder link out of the root
	if err := syscall.Mkfifo(filepath.Join(root, "pipe.md"), 0o644); err != nil {
		unavailable(t, fmt.Sprintf("mkfifo: %v", err))
	}
	return root
}

// unblockFIFO opens the FIFO for writing and closes it, releasing a reader
// blocked in open, so that a failing test does not hang the run.
func unblockFIFO(p string) func() {
	return func() {
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
}

func TestLoadDisk(t *testing.T) {
	dir := diskTree(t)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	var arts []*content.Article
	var loadErr error
	waitDone(t, 10*time.Second, "Load(disk tree)", func() {
		arts, loadErr = content.Load(t.Context(), root.FS(), testOptions())
	}, unblockFIFO(filepath.Join(dir, "pipe.md")))

	wantPaths := []string{"inside.md", "news/story.txt", "real.md", "story-link.txt"}
	if got := articlePaths(arts); !slices.Equal(got, wantPaths) {
		t.Errorf("Load(disk) articles = %q, want %q", got, wantPaths)
	}
	for _, a := range arts {
		if a.Title == "Secret" {
			t.Errorf("Load(disk) read %s through a link out of the root", a.Path)
		}
	}
	got := map[string]error{}
	for _, pe := range parseErrors(t, loadErr) {
		got[pe.Path] = pe
	}
	for _, p := range []string{"escape.md", "abs.md"} {
		if !errors.Is(got[p], content.ErrOutsideRoot) {
			t.Errorf("Load(disk) error for %s = %v, want %v", p, got[p], content.ErrOutsideRoot)
		}
	}
	if !errors.Is(got["empty.txt"], content.ErrEmpty) || !content.IsWarning(got["empty.txt"]) {
		t.Errorf("Load(disk) error for empty.txt = %v, want %v classified by IsWarning", got["empty.txt"], content.ErrEmpty)
	}
	for _, p := range []string{"dangling.md", "pipe.md", "news/again", "news/up"} {
		if err, ok := got[p]; ok {
			t.Errorf("Load(disk) error for %s = %v, want it skipped silently", p, err)
		}
	}
	// Link loops cannot be read; they may be reported but must not hang.
	for p, err := range got {
		switch p {
		case "escape.md", "abs.md", "empty.txt", "loop.md", "ping.md", "pong.md":
		default:
			t.Errorf("Load(disk) unexpected error for %s: %v", p, err)
		}
	}
}

func TestParseFileDisk(t *testing.T) {
	dir := diskTree(t)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	fsys := root.FS()
	tests := []struct {
		path string
		want error // nil: parses
	}{
		{"real.md", nil},
		{"inside.md", nil},
		{"escape.md", content.ErrOutsideRoot},
		{"abs.md", content.ErrOutsideRoot},
		{"pipe.md", content.ErrNotRegular},
		{"news", content.ErrNotRegular},
		{"dangling.md", os.ErrNotExist},
		{"empty.txt", content.ErrEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			var a *content.Article
			var err error
			waitDone(t, 10*time.Second, "ParseFile("+tc.path+")", func() {
				a, err = content.ParseFile(fsys, tc.path, testOptions())
			}, unblockFIFO(filepath.Join(dir, "pipe.md")))
			if tc.want == nil {
				if err != nil || a == nil {
					t.Errorf("ParseFile(%q) = %v, %v, want an article", tc.path, a, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("ParseFile(%q) error = %v, want %v", tc.path, err, tc.want)
			}
		})
	}
	for _, p := range []string{"loop.md", "ping.md"} {
		waitDone(t, 10*time.Second, "ParseFile("+p+")", func() {
			if _, err := content.ParseFile(fsys, p, testOptions()); err == nil {
				t.Errorf("ParseFile(%q) error = nil, want one", p)
			}
		}, nil)
	}
}

func TestIndexDisk(t *testing.T) {
	dir := diskTree(t)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	x := content.NewIndex(root.FS(), testOptions())
	waitDone(t, 10*time.Second, "Rescan(disk tree)", func() {
		if _, err := x.Rescan(t.Context()); err != nil {
			t.Errorf("Rescan(disk) error: %v", err)
		}
	}, unblockFIFO(filepath.Join(dir, "pipe.md")))

	// Updates for the awkward entries, one by one, never block and never add.
	var ch content.Changes
	waitDone(t, 10*time.Second, "Update(awkward paths)", func() {
		ch = x.Update(t.Context(), []string{"pipe.md", "dangling.md", "loop.md", "news/again", "news/up", "escape.md"})
	}, unblockFIFO(filepath.Join(dir, "pipe.md")))
	if len(ch.Added) != 0 || len(ch.Changed) != 0 || len(ch.Removed) != 0 {
		t.Errorf("Update(awkward paths) = %+v, want no article changes", ch)
	}
	n := len(x.Articles())

	// A file rewritten with the same bytes (a new inode, an editor's save by
	// rename) is read again but is no change.
	p := filepath.Join(dir, "news", "story.txt")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "news", ".story.txt.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	ch = x.Update(t.Context(), []string{"news/story.txt"})
	if !ch.Empty() || len(ch.Errors) != 0 {
		t.Errorf("Update(same bytes, new inode) = %+v, want no change", ch)
	}
	// Changed bytes with the same size and modification time (cp -p, rsync -a).
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	changed := []byte(string(data[:len(data)-2]) + "!\n")
	if err := os.WriteFile(tmp, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	ch = x.Update(t.Context(), []string{"news/story.txt"})
	if !slices.Equal(ch.Changed, []string{"news/story.txt"}) {
		t.Errorf("Update(new bytes, same size and mtime, new inode) = %+v, want news/story.txt changed", ch)
	}
	if got := len(x.Articles()); got != n {
		t.Errorf("Articles() has %d articles, want %d", got, n)
	}
}
