//go:build !linux && !darwin && !freebsd && !netbsd

package feed

import (
	"io/fs"
	"time"
)

// statusChangeTime returns the zero time: this system's file status does not
// give the status change time in a form this package reads.
func statusChangeTime(fs.FileInfo) time.Time { return time.Time{} }
