package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Ignored reports whether a slash path relative to the content root is never
// an article, or a folder never searched: hidden names, names starting with
// "_", editor and download temp files, node_modules, the configured glob
// patterns, and anything inside a folder that is ignored. For files, names
// without an article extension are ignored too.
func Ignored(rel string, isDir bool, patterns []string) bool {
	return ignored(rel, isDir, patterns, FormatOf)
}

// ignored is [Ignored] with the rule that keeps a file: kind returns 0 for a
// name that is not of the kind wanted (an article, a media file).
func ignored[T comparable](rel string, isDir bool, patterns []string, kind func(string) T) bool {
	if rel == "." || rel == "" {
		return false
	}
	for elem := range strings.SplitSeq(rel, "/") {
		if elem == "" || elem[0] == '.' || elem[0] == '_' {
			return true
		}
	}
	// What is inside an ignored folder is ignored too, so that paths given
	// one at a time ([Index.Update], a watcher) agree with a walk of the tree.
	for i := 0; i < len(rel); i++ {
		if rel[i] == '/' && ignoredName(rel[:i], true, patterns, kind) {
			return true
		}
	}
	return ignoredName(rel, isDir, patterns, kind)
}

// ignoredName applies the patterns, the folder names and the file name rules
// to rel itself.
func ignoredName[T comparable](rel string, isDir bool, patterns []string, kind func(string) T) bool {
	base := path.Base(rel)
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, base); ok {
			return true
		}
		if isDir {
			if ok, _ := path.Match(strings.TrimSuffix(p, "/"), rel); ok {
				return true
			}
		}
	}
	if isDir {
		return base == "node_modules"
	}
	if tempName(base) {
		return true
	}
	var none T
	return kind(base) == none
}

// tempName reports editor, tool and download temp file names.
func tempName(base string) bool {
	switch {
	case strings.HasSuffix(base, "~"), strings.HasSuffix(base, ".swp"), strings.HasSuffix(base, ".swx"),
		strings.HasSuffix(base, ".swo"), strings.HasPrefix(base, "#") && strings.HasSuffix(base, "#"),
		base == "4913", strings.Contains(base, "___jb_"), strings.HasSuffix(base, ".tmp"),
		strings.HasSuffix(base, ".part"), strings.HasSuffix(base, ".crdownload"),
		strings.HasPrefix(base, ".goutputstream"):
		return true
	}
	return false
}

// ParseFile reads and parses one article file from fsys. Non-regular files
// are refused without being read, and, unless fsys comes from [RootFS],
// without being opened, so a FIFO never blocks. The article's body is not
// kept: [Body.Read] reads the file again when it is rendered.
func ParseFile(fsys fs.FS, p string, opts Options) (*Article, error) {
	return parseFile(fsys, p, opts, nil)
}

// parseFile is [ParseFile], reading into *buf when it is not nil: the
// article keeps nothing of the file's bytes, so one buffer serves every
// file a worker reads, and *buf is left holding it for the next.
func parseFile(fsys fs.FS, p string, opts Options, buf *[]byte) (*Article, error) {
	a, _, err := parseFileInfo(fsys, p, opts, buf)
	return a, err
}

// parseFileInfo is parseFile that also returns the stat the file was read
// with (nil when it could not be read).
func parseFileInfo(fsys fs.FS, p string, opts Options, buf *[]byte) (*Article, fs.FileInfo, error) {
	data, info, err := readArticle(fsys, p, opts.maxSize(), buf)
	if err != nil {
		return nil, nil, err
	}
	a, err := parse(p, data, info.ModTime(), opts, true)
	return a, info, err
}

// readArticle reads the regular file p whole, refusing one larger than
// limit, into *buf when buf is not nil (see parseFile), and returns the stat
// it was read with. Errors are [*ParseError]s; a file that is gone is
// [fs.ErrNotExist].
func readArticle(fsys fs.FS, p string, limit int64, buf *[]byte) ([]byte, fs.FileInfo, error) {
	if rfs := asRoot(fsys); rfs != nil && ValidName(p) {
		if data, info, err, ok := rfs.readFast(p, limit, buf); ok {
			return data, info, err
		}
	}
	info, err := fs.Stat(fsys, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, errAt(p, 0, fs.ErrNotExist)
		}
		return nil, nil, errAt(p, 0, classifyOpenErr(err))
	}
	if !info.Mode().IsRegular() {
		return nil, nil, errAt(p, 0, ErrNotRegular)
	}
	if info.Size() > limit {
		return nil, nil, errAt(p, 0, tooLarge(info.Size(), limit))
	}
	data, err := readLimited(fsys, p, info.Size(), limit)
	if err != nil {
		return nil, nil, errAt(p, 0, err)
	}
	return data, info, nil
}

func readLimited(fsys fs.FS, p string, size, limit int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, classifyOpenErr(err)
	}
	defer f.Close()
	return readAllLimited(f, size, limit)
}

// readAllLimited reads r to its end, expecting size bytes (a hint: a file
// of that size is read with one buffer) and refusing more than limit.
func readAllLimited(r io.Reader, size, limit int64) ([]byte, error) {
	r = io.LimitReader(r, limit+1)
	buf := make([]byte, 0, max(min(size, limit), 511)+1) // +1: the EOF is seen without growing
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
	}
	if int64(len(buf)) > limit {
		return nil, moreThan(limit)
	}
	return buf, nil
}

// tooLarge is the error of a file whose size is over the limit.
func tooLarge(size, limit int64) error {
	return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, limit)
}

// moreThan is the error of a file that grew over the limit while read.
func moreThan(limit int64) error {
	return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
}

// classifyOpenErr maps the error of opening a link that leaves an os.Root.
func classifyOpenErr(err error) error {
	if err != nil && strings.Contains(err.Error(), "path escapes from parent") {
		return ErrOutsideRoot
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Load reads every article under the root of fsys, in parallel. It returns
// the articles that parsed, sorted by path, and the per-file errors joined with
// [errors.Join] (each a [*ParseError]). It keeps going past bad files; it
// fails early only when ctx is done or the root cannot be read at all.
func Load(ctx context.Context, fsys fs.FS, opts Options) ([]*Article, error) {
	x := NewIndex(fsys, opts)
	c, err := x.Rescan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return x.Articles(), errors.Join(c.Errors...)
}
