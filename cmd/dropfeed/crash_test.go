//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

const crashBase = "https://crash.example.test/"

// genSite writes n dated Markdown articles into dir, their text marked with
// variant. Articles whose number is skip-divisible are left out, so two
// variants differ in the files they hold as well as in the text.
func genSite(t *testing.T, dir string, n int, variant string, skip int) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if skip > 0 && i%skip == 0 {
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("s%d", i%20), fmt.Sprintf("2026-01-01-article-%04d.md", i))
		body := fmt.Sprintf("---\ntitle: Article %d (%s)\ndate: 2026-01-%02dT%02d:%02d:00Z\ntags: [t%d]\n---\n%s\n\nVariant %s of article %d.\n",
			i, variant, 1+i%28, i%24, i%60, i%7, strings.Repeat("Some words of the body. ", 20), variant, i)
		writeBytes(t, p, []byte(body))
	}
}

// buildInto runs a complete build of content into out and fails the test on
// an error.
func buildInto(t *testing.T, content, out string, extra ...string) {
	t.Helper()
	args := append([]string{"build", "-content", content, "-out", out, "-base-url", crashBase, "-max-items", "0"}, extra...)
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("build %s: exit %d\n%s", content, code, tail(stderr, 500))
	}
}

// isTemp reports whether a file name is one of the writer's hidden
// temporary files: "." + name + ".tmp-" + digits.
func isTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	return strings.HasPrefix(name, ".") && i > 0 && i+5 < len(name) && strings.Trim(name[i+5:], "0123456789") == ""
}

// tempFiles lists the writer's temporary files under dir.
func tempFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isTemp(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// checkConsistent checks the static folder out against two complete builds:
// every visible file is byte for byte a file of one of them (a complete
// earlier or later version), the feeds are well-formed, and every link in
// every feed resolves to a file in out.
func checkConsistent(t *testing.T, out string, builds ...map[string][]byte) {
	t.Helper()
	files := visibleTree(t, out)
	for rel, data := range files {
		ok := false
		for _, b := range builds {
			ok = ok || bytes.Equal(b[rel], data)
		}
		if !ok {
			t.Errorf("%s (%d bytes) is neither the earlier nor the later version", rel, len(data))
		}
	}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		data, ok := files[name]
		if !ok {
			t.Errorf("%s is missing", name)
			continue
		}
		_, links, _, err := feedItems(name, data)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, link := range links {
			rel, _ := strings.CutPrefix(link, crashBase)
			p, err := url.PathUnescape(rel)
			if _, ok := files[p+"index.html"]; err != nil || !ok {
				t.Errorf("%s links to %s, which has no file", name, link)
			}
		}
	}
}

// TestKillMidWrite kills build with SIGKILL while it renames files into a
// folder that holds an earlier build: every file is still a complete earlier
// or later version, every link of the feeds resolves, and the next build
// removes the hidden temporary files the killed one left.
func TestKillMidWrite(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	siteA, siteB := filepath.Join(work, "a"), filepath.Join(work, "b")
	genSite(t, siteA, 250, "A", 0)
	refA, refB := filepath.Join(work, "ref-a"), filepath.Join(work, "ref-b")
	buildInto(t, siteA, refA)
	filesA := visibleTree(t, refA)

	out := filepath.Join(work, "out")
	caught := 0
	for attempt := 1; attempt <= 5 && caught == 0; attempt++ {
		variant := fmt.Sprintf("B%d", attempt)
		genSite(t, siteB, 250, variant, 7)
		if err := os.RemoveAll(refB); err != nil {
			t.Fatal(err)
		}
		buildInto(t, siteB, refB)
		filesB := visibleTree(t, refB)
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		buildInto(t, siteA, out)

		cmd := exec.Command(binPath, withState(t, []string{"build", "-content", siteB, "-out", out, "-base-url", crashBase, "-max-items", "0"})...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Stop the build now and then; when it is stopped with a temporary
		// file open, kill it there. The loop is bounded in count and time.
		deadline := time.Now().Add(2 * time.Minute)
	poll:
		for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
			select {
			case <-exited:
				break poll
			default:
			}
			if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				break
			}
			if n := len(tempFiles(out)); n > 0 {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				caught = n
				<-exited
				break
			}
			_ = cmd.Process.Signal(syscall.SIGCONT)
			time.Sleep(time.Duration(1+i%5) * time.Millisecond)
		}
		if caught == 0 {
			_ = cmd.Process.Kill()
			select {
			case <-exited:
			case <-time.After(time.Minute):
			}
			t.Logf("attempt %d: the build finished before it was caught writing; again", attempt)
			continue
		}
		t.Logf("attempt %d: killed with %d temporary file(s) in the folder", attempt, caught)
		checkConsistent(t, out, filesA, filesB)
		if _, err := os.Stat(filepath.Join(out, ".dropfeed-writing")); err != nil {
			t.Errorf("the killed build left no crash marker: %v", err)
		}

		// The next build finishes the job and cleans up.
		if code, _, stderr := runCLI(t, "build", "-content", siteB, "-out", out, "-base-url", crashBase, "-max-items", "0"); code != 0 {
			t.Fatalf("build after the kill: exit %d\n%s", code, tail(stderr, 5))
		}
		if left := hiddenFiles(t, out); len(left) > 0 {
			t.Errorf("after the next build, hidden files are left: %q", left[:min(len(left), 5)])
		}
		got := visibleTree(t, out)
		var diffs []string
		for rel := range joinKeys(got, filesB) {
			if !bytes.Equal(got[rel], filesB[rel]) {
				diffs = append(diffs, rel)
			}
		}
		slices.Sort(diffs)
		if len(diffs) > 0 {
			t.Errorf("after the next build, %d files differ from a clean build, e.g. %q", len(diffs), diffs[:min(len(diffs), 5)])
		}
	}
	if caught == 0 {
		t.Fatal("in 5 attempts the build was never caught with a temporary file open")
	}
}

