package content

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Index is the incremental view of a content tree: path → last good article,
// current error and the stat tuple it was read with. [Index.Update] re-reads
// only the paths it is given (a file, a folder whose subtree is rescanned, or a
// path that is gone); [Index.Rescan] diffs the whole tree through the same
// code. A file whose stat tuple is unchanged is not read again; a file whose
// bytes and dates are unchanged yields no change.
//
// With [Index.SetReadiness], files that look unfinished (open for writing,
// empty, front matter not closed yet) are deferred instead of read; see
// [Readiness].
//
// An Index is not safe for concurrent use: one goroutine owns it.
type Index struct {
	fsys  fs.FS
	opts  Options
	files map[string]*indexEntry
	ready *Readiness // nil: read every file as it is
	// deferred maps each file waiting to be ready to when it was first
	// found unfinished.
	deferred map[string]time.Time

	// published lists the entries with a good article, sorted by path, so
	// that Articles costs a copy, not a sort, after a one-file change (it
	// runs on every rebuild, over 100,000 articles). It may still hold
	// removed entries, and misses those in pending, until tidy.
	published  []*indexEntry
	pending    []*indexEntry // got their first good article since tidy
	pubRemoved bool          // published holds removed entries
	failing    map[string]*indexEntry
	// under counts the files of the index under each folder, so that a
	// file that was not a folder before costs no walk of files.
	under map[string]int
	// onRead reports reading progress; nil reports nothing.
	onRead func(done, total int)
	// seed is the memory of the articles Seed makes, until the first scan.
	seed  *seedMem
	pass  uint32 // scanDir's passes, for indexEntry.seen
	idPre string // idPrefix, once made
}

type indexEntry struct {
	path    string
	stat    statKey
	good    *Article // last good version; nil when it never parsed
	err     error    // current error, nil when the file parses
	removed bool     // no longer in files
	seen    uint32   // the last scan's pass that listed the file
}

// statKey is the stat tuple that decides whether a file must be read again.
type statKey struct {
	size  int64
	mtime int64
	ino   uint64
	mode  fs.FileMode
}

func keyOf(fi fs.FileInfo) statKey {
	return statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano(), ino: inodeOf(fi), mode: fi.Mode()}
}

// compactMin is the number of files read at once from which the index
// keeps their articles the way [Index.Seed] makes them: in blocks, with
// their path, slug and id in one string and repeated values interned.
// Parsing leaves each article in a dozen allocations of its own, among
// the garbage of the parse, which a first start over 100,000 files then
// keeps: a quarter more memory than the same articles seeded from the
// cache at the next start.
const compactMin = 256

// Changes says what an update did to the published articles.
type Changes struct {
	Added, Changed, Removed []string // paths, sorted
	// Errors are the files that failed in this update (each a [*ParseError]).
	// A file that failed keeps its last good version in [Index.Articles].
	Errors []error
	// Deferred lists the files, sorted, that looked unfinished and were not
	// read (see [Readiness]); they keep their previous version. Update them
	// again a little later: [Index.Deferred] lists every file still waiting.
	Deferred []string
	// Overdue lists the files, sorted, that still looked unfinished after
	// [Readiness.MaxDefer] and were read as they were (or skipped, when
	// empty). Each deserves a warning.
	Overdue []string
}

