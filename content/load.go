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
		if rel[i] == '/' && ignoredName(rel[:i], true, patterns) {
			return true
		}
	}
	return ignoredName(rel, isDir, patterns)
}

// ignoredName applies the patterns, the folder names and the file name rules
// to rel itself.
func ignoredName(rel string, isDir bool, patterns []string) bool {
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
	return FormatOf(base) == 0
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
// are refused without being opened, so a FIFO never blocks.
func ParseFile(fsys fs.FS, p string, opts Options) (*Article, error) {
	info, err := fs.Stat(fsys, p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errAt(p, 0, fs.ErrNotExist)
		}
		return nil, errAt(p, 0, classifyOpenErr(err))
	}
	if !info.Mode().IsRegular() {
		return nil, errAt(p, 0, ErrNotRegular)
	}
	if info.Size() > opts.maxSize() {
		return nil, errAt(p, 0, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, info.Size(), opts.maxSize()))
	}
	data, err := readLimited(fsys, p, opts.maxSize())
	if err != nil {
		return nil, errAt(p, 0, err)
	}
	return Parse(p, data, info.ModTime(), opts)
}

func readLimited(fsys fs.FS, p string, limit int64) ([]byte, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, classifyOpenErr(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
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
