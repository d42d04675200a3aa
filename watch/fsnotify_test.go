package watch

// Tests against the real fsnotify and the real file system. They never
// sleep to assert: they wait for what must happen, with a generous
// deadline, and check what must not happen once a later "sentinel" file
// was reported (Run handles events in order).

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const deadline = 15 * time.Second

// collector runs a Watcher on the real file system and records its batches.
type collector struct {
	t       *testing.T
	root    string
	outside string // a directory next to root, on the same file system

	w       *Watcher
	mu      sync.Mutex
	batches []Batch
	watcher fsnotifySource // the production source Run created
}

// startReal creates a root with the setup files under a new temporary
// directory, starts Run on it and waits for the startup Rescan.
func startReal(t *testing.T, cfg Config, setup ...string) *collector {
	t.Helper()
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "content")
	mkfiles(t, root, "/")
	mkfiles(t, root, setup...)
	return startRealAt(t, base, root, cfg)
}

// startRealAt starts Run on root, which need not exist, with base/outside
// as the outside directory. If root exists, it waits for the startup
// Rescan.
func startRealAt(t *testing.T, base, root string, cfg Config) *collector {
	t.Helper()
	c := &collector{t: t, root: root, outside: filepath.Join(base, "outside")}
	if err := os.MkdirAll(c.outside, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg.Root = c.root
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	c.w = w
	w.newSource = func() (source, error) {
		s, err := newFSNotifySource()
		if err == nil {
			c.mu.Lock()
			c.watcher = s.(fsnotifySource)
			c.mu.Unlock()
		}
		return s, err
	}
	ctx, cancel := context.WithCancel(t.Context())
	out := make(chan Batch)
	runDone, collectDone := make(chan error, 1), make(chan struct{})
	go func() { runDone <- w.Run(ctx, out) }()
	go func() {
		defer close(collectDone)
		for {
			select {
			case b := <-out:
				c.mu.Lock()
				c.batches = append(c.batches, b)
				c.mu.Unlock()
			case <-ctx.Done():
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-runDone:
			if err != nil {
				t.Errorf("Run() = %v, want nil", err)
			}
		case <-time.After(deadline):
			t.Errorf("Run did not return %v after its context was canceled", deadline)
		}
		<-collectDone
	})
	if _, err := os.Stat(c.root); err == nil {
		c.waitFor("the startup Rescan", func() bool { return c.rescans(0) > 0 })
	}
	return c
}

// mark returns a position in the batch history, for since queries.
func (c *collector) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.batches)
}

// rescans counts the Rescan batches since mark.
func (c *collector) rescans(since int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, b := range c.batches[since:] {
		if b.Rescan {
			n++
		}
	}
	return n
}

// paths returns every path reported since mark.
func (c *collector) paths(since int) map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]bool)
	for _, b := range c.batches[since:] {
		for _, p := range b.Paths {
			m[p] = true
		}
	}
	return m
}

// waitFor polls cond until it holds, or fails the test at the deadline.
func (c *collector) waitFor(what string, cond func() bool) {
	c.t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.t.Fatalf("no %s within %v; batches: %v", what, deadline, c.batches)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitPaths waits until every path in want was reported since mark.
func (c *collector) waitPaths(since int, want ...string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("report of %v", want), func() bool {
		got := c.paths(since)
		for _, p := range want {
			if !got[p] {
				return false
			}
		}
		return true
	})
}

// sentinel writes a file in the root and waits for it, so that every event
// caused before it has been handled.
func (c *collector) sentinel(since int) {
	c.t.Helper()
	name := fmt.Sprintf("zz-sentinel-%d.md", time.Now().UnixNano())
	mkfiles(c.t, c.root, name)
	c.waitPaths(since, name)
}

// checkNever fails if a path equal to or under any of never was reported
// since mark.
func (c *collector) checkNever(since int, never ...string) {
	c.t.Helper()
	for p := range c.paths(since) {
		for _, n := range never {
			if p == n || strings.HasPrefix(p, n+"/") {
				c.t.Errorf("path %q was reported, want nothing at or under %q", p, n)
			}
		}
	}
}