// Empty reports whether no article was added, changed or removed.
func (c *Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Len returns the number of articles added, changed or removed.
func (c *Changes) Len() int { return len(c.Added) + len(c.Changed) + len(c.Removed) }

// NewIndex returns an empty index over fsys.
func NewIndex(fsys fs.FS, opts Options) *Index {
	return &Index{fsys: fsys, opts: opts, files: make(map[string]*indexEntry),
		failing: make(map[string]*indexEntry), under: make(map[string]int)}
}

// idPrefix returns what every derived id starts with, as the options say.
func (x *Index) idPrefix() string {
	if x.idPre == "" {
		auth, date := x.opts.idSettings()
		x.idPre = TagURI(auth, date, "")
	}
	return x.idPre
}

// SetReadiness makes the index defer files that look unfinished, as r
// describes; nil makes it read every file as it is (the default, right for a
// folder at rest).
func (x *Index) SetReadiness(r *Readiness) {
	x.ready = r
	if r == nil {
		x.deferred = nil
	}
}

// Deferred returns the files, sorted, that are waiting to look finished: the
// paths to pass to [Index.Update] again a little later.
func (x *Index) Deferred() []string {
	if len(x.deferred) == 0 {
		return nil
	}
	out := make([]string, 0, len(x.deferred))
	for p := range x.deferred {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// OnRead sets a function told how reading goes, for a progress bar: each
// update calls it with done 0 and the number of files it will read, then
// after each file read. It is called from several goroutines at once. Nil
// (the default) tells nothing.
func (x *Index) OnRead(fn func(done, total int)) { x.onRead = fn }

// Rescan walks the whole tree and brings the index up to date. It fails only
// when ctx is done or the root cannot be read; then the index is unchanged.
func (x *Index) Rescan(ctx context.Context) (Changes, error) {
	return x.scanDir(ctx, ".")
}

// Listing is the whole tree of an index's file system as [Index.List]
// found it: every candidate article file, with its stat unless the listing
// was made fresh.
type Listing struct {
	found    []listed
	walkErrs []error
	err      error
}

// List walks the whole tree and stats every candidate article file: the
// reading part of [Index.Rescan], which [Index.RescanListed] completes. It
// reads only the file system and the ignore patterns the index was made
// with, so it may run on another goroutine while the index is seeded
// ([Index.Seed]) — the two halves of a warm start, each on a core.
//
// fresh says that the index will know no file when the listing is applied
// (a first start, with no parse cache to seed it): with nothing to compare
// a stat with, the regular files are then not stat'ed here but when they
// are read, in parallel. A fresh listing applied to an index that does
// know files is still correct, only slower: those are stat'ed then.
func (x *Index) List(ctx context.Context, fresh bool) *Listing {
	found, walkErrs, err := listUnder(ctx, x.fsys, ".", x.opts.Ignore, fresh)
	return &Listing{found: found, walkErrs: walkErrs, err: err}
}

// RescanListed is [Index.Rescan] with the tree as l found it: what changed
// on disk since l was made is not seen (a watcher started before l was
// made reports it).
func (x *Index) RescanListed(ctx context.Context, l *Listing) (Changes, error) {
	return x.reconcile(ctx, ".", l.found, l.walkErrs, l.err)
}

// Update reconciles the given slash paths (relative to the root) with what is
// on disk: a regular file is re-read when its stat tuple changed, a folder has
// its subtree rescanned, a path that is gone has the articles at and under it
// removed. A file that became a folder, or a folder that became a file, loses
// what the index held under its old kind. When ctx is done, what is left is
// not applied; a later Update or [Index.Rescan] catches up.
func (x *Index) Update(ctx context.Context, paths []string) Changes {
	var total Changes
	var files []string
	done := make(map[string]bool, len(paths))
	for _, p := range paths {
		p = path.Clean(p)
		if done[p] {
			continue
		}
		done[p] = true
		if p == "." {
			c, err := x.scanDir(ctx, ".")
			if err != nil {
				total.Errors = append(total.Errors, err)
			}
			total.merge(c)
			continue
		}
		if !ValidName(p) { // names need not be UTF-8: see RootFS
			continue
		}
		fi, err := fs.Lstat(x.fsys, p)
		switch {
		case err != nil:
			total.merge(x.removeUnder(p))
		case fi.IsDir():
			total.merge(x.remove(p)) // a file before
			if Ignored(p, true, x.opts.Ignore) {
				total.merge(x.removeUnder(p))
				continue
			}
			c, err := x.scanDir(ctx, p)
			if err != nil {
				total.Errors = append(total.Errors, err)
			}
			total.merge(c)
		default:
			total.merge(x.removeChildren(p)) // a folder before
			if Ignored(p, false, x.opts.Ignore) {
				total.merge(x.remove(p))
				continue
			}
			files = append(files, p)
		}
	}
	c, _ := x.refresh(ctx, files, nil)
	total.merge(c)
	total.sort()
	return total
}

// Articles returns the last good version of every article, sorted by path.
// The articles themselves are shared and must not be modified.
func (x *Index) Articles() []*Article {
	x.tidy()
	out := make([]*Article, len(x.published))
	for i, e := range x.published {
		out[i] = e.good
	}
	return out
}

// Article returns the last good version of the file at p (a slash path
// relative to the root), if it has one.
func (x *Index) Article(p string) (*Article, bool) {
	e, ok := x.files[p]
	if !ok || e.good == nil {
		return nil, false
	}
	return e.good, true
}

// tidy brings published up to date: removed entries out, new ones in.
func (x *Index) tidy() {
	byPath := func(a, b *indexEntry) int { return strings.Compare(a.path, b.path) }
	if x.pubRemoved {
		x.published = slices.DeleteFunc(x.published, func(e *indexEntry) bool { return e.removed })
		x.pubRemoved = false
	}
	pend := slices.DeleteFunc(x.pending, func(e *indexEntry) bool { return e.removed })
	x.pending = nil
	if len(pend) > 64 {
		// A start or a rescan: sorted (entries seeded from the cache come
		// in path order already), then merged in one pass.
		if !slices.IsSortedFunc(pend, byPath) {
			slices.SortFunc(pend, byPath)
		}
		if len(x.published) == 0 {
			x.published = pend
			return
		}
		merged := make([]*indexEntry, 0, len(x.published)+len(pend))
		i, j := 0, 0
		for i < len(x.published) && j < len(pend) {
			if byPath(pend[j], x.published[i]) < 0 {
				merged = append(merged, pend[j])
				j++
			} else {
				merged = append(merged, x.published[i])
				i++
			}
		}
		x.published = append(append(merged, x.published[i:]...), pend[j:]...)
		return
	}
	for _, e := range pend {
		i, _ := slices.BinarySearchFunc(x.published, e, byPath)
		x.published = slices.Insert(x.published, i, e)
	}
}

// Errors returns the current error of every file that fails to parse, sorted by path.
func (x *Index) Errors() []error {
	var out []error
	for _, e := range x.failing {
		out = append(out, e.err)
	}
	slices.SortFunc(out, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return out
}

// ErrorCount returns the number of files that fail to parse: len(Errors()),
// without building the list.
func (x *Index) ErrorCount() int { return len(x.failing) }

// Len returns the number of files the index knows, good or not.
func (x *Index) Len() int { return len(x.files) }

// scanDir lists the subtree at dir and reconciles it with the index. When ctx
// is done it returns ctx's error and leaves the index unchanged.
func (x *Index) scanDir(ctx context.Context, dir string) (Changes, error) {
	if err := ctx.Err(); err != nil {
		return Changes{}, err
	}
	// An index that knows no file has no stat to compare: the files are
	// stat'ed when read, on every core, rather than here on one.
	found, walkErrs, err := listUnder(ctx, x.fsys, dir, x.opts.Ignore, len(x.files) == 0)
	return x.reconcile(ctx, dir, found, walkErrs, err)
}

// reconcile brings the subtree at dir up to date with what listUnder found
// there (or the error it failed with).
func (x *Index) reconcile(ctx context.Context, dir string, found []listed, walkErrs []error, err error) (Changes, error) {
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return Changes{}, ctxErr
		}
		if dir != "." && errors.Is(err, fs.ErrNotExist) {
			return x.removeUnder(dir), nil
		}
		return Changes{}, err
	}
	paths := make([]string, 0, len(found))
	for _, f := range found {
		paths = append(paths, f.path)
	}
	// refresh marks the entries of the files listed with this scan's pass:
	// those under dir it did not mark are gone.
	x.pass++
	c, err := x.refresh(ctx, paths, found)
	if err != nil {
		return Changes{}, err
	}
	prefix := dir + "/"
	for p, e := range x.files {
		if (dir == "." || strings.HasPrefix(p, prefix)) && e.seen != x.pass {
			c.merge(x.remove(p))
		}
	}
	if len(x.deferred) > 0 {
		present := make(map[string]bool, len(paths))
		for _, p := range paths {
			present[p] = true
		}
		for p := range x.deferred {
			if (dir == "." || strings.HasPrefix(p, prefix)) && !present[p] {
				delete(x.deferred, p) // a new file never read, gone again
			}
		}
	}
	c.Errors = append(c.Errors, walkErrs...)
	c.sort()
	return c, nil
}

// refresh re-reads the files whose stat tuple changed, in parallel.
// infos, when not nil, holds a stat for each path from the listing. When ctx
// is done before every file was read, it applies nothing and returns ctx's
// error.
func (x *Index) refresh(ctx context.Context, paths []string, infos []listed) (Changes, error) {
	type job struct {
		p        string
		key      statKey
		info     fs.FileInfo // nil when the stat failed (or is yet to be made)
		stat     bool        // stat the file before reading it (listed without a stat)
		force    bool        // deferred for too long: read it as it is
		art      *Article
		err      error
		gone     bool
		notReady string
	}
	x.seed = nil // seeding is over: what it made is the entries'
	jobs := make([]*job, 0, len(paths))
	var gone []string
	var now time.Time
	if x.ready != nil {
		now = x.ready.now()
	}
	for i, p := range paths {
		var fi fs.FileInfo
		var err error
		if infos != nil {
			fi = infos[i].info
			if fi == nil && infos[i].regular {
				if _, known := x.files[p]; !known {
					// Nothing to compare with: stat'ed by the worker
					// that reads it.
					j := &job{p: p, stat: true}
					if first, ok := x.deferred[p]; ok && now.Sub(first) >= x.ready.maxDefer() {
						j.force = true
					}
					jobs = append(jobs, j)
					continue
				}
			}
		}
		if fi == nil {
			fi, err = fs.Stat(x.fsys, p)
		}
		if err != nil || !fi.Mode().IsRegular() {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				if e, ok := x.files[p]; ok {
					e.seen = x.pass
				}
				jobs = append(jobs, &job{p: p})
				continue
			}
			gone = append(gone, p)
			continue
		}
		k := keyOf(fi)
		if e, ok := x.files[p]; ok {
			e.seen = x.pass
			if e.stat == k && e.err == nil {
				if len(x.deferred) > 0 {
					delete(x.deferred, p) // back to what is published: nothing to wait for
				}
				continue
			}
		}
		j := &job{p: p, key: k, info: fi}
		if first, ok := x.deferred[p]; ok && now.Sub(first) >= x.ready.maxDefer() {
			j.force = true
		}
		jobs = append(jobs, j)
	}
	if len(jobs) > 0 {
		var done atomic.Int64
		if x.onRead != nil {
			x.onRead(0, len(jobs))
		}
		workers := x.opts.Workers
		if workers <= 0 {
			workers = runtime.GOMAXPROCS(0)
		}
		workers = min(workers, len(jobs))
		// Each worker takes the next job with one atomic add: handing
		// 100,000 jobs over a channel kept the workers waiting for the
		// sender to be scheduled (seconds of a cold start on two cores).
		var next atomic.Int64
		var wg sync.WaitGroup
		prefix := x.idPrefix()
		for range workers {
			wg.Go(func() {
				var buf []byte // one buffer for every file this worker reads
				var mem *seedMem
				var entry []byte
				if len(jobs) >= compactMin {
					mem = &seedMem{}
				}
				for ctx.Err() == nil {
					i := int(next.Add(1)) - 1
					if i >= len(jobs) {
						break
					}
					j := jobs[i]
					switch {
					case x.ready != nil && (j.info != nil || j.stat):
						j.art, j.info, j.notReady, j.err = x.parseReady(j.p, j.info, j.force, &buf)
					case j.stat:
						j.art, j.info, j.err = parseFileInfo(x.fsys, j.p, x.opts, &buf)
					default:
						j.art, j.err = parseFile(x.fsys, j.p, x.opts, &buf)
					}
					if j.stat && j.info != nil {
						j.key = keyOf(j.info) // the stat it was read with
					}
					if j.err != nil && errors.Is(j.err, fs.ErrNotExist) {
						j.gone = true
					}
					if mem != nil && j.art != nil && j.art.Body.file != nil {
						// Many files read at once (a first start): the
						// article is made again the way Seed makes it,
						// in this worker's blocks, as a warm start's are.
						entry = appendEntry(entry[:0], j.key, j.art, prefix)
						if _, a, err := mem.decode(entry, prefix); err == nil {
							j.art = a
						}
					}
					if x.onRead != nil {
						x.onRead(int(done.Add(1)), len(jobs))
					}
				}
			})
		}
		wg.Wait()
	}
	if err := ctx.Err(); err != nil {
		return Changes{}, err
	}
	var c Changes
	for _, p := range gone {
		c.merge(x.remove(p))
	}
	for _, j := range jobs {
		if j.gone {
			c.merge(x.remove(j.p))
			continue
		}
		if j.notReady != "" {
			if _, ok := x.deferred[j.p]; !ok {
				if x.deferred == nil {
					x.deferred = make(map[string]time.Time)
				}
				x.deferred[j.p] = now
			}
			c.Deferred = append(c.Deferred, j.p)
			continue
		}
		if j.force {
			c.Overdue = append(c.Overdue, j.p)
		}
		delete(x.deferred, j.p)
		e, known := x.files[j.p]
		if !known {
			p := j.p
			if j.art != nil && j.art.Path == p {
				// The article's copy of the path (made in the worker's
				// blocks at a start), so that the listing's is not kept
				// beside it: 5.5 MB at 100,000 files.
				p = j.art.Path
			}
			e = &indexEntry{path: p, seen: x.pass}
			x.files[p] = e
			x.count(p, 1)
		}
		if j.err != nil {
			e.err = j.err
			x.failing[j.p] = e
			c.Errors = append(c.Errors, j.err)
			continue
		}
		e.stat, e.err = j.key, nil
		delete(x.failing, j.p)
		switch {
		case e.good == nil:
			c.Added = append(c.Added, j.p)
			e.good = j.art
			x.pending = append(x.pending, e)
		case sameArticle(e.good, j.art):
			// touch, chmod or copy-back: keep the old value (and its caches)
		default:
			c.Changed = append(c.Changed, j.p)
			e.good = j.art
		}
	}
	return c, nil
}

// parseReady reads p with the readiness checks and parses it when it looks
// finished; otherwise notReady says why not. info is the stat p was listed
// with, or nil (see [readReady]); the stat it was read with is returned.
func (x *Index) parseReady(p string, info fs.FileInfo, force bool, buf *[]byte) (a *Article, read fs.FileInfo, notReady string, err error) {
	res, err := readReady(x.fsys, p, info, x.opts, force, buf)
	if err != nil || res.notReady != "" {
		return nil, res.info, res.notReady, err
	}
	a, err = parse(p, res.data, res.info.ModTime(), x.opts, true) // the body is read again when rendered
	return a, res.info, "", err
}

// sameArticle reports whether two parses of one file publish the same thing.
func sameArticle(a, b *Article) bool {
	return a.Hash == b.Hash && a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated)
}

