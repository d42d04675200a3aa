//go:build linux

package content

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// fastRoot opens files beneath the content folder with one openat2(2) call
// each, resolved by the kernel with RESOLVE_BENEATH: no ".." and no link may
// leave the folder (an absolute link target counts as leaving it), as with
// [os.Root], which instead opens every folder on the way. Magic links
// (/proc/self/fd/…) are refused too. What openat2 refuses or fails is done
// again through the os.Root, so the errors are the root's.
type fastRoot struct {
	once sync.Once
	dir  *os.File // the content folder itself, opened through the root; nil: no fast path
	fd   int
}

func (f *fastRoot) close() {
	f.once.Do(func() { f.fd = -1 })
	if f.dir != nil {
		f.dir.Close()
	}
}

const resolveBeneath = unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS

// dirFD returns the descriptor of the content folder to open beneath, or -1
// when this kernel (or a seccomp filter) has no openat2.
func (rfs *rootFS) dirFD() int {
	f := &rfs.fast
	f.once.Do(func() {
		f.fd = -1
		d, err := rfs.root.Open(".")
		if err != nil {
			return
		}
		fd := int(d.Fd())
		probe, err := unix.Openat2(fd, ".", &unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: resolveBeneath})
		if err != nil {
			d.Close()
			return
		}
		unix.Close(probe)
		f.dir, f.fd = d, fd
	})
	return f.fd
}

// openBeneath opens name (already checked by ValidName) read-only with the
// extra flags. ok is false when the caller must go through the root.
func (rfs *rootFS) openBeneath(name string, flags int) (fd int, ok bool) {
	dfd := rfs.dirFD()
	if dfd < 0 {
		return -1, false
	}
	defer runtime.KeepAlive(rfs.fast.dir)
	how := unix.OpenHow{Flags: uint64(flags | unix.O_RDONLY | unix.O_CLOEXEC), Resolve: resolveBeneath}
	for {
		fd, err := unix.Openat2(dfd, name, &how)
		switch {
		case err == nil:
			return fd, true
		case errors.Is(err, unix.EINTR):
			continue
		default:
			return -1, false
		}
	}
}

// openFast opens name for reading as [os.Root.OpenFile] would, or returns
// ok false.
func (rfs *rootFS) openFast(name string, flag int) (f *os.File, ok bool) {
	if flag&(os.O_WRONLY|os.O_RDWR|os.O_CREATE|os.O_TRUNC|os.O_APPEND|os.O_EXCL) != 0 {
		return nil, false
	}
	fd, ok := rfs.openBeneath(name, flag)
	if !ok {
		return nil, false
	}
	return os.NewFile(uintptr(fd), rfs.root.Name()+"/"+name), true
}

// readFast reads the regular file name whole, with the fewest system calls:
// openat2, fstat, read until EOF, close. It opens with O_NONBLOCK, so a FIFO
// swapped in after the listing cannot block it (it is refused by the fstat),
// nor can another process's write lease (the root's open then waits, as
// before). info is the fstat of the file read. ok is false when the caller
// must read through the root; otherwise err is nil or a [*ParseError].
func (rfs *rootFS) readFast(name string, limit int64, buf *[]byte) (data []byte, info fs.FileInfo, err error, ok bool) {
	fd, ok := rfs.openBeneath(name, unix.O_NONBLOCK|unix.O_NOCTTY)
	if !ok {
		return nil, nil, nil, false
	}
	defer unix.Close(fd)
	st, err, ok := regularInfo(fd, name, limit)
	if !ok || err != nil {
		return nil, nil, err, ok
	}
	data, tooBig, err := readFD(fd, st.Size(), limit, buf)
	switch {
	case tooBig:
		return nil, nil, errAt(name, 0, moreThan(limit)), true
	case err != nil:
		return nil, nil, nil, false // the root reads it again and says why it fails
	}
	return data, st, nil, true
}

