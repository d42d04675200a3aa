package watch

import (
	"errors"
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
		if got, want := formatBatch(r.expect()), "new new/a.md new/sub/b.md"; got != want {
			t.Errorf("batch = %q, want %q", got, want)
		}
		want := []string{".", "content", "content/new", "content/new/sub", "content/new/sub/deep"}
		if got := r.watchedRel(); !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
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
		if got, want := formatBatch(r.expect()), "new new/o1.md new/sub/o2.md old"; got != want {
			t.Errorf("batch = %q, want %q", got, want)
		}
		want := []string{".", "content", "content/new", "content/new/sub"}
		if got := r.watchedRel(); !slices.Equal(got, want) {
			t.Errorf("watches = %v, want %v", got, want)
		}
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
