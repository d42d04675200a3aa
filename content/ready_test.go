package content_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// fakeClock is a settable clock for Readiness.Now.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock                   { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func readyIndex(fsys fs.FS, c *fakeClock) *content.Index {
	x := content.NewIndex(fsys, testOptions())
	x.SetReadiness(&content.Readiness{MaxDefer: 10 * time.Second, Now: c.now})
	return x
}

const (
	readyA1 = "---\ntitle: A\nid: a\ndate: 2024-05-01T10:00:00Z\n---\nOld.\n"
	readyA2 = "---\ntitle: A\nid: a\ndate: 2024-05-01T10:00:00Z\n---\nNew.\n"
)

// bodyOf returns the Markdown source of the article at p, or "" when the
// index has none.
func bodyOf(x *content.Index, p string) string {
	if a := article(x, p); a != nil {
		return a.Hash
	}
	return ""
}

// TestReadinessDefers covers the checks that need no lease: an empty file,
// unclosed front matter, and giving up after MaxDefer.
func TestReadinessDefers(t *testing.T) {
	mt := mtime
	fsys := fstest.MapFS{"a.md": {Data: []byte(readyA1), ModTime: mt}}
	clock := newClock()
	x := readyIndex(fsys, clock)
	if c, err := x.Rescan(t.Context()); err != nil || !slices.Equal(c.Added, []string{"a.md"}) {
		t.Fatalf("Rescan() = %+v, %v; want a.md added", c, err)
	}
	old := bodyOf(x, "a.md")

	cases := []struct {
		name, data string
	}{
		{"truncated to nothing", ""},
		{"only white space", " \n\n"},
		{"front matter not closed yet", "---\ntitle: A\nid: a\n"},
		{"front matter not closed yet, CRLF and BOM", "\uFEFF---\r\ntitle: A\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mt = mt.Add(time.Second)
			fsys["a.md"] = &fstest.MapFile{Data: []byte(tc.data), ModTime: mt}
			c := x.Update(t.Context(), []string{"a.md"})
			if !slices.Equal(c.Deferred, []string{"a.md"}) || !c.Empty() || len(c.Errors) != 0 {
				t.Fatalf("Update(a.md %q) = %+v, want a.md deferred and nothing else", tc.data, c)
			}
			if got := bodyOf(x, "a.md"); got != old {
				t.Fatalf("a.md lost its previous version while deferred")
			}
			if got := x.Deferred(); !slices.Equal(got, []string{"a.md"}) {
				t.Fatalf("Deferred() = %v, want [a.md]", got)
			}
		})
	}

	// The writer finishes: the next update publishes it and forgets the deferral.
	mt = mt.Add(time.Second)
	fsys["a.md"] = &fstest.MapFile{Data: []byte(readyA2), ModTime: mt}
	c := x.Update(t.Context(), x.Deferred())
	if !slices.Equal(c.Changed, []string{"a.md"}) || len(c.Deferred) != 0 || len(c.Overdue) != 0 {
		t.Fatalf("Update(finished a.md) = %+v, want a.md changed", c)
	}
	if got := x.Deferred(); got != nil {
		t.Fatalf("Deferred() = %v after the file was read, want none", got)
	}
}

