package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchedRel waits until Run is idle and returns the source's watches relative to the root's parent,
// slash-separated ("content", "content/sub", and "." for the parent).
func (r *rig) watchedRel() []string {
	r.t.Helper()
	synctest.Wait() // let Run finish handling what it received
	base := filepath.Dir(r.root)
	var l []string
	for _, p := range r.src.watchList() {
		rel, err := filepath.Rel(base, p)
		if err != nil {
			r.t.Fatal(err)
		}
		l = append(l, filepath.ToSlash(rel))
	}
	return l
}

// expectTree checks the next batch (formatted) and then the watches
// (see watchedRel).
func (r *rig) expectTree(batch string, watches ...string) {
	r.t.Helper()
	if got := formatBatch(r.expect()); got != batch {
		r.t.Errorf("batch = %q, want %q", got, batch)
	}
	if got := r.watchedRel(); !slices.Equal(got, watches) {
		r.t.Errorf("watches = %v, want %v", got, watches)
	}
}

func TestFilter(t *testing.T) {
	ignore := func(rel string, isDir bool) bool {
		return (isDir && path.Base(rel) == "drafts") || (!isDir && path.Ext(rel) == ".tmp")
	}
	tests := []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"a.md", fsnotify.Create, true},
		{"notes.pdf", fsnotify.Write, true}, // the consumer's allowlist decides
		{".a.md.swp", fsnotify.Create, false},
		{".hidden.md", fsnotify.Write, false},
		{".#a.md", fsnotify.Create, false},
		{"sub/.x.md.QOtqGP", fsnotify.Rename, false},
		{".git/index", fsnotify.Write, false},
		{"a.md~", fsnotify.Create, false},
		{"a.md~", fsnotify.Remove, false},
		{"4913", fsnotify.Create, false},
		{"#a.md#", fsnotify.Write, false},
		{"a.md___jb_tmp___", fsnotify.Create, false},
		{"a.md___jb_old___", fsnotify.Rename, false},
		{"x.tmp", fsnotify.Create, false},
		{"sub/x.tmp", fsnotify.Write, false},
		{"drafts", fsnotify.Create, false},
		{"sub/b.md", fsnotify.Chmod, true},
	}
	for _, tc := range tests {
		t.Run(tc.name+" "+tc.op.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				root := tempRoot(t)
				mkfiles(t, root, "drafts/", "sub/")
				r := startRig(t, root, Config{Rescan: -1, Ignore: ignore}, rigOptions{})
				r.send(tc.op, tc.name)
				time.Sleep(time.Second)
				if !tc.want {
					r.expectNone()
					return
				}
				if got := formatBatch(r.expect()); got != tc.name {
					t.Errorf("batch = %q, want %q", got, tc.name)
				}
			})
		})
	}
}

func TestStartupWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "a.md", "sub/deeper/d.md", ".git/objects/x", "node_modules/m/", "sub/.cache/", "drafts/x.md")
		if err := os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "link")); err != nil {
			t.Fatal(err)
		}
		ignore := func(rel string, isDir bool) bool { return isDir && (rel == "node_modules" || rel == "drafts") }
		r := startRig(t, root, Config{Rescan: -1, Ignore: ignore}, rigOptions{})
		want := []string{".", "content", "content/sub", "content/sub/deeper"}
		if got := r.watchedRel(); !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
		r.expectNone() // the startup Rescan covers the files
	})
}

// TestNewDirectory checks "add then scan": a new directory is watched, its
// subdirectories too, and everything already in it is reported.
func TestNewDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{})
		mkfiles(t, root, "new/a.md", "new/sub/b.md", "new/sub/deep/", "new/.git/HEAD", "new/c.md~")
		r.send(fsnotify.Create, "new")
		time.Sleep(time.Second)
		r.expectTree("new new/a.md new/sub/b.md", ".", "content", "content/new", "content/new/sub", "content/new/sub/deep")
	})
}