// regularInfo is the fstat of fd, the file name opened for reading, as the
// [fs.FileInfo] a stat through the root gives; err when it is not a regular
// file or larger than limit. ok is false when the fstat failed.
func regularInfo(fd int, name string, limit int64) (st *dirEntry, err error, ok bool) {
	var u unix.Stat_t
	if err := fstat(fd, &u); err != nil {
		return nil, nil, false
	}
	st = &dirEntry{name: path.Base(name), st: sysStat(&u)}
	switch {
	case !st.Mode().IsRegular():
		return nil, errAt(name, 0, ErrNotRegular), true
	case st.Size() > limit:
		return nil, errAt(name, 0, tooLarge(st.Size(), limit)), true
	}
	return st, nil, true
}

func fstat(fd int, st *unix.Stat_t) error {
	for {
		err := unix.Fstat(fd, st)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// readFD reads fd to its end, expecting size bytes (its size when it was
// opened); tooBig reports more than limit. A first read that returns
// exactly size bytes is taken as the whole file, without another read to
// see the end: the file as it was when its size was taken. It reads into
// *scratch when scratch is not nil, and leaves there the buffer it used.
func readFD(fd int, size, limit int64, scratch *[]byte) (data []byte, tooBig bool, err error) {
	var buf []byte
	if scratch != nil && int64(cap(*scratch)) > size {
		buf = (*scratch)[:0]
	} else {
		buf = make([]byte, 0, max(size, 511)+1) // +1: the EOF is seen without growing
	}
	if scratch != nil {
		defer func() { *scratch = buf[:0] }()
	}
	for first := true; ; first = false {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return nil, false, err
		case n == 0:
			return buf, false, nil
		}
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, true, nil
		}
		if first && int64(n) == size && size > 0 {
			return buf, false, nil
		}
	}
}

// readReadyFast is readReady with the fewest system calls: openat2,
// the lease probe (two fcntl), one read of the size listed, fstat and
// close, where going through an os.File adds a few more per file. The
// bytes are read into *buf when buf is not nil (see parseFile). ok is
// false when the caller must read through the root, which then says what
// is wrong.
func (rfs *rootFS) readReadyFast(name string, before fs.FileInfo, limit int64, force bool, buf *[]byte) (res readResult, err error, ok bool) {
	res.info = before
	fd, ok := rfs.openBeneath(name, unix.O_NONBLOCK|unix.O_NOCTTY)
	if !ok {
		return res, nil, false
	}
	defer unix.Close(fd)
	if before == nil {
		// Listed without a stat: the file's own, before it is read.
		st, err, ok := regularInfo(fd, name, limit)
		if !ok || err != nil {
			return res, err, ok
		}
		before, res.info = st, st
	}
	if !force {
		if open, known := leaseProbe(fd); known && open {
			res.notReady = notReadyWriter
			return res, nil, true
		}
	}
	data, tooBig, err := readFD(fd, before.Size(), limit, buf)
	switch {
	case tooBig:
		return res, errAt(name, 0, moreThan(limit)), true
	case err != nil:
		return res, nil, false // the root reads it again and says why it fails
	}
	res.data = data
	if force {
		return res, nil, true
	}
	var st unix.Stat_t
	if err := fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return res, nil, false
	}
	changed := st.Size != before.Size() || !time.Unix(st.Mtim.Unix()).Equal(before.ModTime()) || st.Ino != inodeOf(before)
	res.notReady = judgeRead(name, data, before.Size(), changed)
	return res, nil, true
}

// readDirFast lists the folder name beneath the content folder and stats
// each entry there (fstatat, not following links), on two goroutines for a
// large folder, where os.Root stats one entry after the other. Entries
// gone by their stat are left out, as os.Root leaves them out; their Info
// is what os.Root gives. ok is false when the caller must go through the
// root.
func (rfs *rootFS) readDirFast(name string) (entries []fs.DirEntry, ok bool) {
	dir, fd, ok := rfs.openDirBeneath(name)
	if !ok {
		return nil, false
	}
	defer dir.Close()
	names, err := dir.Readdirnames(-1)
	if err != nil {
		return nil, false
	}
	slices.Sort(names)
	all := make([]dirEntry, len(names))
	errs := make([]error, len(names))
	stat := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			all[i].name = names[i]
			errs[i] = fstatat(fd, names[i], &all[i].st)
		}
	}
	if half := len(names) / 2; half >= 32 {
		var wg sync.WaitGroup
		wg.Go(func() { stat(0, half) })
		stat(half, len(names))
		wg.Wait()
	} else {
		stat(0, len(names))
	}
	runtime.KeepAlive(dir)
	entries = make([]fs.DirEntry, 0, len(names))
	for i := range all {
		switch {
		case errs[i] == nil:
			entries = append(entries, &all[i])
		case !errors.Is(errs[i], unix.ENOENT):
			return nil, false // let the root say what is wrong
		}
	}
	return entries, true
}