func (x *Index) remove(p string) Changes {
	var c Changes
	delete(x.deferred, p)
	if e, ok := x.files[p]; ok {
		if e.good != nil {
			c.Removed = append(c.Removed, p)
			x.pubRemoved = true
		}
		e.removed = true
		delete(x.files, p)
		delete(x.failing, p)
		x.count(p, -1)
	}
	return c
}

// count adds d to the file count of every folder above p.
func (x *Index) count(p string, d int) {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		if n := x.under[p[:i]] + d; n > 0 {
			x.under[p[:i]] = n
		} else {
			delete(x.under, p[:i])
		}
	}
}

// removeUnder removes p and everything under it.
func (x *Index) removeUnder(p string) Changes {
	c := x.remove(p)
	c.merge(x.removeChildren(p))
	c.sort()
	return c
}

// removeChildren removes everything under the folder p.
func (x *Index) removeChildren(p string) Changes {
	var c Changes
	prefix := p + "/"
	for q := range x.files {
		if x.under[p] == 0 {
			break // nothing (left) under p
		}
		if strings.HasPrefix(q, prefix) {
			c.merge(x.remove(q))
		}
	}
	for q := range x.deferred {
		if strings.HasPrefix(q, prefix) {
			delete(x.deferred, q) // a new file never read
		}
	}
	c.sort()
	return c
}

