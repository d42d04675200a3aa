package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ManifestName is the file in the output folder that records what dropfeed
// wrote there (see [Entry]), so that it removes only its own files and
// knows, without reading them, which files hold what a new build needs.
const ManifestName = ".dropfeed-manifest"

// lockName is the hidden file a [DirStore] holds locked, with its process
// id in it, for as long as it is open, so that two writers never write one
// folder at once. Found unlocked when a store opens, it says that an earlier
// writer was cut short (the process killed, the machine stopped) and may
// have left hidden temporary files behind, which are then removed.
const lockName = ".dropfeed-writing"

// ErrBusy is wrapped by the error [OpenDir] returns when another process
// holds the output folder.
var ErrBusy = errors.New("is being written by another dropfeed")

// DirStore is a [Store] in a folder of the local file system: each file is
// written as a hidden temporary file in its own folder and renamed over the
// old one, so a reader sees the old or the new file, never a part; each
// text file has a .gz sibling for nginx gzip_static, written before it.
//
// Its record is [ManifestName]: a snapshot of every entry, sorted, followed
// by the changes committed since, one line each, appended. When the changes
// outnumber the snapshot's entries, the record is rewritten whole (a
// temporary file renamed over it). A commit cut short leaves at most a last
// line without its newline, which is ignored and cut off at the next open.
//
// A DirStore holds the folder (see [OpenDir]) until it is closed.
//
// # Crashes and full disks
//
// Files are not fsynced: a crash of the process loses nothing that was
// renamed or appended, but after a power loss a file system without
// rename ordering may show a renamed file empty.
type DirStore struct {
	dir  string
	lock *os.File

	mu       sync.Mutex // guards the fields below (Commit and Close)
	rec      *os.File   // the record, open for appending; nil until Load
	size     int64      // the record's length
	snapshot int        // entries in the record's snapshot
	lines    int        // change lines appended after it
	rewrite  bool       // the record must be rewritten whole at the next commit
}

// OpenDir opens dir (creating it) as a [DirStore]. It takes the folder's
// lock for as long as the store is open: while another process holds it,
// OpenDir fails at once with an error that wraps [ErrBusy] and names the
// other process. When the lock shows that an earlier writer was cut short,
// OpenDir removes the hidden temporary files it left (in dir and its
// folders, not in hidden folders); nothing else is touched.
//
// On systems without flock(2) the lock is not taken (the file is still
// made, for the crash check).
func OpenDir(dir string) (*DirStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	lock, crashed, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	if crashed {
		removeStaleTemps(dir)
	}
	return &DirStore{dir: dir, lock: lock}, nil
}

// lockDir takes the lock of dir. It reports whether the lock file was
// there, unlocked: a writer before this one did not close.
func lockDir(dir string) (*os.File, bool, error) {
	p := filepath.Join(dir, lockName)
	for range 16 {
		crashed := false
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			crashed = true
			f, err = os.OpenFile(p, os.O_RDWR, 0)
			if errors.Is(err, fs.ErrNotExist) {
				continue // its holder closed meanwhile
			}
		}
		if err != nil {
			return nil, false, fmt.Errorf("lock output folder: %w", err)
		}
		if err := flock(f); err != nil {
			pid := "unknown"
			if b, rerr := io.ReadAll(io.LimitReader(f, 32)); rerr == nil {
				if n, cerr := strconv.Atoi(strings.TrimSpace(string(b))); cerr == nil && n > 0 {
					pid = strconv.Itoa(n)
				}
			}
			f.Close()
			if errors.Is(err, errLocked) {
				return nil, false, fmt.Errorf("output folder %s %w (pid %s)", dir, ErrBusy, pid)
			}
			return nil, false, fmt.Errorf("lock output folder: %w", err)
		}
		// Its holder may have removed the file between our open and our
		// lock, and a third process made a new one: hold the one in place.
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(p)
		if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		return f, crashed, nil
	}
	return nil, false, fmt.Errorf("lock output folder %s: its lock file keeps changing", dir)
}

// Dir returns the folder.
func (s *DirStore) Dir() string { return s.dir }

