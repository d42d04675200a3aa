package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBuildUnreadable runs build as an unprivileged user (nobody when the
// test runs as root, as in CI, where chmod 000 blocks nothing): a file and a
// folder it may not read are each reported as "path: error: permission
// denied" and skipped, the good article is published, and a content folder
// it may not list is a clear error (exit 1). The files build writes belong
// to nobody: privileges were really dropped. (serve as nobody is tested by
// TestWatchUnreadableFile and TestServeUnreadableRoot.)
func TestBuildUnreadable(t *testing.T) {
	t.Parallel()
	base, err := os.MkdirTemp("", "dropfeed-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	content, out, stateDir := filepath.Join(base, "content"), filepath.Join(base, "out"), filepath.Join(base, "state")
	writeBytes(t, filepath.Join(content, "good.md"), []byte("---\ntitle: Readable\ndate: 2026-01-01\n---\nBody.\n"))
	writeBytes(t, filepath.Join(content, "locked.md"), []byte("---\ntitle: LOCKED-FILE\ndate: 2026-01-02\n---\nBody.\n"))
	writeBytes(t, filepath.Join(content, "lockeddir", "inner.md"), []byte("---\ntitle: LOCKED-DIR\ndate: 2026-01-03\n---\nBody.\n"))
	writeBytes(t, filepath.Join(base, "lockedroot", "a.md"), []byte("# A\n"))
	for _, d := range []string{out, stateDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(content, "locked.md"), filepath.Join(content, "lockeddir"), filepath.Join(base, "lockedroot")} {
		if err := os.Chmod(p, 0o000); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(p, 0o755) })
	}

	bin := binPath
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		bin = filepath.Join(base, "dropfeed")
		data, err := os.ReadFile(binPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{out, stateDir} {
			if err := os.Chown(d, nobody, nobody); err != nil {
				t.Fatal(err)
			}
		}
		cred = &syscall.Credential{Uid: nobody, Gid: nobody}
	} else if _, err := os.ReadFile(filepath.Join(content, "locked.md")); err == nil {
		unavailable(t, "this user can read a chmod 000 file, and cannot become nobody")
	}
	build := func(contentDir string) (int, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "build", "-content", contentDir, "-out", out, "-base-url", "https://news.example.test/",
			"-state", filepath.Join(stateDir, "state.db"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		checkRace(t, cmd)
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatalf("run build: %v", err)
		}
		return 0, stderr.String()
	}

	code, stderr := build(content)
	if code != 0 {
		t.Fatalf("build with unreadable files = exit %d, want 0:\n%s", code, stderr)
	}
	for _, want := range []string{"locked.md: error: permission denied", "lockeddir: error: permission denied"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("build stderr lacks %q:\n%s", want, stderr)
		}
	}
	feed, err := os.ReadFile(filepath.Join(out, "feed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, titles, err := feedItems("feed.json", feed); err != nil || len(titles) != 1 || titles[0] != "Readable" {
		t.Errorf("feed.json titles = %q, %v; want only the readable article", titles, err)
	}
	if cred != nil {
		fi, err := os.Stat(filepath.Join(out, "feed.json"))
		if err != nil {
			t.Fatal(err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != nobody {
			t.Fatalf("feed.json belongs to uid %d: build did not run as nobody (%d)", uid, nobody)
		}
	}

	code, stderr = build(filepath.Join(base, "lockedroot"))
	if code != 1 || !strings.Contains(stderr, "content folder") || !strings.Contains(stderr, "permission denied") {
		t.Errorf("build of an unreadable content folder = exit %d, %q; want 1 and a clear error", code, stderr)
	}
}
