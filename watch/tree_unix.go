//go:build unix

package watch

import (
	"os"
	"syscall"
)

// openDir opens the directory name to list it. O_DIRECTORY, which
// os.ReadDir uses too, refuses anything but a directory at once: a FIFO
// put in a directory's place after its parent was listed would otherwise
// block Run in open until something wrote to it.
func openDir(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_DIRECTORY, 0)
}