// TestReadinessOverdue: after MaxDefer a file is read as it is, with a
// warning; an empty one is skipped and keeps the previous version.
func TestReadinessOverdue(t *testing.T) {
	fsys := fstest.MapFS{"a.md": {Data: []byte(readyA1), ModTime: mtime}}
	clock := newClock()
	x := readyIndex(fsys, clock)
	if _, err := x.Rescan(t.Context()); err != nil {
		t.Fatal(err)
	}
	old := bodyOf(x, "a.md")

	fsys["a.md"] = &fstest.MapFile{Data: nil, ModTime: mtime.Add(time.Second)}
	fsys["half.md"] = &fstest.MapFile{Data: []byte("---\ntitle: Half\n"), ModTime: mtime}
	paths := []string{"a.md", "half.md"}
	for range 3 {
		c := x.Update(t.Context(), paths)
		if !slices.Equal(c.Deferred, paths) || len(c.Overdue) != 0 {
			t.Fatalf("Update() before MaxDefer = %+v, want both deferred", c)
		}
		clock.advance(3 * time.Second)
	}
	clock.advance(time.Second) // 12s since the first deferral
	c := x.Update(t.Context(), paths)
	if !slices.Equal(c.Overdue, paths) || len(c.Deferred) != 0 {
		t.Fatalf("Update() after MaxDefer = %+v, want both overdue", c)
	}
	if len(c.Errors) != 2 || !errors.Is(c.Errors[0], content.ErrEmpty) && !errors.Is(c.Errors[1], content.ErrEmpty) {
		t.Fatalf("Update() after MaxDefer errors = %v, want the empty file and the unclosed front matter", c.Errors)
	}
	if got := bodyOf(x, "a.md"); got != old {
		t.Fatalf("the empty a.md replaced its previous version")
	}
	if article(x, "half.md") != nil {
		t.Fatalf("half.md with unclosed front matter was published")
	}
	if got := x.Deferred(); got != nil {
		t.Fatalf("Deferred() = %v after giving up, want none", got)
	}
}

// TestReadinessForgets: a deferred file that is removed, or whose folder is,
// or that goes back to what was published, is no longer waited for.
func TestReadinessForgets(t *testing.T) {
	fsys := fstest.MapFS{
		"a.md":       {Data: []byte(readyA1), ModTime: mtime},
		"dir/new.md": {Data: nil, ModTime: mtime},
		"gone.md":    {Data: nil, ModTime: mtime},
	}
	x := readyIndex(fsys, newClock())
	c, err := x.Rescan(t.Context())
	if err != nil || !slices.Equal(c.Deferred, []string{"dir/new.md", "gone.md"}) {
		t.Fatalf("Rescan() = %+v, %v; want the two empty files deferred", c, err)
	}
	fsys["a.md"] = &fstest.MapFile{Data: nil, ModTime: mtime.Add(time.Second)}
	if c := x.Update(t.Context(), []string{"a.md"}); !slices.Equal(c.Deferred, []string{"a.md"}) {
		t.Fatalf("Update(emptied a.md) = %+v, want it deferred", c)
	}
	// a.md is written back exactly as it was (same bytes and stat).
	fsys["a.md"] = &fstest.MapFile{Data: []byte(readyA1), ModTime: mtime}
	delete(fsys, "gone.md")
	delete(fsys, "dir/new.md")
	c = x.Update(t.Context(), []string{"a.md", "dir", "gone.md"})
	if !c.Empty() || len(c.Deferred) != 0 || len(c.Errors) != 0 {
		t.Fatalf("Update() = %+v, want no change", c)
	}
	if got := x.Deferred(); got != nil {
		t.Fatalf("Deferred() = %v, want none", got)
	}
}

// statLiar reports a file one byte larger than it is, as a stat taken just
// before a writer appended would.
type statLiar struct{ fstest.MapFS }

func (s statLiar) Stat(name string) (fs.FileInfo, error) {
	fi, err := s.MapFS.Stat(name)
	if err != nil {
		return nil, err
	}
	return biggerInfo{fi}, nil
}

type biggerInfo struct{ fs.FileInfo }

func (b biggerInfo) Size() int64 { return b.FileInfo.Size() + 1 }

