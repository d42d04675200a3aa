package watch

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// loop is the state of one Run. It belongs to the goroutine running Run,
// so it needs no mutex.
type loop struct {
	w   *Watcher
	log *slog.Logger
	b   batcher

	mode     Mode // ModeEvents or ModePoll, once the root was found
	degraded bool // an inotify limit or failure forced polling for good

	src  source // nil unless in event mode
	evC  <-chan fsnotify.Event
	errC <-chan error

	real     string      // the resolved root
	prefix   string      // real plus a trailing separator
	rootInfo os.FileInfo // of real, to notice a replaced root
	seen     bool        // the root was found at least once
	lost     bool        // the root is missing
	lostAt   time.Time
	rootErr  string // the last error logged while the root is lost

	// watched holds the absolute paths of the watched tree directories
	// (not the root's parent); the value is false when the directory
	// could not be listed. Invariant: if a directory under P is watched,
	// P is in watched.
	watched map[string]bool

	timer   *time.Timer
	timerC  <-chan time.Time
	pollT   *time.Ticker
	pollC   <-chan time.Time
	rescanT *time.Ticker
	rescanC <-chan time.Time
	rootT   *time.Ticker
	rootC   <-chan time.Time

	renewing    bool // begin runs for the periodic rescan: log quietly
	limitLogged bool
	errCount    int
}

// start finds the root and starts watching it, or waits for it.
func (l *loop) start() error {
	dir, fi, err := resolveRoot(l.w.rootAbs)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		l.log.Warn("root missing; waiting for it", "path", l.w.rootAbs)
		l.setLost()
		return nil
	}
	l.begin(dir, fi)
	return nil
}

// stop releases everything Run holds.
func (l *loop) stop() {
	if l.timer != nil {
		l.timer.Stop()
	}
	stopTicker(&l.pollT, &l.pollC)
	stopTicker(&l.rescanT, &l.rescanC)
	stopTicker(&l.rootT, &l.rootC)
	l.closeSource()
}

// begin starts watching the root (resolved to dir; found, found again or
// replaced) in the mode it calls for, and asks for a full rescan.
func (l *loop) begin(dir string, fi os.FileInfo) {
	l.real, l.rootInfo = dir, fi
	l.prefix = dir
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		l.prefix += string(filepath.Separator)
	}
	if l.lost {
		l.lost, l.rootErr = false, ""
		stopTicker(&l.rootT, &l.rootC)
		if l.seen {
			l.log.Info("root recovered", "path", l.w.rootAbs, "duration", time.Since(l.lostAt))
		} else {
			l.log.Info("root found", "path", l.w.rootAbs, "duration", time.Since(l.lostAt))
		}
	}
	l.seen = true
	if l.pickMode() == ModePoll {
		l.startPolling()
	} else {
		l.startEvents()
	}
	l.markRescan()
}

// pickMode decides between events and polling for the current root.
func (l *loop) pickMode() Mode {
	if l.degraded {
		return ModePoll
	}
	switch l.w.cfg.Mode {
	case ModePoll, ModeEvents:
		return l.w.cfg.Mode
	}
	name, err := l.w.remoteFS(l.real)
	if err != nil {
		l.log.Warn("detect file system type; using events", "path", l.real, "err", err)
		return ModeEvents
	}
	if name != "" {
		if l.mode != ModePoll {
			l.log.Info("root is on a network or FUSE file system ("+name+"); polling", "path", l.real)
		}
		return ModePoll
	}
	return ModeEvents
}

// startEvents watches the root's parent and the whole tree.
func (l *loop) startEvents() {
	stopTicker(&l.pollT, &l.pollC)
	if l.src == nil {
		src, err := l.w.newSource()
		if err != nil {
			if errors.Is(err, syscall.EMFILE) {
				l.log.Warn("inotify instance limit reached; raise sysctl fs.inotify.max_user_instances; polling instead", "err", err)
			} else {
				l.log.Warn("start inotify; polling instead", "err", err)
			}
			l.degraded = true
			l.startPolling()
			return
		}
		l.src, l.evC, l.errC = src, src.events(), src.errors()
	}
	l.mode = ModeEvents
	if parent := filepath.Dir(l.w.rootAbs); parent != l.w.rootAbs {
		// Failure is fine: the root is also polled for while it is lost.
		if err := l.src.add(parent); err != nil {
			l.log.Debug("watch the root's parent", "path", parent, "err", err)
		}
	}
	start := time.Now()
	if l.addTree(l.real, false) {
		l.limitReached()
		return
	}
	if l.renewing {
		l.log.Debug("watching", "path", l.w.rootAbs, "count", len(l.watched), "duration", time.Since(start))
	} else {
		l.log.Info("watching", "path", l.w.rootAbs, "count", len(l.watched), "duration", time.Since(start))
	}
	if l.w.cfg.Rescan > 0 && l.rescanT == nil {
		l.rescanT = time.NewTicker(l.w.cfg.Rescan)
		l.rescanC = l.rescanT.C
	}
}

