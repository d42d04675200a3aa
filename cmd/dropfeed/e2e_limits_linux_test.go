package main

// T55 and T56 (docs/watching.md): the inotify watch and instance limits,
// lowered for the daemon alone inside a throwaway user namespace
// ("unshare -Ur", then /proc/sys/user/max_inotify_*), which changes nothing
// outside it. The daemon must say which sysctl to raise and poll instead.

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// unshareServe returns the serve command run in a new user namespace whose
// inotify limit (watches or instances) is set to n.
func (e *e2e) unshareServe(limit string, n int, extra ...string) *exec.Cmd {
	e.t.Helper()
	unshare := needTool(e.t, "unshare")
	if out, err := exec.Command(unshare, "-Ur", "sh", "-c", "echo 1 > /proc/sys/user/max_inotify_"+limit).CombinedOutput(); err != nil {
		// Some container runtimes forbid user namespaces: the test skips
		// there, and fails under CI=true, whose machine must allow them.
		unavailable(e.t, fmt.Sprintf("cannot lower inotify limits in a user namespace here (unshare -Ur: %v: %s)", err, strings.TrimSpace(string(out))))
	}
	script := fmt.Sprintf(`echo %d > /proc/sys/user/max_inotify_%s && exec "$0" "$@"`, n, limit)
	args := append([]string{"-Ur", "sh", "-c", script, binPath}, withState(e.t, append([]string{"serve", "-addr", "127.0.0.1:0"}, e.serveArgs(extra...)...))...)
	return exec.Command(unshare, args...)
}

// TestWatchLimitWatches is T55: 40 folders and room for 20 watches.
func TestWatchLimitWatches(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	for i := 1; i <= 40; i++ {
		e.md(e.c(fmt.Sprintf("d%02d/f.md", i)), fmt.Sprintf("F%d", i), fmt.Sprintf("f%d", i), "x")
	}
	e.d = startServeCmd(t, e.unshareServe("watches", 20, "-poll-interval", "200ms"))
	e.ready()
	e.waitLog("fs.inotify.max_user_watches")
	e.md(e.c("d40/new.md"), "New", "new", "x")
	e.waitServed("new in the 40th folder", func(s snapshot) bool { return s.has("new") })
	e.settle()
}

// TestWatchLimitInstances is T56: no inotify instance at all.
func TestWatchLimitInstances(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	withA(e)
	e.d = startServeCmd(t, e.unshareServe("instances", 0, "-poll-interval", "200ms"))
	e.ready()
	e.waitLog("fs.inotify.max_user_instances")
	if !strings.Contains(e.d.Logs(), "too many open files") {
		t.Errorf("the log does not give inotify's error (too many open files)")
	}
	e.md(e.c("b.md"), "Beta", "b", "Hello")
	e.waitServed("b", func(s snapshot) bool { return s.has("b") })
	e.settle()
}
