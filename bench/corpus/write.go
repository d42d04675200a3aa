package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Stats counts what Write wrote.
type Stats struct {
	Files    int   // articles written
	Text     int   // .txt files
	Markdown int   // .md files
	Drafts   int   // files with File.Draft
	Future   int   // files with File.Future
	Bytes    int64 // total size of the files
}

func (s *Stats) add(f File) {
	s.Files++
	if strings.HasSuffix(f.Path, ".md") {
		s.Markdown++
	} else {
		s.Text++
	}
	if f.Draft {
		s.Drafts++
	}
	if f.Future {
		s.Future++
	}
	s.Bytes += int64(len(f.Data))
}

func (s *Stats) merge(o Stats) {
	s.Files += o.Files
	s.Text += o.Text
	s.Markdown += o.Markdown
	s.Drafts += o.Drafts
	s.Future += o.Future
	s.Bytes += o.Bytes
}

// Write writes articles 0 to opt.N-1 under dir, creating directories as
// needed (0755), and sets each file's modification and access times to its
// ModTime. The files are the same, byte for byte, for any number of workers;
// workers < 1 means runtime.GOMAXPROCS(0). Directory times are not set.
//
// dir must not exist or be an empty directory. Write stops at the first
// error or when ctx is done, and returns what it wrote so far, leaving the
// files it wrote in place.
func Write(ctx context.Context, dir string, opt Options, workers int) (Stats, error) {
	if err := opt.Validate(); err != nil {
		return Stats{}, err
	}
	opt = opt.normalized()
	if err := ensureEmptyDir(dir); err != nil {
		return Stats{}, err
	}
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, opt.N))

	var (
		next  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		stats = make([]Stats, workers)
		errs  = make([]error, workers)
		done  = ctx.Done()
	)
	for w := range workers {
		wg.Go(func() {
			var b builder
			made := map[string]bool{}
			for !stop.Load() {
				select {
				case <-done:
					errs[w] = ctx.Err()
					stop.Store(true)
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if i >= opt.N {
					return
				}
				f := b.article(i, opt)
				if err := writeFile(dir, f, made); err != nil {
					errs[w] = fmt.Errorf("write article %d: %w", i, err)
					stop.Store(true)
					return
				}
				stats[w].add(f)
			}
		})
	}
	wg.Wait()
	var total Stats
	for _, s := range stats {
		total.merge(s)
	}
	return total, errors.Join(errs...)
}

func writeFile(root string, f File, made map[string]bool) error {
	name := filepath.Join(root, filepath.FromSlash(f.Path))
	if d := filepath.Dir(name); !made[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		made[d] = true
	}
	// O_EXCL: names are unique, so an existing file means someone else is
	// writing into the directory.
	fh, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = fh.Write(f.Data)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chtimes(name, f.ModTime, f.ModTime)
}

// ensureEmptyDir creates dir, or checks that it is an empty directory.
func ensureEmptyDir(dir string) error {
	d, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create corpus directory: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("open corpus directory: %w", err)
	}
	defer d.Close()
	switch _, err := d.Readdirnames(1); {
	case err == io.EOF:
		return nil
	case err != nil:
		return fmt.Errorf("read corpus directory: %w", err)
	}
	return fmt.Errorf("check corpus directory: %s is not empty", dir)
}
