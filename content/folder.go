package content

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
)

// ErrFolderMissing means the content folder is gone (an unmounted share, a
// deploy that replaces it): whoever serves its articles keeps the last good
// ones until it comes back.
var ErrFolderMissing = errors.New("content: folder missing")

// Folder is an open content folder, confined to itself (see [RootFS]), that
// can be opened again when the folder is replaced — deleted and made anew,
// or a symbolic link to it flipped — without its users noticing: [Folder.FS]
// always reads the folder as it was last opened.
//
// A Folder is safe for concurrent use: the goroutine that owns the articles
// reopens it while HTTP handlers read bodies and media files through FS.
type Folder struct {
	name string
	cur  atomic.Pointer[rootFS]

	mu   sync.Mutex // serializes Reopen and Close
	prev *rootFS    // the root before the current one, closed at the next Reopen
}

// OpenFolder opens the content folder dir. It fails when dir is missing
// (with [ErrFolderMissing]), is not a folder or cannot be listed.
func OpenFolder(dir string) (*Folder, error) {
	f := NewFolder(dir)
	if err := f.Reopen(); err != nil {
		return nil, err
	}
	return f, nil
}

// NewFolder returns the content folder dir, not open yet: [Folder.Reopen]
// opens it, for a daemon that waits for a folder that is missing. Until
// then, its FS fails with [ErrFolderMissing].
func NewFolder(dir string) *Folder { return &Folder{name: dir} }

func openRootFS(dir string) (*rootFS, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open content folder %s: %w", dir, ErrFolderMissing)
		}
		return nil, fmt.Errorf("open content folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open content folder: %s is not a folder", dir)
	}
	r, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("read content folder: %w", err)
	} else if err != nil {
		return nil, fmt.Errorf("open content folder: %w", err)
	}
	rfs := &rootFS{root: r}
	// May it be listed? One entry tells: listing it whole (and stat'ing
	// every entry, as ReadDir does) is the index's job.
	d, err := r.Open(".")
	if err == nil {
		_, err = d.ReadDir(1)
		d.Close()
		if errors.Is(err, io.EOF) {
			err = nil // empty
		}
	}
	if err != nil {
		rfs.close()
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	return rfs, nil
}

// Name returns the folder's path as it was given to [OpenFolder].
func (f *Folder) Name() string { return f.name }

// FS returns the folder's file system for [NewIndex], article bodies
// ([Body.Read]) and media files. It reads the folder as last opened.
func (f *Folder) FS() fs.FS { return folderFS{f} }

// Check reports whether the folder is still the one open: replaced is true
// when the path now names another folder (deleted and made again, a link
// flipped) or the folder was never opened, and err wraps [ErrFolderMissing]
// when it names nothing.
func (f *Folder) Check() (replaced bool, err error) {
	fi, err := os.Stat(f.name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, fmt.Errorf("%s: %w", f.name, ErrFolderMissing)
		}
		return false, err
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s is not a folder: %w", f.name, ErrFolderMissing)
	}
	cur := f.cur.Load()
	if cur == nil {
		return true, nil
	}
	rfi, err := cur.root.Stat(".")
	return err != nil || !os.SameFile(fi, rfi), nil
}

// Reopen opens the folder (again) by its name. Readers that began with the
// old one finish with it: it is closed at the next Reopen or at Close.
func (f *Folder) Reopen() error {
	rfs, err := openRootFS(f.name)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.prev != nil {
		f.prev.close()
	}
	f.prev = f.cur.Swap(rfs)
	return nil
}

// Close closes the folder. Reads through FS fail afterwards.
func (f *Folder) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.prev != nil {
		f.prev.close()
		f.prev = nil
	}
	if cur := f.cur.Swap(nil); cur != nil {
		cur.close()
	}
	return nil
}

// folderFS is the file system of a Folder as it is now.
type folderFS struct{ f *Folder }

// current returns the folder as last opened, or a PathError for op and
// name when it was never opened (or is closed).
func (v folderFS) current(op, name string) (*rootFS, error) {
	if cur := v.f.cur.Load(); cur != nil {
		return cur, nil
	}
	return nil, &fs.PathError{Op: op, Path: name, Err: ErrFolderMissing}
}

func (v folderFS) Open(name string) (fs.File, error) {
	r, err := v.current("open", name)
	if err != nil {
		return nil, err
	}
	return r.Open(name)
}

func (v folderFS) Stat(name string) (fs.FileInfo, error) {
	r, err := v.current("stat", name)
	if err != nil {
		return nil, err
	}
	return r.Stat(name)
}

func (v folderFS) Lstat(name string) (fs.FileInfo, error) {
	r, err := v.current("lstat", name)
	if err != nil {
		return nil, err
	}
	return r.Lstat(name)
}

func (v folderFS) ReadLink(name string) (string, error) {
	r, err := v.current("readlink", name)
	if err != nil {
		return "", err
	}
	return r.ReadLink(name)
}

func (v folderFS) ReadDir(name string) ([]fs.DirEntry, error) {
	r, err := v.current("readdir", name)
	if err != nil {
		return nil, err
	}
	return r.ReadDir(name)
}

func (v folderFS) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	r, err := v.current("open", name)
	if err != nil {
		return nil, err
	}
	return r.OpenFile(name, flag, perm)
}

// asRoot returns the rootFS that fsys reads through, for the quicker ways to
// open and read files it has, or nil.
func asRoot(fsys fs.FS) *rootFS {
	switch v := fsys.(type) {
	case *rootFS:
		return v
	case folderFS:
		return v.f.cur.Load()
	}
	return nil
}