// TestRenameDirectory replays E11 (docs/watching.md): the old watches are
// pruned before the new name is added, so the new tree ends up watched.
func TestRenameDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "old/o1.md", "old/sub/o2.md")
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{})
		if err := os.Rename(r.abs("old"), r.abs("new")); err != nil {
			t.Fatal(err)
		}
		opsBefore := len(r.src.opLog())
		r.send(fsnotify.Rename, "old")
		r.send(fsnotify.Create, "new")
		r.send(fsnotify.Rename, "old") // the MOVE_SELF twin
		time.Sleep(time.Second)
		r.expectTree("new new/o1.md new/sub/o2.md old", ".", "content", "content/new", "content/new/sub")
		ops := r.src.opLog()[opsBefore:]
		firstAdd := slices.IndexFunc(ops, func(op string) bool { return strings.HasPrefix(op, "add ") })
		removes := 0
		for _, op := range ops[:max(firstAdd, 0)] {
			if strings.HasPrefix(op, "remove ") {
				removes++
			}
		}
		if firstAdd < 0 || removes != 2 {
			t.Errorf("ops = %v, want both old watches removed before the first add", ops)
		}
	})
}

// TestMoveOut replays E10 (docs/watching.md): a directory moved out of the tree
// keeps no watch, so nothing written there later is reported.
func TestMoveOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "old/sub/o2.md")
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{})
		if err := os.Rename(r.abs("old"), filepath.Join(filepath.Dir(root), "outside")); err != nil {
			t.Fatal(err)
		}
		r.send(fsnotify.Rename, "old")
		time.Sleep(time.Second)
		if got := formatBatch(r.expect()); got != "old" {
			t.Errorf("batch = %q, want %q", got, "old")
		}
		if got, want := r.watchedRel(), []string{".", "content"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
	})
}

// TestRemoveDirectory replays E12 (docs/watching.md): rm -r of a subtree.
func TestRemoveDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "sub/s1.md", "sub/deeper/d1.md", "keep.md")
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{})
		if err := os.RemoveAll(r.abs("sub")); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"sub/s1.md", "sub/deeper/d1.md", "sub/deeper", "sub"} {
			r.send(fsnotify.Remove, p)
		}
		time.Sleep(time.Second)
		if got, want := formatBatch(r.expect()), "sub sub/deeper sub/deeper/d1.md sub/s1.md"; got != want {
			t.Errorf("batch = %q, want %q", got, want)
		}
		if got, want := r.watchedRel(), []string{".", "content"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
	})
}

// TestUnreadableDirectoryRetried checks that a directory that could not be
// watched is retried on its next Chmod event.
func TestUnreadableDirectoryRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "locked/a.md")
		locked := filepath.Join(root, "locked")
		var refuse atomic.Bool
		refuse.Store(true)
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{addErr: func(p string) error {
			if refuse.Load() && p == locked {
				return syscall.EACCES
			}
			return nil
		}})
		if !strings.Contains(r.logs.String(), "permission denied") {
			t.Errorf("log = %q, want the failed watch logged", r.logs.String())
		}
		refuse.Store(false)
		r.send(fsnotify.Chmod, "locked")
		time.Sleep(time.Second)
		if got, want := formatBatch(r.expect()), "locked locked/a.md"; got != want {
			t.Errorf("batch = %q, want %q", got, want)
		}
		if got, want := r.watchedRel(), []string{".", "content", "content/locked"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
	})
}

