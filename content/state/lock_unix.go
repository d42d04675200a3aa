//go:build unix

package state

import (
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
		return nil, nil // closing the file lets the probe go
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

func (l *daemonLock) release() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
