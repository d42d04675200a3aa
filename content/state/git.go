package state

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// GitFirstSeen returns, when dir lies in a git work tree, a function giving
// the date of the commit that first added each file (paths relative to dir,
// slash-separated), so that a fresh clone dates undated files the same way
// on every machine. It returns nil when dir is not in a work tree or git is
// not installed. One "git log" reads the whole history, once.
func GitFirstSeen(ctx context.Context, dir string) func(path string) (time.Time, bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil
	}
	prefixOut, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-prefix").Output()
	if err != nil {
		return nil
	}
	prefix := strings.TrimSpace(string(prefixOut))
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "-c", "core.quotePath=false", "log",
		"--diff-filter=A", "--no-renames", "--name-only", "--format=%x01%cI", "--", ".")
	out, err := cmd.Output()
	if err != nil {
		return nil
	}
	first := make(map[string]time.Time)
	var cur time.Time
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "\x01"); ok {
			cur, _ = time.Parse(time.RFC3339, d)
			continue
		}
		if line == "" || cur.IsZero() {
			continue
		}
		rel, ok := strings.CutPrefix(filepath.ToSlash(line), prefix)
		if !ok {
			continue
		}
		// git log lists newest first: the last date seen is the first add.
		first[rel] = cur
	}
	if len(first) == 0 {
		return nil
	}
	return func(p string) (time.Time, bool) {
		t, ok := first[p]
		return t, ok
	}
}

// GitFirstSeenBehind is [GitFirstSeen] run on another goroutine, beside
// what the caller does next (a start lists and reads the folder while git
// reads the history): the function it returns waits for git on its first
// call, and then answers as GitFirstSeen's would (nothing found when that
// is nil).
func GitFirstSeenBehind(ctx context.Context, dir string) func(path string) (time.Time, bool) {
	done := make(chan struct{})
	var first func(path string) (time.Time, bool)
	go func() {
		defer close(done)
		first = GitFirstSeen(ctx, dir)
	}()
	return func(p string) (time.Time, bool) {
		<-done
		if first == nil {
			return time.Time{}, false
		}
		return first(p)
	}
}
