package watch

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/fsnotify/fsnotify"
)

// readBatch is how many directory entries addTree reads at a time.
const readBatch = 1024

// addTree watches top and every directory under it that is not ignored, each
// one before it is listed, so that nothing created in a new directory is missed
// ("add then scan", docs/watching.md R4). With report set it marks top itself
// and every non-directory under it as changed. It never follows symlinks. It
// reports whether the inotify watch limit was reached, after which the caller
// must switch to polling.
func (l *loop) addTree(top string, report bool) (limit bool) {
	// top itself is never hidden or ignored, and is not followed either:
	// a symlink is marked like a file.
	fi, err := os.Lstat(top)
	if err != nil {
		// A top gone already is not logged: its Remove event follows.
		if !errors.Is(err, fs.ErrNotExist) {
			l.log.Warn("read directory", "path", top, "err", err)
		}
		return false
	}
	if report {
		rel, _ := l.rel(top) // "" for the root itself
		l.mark(rel)
	}
	if !fi.IsDir() {
		return false
	}
	return l.addDir(top, report)
}

// addDir watches the directory p, then lists it and does the same for each
// subdirectory listed. It reports whether the watch limit was reached, which
// ends the whole walk.
func (l *loop) addDir(p string, report bool) (limit bool) {
	if err := l.src.add(p); err != nil {
		switch {
		case errors.Is(err, syscall.ENOSPC):
			l.logLimit(p, err)
			return true
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
			return false
		default:
			// The consumer cannot trust events for this subtree.
			l.log.Warn("watch directory; rescanning", "path", p, "err", err)
			l.markRescan()
			return false
		}
	}
	l.watched[p] = true
	dirs, err := l.list(p, report)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Watched but not listed: a later Chmod retries it.
		l.watched[p] = false
		l.log.Warn("read directory", "path", p, "err", err)
	}
	for _, d := range dirs {
		if l.addDir(d, report) {
			return true
		}
	}
	return false
}

// list reads the directory p and returns the paths of its subdirectories
// that are neither hidden nor ignored; with report set it marks its other
// entries that are neither. It reads in batches and unsorted, since order
// does not matter here and a folder may hold 100,000 files, which
// os.ReadDir and filepath.WalkDir would sort. The directory is closed
// before the caller descends, so a deep tree does not hold a descriptor
// per level. With an error, it still returns the subdirectories read
// before it.
func (l *loop) list(p string, report bool) ([]string, error) {
	f, err := openDir(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var dirs []string
	for {
		ents, err := f.ReadDir(readBatch)
		for _, d := range ents {
			// The type comes from the directory entry: a symlink to a
			// directory is not a directory, so it is never followed.
			isDir := d.IsDir()
			if !isDir && !report {
				// At startup, with 100,000 files, a file must cost
				// nothing: not even a path, let alone an Ignore call.
				continue
			}
			if strings.HasPrefix(d.Name(), ".") {
				continue
			}
			c := filepath.Join(p, d.Name())
			rel, _ := l.rel(c)
			switch {
			case l.ignored(rel, isDir):
				// Skipped, and an ignored directory is not descended.
			case isDir:
				dirs = append(dirs, c)
			default:
				l.mark(rel)
			}
		}
		if err == io.EOF {
			return dirs, nil
		}
		if err != nil {
			return dirs, err
		}
	}
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
