//go:build stress && linux

package main

// The watching scenarios too slow or too heavy for CI (docs/watching.md).
// Run them with .ci/stress, or:
//
//	go test -tags stress -run Stress -timeout 30m ./cmd/dropfeed/

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStressLargeFile is T26 at full size: a 50 MB article copied in is
// refused by the size cap with a log line, never published in part, and the
// daemon's memory stays bounded.
func TestStressLargeFile(t *testing.T) {
	e := newE2E(t)
	withA(e)
	e.start()
	body := strings.Repeat("x", 50<<20)
	mustDo(t, os.WriteFile(e.x("big.md"), []byte(mdText("Big", "big", body)), 0o644))
	smp := e.sampleHTTP()
	e.run(e.W, "cp", e.x("big.md"), e.C)
	e.waitLogRE(`level=ERROR msg="content: file too large[^"]*" path=big.md`)
	for i, s := range smp.stop() {
		if s.has("big") {
			t.Fatalf("sample %d published the 50 MB file", i+1)
		}
	}
	if hwm := memHighWater(t, e.d.cmd.Process.Pid); hwm > 256<<20 {
		t.Errorf("the daemon's peak memory is %d MB for a 50 MB file, want it bounded (< 256 MB)", hwm>>20)
	}
	e.settle()
}

// TestStressOverflow: the daemon is stopped (SIGSTOP) while 20,000 files are
// created, so the kernel's event queue (fs.inotify.max_queued_events,
// usually 16384) overflows (E20); it must log the overflow, rescan, and
// publish every file.
func TestStressOverflow(t *testing.T) {
	e := newE2E(t)
	e.start()
	mustDo(t, e.d.cmd.Process.Signal(syscall.SIGSTOP))
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_ = e.d.cmd.Process.Signal(syscall.SIGCONT)
		}
	})
	// In the watched root itself: files in new folders would make no
	// events at all while the daemon cannot add their watches.
	for i := range 20000 {
		mustDo(t, os.WriteFile(e.c(fmt.Sprintf("f%05d.md", i)), []byte(mdText(fmt.Sprintf("F%d", i), fmt.Sprintf("f%d", i), "x")), 0o644))
	}
	mustDo(t, e.d.cmd.Process.Signal(syscall.SIGCONT))
	stopped = false
	e.waitLog("overflowed")
	e.waitServed("20,000 items", func(s snapshot) bool { return len(s.items) == 20000 })
	e.settle()
}

// TestStressBigBurst: cp -r of 10,000 files in 100 folders; the batch grows
// past a thousand paths and becomes one full rescan.
func TestStressBigBurst(t *testing.T) {
	e := newE2E(t)
	e.start()
	for d := range 100 {
		for f := range 100 {
			e.md(e.x(fmt.Sprintf("t/d%03d/f%03d.md", d, f)), fmt.Sprintf("F%d-%d", d, f), fmt.Sprintf("f%d-%d", d, f), "x")
		}
	}
	e.run(e.W, "cp", "-r", e.x("t"), e.c("t"))
	e.waitServed("10,000 items", func(s snapshot) bool { return len(s.items) == 10000 })
	e.settle()
}

// TestStressGitNoise is T51 at full size: 50 commits.
func TestStressGitNoise(t *testing.T) {
	e := newE2E(t)
	withA(e)
	e.start()
	e.caughtUp()
	before, rebuilt := e.processed(), e.rebuilds()
	e.git(e.C, "init", "-q")
	for i := range 50 {
		e.git(e.C, "commit", "-q", "--allow-empty", "-m", strconv.Itoa(i))
	}
	e.barrier(rebuilt)
	if p, r := e.processed()-before, e.rebuilds()-rebuilt; p != 1 || r != 1 {
		t.Errorf("%d batches and %d rebuilds for git's work and one new file, want 1 and 1", p, r)
	}
	e.settle()
}

// TestStressOverdue: a file that stays empty, and one whose writer stays
// open, are waited for at most maxDefer (10s); then the empty one is
// skipped and the other published as it is, each with a warning; when the
// writer finally closes, the whole file is published.
func TestStressOverdue(t *testing.T) {
	e := newE2E(t)
	withA(e)
	e.start()
	mustDo(t, os.WriteFile(e.c("empty.md"), nil, 0o644))
	f, err := os.Create(e.c("held.md"))
	mustDo(t, err)
	defer f.Close()
	_, err = f.WriteString(mdText("Held", "held", "first part"))
	mustDo(t, err)
	start := time.Now()
	e.waitServed("held, published as it is after the wait", func(s snapshot) bool { return s.has("held") })
	if waited := time.Since(start); waited < 9*time.Second {
		// Not a timing assertion on speed: a file with an open writer
		// must not be published before the deferral cap.
		t.Fatalf("held.md was published after %s, with its writer still open", waited)
	}
	e.waitLog("file still looked unfinished; published as it is")
	e.waitLogRE(`level=WARN msg="content: empty file" path=empty.md`)
	_, err = f.WriteString("second part\n")
	mustDo(t, err)
	mustDo(t, f.Close())
	e.waitServed("held complete", func(s snapshot) bool { return strings.Contains(s.body("held"), "second part") })
	e.settle()
}

// TestStressHTTPStorm is T57 with a 2,000-file burst and 2,000 requests in
// four parallel clients.
func TestStressHTTPStorm(t *testing.T) {
	e := newE2E(t)
	e.start()
	for d := range 40 {
		for f := range 50 {
			e.md(e.x(fmt.Sprintf("t/d%02d/f%02d.md", d, f)), fmt.Sprintf("F%d-%d", d, f), fmt.Sprintf("f%d-%d", d, f), "x")
		}
	}
	done := make(chan error, 4)
	for range 4 {
		go func() {
			for range 500 {
				if _, err := e.served(); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	e.run(e.W, "cp", "-r", e.x("t"), e.c("t"))
	for range 4 {
		mustDo(t, <-done)
	}
	e.waitServed("2,000 items", func(s snapshot) bool { return len(s.items) == 2000 })
	e.settle()
}

// TestStressRootFlips: the symlinked root is flipped 20 times between two
// folders; the daemon ends on the last target.
func TestStressRootFlips(t *testing.T) {
	e := newE2E(t)
	mustDo(t, os.Remove(e.C))
	e.md(e.w("rel1/one.md"), "One", "one", "x")
	e.md(e.w("rel2/two.md"), "Two", "two", "x")
	mustDo(t, os.Symlink("rel1", e.C))
	e.start()
	for i := range 20 {
		target := []string{"rel2", "rel1"}[i%2]
		mustDo(t, os.Symlink(target, e.C+".tmp"))
		mustDo(t, os.Rename(e.C+".tmp", e.C))
		time.Sleep(50 * time.Millisecond)
	}
	e.waitServed("one only", func(s snapshot) bool { return s.has("one") && !s.has("two") })
	e.settle()
}

// memHighWater returns the peak resident memory of pid, from /proc.
func memHighWater(t *testing.T, pid int) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	mustDo(t, err)
	for line := range strings.SplitSeq(string(status), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			mustDo(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
