//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeSIGTERMFinishesRequests: a request in flight when SIGTERM comes
// (a client reading a large feed slowly) gets its whole body, while new
// connections are refused; then serve exits 0.
func TestServeSIGTERMFinishesRequests(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 24 articles of 400 KB each: every feed is near 10 MB, more than the
	// socket buffers hold, so the handler is still writing when SIGTERM comes.
	for i := range 24 {
		var b strings.Builder
		fmt.Fprintf(&b, "Long article %d\nDate: 2026-03-%02d\n\n", i, i+1)
		for b.Len() < 400<<10 {
			b.WriteString(strings.Repeat("A sentence of the long article. ", 8) + "\n\n")
		}
		writeBytes(t, filepath.Join(dir, fmt.Sprintf("long-%02d.txt", i)), []byte(b.String()))
	}
	// No archives: -max-items 0 puts every article in one document.
	cfg := filepath.Join(t.TempDir(), "dropfeed.yaml")
	writeBytes(t, cfg, []byte("archives: false\n"))
	d := startServe(t, "-config", cfg, "-content", dir, "-max-items", "0")
	d.waitReady()
	http.DefaultClient.CloseIdleConnections()
	addr := strings.TrimSuffix(strings.TrimPrefix(d.base, "http://"), "/")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetReadBuffer(16 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(c, "GET /rss.xml HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
	br := bufio.NewReaderSize(c, 4<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := strconv.Atoi(resp.Header.Get("Content-Length"))
	if resp.StatusCode != http.StatusOK || want < 8<<20 {
		t.Fatalf("GET rss.xml = %s, %d bytes; want 200 and a large feed", resp.Status, want)
	}
	head := make([]byte, 64<<10)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "serve to stop accepting connections", func() bool {
		c2, err := net.Dial("tcp", addr)
		if err != nil {
			return true
		}
		c2.Close()
		return false
	})
	if err := d.cmd.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("serve exited with a request in flight: %v", err)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the rest of the body after SIGTERM: %v (%d of %d bytes)", err, len(head)+len(rest), want)
	}
	body := append(head, rest...)
	if len(body) != want {
		t.Fatalf("got %d bytes after SIGTERM, want all %d", len(body), want)
	}
	if _, _, titles, err := feedItems("rss.xml", body); err != nil || len(titles) != 24 {
		t.Fatalf("the feed read across SIGTERM: %d items, %v; want 24", len(titles), err)
	}
	if code := waitExit(t, d); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// waitExit waits for a daemon that was sent SIGTERM to exit and returns
// its exit code. (A second SIGTERM, as d.stop sends, could land after the
// daemon restored the default action and kill it.)
func waitExit(t *testing.T, d *daemonProc) int {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- d.cmd.Wait() }()
	select {
	case err := <-errc:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("wait for dropfeed: %v", err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatal("dropfeed did not exit within 30s of SIGTERM")
		return -1
	}
}

// TestServeSIGTERMFinishesWrite: SIGTERM while serve -out writes a new
// version over an old one lets the write finish: serve exits 0 and the
// folder holds the new version, whole, with no temporary file.
func TestServeSIGTERMFinishesWrite(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	siteA, siteB := filepath.Join(work, "a"), filepath.Join(work, "b")
	genSite(t, siteA, 250, "A", 0)
	genSite(t, siteB, 250, "B", 9)
	out, refB := filepath.Join(work, "out"), filepath.Join(work, "ref-b")
	buildInto(t, siteB, refB)
	want := visibleTree(t, refB)

	caught := false
	for attempt := 1; attempt <= 5 && !caught; attempt++ {
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		buildInto(t, siteA, out) // the old version, which serve's first write replaces
		cmd := exec.Command(binPath, withState(t, []string{"serve", "-addr", "127.0.0.1:0", "-content", siteB, "-out", out, "-base-url", crashBase, "-max-items", "0"})...)
		d := startServeCmd(t, cmd)
		if caught = pauseMidWrite(t, d, out); caught {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Process.Signal(syscall.SIGCONT)
		}
		if !caught {
			t.Logf("attempt %d: serve wrote the folder before it was caught writing; again", attempt)
			if code := d.stop(); code != 0 {
				t.Fatalf("exit code after SIGTERM = %d, want 0", code)
			}
			continue
		}
		if code := waitExit(t, d); code != 0 {
			t.Fatalf("exit code after SIGTERM in the middle of a write = %d, want 0", code)
		}
		got := visibleTree(t, out)
		n := 0
		for rel := range joinKeys(got, want) {
			if !bytes.Equal(got[rel], want[rel]) {
				if n++; n <= 5 {
					t.Errorf("%s differs from the new version: the write was not finished", rel)
				}
			}
		}
		if left := hiddenFiles(t, out); len(left) > 0 {
			t.Errorf("hidden files left after SIGTERM: %q", left)
		}
	}
	if !caught {
		t.Fatal("in 5 attempts serve was never caught in the middle of its write")
	}
}