// startPolling drops the event source, if any, and starts the poll timer.
func (l *loop) startPolling() {
	l.closeSource()
	stopTicker(&l.rescanT, &l.rescanC)
	if l.pollT == nil {
		l.pollT = time.NewTicker(l.w.cfg.PollInterval)
		l.pollC = l.pollT.C
		l.log.Info("polling", "path", l.w.rootAbs, "duration", l.w.cfg.PollInterval)
	}
	l.mode = ModePoll
}

// limitReached switches to polling for good after the watch limit was hit.
func (l *loop) limitReached() {
	l.degraded = true
	l.startPolling()
	l.markRescan()
}

// closeSource closes the event source and forgets its watches.
func (l *loop) closeSource() {
	if l.src == nil {
		return
	}
	if err := l.src.close(); err != nil {
		l.log.Debug("close inotify", "err", err)
	}
	l.src, l.evC, l.errC = nil, nil, nil
	clear(l.watched)
}

// sourceClosed handles the event source closing its channels by itself.
func (l *loop) sourceClosed() {
	l.log.Error("event source closed; polling instead")
	l.degraded = true
	l.startPolling()
	l.markRescan()
}

// setLost records that the root is missing and starts looking for it.
func (l *loop) setLost() {
	l.lost, l.lostAt = true, time.Now()
	stopTicker(&l.pollT, &l.pollC)
	stopTicker(&l.rescanT, &l.rescanC)
	if l.rootT == nil {
		l.rootT = time.NewTicker(rootPollInterval)
		l.rootC = l.rootT.C
	}
}

// rootLost handles the root going away: it drops every tree watch (the
// parent watch stays, to hear the root come back) and polls for the root.
// Nothing is sent while the root is lost, so the consumer keeps its state;
// the changes not yet sent are dropped too (mostly the removals of an
// "rm -rf" of the root), since the Rescan sent when the root is back
// covers them.
func (l *loop) rootLost(err error) {
	if l.lost {
		return
	}
	l.log.Warn("root lost; waiting for it to come back", "path", l.w.rootAbs, "err", err)
	l.pruneAll()
	l.b.drop()
	l.setLost()
}

// checkRoot re-resolves the root and reacts to it being lost, back or
// replaced. With stale set, the watches are renewed even if the root looks
// the same, because its name was removed or renamed (the new directory may
// have the old one's inode number).
func (l *loop) checkRoot(stale bool) {
	dir, fi, err := resolveRoot(l.w.rootAbs)
	if err != nil {
		if !l.lost {
			l.rootLost(err)
		} else if !errors.Is(err, fs.ErrNotExist) && err.Error() != l.rootErr {
			l.rootErr = err.Error()
			l.log.Warn("root unusable; waiting", "path", l.w.rootAbs, "err", err)
		}
		return
	}
	if l.lost {
		l.begin(dir, fi)
		return
	}
	if stale || dir != l.real || !os.SameFile(fi, l.rootInfo) {
		l.log.Warn("root replaced; watching it again", "path", l.w.rootAbs)
		l.pruneAll()
		l.begin(dir, fi)
	}
}

// rootEvent handles an event naming the root itself, from its own watch or
// from its parent's.
func (l *loop) rootEvent(ev fsnotify.Event) {
	l.checkRoot(ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename))
}

