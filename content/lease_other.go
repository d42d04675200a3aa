//go:build !linux

package content

import (
	"errors"
	"io/fs"
	"os"
)

// errLeaseHeld is never returned on this platform.
var errLeaseHeld = errors.New("content: file leased by another process")

// openForProbe opens p read-only.
func openForProbe(fsys openFileFS, p string) (*os.File, error) {
	return fsys.OpenFile(p, os.O_RDONLY, 0)
}

// writerOpen cannot tell whether a file is open for writing on this
// platform: known is always false, and readiness rests on the stat, size and
// front matter checks.
func writerOpen(fs.File) (open, known bool) { return false, false }
