//go:build !linux

package content

import "io/fs"

// writerOpen cannot tell whether a file is open for writing on this
// platform: known is always false, and readiness rests on the stat, size and
// front matter checks.
func writerOpen(fs.File) (open, known bool) { return false, false }
