package content_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

const indexTree = `
-- news/a.md --
---
title: A
date: 2024-05-01
---
Text A.
-- news/b.txt --
B
Date: 2024-05-02

Text B.
-- news/deep/c.md --
---
title: C
date: 2024-05-03
---
Text C.
-- posts/d.md --
# D (no date)

Text D.
-- posts/bad.md --
---
title: Bad
`

// changesView is Changes without its errors, for comparison.
type changesView struct{ Added, Changed, Removed []string }

func viewChanges(c content.Changes) changesView {
	return changesView{c.Added, c.Changed, c.Removed}
}

func (v changesView) equal(w changesView) bool {
	return slices.Equal(v.Added, w.Added) && slices.Equal(v.Changed, w.Changed) && slices.Equal(v.Removed, w.Removed)
}

// newIndex returns an index over the index tree, rescanned once.
func newIndex(t *testing.T) (*content.Index, fstest.MapFS) {
	t.Helper()
	fsys := treeFS(t, indexTree, mtime)
	opts := testOptions()
	opts.Ignore = []string{"archive"}
	x := content.NewIndex(fsys, opts)
	c, err := x.Rescan(t.Context())
	if err != nil {
		t.Fatalf("Rescan() error: %v", err)
	}
	want := changesView{Added: []string{"news/a.md", "news/b.txt", "news/deep/c.md", "posts/d.md"}}
	if got := viewChanges(c); !got.equal(want) {
		t.Fatalf("Rescan() = %+v, want %+v", got, want)
	}
	if len(c.Errors) != 1 || !errors.Is(c.Errors[0], content.ErrUnclosedFrontMatter) {
		t.Fatalf("Rescan() errors = %v, want posts/bad.md unclosed", c.Errors)
	}
	return x, fsys
}

func article(x *content.Index, p string) *content.Article {
	for _, a := range x.Articles() {
		if a.Path == p {
			return a
		}
	}
	return nil
}

