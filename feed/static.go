package feed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/dropfeed/dropfeed/content"
)

// ManifestName is the file in the output folder that lists what dropfeed wrote
// there, so that it removes only its own files.
const ManifestName = ".dropfeed-manifest"

// writingName is a hidden file that [WriteDir] keeps in the output folder
// while it writes. Found when a write starts, it says that an earlier one was
// cut short (the process killed, the machine stopped) and may have left
// hidden temporary files behind, which are then removed.
const writingName = ".dropfeed-writing"

// pendingHash marks a manifest entry for a file that a write was about to
// create; no sha256 hex equals it.
const pendingHash = "pending"

// WriteOptions configure [WriteDir]. The zero value writes everything.
type WriteOptions struct {
	// NoPages skips the article pages (feeds and index only). Pages an
	// earlier WriteDir wrote are left as they are, neither updated nor
	// removed, until a later write with pages.
	NoPages bool
	// Workers renders pages in parallel; zero means GOMAXPROCS.
	Workers int
	// Only, when not nil, names the article paths ([content.Article.Path])
	// whose pages may have changed since the last WriteDir into the same
	// folder. The pages of other articles are not rendered again when the
	// manifest says they were written. Nil renders every page.
	Only map[string]bool
}

// WriteStats counts what [WriteDir] did.
type WriteStats struct {
	Written, Unchanged, Removed int
}

