package watch

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// addTree watches top and every directory under it that is not ignored, each
// one before it is listed, so that nothing created in a new directory is missed
// ("add then scan", docs/watching.md R4). With report set it marks top itself
// and every non-directory under it as changed. It never follows symlinks. It
// reports whether the inotify watch limit was reached, after which the caller
// must switch to polling.
func (l *loop) addTree(top string, report bool) (limit bool) {
	// WalkDir only returns errors that the callback returns; the callback
	// handles every error itself.
	_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		rel, _ := l.rel(p) // "" for the root itself
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // gone already; its Remove event follows
			}
			if d != nil && d.IsDir() {
				// Watched but not listed: a later Chmod retries it.
				if _, ok := l.watched[p]; ok {
					l.watched[p] = false
				}
			}
			l.log.Warn("read directory", "path", p, "err", err)
			return nil
		}
		if p != top {
			if strings.HasPrefix(d.Name(), ".") {
				return skip(d)
			}
			if l.ignored(rel, d.IsDir()) {
				return skip(d)
			}
		}
		if !d.IsDir() {
			if report {
				l.mark(rel)
			}
			return nil
		}
		if report && p == top {
			l.mark(rel)
		}
		if err := l.src.add(p); err != nil {
			switch {
			case errors.Is(err, syscall.ENOSPC):
				limit = true
				l.logLimit(p, err)
				return fs.SkipAll
			case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
				return fs.SkipDir
			default:
				// The consumer cannot trust events for this subtree.
				l.log.Warn("watch directory; rescanning", "path", p, "err", err)
				l.markRescan()
				return fs.SkipDir
			}
		}
		l.watched[p] = true
		return nil
	})
	return limit
}

func skip(d fs.DirEntry) error {
	if d.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// logLimit logs, once per Run, that the inotify watch limit was reached.
func (l *loop) logLimit(path string, err error) {
	if l.limitLogged {
		return
	}
	l.limitLogged = true
	l.log.Warn("inotify watch limit reached; raise sysctl fs.inotify.max_user_watches; polling instead",
		"path", path, "err", err, "count", len(l.watched))
}

// prune stops watching abs and every directory under it (docs/watching.md R5).
// A directory moved out of the tree keeps its watches, which would report
// changes made outside the tree under stale names; and fsnotify would hand
// back the old watch if the directory were added again under a new name.
func (l *loop) prune(abs string) {
	if _, ok := l.watched[abs]; !ok {
		return // by the invariant on watched, nothing under abs is watched
	}
	prefix := abs + string(filepath.Separator)
	for p := range l.watched {
		if p == abs || strings.HasPrefix(p, prefix) {
			l.unwatch(p)
		}
	}
}

// pruneAll stops watching the whole tree; the parent watch stays.
func (l *loop) pruneAll() {
	for p := range l.watched {
		l.unwatch(p)
	}
}

func (l *loop) unwatch(p string) {
	delete(l.watched, p)
	if l.src == nil {
		return
	}
	// The kernel drops the watch of a deleted directory by itself, so
	// "non-existent" and EINVAL are expected here.
	if err := l.src.remove(p); err != nil &&
		!errors.Is(err, fsnotify.ErrNonExistentWatch) && !errors.Is(err, syscall.EINVAL) {
		l.log.Debug("remove watch", "path", p, "err", err)
	}
}

// hidden reports whether any component of the slash-separated rel starts
// with a dot.
func hidden(rel string) bool {
	for {
		if strings.HasPrefix(rel, ".") {
			return true
		}
		i := strings.IndexByte(rel, '/')
		if i < 0 {
			return false
		}
		rel = rel[i+1:]
	}
}

// tempName reports whether a file name is an editor leftover that is never
// an article: vim's "4913" probe and swap files, "~" backups, emacs
// "#auto-save#" files and JetBrains safe-write names ("a.md___jb_tmp___").
// Hidden names (".#lock", ".goutputstream-*", ".DS_Store") are dropped
// before this is asked.
func tempName(name string) bool {
	return name == "4913" ||
		strings.HasSuffix(name, "~") ||
		strings.HasPrefix(name, "#") ||
		strings.HasSuffix(name, ".swp") ||
		strings.HasSuffix(name, ".swx") ||
		strings.Contains(name, "___jb_")
}
