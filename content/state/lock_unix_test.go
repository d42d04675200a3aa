//go:build unix

package state

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDaemonLockReleasedWhileChildHoldsIt: a daemon that lets go of its state file
// lets go of it at once, even while a child process still holds a copy of
// the lock file's descriptor (as one forked at that moment does until it
// execs): the next daemon is not refused.
func TestDaemonLockReleasedWhileChildHoldsIt(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skipf("no sleep command to hold the descriptor: %v", err)
	}
	db := filepath.Join(t.TempDir(), "state.db")
	l, err := takeDaemonLock(db, true)
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(sleep, "30")
	child.ExtraFiles = []*os.File{l.f}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	})
	l.release()

	again, err := takeDaemonLock(db, true)
	if err != nil {
		t.Fatalf("daemon lock after release, with a child holding the old descriptor: %v", err)
	}
	if _, err := takeDaemonLock(db, false); !errors.Is(err, ErrDaemonRunning) {
		t.Errorf("writer probe while the second daemon holds the lock: %v, want ErrDaemonRunning", err)
	}
	again.release()
	if _, err := takeDaemonLock(db, false); err != nil {
		t.Errorf("writer probe after the second daemon released: %v", err)
	}
}