// WriteDir writes the bundle into dir as static files that serve the same
// bytes as [Server]: rss.xml, atom.xml, feed.json, index.html and
// articles/<slug>/index.html, each with a .gz sibling for nginx gzip_static.
//
// Each file is written as a hidden temporary file in its own folder and
// renamed over the old one, so a reader sees the old or the new file, never
// a part. Article pages are written first and the feeds last, so every link
// in a feed resolves; each .gz before its plain file. Files whose bytes did
// not change are not rewritten. Files dropfeed wrote before and no longer
// produces are removed (they are listed in [ManifestName]); nothing else in
// dir is touched. Two writers into one folder at once are not supported.
//
// # Crashes and full disks
//
// A write that fails (a full disk) leaves every file it did not rename
// intact and removes its temporary file; the feeds are renamed last, so they
// stay the previous ones and only link to pages that exist. A write that is
// killed may leave hidden temporary files; the next WriteDir into dir removes
// them. Files are not fsynced: a crash of the process loses nothing that was
// renamed, but after a power loss a file system without rename ordering may
// show a renamed file empty.
func WriteDir(ctx context.Context, dir string, b *Bundle, opts WriteOptions) (WriteStats, error) {
	var st WriteStats
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("create output folder: %w", err)
	}
	marker := filepath.Join(dir, writingName)
	if _, err := os.Lstat(marker); err == nil {
		removeStaleTemps(dir)
	}
	if f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE, 0o644); err == nil {
		f.Close()
		// Every temporary file is renamed or removed by the time WriteDir
		// returns, whether it succeeds or fails.
		defer os.Remove(marker)
	}
	old := readManifest(dir)
	want := make(map[string]string) // rel path -> sha256 hex
	var mu sync.Mutex
	write := func(rel string, data []byte) error {
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		changed, err := writeFileAtomic(dir, rel, data, old[rel] == h)
		if err != nil {
			return err
		}
		mu.Lock()
		want[rel] = h
		if changed {
			st.Written++
		} else {
			st.Unchanged++
		}
		mu.Unlock()
		return nil
	}
	writeFile := func(rel string, f *File) error {
		if err := write(rel+".gz", f.Gzip); err != nil {
			return err
		}
		return write(rel, f.Body)
	}
	// copyAsset copies a media file of the content folder; its manifest
	// entry is its size and modification time, so an unchanged file is not
	// read again.
	copyAsset := func(as Asset) error {
		src, err := b.OpenAsset(as)
		if err != nil {
			return nil // gone since the build: the page keeps a dead link until the next one
		}
		defer src.Close()
		fi, err := src.Stat()
		if err != nil {
			return nil
		}
		id := fmt.Sprintf("media-%d-%d", fi.Size(), fi.ModTime().UnixNano())
		changed, err := copyFileAtomic(dir, as.URLPath, src, fi.Size(), old[as.URLPath] == id)
		if err != nil {
			return err
		}
		mu.Lock()
		want[as.URLPath] = id
		if changed {
			st.Written++
		} else {
			st.Unchanged++
		}
		mu.Unlock()
		return nil
	}
	writePage := func(f *File, assets []Asset) error {
		for _, as := range assets {
			if err := copyAsset(as); err != nil {
				return err
			}
		}
		return writeFile(f.Path, f)
	}

	var arts []*content.Article // the articles whose pages are written
	if opts.NoPages {
		// Leave the pages an earlier run wrote alone: keep them in the
		// manifest, so a later full run still updates or removes them.
		for rel, h := range old {
			if strings.HasPrefix(rel, "articles/") {
				want[rel] = h
			}
		}
	} else {
		arts = b.Articles()
		if opts.Only != nil {
			arts = make([]*content.Article, 0, len(opts.Only))
			kept := make(map[string]bool)
			for _, a := range b.Articles() {
				p := PagePath(a)
				if h, ok := old[p]; ok && h != pendingHash && !opts.Only[a.Path] {
					want[p], want[p+".gz"] = h, old[p+".gz"]
					st.Unchanged += 2
					kept[a.Slug] = true
					continue
				}
				arts = append(arts, a)
			}
			// The media files of the pages kept stay as they are.
			for rel, h := range old {
				if strings.HasPrefix(h, "media-") && ownedBy(rel, kept) {
					want[rel] = h
				}
			}
		}
	}
	// List in the manifest, before they exist, the files this write creates
	// that it does not list yet, so that a write cut short (killed, a full
	// disk) leaves no file a later write would not know to remove. They are
	// listed as pending, which no content hash equals. (Media files are not:
	// finding them means rendering every page.)
	var fresh []string
	for _, f := range b.Feeds() {
		fresh = append(fresh, f.Path, f.Path+".gz")
	}
	for _, a := range arts {
		fresh = append(fresh, PagePath(a), PagePath(a)+".gz")
	}
	n := 0
	for _, rel := range fresh {
		if _, ok := old[rel]; !ok {
			old[rel] = pendingHash
			n++
		}
	}
	if n > 0 {
		if err := writeManifest(dir, old); err != nil {
			return st, err
		}
	}
	if !opts.NoPages {
		if err := writePages(ctx, b, arts, opts.Workers, writePage); err != nil {
			return st, err
		}
	}
	for _, f := range b.Feeds() {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		if err := writeFile(f.Path, f); err != nil {
			return st, err
		}
	}
	// Remove what an earlier run wrote and this one did not, then record
	// what is there: a write cut short in between leaves the old manifest,
	// which lists files that are gone (harmless), never files it forgot.
	var stale []string
	for rel := range old {
		if _, ok := want[rel]; !ok {
			stale = append(stale, rel)
		}
	}
	slices.Sort(stale)
	for _, rel := range stale {
		err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return st, fmt.Errorf("remove stale %s: %w", rel, err)
		}
		if err == nil {
			st.Removed++
		}
		removeEmptyParents(dir, path.Dir(rel))
	}
	if err := writeManifest(dir, want); err != nil {
		return st, err
	}
	return st, nil
}

// removeStaleTemps removes the hidden temporary files that an interrupted
// write left in dir and its folders (hidden folders are not entered). It is
// best effort: what it cannot remove stays hidden, and the write goes on.
func removeStaleTemps(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // unreadable or gone: skipped
		case d.IsDir() && p != dir && strings.HasPrefix(d.Name(), "."):
			return fs.SkipDir
		case !d.IsDir() && isTempName(d.Name()):
			_ = os.Remove(p)
		}
		return nil
	})
}

// isTempName reports whether a file name is one of the temporary names
// writeFileAtomic and copyFileAtomic make: "." + name + ".tmp-" + digits.
func isTempName(name string) bool {
	i := strings.LastIndex(name, ".tmp-")
	if !strings.HasPrefix(name, ".") || i < 1 || i+len(".tmp-") == len(name) {
		return false
	}
	return strings.Trim(name[i+len(".tmp-"):], "0123456789") == ""
}