func TestIndexUpdate(t *testing.T) {
	later := mtime.Add(time.Hour)
	tests := []struct {
		name   string
		edit   func(fsys fstest.MapFS)
		paths  []string
		want   changesView
		errs   int      // errors in the Changes
		titles []string // Articles() titles afterwards
	}{
		{
			name:   "nothing changed",
			edit:   func(fstest.MapFS) {},
			paths:  []string{"news/a.md", "news/b.txt"},
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "changed file",
			edit: func(fsys fstest.MapFS) {
				fsys["news/a.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A2\ndate: 2024-05-01\n---\nText A.\n"), ModTime: later}
			},
			paths:  []string{"news/a.md"},
			want:   changesView{Changed: []string{"news/a.md"}},
			titles: []string{"A2", "B", "C", "D (no date)"},
		},
		{
			name: "touched file with a date in it",
			edit: func(fsys fstest.MapFS) {
				f := *fsys["news/a.md"]
				f.ModTime = later
				fsys["news/a.md"] = &f
			},
			paths:  []string{"news/a.md"},
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "touched file dated by its modification time",
			edit: func(fsys fstest.MapFS) {
				f := *fsys["posts/d.md"]
				f.ModTime = later
				fsys["posts/d.md"] = &f
			},
			paths:  []string{"posts/d.md"},
			want:   changesView{Changed: []string{"posts/d.md"}},
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "new file",
			edit: func(fsys fstest.MapFS) {
				fsys["news/e.md"] = &fstest.MapFile{Data: []byte("# E\n"), ModTime: later}
			},
			paths:  []string{"news/e.md"},
			want:   changesView{Added: []string{"news/e.md"}},
			titles: []string{"A", "B", "C", "E", "D (no date)"},
		},
		{
			name:   "removed file",
			edit:   func(fsys fstest.MapFS) { delete(fsys, "news/b.txt") },
			paths:  []string{"news/b.txt"},
			want:   changesView{Removed: []string{"news/b.txt"}},
			titles: []string{"A", "C", "D (no date)"},
		},
		{
			name: "removed folder",
			edit: func(fsys fstest.MapFS) {
				delete(fsys, "news/a.md")
				delete(fsys, "news/b.txt")
				delete(fsys, "news/deep/c.md")
			},
			paths:  []string{"news"},
			want:   changesView{Removed: []string{"news/a.md", "news/b.txt", "news/deep/c.md"}},
			titles: []string{"D (no date)"},
		},
		{
			name: "folder given: its subtree rescanned",
			edit: func(fsys fstest.MapFS) {
				delete(fsys, "news/deep/c.md")
				fsys["news/deep/f.md"] = &fstest.MapFile{Data: []byte("# F\n"), ModTime: later}
			},
			paths:  []string{"news/deep"},
			want:   changesView{Added: []string{"news/deep/f.md"}, Removed: []string{"news/deep/c.md"}},
			titles: []string{"A", "B", "F", "D (no date)"},
		},
		{
			name: "root given: everything rescanned",
			edit: func(fsys fstest.MapFS) {
				delete(fsys, "posts/d.md")
				fsys["g.md"] = &fstest.MapFile{Data: []byte("# G\n"), ModTime: later}
			},
			paths:  []string{"."},
			want:   changesView{Added: []string{"g.md"}, Removed: []string{"posts/d.md"}},
			errs:   1, // posts/bad.md, still bad
			titles: []string{"G", "A", "B", "C"},
		},
		{
			name: "file turned bad keeps its last good version",
			edit: func(fsys fstest.MapFS) {
				fsys["news/a.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A\ndate: 2024-02-30\n---\n"), ModTime: later}
			},
			paths:  []string{"news/a.md"},
			errs:   1,
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "ignored and invalid paths",
			edit: func(fsys fstest.MapFS) {
				fsys["news/.x.md"] = &fstest.MapFile{Data: []byte("# X\n"), ModTime: later}
				fsys["news/x.png"] = &fstest.MapFile{Data: []byte("PNG"), ModTime: later}
				fsys["_drafts/y.md"] = &fstest.MapFile{Data: []byte("# Y\n"), ModTime: later}
			},
			paths:  []string{"news/.x.md", "news/x.png", "_drafts/y.md", "_drafts", "/abs.md", "../up.md"},
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "file under an ignored folder",
			edit: func(fsys fstest.MapFS) {
				fsys["archive/old.md"] = &fstest.MapFile{Data: []byte("# Old\n"), ModTime: later}
			},
			paths:  []string{"archive/old.md", "archive"},
			titles: []string{"A", "B", "C", "D (no date)"},
		},
		{
			name: "file replaced by a folder",
			edit: func(fsys fstest.MapFS) {
				delete(fsys, "posts/d.md")
				fsys["posts/d.md/inner.md"] = &fstest.MapFile{Data: []byte("# Inner\n"), ModTime: later}
			},
			paths:  []string{"posts/d.md"},
			want:   changesView{Added: []string{"posts/d.md/inner.md"}, Removed: []string{"posts/d.md"}},
			titles: []string{"A", "B", "C", "Inner"},
		},
		{
			name: "folder replaced by a file",
			edit: func(fsys fstest.MapFS) {
				delete(fsys, "news/deep/c.md")
				fsys["news/deep"] = &fstest.MapFile{Data: []byte("# not an article name\n"), ModTime: later}
			},
			paths:  []string{"news/deep"},
			want:   changesView{Removed: []string{"news/deep/c.md"}},
			titles: []string{"A", "B", "D (no date)"},
		},
		{
			name: "same path twice",
			edit: func(fsys fstest.MapFS) {
				fsys["news/e.md"] = &fstest.MapFile{Data: []byte("# E\n"), ModTime: later}
			},
			paths:  []string{"news/e.md", "news/e.md", "./news/e.md"},
			want:   changesView{Added: []string{"news/e.md"}},
			titles: []string{"A", "B", "C", "E", "D (no date)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, fsys := newIndex(t)
			tc.edit(fsys)
			c := x.Update(t.Context(), tc.paths)
			if got := viewChanges(c); !got.equal(tc.want) {
				t.Errorf("Update(%q) = %+v, want %+v", tc.paths, got, tc.want)
			}
			if len(c.Errors) != tc.errs {
				t.Errorf("Update(%q) errors = %v, want %d", tc.paths, c.Errors, tc.errs)
			}
			var titles []string
			for _, a := range x.Articles() {
				titles = append(titles, a.Title)
			}
			if !slices.Equal(titles, tc.titles) {
				t.Errorf("after Update(%q) Articles() titles = %q, want %q", tc.paths, titles, tc.titles)
			}
			if c.Empty() != (c.Len() == 0) {
				t.Errorf("Changes %+v: Empty() = %v, Len() = %d", c, c.Empty(), c.Len())
			}
			// Whatever Update did, a full rescan of the same tree agrees.
			opts := testOptions()
			opts.Ignore = []string{"archive"}
			fresh := content.NewIndex(fsys, opts)
			if _, err := fresh.Rescan(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got, want := articlePaths(x.Articles()), articlePaths(fresh.Articles()); !slices.Equal(got, want) && len(c.Errors) == 0 {
				t.Errorf("after Update(%q) Articles() = %q, want what a rescan finds: %q", tc.paths, got, want)
			}
		})
	}
}

