//go:build !unix

package watch

import "os"

// openDir opens the directory name to list it.
func openDir(name string) (*os.File, error) {
	return os.Open(name)
}
