//go:build unix

package watch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAddTreeFIFO puts a FIFO in a directory's place between its watch and
// its listing: the listing fails at once instead of blocking Run in open
// until something writes to the FIFO.
func TestAddTreeFIFO(t *testing.T) {
	root := tempRoot(t)
	mkfiles(t, root, "a/", "b/")
	b := filepath.Join(root, "b")
	tl := newTreeLoop(t, root, nil, nil, func(p string) {
		if p != b {
			return
		}
		if err := os.Remove(b); err != nil {
			panic(err)
		}
		if err := syscall.Mkfifo(b, 0o644); err != nil {
			panic(err)
		}
	})
	done := make(chan bool)
	go func() { done <- tl.addTree(root, false) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		// Opening the FIFO to write lets the blocked open return.
		if f, err := os.OpenFile(b, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		<-done
		t.Fatal("addTree blocked opening a FIFO")
	}
	want := []string{".", "a", "b!"} // a later Chmod retries b
	if watched, _, _, _ := tl.state(t); !slices.Equal(watched, want) {
		t.Errorf("watched = %q, want %q", watched, want)
	}
	if logs := tl.logs.String(); !strings.Contains(logs, "read directory") {
		t.Errorf("log = %q, want %q", logs, "read directory")
	}
}
