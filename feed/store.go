package feed

import (
	"context"
	"io"
)

// Store is where a [Publisher] puts the static files of a site: a folder
// ([DirStore]), or a bucket of an object store. The Publisher decides what
// to put, in which order, and what to remove; a Store only does it, and
// keeps the record of what it holds (the entries the Publisher commits).
//
// Put, Copy, Remove and Intact may be called from several goroutines at
// once; Load and Commit are called from one goroutine, never at the same
// time as each other.
type Store interface {
	// Load returns the record as the last successful Commit left it
	// (empty when there is none).
	Load(ctx context.Context) (*Record, error)
	// Commit records changes, in order, after those committed before.
	// full is the whole record once they are applied, for a store that
	// rewrites its record whole now and then; it must not be kept.
	Commit(ctx context.Context, changes []Change, full *Record) error
	// Put stores a text file at rel (a path relative to the site's base
	// URL): its body, and its gzip copy where the store keeps one, the copy
	// first. A reader sees the old file or the new one, never a part.
	Put(ctx context.Context, rel string, f *File) error
	// Copy stores a media file of size bytes read from r at rel.
	Copy(ctx context.Context, rel string, r io.Reader, size int64) error
	// Remove removes the file at rel and its gzip copy, and returns how
	// many files it removed; a file already gone is not an error.
	Remove(ctx context.Context, rel string) (int, error)
	// Intact reports whether the file at rel (and its gzip copy) still
	// looks as e records it, by size: a file removed or replaced by
	// someone else is put again.
	Intact(rel string, e Entry) bool
}