func TestRootLostAndRecovered(t *testing.T) {
	tests := []struct {
		name   string
		lose   func(t *testing.T, root string)
		before []string // Remove events that precede the root's own
		op     fsnotify.Op
	}{
		{"removed", func(t *testing.T, root string) {
			if err := os.RemoveAll(root); err != nil {
				t.Fatal(err)
			}
		}, []string{"sub/s.md", "sub", "a.md"}, fsnotify.Remove},
		{"renamed away", func(t *testing.T, root string) {
			if err := os.Rename(root, root+".old"); err != nil {
				t.Fatal(err)
			}
		}, nil, fsnotify.Rename},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				root := tempRoot(t)
				mkfiles(t, root, "a.md", "sub/s.md")
				r := startRig(t, root, Config{}, rigOptions{})
				tc.lose(t, root)
				for _, p := range tc.before {
					r.send(fsnotify.Remove, p)
				}
				r.send(tc.op, "")
				if got, want := r.watchedRel(), []string{"."}; !slices.Equal(got, want) {
					t.Errorf("watches while lost = %v, want %v", got, want)
				}
				time.Sleep(10 * time.Minute) // longer than the periodic rescan
				r.expectNone()               // nothing while the root is lost, not even the removals
				if !strings.Contains(r.logs.String(), "root lost") {
					t.Errorf("log = %q, want %q", r.logs.String(), "root lost")
				}
				mkfiles(t, root, "new.md")
				time.Sleep(rootPollInterval + time.Second) // found by the root poll
				if b := r.expect(); !b.Rescan {
					t.Errorf("batch after recovery = %+v, want Rescan", b)
				}
				if got, want := r.watchedRel(), []string{".", "content"}; !slices.Equal(got, want) {
					t.Errorf("watches after recovery = %v, want %v", got, want)
				}
				if !strings.Contains(r.logs.String(), "root recovered") {
					t.Errorf("log = %q, want %q", r.logs.String(), "root recovered")
				}
			})
		})
	}
}

// TestRootRecreatedBeforeEvent covers rm -rf root; mkdir root finishing
// before the Remove event is read: the watches are renewed at once.
func TestRootRecreatedBeforeEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "sub/s.md")
		r := startRig(t, root, Config{Rescan: -1}, rigOptions{})
		if err := os.RemoveAll(root); err != nil {
			t.Fatal(err)
		}
		mkfiles(t, root, "other/n.md")
		r.send(fsnotify.Remove, "")
		r.send(fsnotify.Create, "")
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		if got, want := r.watchedRel(), []string{".", "content", "content/other"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
	})
}

func TestRootMissingAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := filepath.Join(tempRoot(t), "later")
		r := startRig(t, root, Config{}, rigOptions{noStart: true})
		time.Sleep(time.Minute)
		r.expectNone()
		if !strings.Contains(r.logs.String(), "waiting") {
			t.Errorf("log = %q, want a line about waiting", r.logs.String())
		}
		mkfiles(t, root, "a.md")
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		r.takeSource()
		r.send(fsnotify.Create, "b.md")
		time.Sleep(time.Second)
		if got := formatBatch(r.expect()); got != "b.md" {
			t.Errorf("batch = %q, want %q", got, "b.md")
		}
	})
}

// TestSymlinkRootFlip replays E18 (docs/watching.md): the root is a symlink
// that a deploy points elsewhere; the new target is watched and rescanned.
func TestSymlinkRootFlip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := filepath.Dir(tempRoot(t))
		mkfiles(t, base, "rel1/one.md", "rel2/two.md", "rel2/sub/")
		link := filepath.Join(base, "site")
		if err := os.Symlink("rel1", link); err != nil {
			t.Fatal(err)
		}
		r := startRig(t, link, Config{Rescan: -1}, rigOptions{})
		if got, want := r.watchedRel(), []string{".", "rel1"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
		if err := os.Symlink("rel2", link+".tmp"); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(link+".tmp", link); err != nil {
			t.Fatal(err)
		}
		r.send(fsnotify.Create, "") // the parent watch sees the new link
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		if got, want := r.watchedRel(), []string{".", "rel2", "rel2/sub"}; !slices.Equal(got, want) {
			t.Errorf("watches after the flip = %v, want %v", got, want)
		}
		// Events carry the resolved path; they are reported relative to the root.
		r.src.ev <- fsnotify.Event{Name: filepath.Join(base, "rel2", "sub", "x.md"), Op: fsnotify.Create}
		time.Sleep(time.Second)
		if got := formatBatch(r.expect()); got != "sub/x.md" {
			t.Errorf("batch = %q, want %q", got, "sub/x.md")
		}
	})
}