func TestIndexBadThenGood(t *testing.T) {
	x, fsys := newIndex(t)
	good := article(x, "news/a.md")
	t1, t2 := mtime.Add(time.Minute), mtime.Add(2*time.Minute)

	// Turned bad: the last good version stays, the error is current.
	fsys["news/a.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A\ntags: {a: 1}\n---\n"), ModTime: t1}
	c := x.Update(t.Context(), []string{"news/a.md"})
	if !c.Empty() || len(c.Errors) != 1 {
		t.Fatalf("Update(bad) = %+v, want no article change and one error", c)
	}
	if pe, ok := errors.AsType[*content.ParseError](c.Errors[0]); !ok || pe.Path != "news/a.md" || pe.Line != 3 {
		t.Errorf("Update(bad) error = %v, want a *ParseError at news/a.md:3", c.Errors[0])
	}
	if article(x, "news/a.md") != good {
		t.Errorf("after Update(bad) Articles() lost the last good news/a.md")
	}
	if errs := x.Errors(); len(errs) != 2 { // posts/bad.md and news/a.md
		t.Errorf("after Update(bad) Errors() = %v, want 2", errs)
	}
	// Still bad on a rescan: reported again, nothing changes.
	c, err := x.Rescan(t.Context())
	if err != nil || !c.Empty() || len(c.Errors) != 2 {
		t.Errorf("Rescan(still bad) = %+v, %v, want no change and 2 errors", c, err)
	}

	// Back to the very same bytes: the error clears and nothing changed.
	fsys["news/a.md"] = &fstest.MapFile{Data: []byte("---\ntitle: A\ndate: 2024-05-01\n---\nText A.\n"), ModTime: t2}
	c = x.Update(t.Context(), []string{"news/a.md"})
	if !c.Empty() || len(c.Errors) != 0 {
		t.Errorf("Update(good again) = %+v, want no change and no error", c)
	}
	if errs := x.Errors(); len(errs) != 1 {
		t.Errorf("after Update(good again) Errors() = %v, want only posts/bad.md", errs)
	}

	// Fixed into something new: Changed.
	fsys["posts/bad.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Fixed\n---\n"), ModTime: t2}
	c = x.Update(t.Context(), []string{"posts/bad.md"})
	if got, want := viewChanges(c), (changesView{Added: []string{"posts/bad.md"}}); !got.equal(want) {
		t.Errorf("Update(fixed) = %+v, want %+v", got, want)
	}
	if errs := x.Errors(); len(errs) != 0 {
		t.Errorf("after Update(fixed) Errors() = %v, want none", errs)
	}
	if x.Len() != 5 {
		t.Errorf("Len() = %d, want 5", x.Len())
	}
}

// swapFS is a file system whose tree a test replaces, as a content folder
// made anew (and opened again by its Folder) is to the index.
type swapFS struct{ cur fs.FS }

func (s *swapFS) Open(name string) (fs.File, error)          { return s.cur.Open(name) }
func (s *swapFS) Stat(name string) (fs.FileInfo, error)      { return fs.Stat(s.cur, name) }
func (s *swapFS) Lstat(name string) (fs.FileInfo, error)     { return fs.Lstat(s.cur, name) }
func (s *swapFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(s.cur, name) }

// newSwapIndex is newIndex over a swapFS.
func newSwapIndex(t *testing.T) (*content.Index, *swapFS, fstest.MapFS) {
	t.Helper()
	fsys := treeFS(t, indexTree, mtime)
	sw := &swapFS{cur: fsys}
	opts := testOptions()
	opts.Ignore = []string{"archive"}
	x := content.NewIndex(sw, opts)
	if _, err := x.Rescan(t.Context()); err != nil {
		t.Fatalf("Rescan() error: %v", err)
	}
	return x, sw, fsys
}

