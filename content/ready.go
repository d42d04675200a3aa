package content

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
	"unsafe"
)

// DefaultMaxDefer is how long a file that still looks unfinished is waited for
// when [Readiness.MaxDefer] is zero.
const DefaultMaxDefer = 10 * time.Second

// Readiness makes an [Index] wait for files that are still being written
// instead of publishing half of them (docs/watching.md R8). With it, a changed
// file is deferred, and keeps its previous version, while:
//
//   - some process has it open for writing (on Linux, probed with a read lease:
//     fcntl F_SETLEASE F_RDLCK fails with EAGAIN while a writer is open; where
//     the probe cannot say, for a file we do not own or on a file system
//     without leases, the checks below decide alone);
//   - its size, modification time or inode changed while it was read, or fewer
//     bytes were read than its size;
//   - it is empty (only white space), as every truncate-then-write save is for
//     a moment;
//   - it is Markdown whose front matter opens with "---" and is not closed yet.
//
// Deferred files are listed in [Changes.Deferred] and [Index.Deferred]; the
// caller updates them again a little later. A file that is still not ready
// after MaxDefer is read as it is (an empty one is skipped with [ErrEmpty]) and
// listed in [Changes.Overdue].
//
// The zero value is ready to use.
type Readiness struct {
	// MaxDefer bounds how long a file is deferred. Zero means
	// [DefaultMaxDefer].
	MaxDefer time.Duration
	// Now returns the current time. Nil means [time.Now]; tests set a fake.
	Now func() time.Time
}

func (r *Readiness) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Readiness) maxDefer() time.Duration {
	if r.MaxDefer <= 0 {
		return DefaultMaxDefer
	}
	return r.MaxDefer
}

// Reasons a file is not ready, as [readResult.notReady] says them.
const (
	notReadyWriter     = "open for writing"
	notReadyChanged    = "changed while read"
	notReadyEmpty      = "empty"
	notReadyUnclosedFM = "front matter not closed"
)

// openFileFS is a file system that opens with flags, as [RootFS] does.
type openFileFS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
}

// readResult is one attempt at reading a file that may be being written.
type readResult struct {
	data     []byte
	info     fs.FileInfo // the stat the file was read with
	notReady string      // why the file is not ready; "" when it is
}

// readReady reads the regular file p (whose stat, taken just before, is
// before) and says whether it looks finished. With force set it only reads:
// the caller has waited long enough. Errors are what [ParseFile] returns for
// the same problems.
//
// The bytes are read into *buf when buf is not nil (see parseFile).
//
// before may be nil for a file listed without its stat: the stat of the file
// opened, taken before it is read, is then the one it is read with.
func readReady(fsys fs.FS, p string, before fs.FileInfo, opts Options, force bool, buf *[]byte) (readResult, error) {
	res := readResult{info: before}
	if before != nil && before.Size() > opts.maxSize() {
		return res, errAt(p, 0, tooLarge(before.Size(), opts.maxSize()))
	}
	if rfs := asRoot(fsys); rfs != nil && ValidName(p) {
		if res, err, ok := rfs.readReadyFast(p, before, opts.maxSize(), force, buf); ok {
			return res, err
		}
	}
	var f fs.File
	var err error
	if of, ok := fsys.(openFileFS); ok {
		f, err = openForProbe(of, p)
	} else {
		f, err = fsys.Open(p)
	}
	if err != nil {
		if errors.Is(err, errLeaseHeld) {
			res.notReady = notReadyWriter // someone holds a write lease
			return res, nil
		}
		if errors.Is(err, fs.ErrNotExist) {
			return res, errAt(p, 0, fs.ErrNotExist)
		}
		return res, errAt(p, 0, classifyOpenErr(err))
	}
	defer f.Close()
	if before == nil {
		fi, err := f.Stat()
		switch {
		case err != nil:
			return res, errAt(p, 0, fmt.Errorf("stat: %w", err))
		case !fi.Mode().IsRegular():
			return res, errAt(p, 0, ErrNotRegular)
		case fi.Size() > opts.maxSize():
			return res, errAt(p, 0, tooLarge(fi.Size(), opts.maxSize()))
		}
		before, res.info = fi, fi
	}
	if !force {
		if open, known := writerOpen(f); known && open {
			res.notReady = notReadyWriter
			return res, nil
		}
	}
	limit := opts.maxSize()
	data, err := readAllLimited(f, before.Size(), limit)
	if err != nil {
		return res, errAt(p, 0, err)
	}
	res.data = data
	if force {
		return res, nil
	}
	// fstat of the file read, not a stat of the path: it is cheaper, and a
	// file renamed over the path meanwhile brings its own event.
	after, err := f.Stat()
	if err != nil {
		return res, errAt(p, 0, fmt.Errorf("stat: %w", err))
	}
	changed := after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || inodeOf(after) != inodeOf(before)
	res.notReady = judgeRead(p, data, before.Size(), changed)
	return res, nil
}

// judgeRead says why the bytes read from p do not look finished, or "":
// changed says whether the file's stat after the read differs from the
// one it was read with, which said it had size bytes.
func judgeRead(p string, data []byte, size int64, changed bool) string {
	switch {
	case changed || int64(len(data)) < size:
		return notReadyChanged
	case len(bytes.TrimSpace(data)) == 0:
		return notReadyEmpty
	case FormatOf(p) == FormatMarkdown && !FrontMatterClosed(unsafe.String(unsafe.SliceData(data), len(data))):
		return notReadyUnclosedFM
	}
	return ""
}