// TestPeriodicRescanNoticesFlip checks that the periodic rescan
// re-resolves a symlinked root even when no event said it changed.
func TestPeriodicRescanNoticesFlip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base := filepath.Dir(tempRoot(t))
		mkfiles(t, base, "rel1/", "rel2/")
		link := filepath.Join(base, "site")
		if err := os.Symlink("rel1", link); err != nil {
			t.Fatal(err)
		}
		r := startRig(t, link, Config{Rescan: time.Minute}, rigOptions{})
		if err := os.Remove(link); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("rel2", link); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute + time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		if got, want := r.watchedRel(), []string{".", "rel2"}; !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
	})
}

func TestPeriodicRescan(t *testing.T) {
	tests := []struct {
		name   string
		rescan time.Duration
		want   int
	}{
		{"default is five minutes", 0, 2},
		{"custom period", time.Minute, 10},
		{"negative disables", -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := startRig(t, tempRoot(t), Config{Rescan: tc.rescan}, rigOptions{})
				got := 0
				for range 10 {
					time.Sleep(time.Minute)
					synctest.Wait()
					select {
					case b := <-r.out:
						if !b.Rescan {
							t.Errorf("batch = %+v, want Rescan", b)
						}
						got++
					default:
					}
				}
				if got != tc.want {
					t.Errorf("%d Rescan batches in 10 minutes, want %d", got, tc.want)
				}
			})
		})
	}
}

// TestFallbackToPolling covers the inotify limits and a dying source: the
// watcher logs the sysctl once and polls.
func TestFallbackToPolling(t *testing.T) {
	tests := []struct {
		name      string
		addErr    func(string) error
		newSource func() (source, error)
		remote    string
		wantLog   string
	}{
		{
			name: "watch limit at startup",
			addErr: func(p string) error {
				if strings.HasSuffix(p, "d3") || strings.HasSuffix(p, "d4") {
					return syscall.ENOSPC
				}
				return nil
			},
			wantLog: "fs.inotify.max_user_watches",
		},
		{
			name: "instance limit",
			newSource: func() (source, error) {
				return nil, errors.Join(errors.New("couldn't initialize inotify"), syscall.EMFILE)
			},
			wantLog: "fs.inotify.max_user_instances",
		},
		{
			name:    "network file system",
			remote:  "nfs",
			wantLog: "network or FUSE file system (nfs)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				root := tempRoot(t)
				mkfiles(t, root, "d1/", "d2/", "d3/", "d4/", "d5/")
				opts := rigOptions{addErr: tc.addErr, newSource: tc.newSource}
				if tc.remote != "" {
					opts.remoteFS = func(string) (string, error) { return tc.remote, nil }
				}
				r := startRig(t, root, Config{PollInterval: 2 * time.Second}, opts)
				if r.src != nil && !r.src.isClosed() {
					t.Errorf("event source still open after falling back to polling")
				}
				for i := range 3 {
					time.Sleep(2 * time.Second)
					if b := r.expect(); !b.Rescan {
						t.Errorf("poll %d: batch = %+v, want Rescan", i, b)
					}
				}
				logs := r.logs.String()
				if n := strings.Count(logs, tc.wantLog); n != 1 {
					t.Errorf("log mentions %q %d times, want once; log:\n%s", tc.wantLog, n, logs)
				}
			})
		})
	}
}

func TestWatchLimitOnNewDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		r := startRig(t, root, Config{PollInterval: 2 * time.Second}, rigOptions{addErr: func(p string) error {
			if filepath.Base(p) == "big" {
				return syscall.ENOSPC
			}
			return nil
		}})
		mkfiles(t, root, "big/a.md")
		r.send(fsnotify.Create, "big")
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		if !r.src.isClosed() {
			t.Errorf("event source still open after the watch limit")
		}
		time.Sleep(2 * time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("poll batch = %+v, want Rescan", b)
		}
	})
}

func TestSourceClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, tempRoot(t), Config{PollInterval: time.Second}, rigOptions{})
		close(r.src.ev) // fsnotify died on its own
		time.Sleep(time.Second + time.Millisecond)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		if !strings.Contains(r.logs.String(), "polling instead") {
			t.Errorf("log = %q, want the switch to polling", r.logs.String())
		}
	})
}

func TestPollMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		r := startRig(t, root, Config{Mode: ModePoll, PollInterval: 3 * time.Second},
			rigOptions{newSource: func() (source, error) {
				t.Errorf("poll mode created an event source")
				return nil, errors.New("no")
			}})
		for i := range 3 {
			time.Sleep(3 * time.Second)
			if b := r.expect(); !b.Rescan || b.Paths != nil {
				t.Errorf("poll %d: batch = %+v, want Rescan only", i, b)
			}
		}
		if err := os.Remove(root); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Minute)
		r.expectNone() // nothing while the root is lost
		mkfiles(t, root, "a.md")
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch after recovery = %+v, want Rescan", b)
		}
	})
}

// TestPeriodicRescanRenewsWatches checks the safety net: a watch lost
// without any event is back after the periodic rescan.
func TestPeriodicRescanRenewsWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		mkfiles(t, root, "a/b/", "c/")
		r := startRig(t, root, Config{Rescan: time.Minute}, rigOptions{})
		want := []string{".", "content", "content/a", "content/a/b", "content/c"}
		if got := r.watchedRel(); !slices.Equal(got, want) {
			t.Fatalf("watches = %v, want %v", got, want)
		}
		r.src.mu.Lock()
		delete(r.src.watches, filepath.Join(root, "a", "b")) // lost behind our back
		r.src.mu.Unlock()
		mkfiles(t, root, "d/")                // created without an event
		time.Sleep(time.Minute + time.Second) // one periodic rescan
		if b := r.expect(); !b.Rescan {
			t.Errorf("batch = %+v, want Rescan", b)
		}
		want = []string{".", "content", "content/a", "content/a/b", "content/c", "content/d"}
		if got := r.watchedRel(); !slices.Equal(got, want) {
			t.Errorf("watches after the rescan = %v, want %v", got, want)
		}
	})
}

// treeLoop is a loop in event mode on a root, as startEvents leaves it, on
// which a test calls addTree directly.
type treeLoop struct {
	*loop
	logs    *syncBuffer
	asked   []string // what Config.Ignore was asked, "dir/" for a directory
	attempt []string // every path given to the source's add, in order
}

// newTreeLoop returns a treeLoop on root whose Config.Ignore is ignore (if
// not nil) and whose source is a fakeSource that fails an add with addErr
// (if not nil) and runs after (if not nil) on each path it added.
func newTreeLoop(tb testing.TB, root string, ignore func(string, bool) bool,
	addErr func(string) error, after func(string)) *treeLoop {
	tb.Helper()
	tl := &treeLoop{logs: &syncBuffer{}}
	cfg := Config{Root: root, Logger: slog.New(slog.NewTextHandler(tl.logs, nil))}
	if ignore != nil {
		cfg.Ignore = func(rel string, isDir bool) bool {
			if isDir {
				tl.asked = append(tl.asked, rel+"/")
			} else {
				tl.asked = append(tl.asked, rel)
			}
			return ignore(rel, isDir)
		}
	}
	w, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	src := newFakeSource()
	src.addErr = func(p string) error {
		tl.attempt = append(tl.attempt, p)
		if addErr != nil {
			return addErr(p)
		}
		return nil
	}
	tl.loop = &loop{
		w:       w,
		log:     w.log,
		b:       batcher{quiet: w.cfg.Quiet, maxLatency: w.cfg.MaxLatency},
		watched: make(map[string]bool),
		mode:    ModeEvents,
		src:     afterSource{src, after},
	}
	tl.real, tl.prefix = root, root+string(filepath.Separator)
	tb.Cleanup(tl.stop)
	return tl
}