// openDirBeneath opens the folder name beneath the content folder, and
// returns it with its descriptor. ok is false when the caller must go
// through the root.
func (rfs *rootFS) openDirBeneath(name string) (dir *os.File, fd int, ok bool) {
	fd, ok = rfs.openBeneath(name, unix.O_DIRECTORY)
	if !ok {
		return nil, -1, false
	}
	return os.NewFile(uintptr(fd), rfs.root.Name()+"/"+name), fd, true
}

// readDirTypesFast is readDirTypes on a folder opened beneath the content
// folder: its entries have the type the folder gives (an entry stats itself
// only where the file system gives no type, and then relative to the folder
// opened). ok is false when the caller must go through the root.
func (rfs *rootFS) readDirTypesFast(name string) (entries []fs.DirEntry, ok bool) {
	dir, _, ok := rfs.openDirBeneath(name)
	if !ok {
		return nil, false
	}
	defer dir.Close()
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return nil, false
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, true
}

// fstatat lstats name in the folder dirfd into st, in package syscall's
// form, which os.FileInfo.Sys gives.
func fstatat(dirfd int, name string, st *syscall.Stat_t) error {
	var u unix.Stat_t
	for {
		err := unix.Fstatat(dirfd, name, &u, unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	*st = sysStat(&u)
	return nil
}

// sysStat converts a stat to package syscall's form, which os.FileInfo.Sys
// gives.
func sysStat(u *unix.Stat_t) syscall.Stat_t {
	return syscall.Stat_t{Dev: u.Dev, Ino: u.Ino, Nlink: u.Nlink, Mode: u.Mode, Uid: u.Uid, Gid: u.Gid,
		Rdev: u.Rdev, Size: u.Size, Blksize: u.Blksize, Blocks: u.Blocks,
		Atim: syscall.Timespec{Sec: u.Atim.Sec, Nsec: u.Atim.Nsec},
		Mtim: syscall.Timespec{Sec: u.Mtim.Sec, Nsec: u.Mtim.Nsec},
		Ctim: syscall.Timespec{Sec: u.Ctim.Sec, Nsec: u.Ctim.Nsec}}
}

// dirEntry is a folder entry with its lstat, as [os.Root] lists them: Info
// has the same name, size, mode (converted as package os converts it),
// modification time and Sys.
type dirEntry struct {
	name string
	st   syscall.Stat_t
}

func (e *dirEntry) Name() string               { return e.name }
func (e *dirEntry) IsDir() bool                { return e.Mode().IsDir() }
func (e *dirEntry) Type() fs.FileMode          { return e.Mode().Type() }
func (e *dirEntry) Info() (fs.FileInfo, error) { return e, nil }
func (e *dirEntry) Size() int64                { return e.st.Size }
func (e *dirEntry) ModTime() time.Time         { return time.Unix(e.st.Mtim.Unix()) }
func (e *dirEntry) Sys() any                   { return &e.st }
func (e *dirEntry) String() string             { return fs.FormatDirEntry(e) }

func (e *dirEntry) Mode() fs.FileMode {
	m := fs.FileMode(e.st.Mode & 0o777)
	switch e.st.Mode & syscall.S_IFMT {
	case syscall.S_IFBLK:
		m |= fs.ModeDevice
	case syscall.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFDIR:
		m |= fs.ModeDir
	case syscall.S_IFIFO:
		m |= fs.ModeNamedPipe
	case syscall.S_IFLNK:
		m |= fs.ModeSymlink
	case syscall.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if e.st.Mode&syscall.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if e.st.Mode&syscall.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if e.st.Mode&syscall.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}
