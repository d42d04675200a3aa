//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"testing"
)

// openPTY opens the master side of a new pseudo-terminal, which is a
// terminal to isatty; the test skips where the system has none (and fails
// under CI=true).
func openPTY(t *testing.T) io.Writer {
	t.Helper()
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		unavailable(t, fmt.Sprintf("no pseudo-terminal: %v", err))
	}
	t.Cleanup(func() { f.Close() })
	return f
}