// afterSource is a fakeSource that runs after on each path it added, to
// change the tree between a directory's watch and its listing.
type afterSource struct {
	*fakeSource
	after func(path string)
}

func (s afterSource) add(p string) error {
	if err := s.fakeSource.add(p); err != nil {
		return err
	}
	if s.after != nil {
		s.after(p)
	}
	return nil
}

// state returns the watched directories relative to the root ("." for the
// root, "!" appended to one that could not be listed), the marked paths
// and the Ignore questions, each sorted, and whether a rescan was marked.
func (tl *treeLoop) state(tb testing.TB) (watched, marked, asked []string, rescan bool) {
	tb.Helper()
	for p, listed := range tl.watched {
		rel, ok := tl.rel(p)
		if !ok {
			rel = "."
		}
		if !listed {
			rel += "!"
		}
		watched = append(watched, rel)
	}
	for p := range tl.b.pending.paths {
		marked = append(marked, p)
	}
	asked = slices.Clone(tl.asked)
	slices.Sort(watched)
	slices.Sort(marked)
	slices.Sort(asked)
	return watched, marked, asked, tl.b.pending.rescan
}

// TestAddTree walks a tree with every kind of entry addTree tells apart,
// from the root at startup (report unset) and from a top inside it as for a
// new directory (report set).
func TestAddTree(t *testing.T) {
	tests := []struct {
		name    string
		top     string // relative to the root; "" for the root
		report  bool
		watched []string
		marked  []string
		asked   []string // Ignore is asked only what is not hidden
		log     string   // a substring of the log, or "" for an empty log
	}{
		{
			name:    "startup",
			watched: []string{".", "sub", "sub/deep", "sub/deep/h"},
			// Files are not even offered to Ignore.
			asked: []string{"sub/", "sub/deep/", "sub/deep/h/", "sub/drafts/"},
		},
		{
			name:    "new directory",
			top:     "sub",
			report:  true,
			watched: []string{"sub", "sub/deep", "sub/deep/h"},
			marked:  []string{"sub", "sub/b.md", "sub/deep/e.md", "sub/flink", "sub/link"},
			asked: []string{"sub/b.md", "sub/deep/", "sub/deep/e.md", "sub/deep/g.tmp", "sub/deep/h/",
				"sub/drafts/", "sub/flink", "sub/link"},
		},
		{
			name:    "hidden top",
			top:     "sub/.cache",
			report:  true,
			watched: []string{"sub/.cache", "sub/.cache/deeper"},
			marked:  []string{"sub/.cache", "sub/.cache/c.md"},
			asked:   []string{"sub/.cache/c.md", "sub/.cache/deeper/"},
		},
		{
			name:    "ignored top",
			top:     "sub/drafts",
			report:  true,
			watched: []string{"sub/drafts", "sub/drafts/more"},
			marked:  []string{"sub/drafts", "sub/drafts/d.md"},
			asked:   []string{"sub/drafts/d.md", "sub/drafts/more/"},
		},
		{name: "file top", top: "x.tmp", report: true, marked: []string{"x.tmp"}},
		{name: "file top, startup", top: "a.md"},
		{name: "symlink top", top: "sub/link", report: true, marked: []string{"sub/link"}},
		{name: "missing top", top: "nothing", report: true},
		{name: "top under a file", top: "a.md/x", report: true, log: "read directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			mkfiles(t, root, "a.md", ".hidden.md", "a.md~", "x.tmp", "drafts.md",
				"sub/b.md", "sub/.cache/c.md", "sub/.cache/deeper/", "sub/drafts/d.md", "sub/drafts/more/",
				"sub/deep/e.md", "sub/deep/.f.md", "sub/deep/g.tmp", "sub/deep/h/")
			for link, target := range map[string]string{"sub/link": "deep", "sub/flink": "b.md"} {
				if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
					t.Fatal(err)
				}
			}
			ignore := func(rel string, isDir bool) bool {
				return (isDir && path.Base(rel) == "drafts") || (!isDir && path.Ext(rel) == ".tmp")
			}
			tl := newTreeLoop(t, root, ignore, nil, nil)
			top := root
			if tc.top != "" {
				top = filepath.Join(root, filepath.FromSlash(tc.top))
			}
			if tl.addTree(top, tc.report) {
				t.Errorf("addTree(%q, %v) = true, want false", tc.top, tc.report)
			}
			watched, marked, asked, rescan := tl.state(t)
			if !slices.Equal(watched, tc.watched) {
				t.Errorf("watched = %q, want %q", watched, tc.watched)
			}
			if !slices.Equal(marked, tc.marked) || rescan {
				t.Errorf("marked = %q (rescan %v), want %q", marked, rescan, tc.marked)
			}
			if !slices.Equal(asked, tc.asked) {
				t.Errorf("Ignore asked about %q, want %q", asked, tc.asked)
			}
			if logs := tl.logs.String(); tc.log == "" && logs != "" || !strings.Contains(logs, tc.log) {
				t.Errorf("log = %q, want %q", logs, tc.log)
			}
		})
	}
}