func (c *collector) watchList() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.watcher.w.WatchList()
	slices.Sort(l)
	return l
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestRealEvents(t *testing.T) {
	manyDirs := func(c *collector) {
		for i := range 150 {
			mkfiles(c.t, c.root, fmt.Sprintf("r%03d/b/c.md", i))
		}
	}
	var manyFiles []string
	for i := range 150 {
		manyFiles = append(manyFiles, fmt.Sprintf("r%03d/b/c.md", i))
	}
	var treeFiles []string
	for d := range 10 {
		for f := range 5 {
			treeFiles = append(treeFiles, fmt.Sprintf("t/d%d/f%d.md", d, f), fmt.Sprintf("t/d%d/e/g%d.md", d, f))
		}
	}
	tests := []struct {
		name   string
		setup  []string
		action func(c *collector)
		want   []string
		never  []string
	}{
		{
			name:   "create a file",
			action: func(c *collector) { mkfiles(c.t, c.root, "a.md") },
			want:   []string{"a.md"},
		},
		{
			name:  "write a file",
			setup: []string{"a.md"},
			action: func(c *collector) {
				f, err := os.OpenFile(filepath.Join(c.root, "a.md"), os.O_APPEND|os.O_WRONLY, 0)
				must(c.t, err)
				_, err = f.WriteString("more\n")
				must(c.t, err)
				must(c.t, f.Close())
			},
			want: []string{"a.md"},
		},
		{
			name:  "rename a file",
			setup: []string{"r1.md"},
			action: func(c *collector) {
				must(c.t, os.Rename(filepath.Join(c.root, "r1.md"), filepath.Join(c.root, "r2.md")))
			},
			want: []string{"r1.md", "r2.md"},
		},
		{
			name:   "remove a file",
			setup:  []string{"a.md"},
			action: func(c *collector) { must(c.t, os.Remove(filepath.Join(c.root, "a.md"))) },
			want:   []string{"a.md"},
		},
		{
			name:   "chmod a file",
			setup:  []string{"a.md"},
			action: func(c *collector) { must(c.t, os.Chmod(filepath.Join(c.root, "a.md"), 0o600)) },
			want:   []string{"a.md"},
		},
		{
			name:  "atomic save through a hidden temp file",
			setup: []string{"a.md"},
			action: func(c *collector) {
				mkfiles(c.t, c.root, ".a.md.tmp")
				must(c.t, os.Rename(filepath.Join(c.root, ".a.md.tmp"), filepath.Join(c.root, "a.md")))
			},
			want:  []string{"a.md"},
			never: []string{".a.md.tmp"},
		},
		{
			name:   "mkdir -p and write at once",
			action: manyDirs,
			want:   manyFiles,
		},
		{
			name:   "deep mkdir -p",
			action: func(c *collector) { mkfiles(c.t, c.root, "a/b/c/d/deep.md") },
			want:   []string{"a/b/c/d/deep.md"},
		},
		{
			name: "move a tree in from outside",
			action: func(c *collector) {
				mkfiles(c.t, c.outside, treeFiles...)
				must(c.t, os.Rename(filepath.Join(c.outside, "t"), filepath.Join(c.root, "t")))
			},
			want: treeFiles,
		},
		{
			name:  "ignored and hidden names",
			setup: []string{".git/HEAD", "node_modules/m/", "a.md"},
			action: func(c *collector) {
				mkfiles(c.t, c.root, ".git/index", ".git/objects/ab/cd", ".hidden.md", "sub/.cache/x.md",
					"node_modules/m/x.md", "node_modules/y.md", "a.md~", "4913", "#a.md#", "x.tmp", "b.md")
			},
			want:  []string{"b.md", "sub"},
			never: []string{".git", ".hidden.md", "sub/.cache", "node_modules", "a.md~", "4913", "#a.md#", "x.tmp"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startReal(t, Config{Rescan: -1, Ignore: func(rel string, isDir bool) bool {
				return rel == "node_modules" || strings.HasSuffix(rel, ".tmp")
			}}, tc.setup...)
			since := c.mark()
			tc.action(c)
			c.waitPaths(since, tc.want...)
			c.sentinel(since)
			c.checkNever(since, tc.never...)
			if n := c.rescans(since); n > 0 {
				t.Errorf("%d unexpected Rescan batches", n)
			}
			for _, p := range c.watchList() {
				if strings.Contains(p, "/.") || strings.Contains(p, "node_modules") {
					t.Errorf("watch on %s, want none on hidden or ignored directories", p)
				}
			}
		})
	}
}

