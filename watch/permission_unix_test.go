//go:build unix

package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the user id the permission tests run as when the tests run as
// root, who may read every folder.
const nobody = 65534

// asNobodyEnv marks the copy of the test binary that runAsNobody starts.
const asNobodyEnv = "WATCH_TEST_AS_NOBODY"

// TestNewRootPermission: a root folder the watcher may not list is refused
// with fs.ErrPermission. Root lists any folder, so as root the test runs
// itself again as nobody.
func TestNewRootPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		if os.Getenv(asNobodyEnv) != "" {
			t.Fatal("started as nobody, but runs as root")
		}
		runAsNobody(t)
		return
	}
	root := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(root, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(root, 0o755) })
	if _, err := os.ReadDir(root); err == nil {
		unavailable(t, "this user can list a chmod 000 folder, and is not root, who could run the test as nobody")
	}
	if _, err := New(Config{Root: root}); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("New(unreadable root) = %v, want fs.ErrPermission", err)
	}
}

// runAsNobody runs the test t again, alone, in a copy of the test binary
// started as the user nobody, and fails t unless it passes there.
func runAsNobody(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	// t.TempDir makes folders only root may enter: this one nobody may
	// enter and run the copy in, and tmp is its temporary folder.
	dir, err := os.MkdirTemp("", "watch-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tmp := filepath.Join(dir, "tmp")
	bin := filepath.Join(dir, "watch.test")
	for _, err := range []error{os.Chmod(dir, 0o755), os.Mkdir(tmp, 0o755), os.Chown(tmp, nobody, nobody), os.WriteFile(bin, data, 0o755)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(t.Context(), bin, "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asNobodyEnv+"=1", "TMPDIR="+tmp)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState == nil {
		unavailable(t, fmt.Sprintf("cannot start the test as nobody: %v", err))
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) {
		t.Fatalf("%s as nobody: %v\n%s", t.Name(), err, out)
	}
}

// unavailable skips the test because something it needs is missing here,
// saying what in msg, except under CI=true, where it fails: the CI machine
// provides everything the tests need, so something missing there is a
// broken gate, not a laptop.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI must provide it", msg)
	}
	t.Skip(msg)
}