// handleEvent turns one event inside the tree into dirty paths and keeps
// the watches in step with the directories.
func (l *loop) handleEvent(ev fsnotify.Event) {
	if strings.Contains(ev.Name, "//") {
		// fsnotify joins a watch on "/" and a name as "//name".
		ev.Name = filepath.Clean(ev.Name)
	}
	if ev.Name == l.w.rootAbs || ev.Name == l.real {
		l.rootEvent(ev)
		return
	}
	if l.lost || l.src == nil {
		return
	}
	rel, ok := l.rel(ev.Name)
	if !ok || hidden(rel) {
		return // a sibling of the root seen by the parent watch, or noise
	}
	gone := ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
	created := ev.Has(fsnotify.Create)
	if !gone && !created && l.b.pendingHas(rel) {
		l.b.touch(time.Now()) // a write storm on one file: no stat needed
		return
	}
	if gone {
		_, wasDir := l.watched[ev.Name]
		l.prune(ev.Name)
		if !l.ignored(rel, wasDir) {
			l.mark(rel)
		}
		if !created {
			return
		}
	}
	fi, err := os.Lstat(ev.Name)
	if err != nil {
		_, wasDir := l.watched[ev.Name]
		if !l.ignored(rel, wasDir) {
			l.mark(rel)
		}
		return
	}
	isDir := fi.IsDir() // false for a symlink: links are never followed
	if l.ignored(rel, isDir) {
		return
	}
	if isDir {
		if listed, ok := l.watched[ev.Name]; created || !ok || !listed {
			// Prune first: fsnotify hands back a stale watch for a
			// directory renamed within the tree (docs/watching.md E11).
			l.prune(ev.Name)
			if l.addTree(ev.Name, true) {
				l.limitReached()
			}
			return
		}
	}
	l.mark(rel)
}

// handleError handles an error from the event source. None is fatal.
func (l *loop) handleError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		l.log.Warn("inotify event queue overflowed; raise sysctl fs.inotify.max_queued_events; rescanning", "err", err)
		l.markRescan()
		return
	}
	l.errCount++
	l.log.Warn("inotify error", "err", err, "count", l.errCount)
}

func (l *loop) onTimer() {
	if !l.b.hasPending() {
		l.timerC = nil
		return
	}
	now := time.Now()
	if due := l.b.due(); now.Before(due) {
		l.timer.Reset(due.Sub(now))
		return
	}
	l.b.flush()
	l.timerC = nil
}

func (l *loop) onPoll() {
	if _, _, err := resolveRoot(l.w.rootAbs); err != nil {
		l.rootLost(err)
		return
	}
	l.markRescan()
}

// onRescanTick runs the periodic safety net of event mode: it re-resolves
// the root and renews every watch before asking for a full rescan, so a
// watch made stale by something the rules above missed cannot stay stale.
// Changes made while the watches are renewed are covered by the rescan,
// which the consumer runs afterwards.
func (l *loop) onRescanTick() {
	dir, fi, err := resolveRoot(l.w.rootAbs)
	if err != nil {
		l.rootLost(err)
		return
	}
	if dir != l.real || !os.SameFile(fi, l.rootInfo) {
		l.log.Warn("root replaced; watching it again", "path", l.w.rootAbs)
	}
	l.pruneAll()
	l.renewing = true
	l.begin(dir, fi)
	l.renewing = false
}

// onRenew renews every watch now, as the periodic rescan does; in poll
// mode, where there are no watches, it asks for a rescan. A missing root
// is rescanned when it comes back anyway.
func (l *loop) onRenew() {
	switch {
	case l.lost || !l.seen:
	case l.mode == ModePoll:
		l.markRescan()
	default:
		l.onRescanTick()
	}
}

func (l *loop) onRootTick() { l.checkRoot(false) }

// mark records a changed path.
func (l *loop) mark(rel string) {
	if now := time.Now(); l.b.add(rel, now) {
		l.arm(now)
	}
}

// markRescan records that the whole tree must be rescanned.
func (l *loop) markRescan() {
	if now := time.Now(); l.b.rescan(now) {
		l.arm(now)
	}
}

// arm starts the debounce timer for a new pending batch.
func (l *loop) arm(now time.Time) {
	d := l.b.due().Sub(now)
	if l.timer == nil {
		l.timer = time.NewTimer(d)
	} else {
		l.timer.Reset(d)
	}
	l.timerC = l.timer.C
}

// rel returns the slash-separated path of abs relative to the root, and
// false when abs is not strictly inside the root.
func (l *loop) rel(abs string) (string, bool) {
	rest, ok := strings.CutPrefix(abs, l.prefix)
	if !ok || rest == "" {
		return "", false
	}
	return filepath.ToSlash(rest), true
}

// ignored applies the editor temp-name filter and Config.Ignore. Hidden
// paths are checked by the callers.
func (l *loop) ignored(rel string, isDir bool) bool {
	if !isDir && tempName(rel[strings.LastIndexByte(rel, '/')+1:]) {
		return true
	}
	return l.w.cfg.Ignore != nil && l.w.cfg.Ignore(rel, isDir)
}

func stopTicker(t **time.Ticker, c *<-chan time.Time) {
	if *t != nil {
		(*t).Stop()
		*t, *c = nil, nil
	}
}
