//go:build linux

package main

import (
	"io"
	"os"
	"testing"
)

// openPTY opens the master side of a new pseudo-terminal, which is a
// terminal to isatty; the test skips where the system has none.
func openPTY(t *testing.T) io.Writer {
	t.Helper()
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