func writePages(ctx context.Context, b *Bundle, arts []*content.Article, workers int, writePage func(*File, []Asset) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan int)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range next {
				if errs[w] != nil {
					continue
				}
				// The body is rendered once, for the page and its media files.
				a := arts[i]
				read, _ := a.Body.Read(b.src)
				body := read.HTML()
				it := newItemFrom(&b.site, a, b.src, body)
				f := newFile(PagePath(a), TypeHTML, renderArticle(&b.site, it), it.updated)
				errs[w] = writePage(f, b.assetsFrom(a, body))
			}
		})
	}
send:
	for i := range arts {
		select {
		case next <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes data to dir/rel through a temp file and a rename,
// unless the file already holds exactly data (sameHash is a hint from the
// manifest; the size is always checked). It reports whether it wrote.
func writeFileAtomic(dir, rel string, data []byte, sameHash bool) (bool, error) {
	target := filepath.Join(dir, filepath.FromSlash(rel))
	if sameHash {
		if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)) {
			return false, nil
		}
	}
	d := filepath.Dir(target)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return false, fmt.Errorf("create folder for %s: %w", rel, err)
	}
	tmp, err := os.CreateTemp(d, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	cleanup := func() { _ = os.Remove(tmp.Name()) }
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		cleanup()
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		cleanup()
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		cleanup()
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	return true, nil
}

// readManifest returns the paths and hashes an earlier WriteDir recorded.
func readManifest(dir string) map[string]string {
	m := make(map[string]string)
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		h, rel, ok := strings.Cut(sc.Text(), " ")
		if !ok || !content.ValidName(rel) || rel == ManifestName {
			continue
		}
		m[unquoteManifest(rel)] = h
	}
	return m
}

func writeManifest(dir string, want map[string]string) error {
	rels := make([]string, 0, len(want))
	for rel := range want {
		rels = append(rels, rel)
	}
	slices.Sort(rels)
	var b strings.Builder
	for _, rel := range rels {
		b.WriteString(want[rel] + " " + quoteManifest(rel) + "\n")
	}
	data := []byte(b.String())
	if cur, err := os.ReadFile(filepath.Join(dir, ManifestName)); err == nil && bytes.Equal(cur, data) {
		return nil // unchanged: leave the file (and its mtime) alone
	}
	_, err := writeFileAtomic(dir, ManifestName, data, false)
	return err
}

// quoteManifest keeps one path a line even when a file name holds a newline.
func quoteManifest(rel string) string {
	if !strings.ContainsAny(rel, "\\\n") {
		return rel // the common case: one manifest line per file, so no allocation
	}
	return manifestQuoter.Replace(rel)
}

func unquoteManifest(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return manifestUnquoter.Replace(s)
}

var (
	manifestQuoter   = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	manifestUnquoter = strings.NewReplacer(`\\`, `\`, `\n`, "\n")
)

// removeEmptyParents removes now-empty folders from rel up to (not including) dir.
func removeEmptyParents(dir, rel string) {
	for rel != "." && rel != "/" && rel != "" {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			return // not empty, or not ours
		}
		rel = path.Dir(rel)
	}
}

// ownedBy reports whether a media path "articles/<slug>/<ref>" belongs to one
// of the slugs.
func ownedBy(rel string, slugs map[string]bool) bool {
	rest, ok := strings.CutPrefix(rel, "articles/")
	if !ok {
		return false
	}
	for i := len(rest) - 1; i > 0; i-- {
		if rest[i] == '/' && slugs[rest[:i]] {
			return true
		}
	}
	return false
}

// copyFileAtomic copies src (size bytes) to dir/rel through a temp file and a
// rename, unless the manifest says the same file is there (same) and its size
// agrees. It reports whether it wrote.
func copyFileAtomic(dir, rel string, src io.Reader, size int64, same bool) (bool, error) {
	target := filepath.Join(dir, filepath.FromSlash(rel))
	if same {
		if fi, err := os.Stat(target); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return false, fmt.Errorf("create folder for %s: %w", rel, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	_, err = io.Copy(tmp, src)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), target)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return false, fmt.Errorf("write %s: %w", rel, err)
	}
	return true, nil
}