// TestReadinessChangedWhileRead: a stat that does not match what was read
// (fewer bytes than the size, a different size after the read) defers.
func TestReadinessChangedWhileRead(t *testing.T) {
	fsys := statLiar{fstest.MapFS{"a.md": {Data: []byte(readyA1), ModTime: mtime}}}
	x := readyIndex(fsys, newClock())
	c := x.Update(t.Context(), []string{"a.md"})
	if !slices.Equal(c.Deferred, []string{"a.md"}) || !c.Empty() {
		t.Fatalf("Update(a.md) = %+v; want a.md deferred", c)
	}
	// Without readiness the same file is read as it is.
	y := content.NewIndex(fsys, testOptions())
	if c := y.Update(t.Context(), []string{"a.md"}); !slices.Equal(c.Added, []string{"a.md"}) {
		t.Fatalf("Update(a.md) without readiness = %+v; want a.md added", c)
	}
}

// countingFS records the files opened and the folders listed; stats pass
// through uncounted.
type countingFS struct {
	fstest.MapFS
	mu     sync.Mutex
	opened []string
}

func (c *countingFS) record(what string) {
	c.mu.Lock()
	c.opened = append(c.opened, what)
	c.mu.Unlock()
}

func (c *countingFS) Open(name string) (fs.File, error) {
	if fi, err := c.MapFS.Stat(name); err == nil && fi.IsDir() {
		c.record("list " + name)
	} else {
		c.record(name)
	}
	return c.MapFS.Open(name)
}

func (c *countingFS) ReadDir(name string) ([]fs.DirEntry, error) {
	c.record("list " + name)
	return c.MapFS.ReadDir(name)
}

// TestUpdateReadsOnlyWhatChanged: one changed file in a big folder costs one
// read, with and without readiness; nothing else in the folder is opened or
// listed.
func TestUpdateReadsOnlyWhatChanged(t *testing.T) {
	for _, ready := range []bool{false, true} {
		mfs := fstest.MapFS{}
		for i := range 500 {
			mfs[filepath.Join("d", string(rune('a'+i%26)), "f"+string(rune('a'+i/26))+".md")] = &fstest.MapFile{Data: []byte(readyA1), ModTime: mtime}
		}
		cfs := &countingFS{MapFS: mfs}
		x := content.NewIndex(cfs, testOptions())
		if ready {
			x.SetReadiness(&content.Readiness{})
		}
		if _, err := x.Rescan(t.Context()); err != nil {
			t.Fatal(err)
		}
		cfs.opened = nil
		mfs["d/c/fb.md"] = &fstest.MapFile{Data: []byte(readyA2), ModTime: mtime.Add(time.Second)}
		mfs["new.md"] = &fstest.MapFile{Data: []byte(readyA2), ModTime: mtime}
		c := x.Update(t.Context(), []string{"d/c/fb.md", "new.md"})
		if !slices.Equal(c.Changed, []string{"d/c/fb.md"}) || !slices.Equal(c.Added, []string{"new.md"}) {
			t.Fatalf("ready=%v: Update() = %+v, want one changed and one added", ready, c)
		}
		slices.Sort(cfs.opened)
		if want := []string{"d/c/fb.md", "new.md"}; !slices.Equal(cfs.opened, want) {
			t.Fatalf("ready=%v: Update() opened %v, want only %v", ready, cfs.opened, want)
		}
	}
}

// TestReadinessDisk runs the checks on real files through os.Root, as the
// daemon does.
func TestReadinessDisk(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.md")
	if err := os.WriteFile(p, []byte(readyA1), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	x := readyIndex(root.FS(), newClock())
	if c, err := x.Rescan(t.Context()); err != nil || !slices.Equal(c.Added, []string{"a.md"}) {
		t.Fatalf("Rescan() = %+v, %v; want a.md added", c, err)
	}
	// Truncate-then-write, caught in the middle.
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if c := x.Update(t.Context(), []string{"a.md"}); !slices.Equal(c.Deferred, []string{"a.md"}) {
		t.Fatalf("Update(empty a.md) = %+v, want it deferred", c)
	}
	if err := os.WriteFile(p, []byte(readyA2), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := x.Update(t.Context(), x.Deferred()); !slices.Equal(c.Changed, []string{"a.md"}) {
		t.Fatalf("Update(rewritten a.md) = %+v, want it changed", c)
	}
}
