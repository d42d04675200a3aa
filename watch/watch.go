package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// Errors returned by [New] and [Watcher.Run].
var (
	// ErrRootNotDir means the root exists but is not a directory.
	ErrRootNotDir = errors.New("watch: root is not a directory")
	// ErrAlreadyRun means Run was called a second time on one Watcher.
	ErrAlreadyRun = errors.New("watch: Run called twice")
	// ErrNilChannel means Run was given a nil channel.
	ErrNilChannel = errors.New("watch: nil output channel")
)

// rootPollInterval is how often a missing root is looked for.
const rootPollInterval = 500 * time.Millisecond

// Watcher watches one directory tree. Create it with [New] and start it with
// [Watcher.Run]. A Watcher runs once.
type Watcher struct {
	cfg     Config // with defaults filled in
	rootAbs string // absolute, cleaned, not resolved
	log     *slog.Logger
	started atomic.Bool
	renew   chan struct{} // Renew's requests; one pending is enough

	// Seams for tests; New sets the production ones.
	newSource func() (source, error)
	remoteFS  func(path string) (string, error)
}

// New checks cfg and returns a Watcher for it. It starts nothing. The root
// may be missing (Run then waits for it), but a root that is not a
// directory or that cannot be read is an error.
func New(cfg Config) (*Watcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	abs, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("resolve root: %w", err)
	}
	if _, _, err := resolveRoot(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Watcher{
		cfg:       cfg,
		rootAbs:   abs,
		log:       logger.With("component", "watch"),
		newSource: newFSNotifySource,
		remoteFS:  remoteFS,
		renew:     make(chan struct{}, 1),
	}, nil
}

// Renew asks the running watcher to do at once what its periodic safety
// rescan does: list the tree's folders again, watching those that
// [Config.Ignore] no longer ignores and no longer watching those it now
// does, then send a Rescan batch. Call it after the Ignore function changed
// its answers (a reloaded configuration). It never blocks and is safe from
// any goroutine; requests made while one is pending are one request.
func (w *Watcher) Renew() {
	select {
	case w.renew <- struct{}{}:
	default:
	}
}

// Run watches the tree until ctx is done and sends batches on out. It
// returns nil when ctx is done, and an error only when it cannot start: the
// root is not a directory or cannot be read (an error wrapping
// [fs.ErrPermission] or [ErrRootNotDir]), out is nil, or Run was already
// called. Later problems, including the root becoming unreadable, are
// logged and never end Run. Run never closes out, and out must stay open
// until Run returns.
//
// The first batch is always a Rescan, sent once the watches are in place
// (or, when the root is missing, once it appears), so a consumer that
// loaded the tree before calling Run misses nothing. While the consumer is
// busy, Run keeps reading events and accumulating them into the next
// batch; it never blocks on out.
//
// Run does all its work on the calling goroutine: the only other goroutine
// is fsnotify's reader, which moves kernel events into a 64k-event buffer
// and is stopped and waited for before Run returns.
func (w *Watcher) Run(ctx context.Context, out chan<- Batch) error {
	if w == nil || w.newSource == nil {
		return errors.New("watch: Watcher not made by New")
	}
	if out == nil {
		return ErrNilChannel
	}
	if !w.started.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	if ctx.Err() != nil {
		return nil
	}
	l := &loop{
		w:       w,
		log:     w.log,
		b:       batcher{quiet: w.cfg.Quiet, maxLatency: w.cfg.MaxLatency},
		watched: make(map[string]bool),
	}
	defer l.stop()
	if err := l.start(); err != nil {
		return err
	}
	for {
		var send chan<- Batch
		if l.b.hasReady() {
			send = out
		}
		select {
		case <-ctx.Done():
			return nil
		case send <- l.b.next:
			l.b.sent()
		case ev, ok := <-l.evC:
			if !ok {
				l.sourceClosed()
				continue
			}
			l.handleEvent(ev)
		case err, ok := <-l.errC:
			if !ok {
				l.sourceClosed()
				continue
			}
			l.handleError(err)
		case <-l.timerC:
			l.onTimer()
		case <-l.pollC:
			l.onPoll()
		case <-l.rescanC:
			l.onRescanTick()
		case <-w.renew:
			l.onRenew()
		case <-l.rootC:
			l.onRootTick()
		}
	}
}

// resolveRoot resolves symlinks in the root and checks that the result is a
// readable directory. Errors wrap fs.ErrNotExist when the root is missing.
func resolveRoot(abs string) (resolved string, fi os.FileInfo, err error) {
	resolved, err = filepath.EvalSymlinks(abs)
	if err != nil {
		return "", nil, fmt.Errorf("resolve root: %w", err)
	}
	f, err := os.Open(resolved)
	if err != nil {
		return "", nil, fmt.Errorf("open root: %w", err)
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return "", nil, fmt.Errorf("stat root: %w", err)
	}
	if !fi.IsDir() {
		return "", nil, fmt.Errorf("%w: %s", ErrRootNotDir, abs)
	}
	if _, err := f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
		return "", nil, fmt.Errorf("read root: %w", err)
	}
	return resolved, fi, nil
}