func (c *Changes) merge(o Changes) {
	c.Added = append(c.Added, o.Added...)
	c.Changed = append(c.Changed, o.Changed...)
	c.Removed = append(c.Removed, o.Removed...)
	c.Errors = append(c.Errors, o.Errors...)
	c.Deferred = append(c.Deferred, o.Deferred...)
	c.Overdue = append(c.Overdue, o.Overdue...)
}

func (c *Changes) sort() {
	for _, s := range [][]string{c.Added, c.Changed, c.Removed, c.Deferred, c.Overdue} {
		slices.Sort(s)
	}
}

// typesFS lists folders with the type of each entry and no stat, where the
// file system can (see [rootFS.readDirTypes]): for a fresh listing.
type typesFS struct{ fs.FS }

func (t typesFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if rfs := asRoot(t.FS); rfs != nil {
		return rfs.readDirTypes(name)
	}
	return fs.ReadDir(t.FS, name)
}

// listed is one candidate file found by listUnder, with its stat.
type listed struct {
	path    string
	info    fs.FileInfo // nil for a regular file listed without its stat
	regular bool        // a regular file (info nil: not stat'ed yet)
}

// listUnder lists the candidate article files under dir, in lexical order.
// With fresh, regular files are listed without their stat (see
// [Index.List]).
func listUnder(ctx context.Context, fsys fs.FS, dir string, ignore []string, fresh bool) ([]listed, []error, error) {
	var out []listed
	var errs []error
	walk := fsys
	if fresh {
		walk = typesFS{fsys}
	}
	err := fs.WalkDir(walk, dir, func(p string, d fs.DirEntry, err error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if err != nil {
			if p == dir {
				return err
			}
			errs = append(errs, errAt(p, 0, classifyOpenErr(err)))
			return nil
		}
		if p == "." {
			return nil
		}
		if d.IsDir() {
			if Ignored(p, true, ignore) {
				return fs.SkipDir
			}
			return nil
		}
		if Ignored(p, false, ignore) {
			return nil
		}
		var info fs.FileInfo
		switch t := d.Type(); {
		case t.IsRegular() && fresh:
			out = append(out, listed{path: p, regular: true})
			return nil
		case t.IsRegular():
			info, err = d.Info()
			if err != nil {
				return nil // vanished between listing and stat
			}
		case t&fs.ModeSymlink != 0:
			// Followed only when it stays inside the root and names a regular file.
			info, err = fs.Stat(fsys, p)
			if err != nil {
				e := classifyOpenErr(err)
				if errors.Is(e, fs.ErrNotExist) {
					return nil // dangling link (emacs lock files): not an article
				}
				errs = append(errs, errAt(p, 0, e))
				return nil
			}
			if !info.Mode().IsRegular() {
				return nil
			}
		default:
			return nil // FIFOs, sockets, devices: never opened
		}
		out = append(out, listed{path: p, info: info, regular: true})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}
