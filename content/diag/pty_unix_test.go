//go:build linux

package diag

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

// unavailable skips a test that needs what this machine lacks, and fails it
// under CI=true, where .ci/run provides everything the tests use.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI must provide it", msg)
	}
	t.Skip(msg)
}