// Close releases the folder: the lock file is removed, so that the next
// writer finds no sign of a crash. Close does not wait for calls in
// progress; the caller makes sure there are none.
func (s *DirStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if s.rec != nil {
		errs = append(errs, s.rec.Close())
		s.rec = nil
	}
	if s.lock != nil {
		// Removed while still locked, so no one takes a lock on a file
		// about to go (lockDir checks the file it locked is in place).
		if err := os.Remove(filepath.Join(s.dir, lockName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
		errs = append(errs, s.lock.Close())
		s.lock = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close output folder: %w", err)
	}
	return nil
}

// Load reads the record. A last line cut short is removed from the file.
func (s *DirStore) Load(ctx context.Context) (*Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := filepath.Join(s.dir, ManifestName)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		s.rewrite = true
		return new(Record), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	entries, lines, current, valid, err := parseRecord(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if fi.Size() != valid {
		if err := f.Truncate(valid); err != nil {
			s.rewrite = true
		}
	}
	if s.rec != nil {
		s.rec.Close()
	}
	s.rec, s.size = f, valid
	// Treat what was read as snapshot and changes alike: the record is
	// rewritten once the changes appended from now on outnumber it.
	s.snapshot, s.lines = entries.Len(), lines-entries.Len()
	s.rewrite = s.rewrite || !current
	return entries, nil
}

// Commit appends the changes to the record, or rewrites it whole from full
// when the changes appended since the last rewrite outnumber its entries.
func (s *DirStore) Commit(ctx context.Context, changes []Change, full *Record) error {
	if len(changes) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rec == nil || s.rewrite || s.lines+len(changes) > s.snapshot {
		return s.rewriteRecord(full)
	}
	var buf []byte
	for _, c := range changes {
		buf = appendChange(buf, c)
	}
	n, err := s.rec.Write(buf)
	if err != nil {
		// Take back a part written (a full disk), so that the next line
		// does not continue it; if that fails, rewrite the record next time.
		if n > 0 && s.rec.Truncate(s.size) != nil {
			s.rewrite = true
		}
		return fmt.Errorf("write %s: %w", ManifestName, err)
	}
	s.size += int64(n)
	s.lines += len(changes)
	return nil
}

// rewriteRecord writes the record whole, through a temporary file.
func (s *DirStore) rewriteRecord(full *Record) error {
	data := appendSnapshot(nil, full)
	if _, err := writeFileAtomic(s.dir, ManifestName, data, false); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, ManifestName), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		s.rewrite = true
		return fmt.Errorf("open %s: %w", ManifestName, err)
	}
	if s.rec != nil {
		s.rec.Close()
	}
	s.rec, s.size, s.snapshot, s.lines, s.rewrite = f, int64(len(data)), full.Len(), 0, false
	return nil
}

// Put writes f's gzip copy at rel.gz, then its body at rel.
func (s *DirStore) Put(ctx context.Context, rel string, f *File) error {
	gz, _ := f.Gzip()
	if _, err := writeFileAtomic(s.dir, rel+".gz", gz, false); err != nil {
		return err
	}
	_, err := writeFileAtomic(s.dir, rel, f.Body, false)
	return err
}

// Copy writes the size bytes of r at rel.
func (s *DirStore) Copy(ctx context.Context, rel string, r io.Reader, size int64) error {
	_, err := copyFileAtomic(s.dir, rel, r, size, false)
	return err
}

// Remove removes rel and, for a text file, its .gz sibling, then the
// folders this left empty.
func (s *DirStore) Remove(ctx context.Context, rel string) (int, error) {
	names := []string{rel}
	if kindOf(rel).isText() {
		names = append(names, rel+".gz")
	}
	n := 0
	for _, name := range names {
		err := os.Remove(filepath.Join(s.dir, filepath.FromSlash(name)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("remove stale %s: %w", name, err)
		}
		if err == nil {
			n++
		}
	}
	removeEmptyParents(s.dir, path.Dir(rel))
	return n, nil
}

// Intact reports whether rel (and, for a text file, its .gz sibling) is a
// regular file of the size e records (any size when not known).
func (s *DirStore) Intact(rel string, e Entry) bool {
	if !sizeIs(filepath.Join(s.dir, filepath.FromSlash(rel)), e.Size) {
		return false
	}
	return !kindOf(rel).isText() || sizeIs(filepath.Join(s.dir, filepath.FromSlash(rel+".gz")), e.GzipSize)
}

func sizeIs(p string, size int64) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && (size < 0 || fi.Size() == size)
}

// WriteDir publishes b into the folder dir once: it opens it ([OpenDir],
// which fails while another dropfeed holds the folder), writes what b
// needs ([Publisher]) and closes it. Files whose bytes did not change are
// not rewritten, and pages whose recorded source matches are not even
// rendered; files dropfeed wrote before and b no longer has are removed,
// and nothing else in dir is touched.
//
// The files are rss.xml, atom.xml, feed.json, index.html, the tag and
// section feeds and articles/<slug>/index.html, each with a .gz sibling
// for nginx gzip_static, and the media files the articles reference; they
// serve the same bytes as [Server].
func WriteDir(ctx context.Context, dir string, b *Bundle, opts WriteOptions) (WriteStats, error) {
	s, err := OpenDir(dir)
	if err != nil {
		return WriteStats{}, err
	}
	p := NewPublisher(s, opts)
	err = p.Publish(ctx, b)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return p.Stats(), err
}

// removeStaleTemps removes the hidden temporary files that an interrupted
// write left in dir and its folders (hidden folders are not entered). It is
// best effort: what it cannot remove stays hidden, and the write goes on.
func removeStaleTemps(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // unreadable or gone: skipped
		case d.IsDir() && p != dir && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case !d.IsDir() && isTempName(d.Name()):
			_ = os.Remove(p)
		}
		return nil
	})
}

// isTempName reports whether a file name is one of the temporary names
// writeFileAtomic and copyFileAtomic make: "." + name + ".tmp-" + digits.
func isTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 || i+len(".tmp-") == len(name) {
		return false
	}
	return strings.Trim(name[i+len(".tmp-"):], "0123456789") == ""
}

// writeFileAtomic writes data to dir/rel through a temp file and a rename,
// unless the file already holds exactly data (sameHash is a hint; the size
// is always checked). It reports whether it wrote.
func writeFileAtomic(dir, rel string, data []byte, sameHash bool) (bool, error) {
	return copyFileAtomic(dir, rel, bytes.NewReader(data), int64(len(data)), sameHash)
}

// copyFileAtomic copies src (size bytes) to dir/rel through a temp file and a
// rename, unless the caller says the same file is there (same) and its size
// agrees. It reports whether it wrote.
func copyFileAtomic(dir, rel string, src io.Reader, size int64, same bool) (bool, error) {
	target := filepath.Join(dir, filepath.FromSlash(rel))
	if same && sizeIs(target, size) {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return false, fmt.Errorf("create folder for %s: %w", rel, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	return true, nil
}

// removeEmptyParents removes now-empty folders from rel up to (not including) dir.
func removeEmptyParents(dir, rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return // not empty, or not ours
		}
		rel = path.Dir(rel)
	}
}
