package main

// Permission scenarios, with the daemon run as an unprivileged user. CI runs
// as root, for whom chmod 000 blocks nothing (and who may take a read lease
// on any file), so as root the daemon is started as nobody (65534) through
// SysProcAttr.Credential, and the test checks in /proc that it really runs
// as nobody. As any other user the daemon just runs as that user.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const nobody = 65534

// unprivileged prepares e for a daemon run as nobody (when the test runs as
// root): a copy of the binary nobody may run, folders nobody may enter,
// and an output folder and a state folder nobody may write. It returns the
// command line prefix and the credential to use (nil: run as ourselves).
func (e *e2e) unprivileged() (bin, state string, cred *syscall.Credential) {
	e.t.Helper()
	bin, state = binPath, filepath.Join(e.w("state"), "state.db")
	mustDo(e.t, os.MkdirAll(e.O, 0o755))
	mustDo(e.t, os.MkdirAll(filepath.Dir(state), 0o755))
	if os.Geteuid() != 0 {
		return bin, state, nil
	}
	dir, err := os.MkdirTemp("", "dropfeed-nobody-")
	mustDo(e.t, err)
	e.t.Cleanup(func() { os.RemoveAll(dir) })
	mustDo(e.t, os.Chmod(dir, 0o755))
	bin = filepath.Join(dir, "dropfeed")
	data, err := os.ReadFile(binPath)
	mustDo(e.t, err)
	mustDo(e.t, os.WriteFile(bin, data, 0o755))
	// t.TempDir makes 0700 folders: let nobody in, read-only.
	for _, d := range []string{filepath.Dir(e.W), e.W} {
		mustDo(e.t, os.Chmod(d, 0o755))
	}
	for _, d := range []string{e.O, filepath.Dir(state)} {
		mustDo(e.t, os.Chown(d, nobody, nobody))
	}
	return bin, state, &syscall.Credential{Uid: nobody, Gid: nobody}
}

// command returns the serve command run as nobody (or ourselves).
func (e *e2e) unprivilegedServe(extra ...string) *exec.Cmd {
	e.t.Helper()
	bin, state, cred := e.unprivileged()
	args := append([]string{"serve", "-addr", "127.0.0.1:0", "-state", state}, e.serveArgs(extra...)...)
	cmd := exec.Command(bin, args...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return cmd
}

// checkUnprivileged checks that the process pid does not run as root.
func checkUnprivileged(t *testing.T, pid int) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	mustDo(t, err)
	for line := range strings.SplitSeq(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 5 && f[0] == "Uid:" {
			for _, id := range f[1:] {
				if id == "0" {
					t.Fatalf("the daemon still runs as root: %s", line)
				}
			}
			if os.Geteuid() == 0 && f[1] != fmt.Sprint(nobody) {
				t.Fatalf("the daemon runs as %s, want nobody (%d)", line, nobody)
			}
			return
		}
	}
	t.Fatalf("no Uid line in /proc/%d/status", pid)
}

// TestWatchUnreadableFile is T06 as a non-root daemon: an article made
// unreadable keeps its last good version, the error is logged, and it comes
// back unchanged once readable again.
func TestWatchUnreadableFile(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	withA(e)
	e.md(e.c("b.md"), "Beta", "b", "x")
	e.d = startServeCmd(t, e.unprivilegedServe())
	checkUnprivileged(t, e.d.cmd.Process.Pid)
	e.ready()
	mustDo(t, os.Chmod(e.c("a.md"), 0o000))
	e.md(e.c("b.md"), "Beta", "b", "edited") // the file next to it still works
	e.waitLogRE(`level=ERROR msg="[^"]*permission denied" path=a.md`)
	s := e.waitServed("b edited", func(s snapshot) bool { return strings.Contains(s.body("b"), "edited") })
	if !strings.Contains(s.body("a"), "Old") {
		t.Fatalf("a lost its last good version while unreadable")
	}
	mustDo(t, os.Chmod(e.c("a.md"), 0o644))
	e.unchangedBy(func() { now := time.Now(); mustDo(t, os.Chtimes(e.c("a.md"), now, now)) })
	e.settle()
}

// TestWatchUnprivilegedWriters: as a user who does not own the files, the
// read lease probe cannot say whether a writer is open (EACCES), and the
// other checks decide: a truncate-then-write save is never published empty
// (T20), and an article with unclosed front matter waits (T25b).
func TestWatchUnprivilegedWriters(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		unavailable(t, "the files must belong to another user than the daemon: run as root")
	}
	e := newE2E(t)
	withA(e)
	e.d = startServeCmd(t, e.unprivilegedServe())
	checkUnprivileged(t, e.d.cmd.Process.Pid)
	e.ready()
	smp := e.sampleHTTP()
	(&replayer{t: t, dir: e.C, processed: e.processed}).run([]step{{op: "mark"}, {op: "trunc", path: "a.md"}, {op: "processed"},
		{op: "fdwrite", data: mdText("Alpha", "a", "New")}, {op: "close"}})
	e.waitServed("a new", func(s snapshot) bool { return strings.Contains(s.body("a"), "New") })
	presentInAll(t, smp.stop(), "a")
	e.halfFrontMatter(false)
	e.settle()
}

// TestServeUnreadableRoot: a content folder the daemon may not list is a
// clear, fatal error at startup (a missing one is waited for).
func TestServeUnreadableRoot(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	withA(e)
	cmd := e.unprivilegedServe()
	mustDo(t, os.Chmod(e.C, 0o000))
	t.Cleanup(func() { os.Chmod(e.C, 0o755) })
	if os.Geteuid() != 0 {
		if _, err := os.ReadDir(e.C); err == nil {
			unavailable(t, "this user can list a chmod 000 folder, and cannot become nobody")
		}
	}
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "read content folder") || !strings.Contains(string(out), "permission denied") {
		t.Fatalf("serve on an unreadable folder = %v\n%s\nwant exit 1 and \"read content folder: ... permission denied\"", err, out)
	}
	if strings.Contains(string(out), "listening on") {
		t.Fatalf("serve listened before refusing the folder:\n%s", out)
	}
}
