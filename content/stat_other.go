//go:build !unix

package content

import "io/fs"

// inodeOf returns 0: this platform does not expose inode numbers through fs.FileInfo.
func inodeOf(fs.FileInfo) uint64 { return 0 }
