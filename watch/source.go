package watch

import (
	"github.com/fsnotify/fsnotify"
)

// eventBuffer is the size of the fsnotify Events channel. fsnotify's own reader
// goroutine moves events from the kernel queue into it, so a slow directory
// walk in Run cannot overflow the kernel queue (docs/watching.md E20).
const eventBuffer = 65536

// source is where events come from: fsnotify in production, a fake in
// tests. It is the package's only interface.
type source interface {
	// events and errors return the channels to read; they are closed when
	// the source is closed.
	events() <-chan fsnotify.Event
	errors() <-chan error
	// add watches one directory, non-recursively.
	add(path string) error
	// remove stops watching one directory.
	remove(path string) error
	// close releases the source and waits for its goroutines.
	close() error
}

// fsnotifySource is the production source.
type fsnotifySource struct {
	w *fsnotify.Watcher
}

func newFSNotifySource() (source, error) {
	w, err := fsnotify.NewBufferedWatcher(eventBuffer)
	if err != nil {
		return nil, err
	}
	return fsnotifySource{w: w}, nil
}

func (s fsnotifySource) events() <-chan fsnotify.Event { return s.w.Events }
func (s fsnotifySource) errors() <-chan error          { return s.w.Errors }
func (s fsnotifySource) add(path string) error         { return s.w.Add(path) }
func (s fsnotifySource) remove(path string) error      { return s.w.Remove(path) }
func (s fsnotifySource) close() error                  { return s.w.Close() }