// TestRealMoveOut replays T40 and E10 (docs/watching.md): a tree moved out of
// the root and written to there produces no report.
func TestRealMoveOut(t *testing.T) {
	t.Parallel()
	c := startReal(t, Config{Rescan: -1}, "sub/s1.md", "sub/deeper/d1.md", "keep.md")
	since := c.mark()
	must(t, os.Rename(filepath.Join(c.root, "sub"), filepath.Join(c.outside, "sub")))
	c.waitPaths(since, "sub")
	after := c.mark()
	mkfiles(t, c.outside, "sub/deeper/d1.md", "sub/new.md", "sub/deeper/new/x.md")
	c.sentinel(after)
	c.checkNever(after, "sub")
	for _, p := range c.watchList() {
		if strings.HasPrefix(p, c.outside) || strings.Contains(p, "/sub") {
			t.Errorf("watch on %s after the move, want none", p)
		}
	}
}

// TestRealRenameDirectory replays E11 (docs/watching.md): after mv old new, the
// new tree is watched and nothing is reported under the old name.
func TestRealRenameDirectory(t *testing.T) {
	t.Parallel()
	c := startReal(t, Config{Rescan: -1}, "old/o1.md", "old/sub/o2.md")
	since := c.mark()
	must(t, os.Rename(filepath.Join(c.root, "old"), filepath.Join(c.root, "new")))
	c.waitPaths(since, "old", "new", "new/o1.md", "new/sub/o2.md")
	after := c.mark()
	mkfiles(t, c.root, "new/sub/o2.md", "new/n.md", "new/sub/n2.md")
	c.waitPaths(after, "new/n.md", "new/sub/n2.md", "new/sub/o2.md")
	c.sentinel(after)
	c.checkNever(after, "old")
}

// TestRealDeleteAndRecreateDirectory replays T41 (docs/watching.md): a folder
// deleted and created again with the same name is watched again.
func TestRealDeleteAndRecreateDirectory(t *testing.T) {
	t.Parallel()
	c := startReal(t, Config{Rescan: -1}, "sub/s1.md", "sub/deeper/d1.md")
	since := c.mark()
	must(t, os.RemoveAll(filepath.Join(c.root, "sub")))
	mkfiles(t, c.root, "sub/new.md")
	c.waitPaths(since, "sub", "sub/new.md")
	after := c.mark()
	mkfiles(t, c.root, "sub/later/l.md")
	c.waitPaths(after, "sub/later/l.md")
}