// TestAddTreeBigDirectory checks that a directory is read to its end,
// past the first batch of entries.
func TestAddTreeBigDirectory(t *testing.T) {
	root := tempRoot(t)
	var names []string
	want := []string{"."}
	for i := range readBatch + 10 {
		names = append(names, fmt.Sprintf("d%04d/", i))
		want = append(want, fmt.Sprintf("d%04d", i))
	}
	mkfiles(t, root, names...)
	tl := newTreeLoop(t, root, nil, nil, nil)
	tl.addTree(root, false)
	if watched, _, _, _ := tl.state(t); !slices.Equal(watched, want) {
		t.Errorf("%d directories watched, want %d", len(watched), len(want))
	}
}

// TestAddTreeErrors covers the ways adding or listing a directory can fail,
// but for the watch limit. The tree is root with a/, a/sub/, b/, b/sub/ and
// c/; the failure hits b.
func TestAddTreeErrors(t *testing.T) {
	tests := []struct {
		name    string
		addErr  error          // returned by the add of b
		after   func(b string) // run once b was added
		watched []string       // for a failed add, also the other directories added
		rescan  bool           // a rescan was marked
		log     string         // a substring of the log, or "" for an empty log
	}{
		{
			name:    "watch failed",
			addErr:  syscall.EACCES,
			watched: []string{".", "a", "a/sub", "c"},
			rescan:  true,
			log:     "watch directory; rescanning",
		},
		{name: "gone before its watch", addErr: fs.ErrNotExist, watched: []string{".", "a", "a/sub", "c"}},
		{name: "not a directory any more", addErr: syscall.ENOTDIR, watched: []string{".", "a", "a/sub", "c"}},
		{
			name: "gone before its listing",
			after: func(b string) {
				if err := os.RemoveAll(b); err != nil {
					panic(err)
				}
			},
			watched: []string{".", "a", "a/sub", "b", "c"}, // its Remove event prunes it
		},
		{
			name: "not listable",
			after: func(b string) {
				if err := os.RemoveAll(b); err != nil {
					panic(err)
				}
				if err := os.WriteFile(b, nil, 0o644); err != nil {
					panic(err)
				}
			},
			watched: []string{".", "a", "a/sub", "b!", "c"}, // a later Chmod retries it
			log:     "read directory",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRoot(t)
			mkfiles(t, root, "a/sub/", "b/sub/", "c/", "b.md")
			b := filepath.Join(root, "b")
			var addErr func(string) error
			if tc.addErr != nil {
				addErr = func(p string) error {
					if p == b {
						return tc.addErr
					}
					return nil
				}
			}
			var after func(string)
			if tc.after != nil {
				after = func(p string) {
					if p == b {
						tc.after(p)
					}
				}
			}
			tl := newTreeLoop(t, root, nil, addErr, after)
			if tl.addTree(root, false) {
				t.Errorf("addTree = true, want false")
			}
			watched, _, _, rescan := tl.state(t)
			if !slices.Equal(watched, tc.watched) {
				t.Errorf("watched = %q, want %q", watched, tc.watched)
			}
			if rescan != tc.rescan {
				t.Errorf("rescan = %v, want %v", rescan, tc.rescan)
			}
			if logs := tl.logs.String(); tc.log == "" && logs != "" || !strings.Contains(logs, tc.log) {
				t.Errorf("log = %q, want %q", logs, tc.log)
			}
		})
	}
}

