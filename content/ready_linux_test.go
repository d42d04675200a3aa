//go:build linux

package content_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestReadinessWriterOpen: a file that some process has open for writing is
// deferred, however complete it looks, until the writer closes it (the read
// lease probe, docs/watching.md R8b). The writer here is the test itself, which
// the kernel counts like any other.
func TestReadinessWriterOpen(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	x := readyIndex(root.FS(), newClock())
	if _, err := x.Rescan(t.Context()); err != nil {
		t.Fatal(err)
	}

	f, err := os.OpenFile(filepath.Join(dir, "slow.md"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The front matter is closed and the body present: only the open writer
	// says the file is not finished.
	if _, err := f.WriteString("---\ntitle: Slow\n---\nline 1\n"); err != nil {
		t.Fatal(err)
	}
	c := x.Update(t.Context(), []string{"slow.md"})
	if !slices.Equal(c.Deferred, []string{"slow.md"}) || !c.Empty() {
		t.Fatalf("Update(slow.md open for writing) = %+v, want it deferred", c)
	}
	// A reader holding it open does not count as a writer.
	r, err := os.Open(filepath.Join(dir, "slow.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := f.WriteString("line 2\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	c = x.Update(t.Context(), x.Deferred())
	if !slices.Equal(c.Added, []string{"slow.md"}) || len(c.Deferred) != 0 {
		t.Fatalf("Update(slow.md closed) = %+v, want it added", c)
	}
	if a := article(x, "slow.md"); a == nil || a.Size != int64(len("---\ntitle: Slow\n---\nline 1\nline 2\n")) {
		t.Fatalf("slow.md published as %+v, want the whole file", a)
	}
	// Without readiness, the index reads what is there.
	y := content.NewIndex(root.FS(), testOptions())
	w, err := os.OpenFile(filepath.Join(dir, "slow.md"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if c, err := y.Rescan(t.Context()); err != nil || !slices.Equal(c.Added, []string{"slow.md"}) {
		t.Fatalf("Rescan() without readiness = %+v, %v; want slow.md added", c, err)
	}
}

// TestReadinessWriteLease: a file another holder has a write lease on (a
// file server's delegation) is deferred at once, not waited for in open(2).
// The test itself holds the lease, which the kernel breaks for nobody else.
func TestReadinessWriteLease(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "leased.md")
	if err := os.WriteFile(p, []byte(readyA1), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	x := content.NewIndex(content.RootFS(root), testOptions())
	x.SetReadiness(&content.Readiness{})
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	setLease := func(kind int) syscall.Errno {
		rc, err := f.SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var errno syscall.Errno
		if err := rc.Control(func(fd uintptr) {
			_, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETLEASE, uintptr(kind))
		}); err != nil {
			t.Fatal(err)
		}
		return errno
	}
	if errno := setLease(syscall.F_WRLCK); errno != 0 {
		unavailable(t, fmt.Sprintf("cannot take a write lease here (fcntl F_SETLEASE: %v; /proc/sys/fs/leases-enable)", errno))
	}
	c := x.Update(t.Context(), []string{"leased.md"})
	if !slices.Equal(c.Deferred, []string{"leased.md"}) {
		t.Fatalf("Update(leased.md) = %+v, want it deferred", c)
	}
	if errno := setLease(syscall.F_UNLCK); errno != 0 {
		t.Fatal(errno)
	}
	if c := x.Update(t.Context(), x.Deferred()); !slices.Equal(c.Added, []string{"leased.md"}) {
		t.Fatalf("Update(leased.md, lease released) = %+v, want it added", c)
	}
}