// TestRealRoot covers the root going away and coming back (T44, E16 and E17
// in docs/watching.md).
func TestRealRoot(t *testing.T) {
	tests := []struct {
		name string
		lose func(c *collector)
	}{
		{"rm -rf and mkdir", func(c *collector) { must(c.t, os.RemoveAll(c.root)) }},
		{"renamed away and mkdir", func(c *collector) { must(c.t, os.Rename(c.root, filepath.Join(c.outside, "old-root"))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startReal(t, Config{Rescan: -1}, "a.md", "sub/s.md")
			since := c.mark()
			tc.lose(c)
			mkfiles(t, c.root, "new.md")
			c.waitFor("a Rescan after the root came back", func() bool { return c.rescans(since) > 0 })
			after := c.mark()
			mkfiles(t, c.root, "b.md", "sub2/c.md")
			if _, err := os.Stat(filepath.Join(c.outside, "old-root")); err == nil {
				mkfiles(t, c.outside, "old-root/a.md", "old-root/sub/s.md", "old-root/stale.md")
			}
			c.waitPaths(after, "b.md", "sub2/c.md")
			c.sentinel(after)
			c.checkNever(after, "a.md", "sub", "stale.md")
		})
	}
}

func TestRealRootMissingAtStart(t *testing.T) {
	t.Parallel()
	base, err := filepath.EvalSymlinks(t.TempDir())
	must(t, err)
	c := startRealAt(t, base, filepath.Join(base, "later"), Config{Rescan: -1})
	mkfiles(t, c.root, "a.md")
	c.waitFor("a Rescan once the root exists", func() bool { return c.rescans(0) > 0 })
	since := c.mark()
	mkfiles(t, c.root, "b.md")
	c.waitPaths(since, "b.md")
}

// TestRealSymlinkRoot replays E18 (docs/watching.md): a symlinked root is
// flipped to a new target atomically; the new target is watched, the old one
// not.
func TestRealSymlinkRoot(t *testing.T) {
	t.Parallel()
	base, err := filepath.EvalSymlinks(t.TempDir())
	must(t, err)
	mkfiles(t, base, "rel1/one.md", "rel2/two.md", "rel2/sub/")
	link := filepath.Join(base, "site")
	must(t, os.Symlink("rel1", link))
	c := startRealAt(t, base, link, Config{Rescan: -1})
	since := c.mark()
	mkfiles(t, base, "rel1/one.md")
	c.waitPaths(since, "one.md")

	since = c.mark()
	must(t, os.Symlink("rel2", link+".tmp"))
	must(t, os.Rename(link+".tmp", link))
	c.waitFor("a Rescan after the flip", func() bool { return c.rescans(since) > 0 })
	after := c.mark()
	mkfiles(t, base, "rel2/sub/new.md", "rel1/late.md")
	c.waitPaths(after, "sub/new.md")
	c.sentinel(after)
	c.checkNever(after, "late.md")
}

func TestRealPoll(t *testing.T) {
	t.Parallel()
	c := startReal(t, Config{Mode: ModePoll, PollInterval: 20 * time.Millisecond}, "a.md")
	c.waitFor("three poll Rescans", func() bool { return c.rescans(0) >= 4 })
	must(t, os.RemoveAll(c.root))
	mkfiles(t, c.root, "b.md")
	since := c.mark()
	c.waitFor("a Rescan after the root came back", func() bool { return c.rescans(since) > 0 })
	if p := c.paths(0); len(p) != 0 {
		t.Errorf("poll mode reported paths %v, want Rescan batches only", p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.watcher.w != nil {
		t.Errorf("poll mode created an inotify watcher")
	}
}

// TestRealRenew: after the Ignore function's answers change, Renew makes the
// watcher watch a folder it ignored (and stop watching one it now ignores)
// and ask for a rescan, without waiting for the periodic one.
func TestRealRenew(t *testing.T) {
	var ignored sync.Map // folder name -> true
	ignored.Store("drafts", true)
	cfg := Config{Mode: ModeEvents, Rescan: -1, Ignore: func(rel string, isDir bool) bool {
		first, _, _ := strings.Cut(rel, "/")
		_, ok := ignored.Load(first)
		return ok
	}}
	c := startReal(t, cfg, "drafts/", "news/")
	m := c.mark()
	mkfiles(t, c.root, "drafts/a.md")
	c.sentinel(m)
	c.checkNever(m, "drafts")

	ignored.Delete("drafts")
	ignored.Store("news", true)
	m = c.mark()
	c.w.Renew()
	c.waitFor("the Rescan after Renew", func() bool { return c.rescans(m) > 0 })
	m = c.mark()
	mkfiles(t, c.root, "drafts/b.md", "news/c.md")
	c.waitPaths(m, "drafts/b.md")
	c.sentinel(m)
	c.checkNever(m, "news")
}