// TestAddTreeWatchLimit checks that the watch limit ends the whole walk,
// not just the subtree: the first directory below the root hits it, and
// none of its siblings is tried.
func TestAddTreeWatchLimit(t *testing.T) {
	root := tempRoot(t)
	mkfiles(t, root, "a/sub/", "b/sub/", "c/")
	tl := newTreeLoop(t, root, nil, func(p string) error {
		if p != root {
			return syscall.ENOSPC
		}
		return nil
	}, nil)
	if !tl.addTree(root, false) {
		t.Errorf("addTree = false, want true")
	}
	if len(tl.attempt) != 2 {
		t.Errorf("adds = %q, want the root's and one more", tl.attempt)
	}
	if logs := tl.logs.String(); strings.Count(logs, "fs.inotify.max_user_watches") != 1 {
		t.Errorf("log = %q, want the limit logged once", logs)
	}
}

// TestMoveInDirectory moves a tree into the root: the new directory and
// every file in it that is neither hidden nor ignored are reported, and its
// directories that are neither are watched.
func TestMoveInDirectory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		root := tempRoot(t)
		outside := filepath.Join(filepath.Dir(root), "outside")
		mkfiles(t, outside, "a.md", ".a.md", "x.tmp", "a.md~", "sub/b.md", "sub/.git/HEAD",
			"sub/drafts/d.md", "sub/deep/e.md", "sub/deep/_f.md", "_assets/p.png")
		ignore := func(rel string, isDir bool) bool {
			return strings.HasPrefix(path.Base(rel), "_") || (isDir && path.Base(rel) == "drafts") ||
				(!isDir && path.Ext(rel) == ".tmp")
		}
		r := startRig(t, root, Config{Rescan: -1, Ignore: ignore}, rigOptions{})
		if err := os.Rename(outside, r.abs("new")); err != nil {
			t.Fatal(err)
		}
		r.send(fsnotify.Create, "new")
		time.Sleep(time.Second)
		r.expectTree("new new/a.md new/sub/b.md new/sub/deep/e.md", ".", "content", "content/new", "content/new/sub", "content/new/sub/deep")
	})
}

// BenchmarkAddTree measures the startup walk of a root holding 20,000
// files in four directories.
func BenchmarkAddTree(b *testing.B) {
	root, err := filepath.EvalSymlinks(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for d := range 4 {
		dir := filepath.Join(root, fmt.Sprintf("d%d", d))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for f := range 5000 {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("article-%04d.md", f)), nil, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Like dropfeed's: names starting with "_" and node_modules.
	ignore := func(rel string, isDir bool) bool {
		base := path.Base(rel)
		return strings.HasPrefix(base, "_") || (isDir && base == "node_modules")
	}
	tl := newTreeLoop(b, root, nil, nil, nil)
	tl.w.cfg.Ignore = ignore // not the recording one newTreeLoop makes
	for b.Loop() {
		tl.src = newFakeSource()
		clear(tl.watched)
		if tl.addTree(root, false) || len(tl.watched) != 5 {
			b.Fatalf("watched %d directories, want 5", len(tl.watched))
		}
	}
}
