//go:build unix

package content

import (
	"io/fs"
	"syscall"
)

// inodeOf returns the file's inode number, or 0 when the file system does not say.
func inodeOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