// joinKeys returns the union of the keys of two maps.
func joinKeys(a, b map[string][]byte) map[string]bool {
	out := make(map[string]bool, len(a)+len(b))
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// smallTmpfs returns a fresh folder on the small tmpfs that CI mounts for
// the disk-full tests (DROPFEED_TEST_TMPFS, 2 MB). Without it the test skips,
// and fails when CI=true. The tests that use it do not call t.Parallel: one
// filling the file system would fail another's write.
func smallTmpfs(t *testing.T) string {
	t.Helper()
	mnt := os.Getenv("DROPFEED_TEST_TMPFS")
	if mnt == "" {
		unavailable(t, "DROPFEED_TEST_TMPFS is not set (a small tmpfs, as .ci/run mounts: mount -t tmpfs -o size=2m tmpfs DIR)")
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(mnt, &st); err != nil {
		t.Fatalf("statfs %s: %v", mnt, err)
	}
	if size := int64(st.Blocks) * int64(st.Bsize); size > 8<<20 {
		t.Fatalf("DROPFEED_TEST_TMPFS=%s holds %d bytes; want a small file system (2 MB) that a test can fill", mnt, size)
	}
	dir, err := os.MkdirTemp(mnt, "diskfull-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// bigArticle is a plain-text article of about 600 KB of text that does not
// compress to nothing, so its page and the feeds that carry it overflow a
// 2 MB file system.
func bigArticle() []byte {
	var b strings.Builder
	b.WriteString("A very long article\nDate: 2026-01-27\n\n")
	x := uint32(1)
	for b.Len() < 600<<10 {
		for range 12 {
			x = x*1664525 + 1013904223
			b.WriteString(fmt.Sprintf("w%x ", x>>8))
		}
		b.WriteString("\n\n")
	}
	return []byte(b.String())
}

// TestDiskFull fills a small file system in the middle of a build: build
// fails with the error, and every file of the folder is still a complete
// version, every link of the feeds resolves, and no temporary file is left.
// Once there is room again, the next build completes.
func TestDiskFull(t *testing.T) {
	out := filepath.Join(smallTmpfs(t), "out")
	work := t.TempDir()
	site := filepath.Join(work, "site")
	genSite(t, site, 30, "small", 0)
	refSmall, refBig := filepath.Join(work, "ref-small"), filepath.Join(work, "ref-big")
	buildInto(t, site, refSmall)
	buildInto(t, site, out)
	before := visibleTree(t, out)

	writeBytes(t, filepath.Join(site, "big.txt"), bigArticle())
	buildInto(t, site, refBig)
	code, _, stderr := runCLI(t, "build", "-content", site, "-out", out, "-base-url", crashBase, "-max-items", "0")
	if code != 1 || !strings.Contains(stderr, "no space left on device") {
		t.Fatalf("build onto a full disk = exit %d, stderr %q; want 1 and the error", code, tail(stderr, 3))
	}
	checkConsistent(t, out, visibleTree(t, refSmall), visibleTree(t, refBig))
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		if got := visibleTree(t, out)[name]; !bytes.Equal(got, before[name]) {
			t.Errorf("%s changed although the write failed", name)
		}
	}
	if left := hiddenFiles(t, out); len(left) > 0 {
		t.Errorf("the failed build left hidden files: %q", left)
	}

	if err := os.Remove(filepath.Join(site, "big.txt")); err != nil {
		t.Fatal(err)
	}
	buildInto(t, site, out)
	got, want := visibleTree(t, out), visibleTree(t, refSmall)
	for rel := range joinKeys(got, want) {
		if !bytes.Equal(got[rel], want[rel]) {
			t.Errorf("after room was made, %s differs from a clean build", rel)
		}
	}
}

// TestDiskFullServe: serve -out on a file system that fills up keeps
// serving, logs the failed write, leaves the folder's files complete and
// linked, and writes everything once a later change fits again.
func TestDiskFullServe(t *testing.T) {
	out := filepath.Join(smallTmpfs(t), "out")
	work := t.TempDir()
	site := filepath.Join(work, "site")
	genSite(t, site, 30, "small", 0)
	// Without archives: the big article, past the feeds' size budget, is
	// then in the feeds themselves, and its bytes fill the disk.
	cfg := filepath.Join(work, "dropfeed.yaml")
	writeBytes(t, cfg, []byte("archives: false\n"))
	refSmall, refBig := filepath.Join(work, "ref-small"), filepath.Join(work, "ref-big")
	buildInto(t, site, refSmall, "-config", cfg)
	d := startServe(t, "-config", cfg, "-content", site, "-out", out, "-base-url", crashBase, "-max-items", "0")
	d.waitReady()
	d.waitOut()
	before := visibleTree(t, out)

	writeAtomic(t, filepath.Join(site, "big.txt"), string(bigArticle()))
	d.waitFeeds("the big article served", func(b string) bool { return strings.Contains(b, "A very long article") })
	waitFor(t, 30*time.Second, "the failed write in the log", func() bool {
		return strings.Contains(d.Logs(), "write static output") && strings.Contains(d.Logs(), "no space left on device")
	})
	buildInto(t, site, refBig, "-config", cfg)
	checkConsistent(t, out, visibleTree(t, refSmall), visibleTree(t, refBig))
	if got := visibleTree(t, out)["feed.json"]; !bytes.Equal(got, before["feed.json"]) {
		t.Errorf("feed.json changed although the write failed")
	}
	if left := hiddenFiles(t, out, heldLock); len(left) > 0 {
		t.Errorf("the failed write left hidden files: %q", left)
	}
	if d.outCurrent() {
		t.Errorf("/healthz says the static output is current although its write failed")
	}

	if err := os.Remove(filepath.Join(site, "big.txt")); err != nil {
		t.Fatal(err)
	}
	want := visibleTree(t, refSmall)
	waitFor(t, 30*time.Second, "the folder to equal a clean build again", func() bool {
		got, err := tryVisibleTree(out) // serve may be writing it
		if err != nil {
			return false
		}
		for rel := range joinKeys(got, want) {
			if !bytes.Equal(got[rel], want[rel]) {
				return false
			}
		}
		return true
	})
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code after SIGTERM = %d, want 0", code)
	}
}

// pauseMidWrite lets serve run until it is caught with a temporary file in
// out — in the middle of its static write — and returns true with the
// process stopped (SIGSTOP) there; it returns false once the static output
// is current, that is, when the write finished before it was caught. Polls
// are bounded.
func pauseMidWrite(t *testing.T, d *daemonProc, out string) bool {
	t.Helper()
	p := d.cmd.Process
	for i := range 20000 {
		if d.outCurrent() {
			return false
		}
		if err := p.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		if len(tempFiles(out)) > 0 {
			return true
		}
		_ = p.Signal(syscall.SIGCONT)
		time.Sleep(time.Duration(1+i%5) * time.Millisecond)
	}
	return false
}

// TestServeKillMidWrite: serve -out killed with SIGKILL while it writes a
// new version over an old one leaves complete files whose links resolve; a
// new serve cleans the temporary files up and writes the new version.
func TestServeKillMidWrite(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	siteA, siteB := filepath.Join(work, "a"), filepath.Join(work, "b")
	genSite(t, siteA, 250, "A", 0)
	genSite(t, siteB, 250, "B", 9)
	out, refA, refB := filepath.Join(work, "out"), filepath.Join(work, "ref-a"), filepath.Join(work, "ref-b")
	buildInto(t, siteA, refA)
	buildInto(t, siteB, refB)
	filesA, filesB := visibleTree(t, refA), visibleTree(t, refB)
	args := func() []string {
		return withState(t, []string{"serve", "-addr", "127.0.0.1:0", "-content", siteB, "-out", out, "-base-url", crashBase, "-max-items", "0"})
	}

	caught := false
	for attempt := 1; attempt <= 5 && !caught; attempt++ {
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		buildInto(t, siteA, out)
		cmd := exec.Command(binPath, args()...)
		d := startServeCmd(t, cmd)
		if caught = pauseMidWrite(t, d, out); caught {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
		}
		if !caught {
			t.Logf("attempt %d: serve wrote the folder before it was caught writing; again", attempt)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	if !caught {
		t.Fatal("in 5 attempts serve was never caught in the middle of its write")
	}
	checkConsistent(t, out, filesA, filesB)

	d := startServeCmd(t, exec.Command(binPath, args()...))
	d.waitReady()
	d.waitOut()
	if left := hiddenFiles(t, out, heldLock); len(left) > 0 {
		t.Errorf("after a new serve wrote the folder, hidden files are left: %q", left[:min(len(left), 5)])
	}
	got := visibleTree(t, out)
	n := 0
	for rel := range joinKeys(got, filesB) {
		if !bytes.Equal(got[rel], filesB[rel]) {
			if n++; n <= 5 {
				t.Errorf("%s differs from a clean build of the new version", rel)
			}
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}
