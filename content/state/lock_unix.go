//go:build unix

package state

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// daemonLock is the lock file beside a state file that a daemon holds for
// as long as it runs, with its process id inside for the messages of others.
type daemonLock struct{ f *os.File }

func lockPath(path string) string { return path + ".lock" }

// takeDaemonLock takes the daemon lock of the state file at path (daemon),
// or checks that no daemon holds it (a writer that is not one). Either fails
// with ErrDaemonRunning when a daemon runs.
func takeDaemonLock(path string, daemon bool) (*daemonLock, error) {
	lp := lockPath(path)
	if !daemon {
		f, err := os.Open(lp)
		if err != nil {
			return nil, nil // no daemon ever ran here
		}
		defer f.Close()
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
			return nil, running(path, lp)
		}
		unlock(f) // not only closed: see release
		return nil, nil
	}
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, running(path, lp)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &daemonLock{f: f}, nil
}

// running is the error for a state file a daemon keeps, with its process id
// when the lock file tells it.
func running(path, lp string) error {
	if b, err := os.ReadFile(lp); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			return fmt.Errorf("state file %s %w (pid %d)", path, ErrDaemonRunning, pid)
		}
	}
	return fmt.Errorf("state file %s %w", path, ErrDaemonRunning)
}

func (l *daemonLock) held() bool { return l != nil }

// release unlocks the file before it closes it. Closing alone would leave
// the lock held while any other copy of its open file description lives:
// a child this process forks at that moment (git, a hook) holds one from
// its fork to its exec, and the next daemon of this process or another
// would be refused.
func (l *daemonLock) release() {
	if l != nil && l.f != nil {
		unlock(l.f)
		l.f.Close()
		l.f = nil
	}
}

// unlock lets go of the flock on f's open file description, wherever its
// copies are.
func unlock(f *os.File) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		if !errors.Is(err, syscall.EINTR) {
			return
		}
	}
}