// TestIndexTreeReplaced: the same files in a tree made anew change nothing
// (the articles are the same values); a file that differs there changes.
func TestIndexTreeReplaced(t *testing.T) {
	x, sw, fsys := newSwapIndex(t)
	before := x.Articles()

	copyFS := fstest.MapFS{}
	for p, f := range fsys {
		g := *f
		copyFS[p] = &g
	}
	sw.cur = copyFS
	c, err := x.Rescan(t.Context())
	if err != nil || !c.Empty() {
		t.Errorf("Rescan(tree made anew, same files) = %+v, %v, want no change", c, err)
	}
	after := x.Articles()
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("after the tree was made anew Articles()[%d] = %p, want the same article %p", i, after[i], before[i])
		}
	}

	// A file differs in the new tree.
	copyFS["news/b.txt"] = &fstest.MapFile{Data: []byte("B2\nDate: 2024-05-02\n\nText B.\n"), ModTime: mtime.Add(time.Hour)}
	c, err = x.Rescan(t.Context())
	if got, want := viewChanges(c), (changesView{Changed: []string{"news/b.txt"}}); err != nil || !got.equal(want) {
		t.Errorf("Rescan(tree made anew, one file differs) = %+v, %v, want %+v", got, err, want)
	}
}

func TestIndexRescanCancelled(t *testing.T) {
	x, fsys := newIndex(t)
	before := articlePaths(x.Articles())
	delete(fsys, "news/a.md")
	fsys["news/new.md"] = &fstest.MapFile{Data: []byte("# New\n"), ModTime: mtime}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	c, err := x.Rescan(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Rescan(cancelled) = %+v, %v, want %v", c, err, context.Canceled)
	}
	if got := articlePaths(x.Articles()); !slices.Equal(got, before) {
		t.Errorf("after Rescan(cancelled) Articles() = %q, want the index unchanged: %q", got, before)
	}
	// A later rescan catches up.
	c, err = x.Rescan(t.Context())
	want := changesView{Added: []string{"news/new.md"}, Removed: []string{"news/a.md"}}
	if got := viewChanges(c); err != nil || !got.equal(want) {
		t.Errorf("Rescan() = %+v, %v, want %+v", got, err, want)
	}
}

func TestIndexRescanRootGone(t *testing.T) {
	x, sw, _ := newSwapIndex(t)
	before := articlePaths(x.Articles())
	sub, err := fs.Sub(fstest.MapFS{"other/a.md": {Data: []byte("# A\n")}}, "gone")
	if err != nil {
		t.Fatal(err)
	}
	sw.cur = sub
	if _, err := x.Rescan(t.Context()); err == nil {
		t.Errorf("Rescan(root gone) error = nil, want one")
	}
	if got := articlePaths(x.Articles()); !slices.Equal(got, before) {
		t.Errorf("after Rescan(root gone) Articles() = %q, want the index unchanged: %q", got, before)
	}
}

// TestIndexOnRead: an update tells how many files it will read, then each
// one read; files whose stat tuple is known are not read again, except
// those that failed.
func TestIndexOnRead(t *testing.T) {
	fsys := treeFS(t, indexTree, mtime)
	x := content.NewIndex(fsys, testOptions())
	var mu sync.Mutex
	var total, calls, last int
	x.OnRead(func(done, n int) {
		mu.Lock()
		defer mu.Unlock()
		if done == 0 {
			total = n
			return
		}
		calls++
		last = max(last, done)
		if n != total {
			t.Errorf("OnRead(%d, %d) after a total of %d", done, n, total)
		}
	})
	if _, err := x.Rescan(t.Context()); err != nil {
		t.Fatal(err)
	}
	files := 0
	for p := range fsys {
		if content.FormatOf(p) != 0 && !content.Ignored(p, false, nil) {
			files++
		}
	}
	if total != files || calls != files || last != files {
		t.Errorf("first scan: total %d, %d calls, last done %d; want %d each", total, calls, last, files)
	}
	total, calls = 0, 0
	if _, err := x.Rescan(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := x.ErrorCount(); n == 0 || total != n || calls != n {
		t.Errorf("a rescan of unchanged files: total %d, %d calls; want %d each (the files that fail)", total, calls, n)
	}
}
