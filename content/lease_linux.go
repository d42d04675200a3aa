//go:build linux

package content

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// errLeaseHeld means another process holds a write lease on the file: an
// open with O_NONBLOCK would have had to wait for it to be broken.
var errLeaseHeld = errors.New("content: file leased by another process")

// openForProbe opens p read-only and without blocking: a FIFO cannot hang
// the read, and a file another process holds a write lease on (a file
// server) fails at once instead of waiting for the lease to be broken.
func openForProbe(fsys openFileFS, p string) (*os.File, error) {
	f, err := fsys.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, errLeaseHeld
	}
	return f, err
}

// writerOpen reports whether some process (this one included) has the file
// open for writing. It asks the kernel for a read lease, which is refused with
// EAGAIN while a writer is open, and releases it at once: while the lease is
// held, a writer's open(2) waits, so it is held for two system calls only. A
// lease break would send SIGIO, which the Go runtime ignores unless asked.
//
// known is false when the kernel cannot say: f is not an OS file, we neither
// own the file nor have CAP_LEASE (EACCES), or the file system has no leases
// (EINVAL, as on NFS).
func writerOpen(f fs.File) (open, known bool) {
	sc, ok := f.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	err = rc.Control(func(fd uintptr) { open, known = leaseProbe(int(fd)) })
	if err != nil {
		return false, false
	}
	return open, known
}

// leaseProbe is writerOpen on a file descriptor.
func leaseProbe(fd int) (open, known bool) {
	_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETLEASE, syscall.F_RDLCK)
	if errno == 0 {
		_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETLEASE, syscall.F_UNLCK)
	}
	switch errno {
	case 0:
		return false, true
	case syscall.EAGAIN:
		return true, true
	default:
		return false, false
	}
}
