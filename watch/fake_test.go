package watch

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

// fakeSource is a source whose events the test sends by hand. Its add and
// remove behave like fsnotify's on the real file system: add fails for a
// missing path or a non-directory.
type fakeSource struct {
	ev   chan fsnotify.Event
	errs chan error
	done chan struct{}

	mu      sync.Mutex
	watches map[string]bool
	ops     []string // "add P" and "remove P", in order
	addErr  func(path string) error
	closed  bool
}

func newFakeSource() *fakeSource {
	return &fakeSource{
		ev:      make(chan fsnotify.Event),
		errs:    make(chan error),
		done:    make(chan struct{}),
		watches: make(map[string]bool),
	}
}

func (f *fakeSource) events() <-chan fsnotify.Event { return f.ev }
func (f *fakeSource) errors() <-chan error          { return f.errs }

func (f *fakeSource) add(path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		if err := f.addErr(path); err != nil {
			return err
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return syscall.ENOTDIR
	}
	f.watches[path] = true
	f.ops = append(f.ops, "add "+path)
	return nil
}

func (f *fakeSource) remove(path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.watches[path] {
		return fsnotify.ErrNonExistentWatch
	}
	delete(f.watches, path)
	f.ops = append(f.ops, "remove "+path)
	return nil
}

func (f *fakeSource) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.done)
	}
	return nil
}

func (f *fakeSource) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// watchList returns the watched paths, sorted.
func (f *fakeSource) watchList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var l []string
	for p := range f.watches {
		l = append(l, p)
	}
	slices.Sort(l)
	return l
}

func (f *fakeSource) opLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}

// syncBuffer is a log sink safe for the Run goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// rig runs a Watcher on a fake source inside a synctest bubble.
type rig struct {
	t    *testing.T
	root string // absolute, resolved
	src  *fakeSource
	srcs chan *fakeSource // every source Run created, in order
	out  chan Batch
	logs *syncBuffer
	done chan error
}

type rigOptions struct {
	newSource func() (source, error)  // default: a fresh fakeSource
	addErr    func(path string) error // for the default fakeSource
	remoteFS  func(string) (string, error)
	noStart   bool // do not wait for the startup Rescan
}

// startRig starts Run on root with cfg (Root is set to root). It must be
// called inside synctest.Test. Unless opts.noStart, it receives the
// startup Rescan batch before returning.
func startRig(t *testing.T, root string, cfg Config, opts rigOptions) *rig {
	t.Helper()
	r := &rig{
		t:    t,
		root: root,
		srcs: make(chan *fakeSource, 16),
		out:  make(chan Batch),
		logs: &syncBuffer{},
		done: make(chan error, 1),
	}
	cfg.Root = root
	cfg.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	w.newSource = func() (source, error) {
		if opts.newSource != nil {
			return opts.newSource()
		}
		f := newFakeSource()
		f.addErr = opts.addErr
		r.srcs <- f
		return f, nil
	}
	w.remoteFS = func(string) (string, error) { return "", nil }
	if opts.remoteFS != nil {
		w.remoteFS = opts.remoteFS
	}
	ctx, cancel := context.WithCancel(t.Context())
	go func() { r.done <- w.Run(ctx, r.out) }()
	t.Cleanup(func() {
		cancel()
		if err := <-r.done; err != nil {
			t.Errorf("Run() = %v, want nil", err)
		}
	})
	if opts.noStart {
		return r
	}
	if b := <-r.out; !b.Rescan {
		t.Fatalf("first batch = %+v, want the startup Rescan", b)
	}
	r.takeSource()
	return r
}

// takeSource makes the newest source Run created the current one.
func (r *rig) takeSource() {
	for {
		select {
		case f := <-r.srcs:
			r.src = f
		default:
			return
		}
	}
}

// send delivers one event to Run.
func (r *rig) send(op fsnotify.Op, rel string) {
	r.t.Helper()
	r.src.ev <- fsnotify.Event{Name: r.abs(rel), Op: op}
}

func (r *rig) abs(rel string) string {
	if rel == "" {
		return r.root
	}
	return filepath.Join(r.root, filepath.FromSlash(rel))
}

// expect waits until Run is idle and returns the batch it is offering.
func (r *rig) expect() Batch {
	r.t.Helper()
	synctest.Wait()
	select {
	case b := <-r.out:
		return b
	default:
		r.t.Fatalf("no batch at %v", time.Now().Format(time.StampMilli))
		return Batch{}
	}
}

// expectNone checks that Run, once idle, offers no batch.
func (r *rig) expectNone() {
	r.t.Helper()
	synctest.Wait()
	select {
	case b := <-r.out:
		r.t.Fatalf("unexpected batch %+v at %v", b, time.Now().Format(time.StampMilli))
	default:
	}
}

// mkfiles creates files (and their directories) under dir; a name ending
// in "/" is a directory.
func mkfiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if strings.HasSuffix(n, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// tempRoot returns a new, resolved directory to watch.
func tempRoot(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(d, "content")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return root
}
