//go:build unix

package feed

import (
	"errors"
	"os"
	"syscall"
)

// errLocked says another process holds the lock.
var errLocked = errors.New("locked")

// flock takes an exclusive flock(2) on f without waiting; it is released
// when f is closed (or the process ends, however it ends).
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLocked
		default:
			return err
		}
	}
}
