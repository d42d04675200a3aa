package feed

import (
	"io/fs"
	"syscall"
	"time"
)

// statusChangeTime returns when a file's status last changed (st_ctim: its
// bytes, name or mode), or the zero time when the system does not say.
func statusChangeTime(fi fs.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return time.Unix(st.Ctim.Unix())
	}
	return time.Time{}
}
