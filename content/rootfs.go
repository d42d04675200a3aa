package content

import (
	"io/fs"
	"os"
	"slices"
	"strings"
)

// RootFS returns the file system of the folder r, for [Load] and [Index]. It
// is r.FS() (so links that leave the folder are refused) with one
// difference: a name that is not valid UTF-8, such as a Latin-1 "café.md"
// copied from an old system or unpacked from a zip file, is read like any
// other. Its bytes stay in the article's path and slug and are
// percent-encoded in its id and URL.
//
// On Linux, files are opened with one openat2(2) call beneath the folder
// (RESOLVE_BENEATH), instead of one open per path component; whatever that
// call refuses or fails is done again through r, so errors and the links
// followed are r's.
func RootFS(r *os.Root) fs.FS { return &rootFS{root: r} }

type rootFS struct {
	root *os.Root
	fast fastRoot // the platform's quicker way to open files, if any
}

// ValidName reports whether name is a path RootFS accepts: [fs.ValidPath]
// without its rule that names be UTF-8.
func ValidName(name string) bool {
	if name == "." {
		return true
	}
	if name == "" || strings.ContainsRune(name, 0) {
		return false
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return true
}

// close closes the folder and the descriptor of its quicker opens.
func (rfs *rootFS) close() {
	rfs.fast.close()
	rfs.root.Close()
}

func (rfs *rootFS) check(op, name string) error {
	if !ValidName(name) {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return nil
}

func (rfs *rootFS) Open(name string) (fs.File, error) {
	if err := rfs.check("open", name); err != nil {
		return nil, err
	}
	if f, ok := rfs.openFast(name, os.O_RDONLY); ok {
		return f, nil
	}
	f, err := rfs.root.Open(name)
	if err != nil {
		return nil, err // not a nil *os.File in an interface
	}
	return f, nil
}

// OpenFile opens name with the given flags, for the readiness checks, which
// open with O_NONBLOCK so that neither a FIFO swapped in after the stat nor
// another process's write lease can make the open wait.
func (rfs *rootFS) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	if err := rfs.check("open", name); err != nil {
		return nil, err
	}
	if f, ok := rfs.openFast(name, flag); ok {
		return f, nil
	}
	return rfs.root.OpenFile(name, flag, perm)
}

func (rfs *rootFS) Stat(name string) (fs.FileInfo, error) {
	if err := rfs.check("stat", name); err != nil {
		return nil, err
	}
	return rfs.root.Stat(name)
}

func (rfs *rootFS) Lstat(name string) (fs.FileInfo, error) {
	if err := rfs.check("lstat", name); err != nil {
		return nil, err
	}
	return rfs.root.Lstat(name)
}

func (rfs *rootFS) ReadLink(name string) (string, error) {
	if err := rfs.check("readlink", name); err != nil {
		return "", err
	}
	return rfs.root.Readlink(name)
}

// readDirTypes lists the folder name sorted by name, each entry with its
// type as the folder gives it and no stat of its own (the Info of an entry
// stats it then): for a walk that leaves the stat of each file to its read.
func (rfs *rootFS) readDirTypes(name string) ([]fs.DirEntry, error) {
	if err := rfs.check("readdir", name); err != nil {
		return nil, err
	}
	if entries, ok := rfs.readDirTypesFast(name); ok {
		return entries, nil
	}
	// A folder opened through the root stats every entry as it lists it.
	f, err := rfs.root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, err
}

// ReadDir returns the entries sorted by name, as [fs.ReadDirFS] requires.
func (rfs *rootFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := rfs.check("readdir", name); err != nil {
		return nil, err
	}
	if entries, ok := rfs.readDirFast(name); ok {
		return entries, nil
	}
	return rfs.readDirTypes(name)
}
