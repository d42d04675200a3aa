// Package catalog owns the articles of one content folder: the folder itself
// (opened confined to itself, and again when it is replaced), the incremental
// index of its files (seeded from the parse cache of the state file), the
// state store that keeps ids and dates stable, and the selection of what the
// feeds show. "dropfeed build", "check" and "serve" all go through it, so
// the way from files to published articles is one path, whether it is taken
// once over a whole folder or once per batch of changed files.
//
// A [Catalog] is opened with [Open], brought up to date with
// [Catalog.Rescan] (every file) or [Catalog.Update] (the paths a watcher
// reported), and closed with [Catalog.Close]. Each update returns a [Delta]:
// which files changed, which articles became visible or stopped being, and
// the errors and warnings found on the way, with their positions.
//
// Package catalog imports content and content/state, nothing else of dropfeed.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/state"
)

// DefaultState returns where the state file is kept when none is named:
// .dropfeed/state.db in the folder dir (the config file's).
func DefaultState(dir string) string { return filepath.Join(dir, state.DefaultDir, state.DefaultFile) }

// Mode says how a catalog uses the state file.
type Mode int

const (
	// Batch reads and writes the state for one pass over the folder
	// ("dropfeed build"). When a daemon keeps the state, it reads a snapshot
	// of it instead, and writes nothing: the daemon is the one writer.
	Batch Mode = iota
	// Daemon keeps the state for a long-running process ("dropfeed serve"):
	// it holds the state file only while it writes, so that batch and
	// read-only catalogs can read it meanwhile, and it defers files that
	// still look unfinished (see [content.Readiness]).
	Daemon
	// ReadOnly reads the state and never writes it ("dropfeed check").
	ReadOnly
)

// Config configures [Open].
type Config struct {
	// Dir is the content folder.
	Dir string
	// Options are the parse options.
	Options content.Options
	// State is the state file's path; "" keeps ids and dates in memory only.
	State string
	Mode  Mode
	// MaxDefer bounds how long a daemon waits for a file that looks
	// unfinished; zero means [content.DefaultMaxDefer].
	MaxDefer time.Duration
	// FirstSeen gives the first-seen time of a file the state has no
	// record of; nil gives its first commit date when Dir lies in a git
	// work tree (so that a fresh clone dates undated files the same way on
	// every machine), else its modification time.
	FirstSeen func(path string) (time.Time, bool)
	// OnRead is told how reading goes, for a progress bar (see
	// [content.Index.OnRead]); nil tells nothing.
	OnRead func(done, total int)
	// Now returns the current time; nil means [time.Now].
	Now func() time.Time
	// OnOpen, when not nil, is called by Open once it holds the state file
	// (a writer: as soon as it holds the lock that makes it the one process
	// that writes it, before the records are read), before it reads the
	// parse cache: work that must wait for that, such as reading what the
	// last run of the daemon left beside the state file, can start there
	// and run beside the rest of the start. Open may still fail after it
	// (the state file cannot be opened). Without a state file it is not
	// called.
	OnOpen func()
}

// Catalog is the set of articles of one content folder. It is not safe for
// concurrent use: one goroutine owns it. The file system [Catalog.FS]
// returns, and the articles it hands out, are safe for concurrent use.
type Catalog struct {
	cfg    Config
	folder *content.Folder
	idx    *content.Index
	st     *state.Store // nil without a state file
	sel    *content.Selection
	media  *media // the media files the articles reference; nil until the first update
	// notes are site-wide warnings to hand out with the next delta: the
	// state file set aside, or read as a snapshot.
	notes []content.Warning
	// snapshot is set when a batch catalog found the state kept by a daemon.
	snapshot bool
	// ignore holds the ignore patterns for Ignored, which a watcher's
	// goroutine calls; Reconfigure replaces them.
	ignore atomic.Pointer[[]string]
	// listing, when not nil, brings the listing of the whole folder that
	// Open began while it read the state file: the first update takes it.
	listing    chan *content.Listing
	endListing context.CancelFunc
	// seeding, when not nil, is closed once the seeding of the index from
	// the parse cache that Open began on another goroutine is over: every
	// method that reads the index or the state waits for it (see seeded).
	seeding chan struct{}
}

// Delta says what one update changed.
type Delta struct {
	// Added, Changed and Removed are the files whose article appeared,
	// changed or went, sorted.
	Added, Changed, Removed []string
	// Entered and Left are the articles that became visible and those that
	// stopped being visible (a new version of an article is in both).
	Entered, Left []*content.Article
	// Errors are the files that failed in this update (each a
	// [*content.ParseError]); each keeps its last good version.
	Errors []error
	// Warnings are what this update found worth a warning: what was
	// repaired to publish the articles added or changed, duplicate ids and
	// URLs, files published as they were after waiting for them to look
	// finished, and site-wide notes (Path ""): the state file set aside or
	// not writable.
	Warnings []content.Warning
	// Deferred lists the files that looked unfinished and were not read;
	// they keep their previous version (see [Catalog.Deferred]).
	Deferred []string
	// First is set on the catalog's first update: every article is new.
	First bool
}

// Empty reports whether no file and no visible article changed.
func (d *Delta) Empty() bool {
	return len(d.Added)+len(d.Changed)+len(d.Removed)+len(d.Entered)+len(d.Left) == 0
}

// Open opens the content folder and the state file. A missing folder is an
// error ([content.ErrFolderMissing]), except for a daemon, which waits for it:
// its updates fail with that error until the folder appears. A state file
// kept by a daemon is read as a snapshot by a batch catalog; a corrupt one
// is set aside (a note with the first delta says so).
//
// With a state file, Open begins listing the folder (and stat'ing every
// file) on other goroutines while it reads the state, and the first update
// takes that listing: a file changed after Open listed it and before the
// first update is seen by the update after (a watcher started after Open
// reports it). ctx bounds that listing too. Open returns once it holds the
// state file: the seeding of the index from the state's parse cache goes on
// on another goroutine, and the first update (or any method that reads the
// articles) waits for it, so that a daemon can serve what its last run left
// meanwhile.
func Open(ctx context.Context, cfg Config) (*Catalog, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.FirstSeen == nil && cfg.State != "" {
		// git reads the history while the folder is listed and read.
		cfg.FirstSeen = state.GitFirstSeenBehind(ctx, cfg.Dir)
	}
	c := &Catalog{cfg: cfg, folder: content.NewFolder(cfg.Dir)}
	c.ignore.Store(&cfg.Options.Ignore)
	err := c.folder.Reopen()
	if err != nil && !(cfg.Mode == Daemon && errors.Is(err, content.ErrFolderMissing)) {
		return nil, err
	}
	c.newIndex()
	if cfg.State != "" {
		if err == nil {
			// List the folder (and stat every file) on other goroutines
			// while the state file is read and the index seeded from it:
			// the two halves of a start, each on a core.
			// With no state file yet there is no parse cache to seed the
			// index with: the listing leaves the stats to the parse.
			_, serr := os.Stat(cfg.State)
			fresh := errors.Is(serr, fs.ErrNotExist)
			lctx, cancel := context.WithCancel(ctx)
			c.listing, c.endListing = make(chan *content.Listing, 1), cancel
			go func() { c.listing <- c.idx.List(lctx, fresh) }()
		}
		opened := false
		onOpen := func() {
			if cfg.OnOpen != nil && !opened {
				opened = true
				cfg.OnOpen()
			}
		}
		if err := c.openState(onOpen); err != nil {
			c.dropListing()
			c.folder.Close()
			return nil, err
		}
		onOpen() // a reader: once it holds the file
		done := make(chan struct{})
		c.seeding = done
		go func() {
			defer close(done)
			c.seed()
		}()
	}
	return c, nil
}

// seeded waits for the seeding Open began, if it is not over yet.
func (c *Catalog) seeded() {
	if c.seeding != nil {
		<-c.seeding
		c.seeding = nil
	}
}

// dropListing stops the listing Open began, if it is still running, and
// forgets it.
func (c *Catalog) dropListing() {
	if c.listing != nil {
		c.endListing()
		<-c.listing
		c.listing = nil
	}
}

// takeListing returns the listing Open began, once: nil when there is none.
func (c *Catalog) takeListing() *content.Listing {
	if c.listing == nil {
		return nil
	}
	l := <-c.listing
	c.endListing()
	c.listing = nil
	return l
}

// openState opens the state store as the mode says.
func (c *Catalog) openState(onLocked func()) error {
	opts := state.Options{FirstSeen: c.cfg.FirstSeen, ReadOnly: c.cfg.Mode == ReadOnly, Daemon: c.cfg.Mode == Daemon, OnLocked: onLocked}
	st, warn, err := state.Open(c.cfg.State, opts)
	if c.cfg.Mode == Batch && errors.Is(err, state.ErrDaemonRunning) {
		// A running serve writes the state: read what it publishes.
		c.snapshot = true
		c.note(fmt.Sprintf("%v; reading a snapshot of it, with the ids and dates it publishes", err))
		opts.ReadOnly = true
		st, warn, err = state.Open(c.cfg.State, opts)
	}
	if err != nil {
		return err
	}
	if warn != "" {
		c.note(warn)
	}
	// The entries of the parse cache, as the index (whichever is current)
	// has them when the store writes them.
	st.CacheFrom(func(p string) ([]byte, bool) { return c.idx.CacheEntry(p) })
	c.st = st
	return nil
}

func (c *Catalog) note(msg string) { c.notes = append(c.notes, content.Warning{Msg: msg}) }

// Snapshot reports whether the catalog reads the state as a snapshot,
// because a daemon keeps it.
func (c *Catalog) Snapshot() bool { return c.snapshot }

// reset starts a new index (with the parse cache of the state file, when it
// has one made with the same options) and a new selection: the next update
// reads every file whose stat tuple the cache does not know.
func (c *Catalog) reset() {
	c.seeded()
	// The state writes of the last update read the cache entries of the
	// index replaced here.
	c.notes = append(c.notes, c.Flush()...)
	c.dropListing() // made with the options of the index it replaces
	c.newIndex()
	c.seed()
}

// newIndex starts a new, empty index and a new selection.
func (c *Catalog) newIndex() {
	c.idx = content.NewIndex(c.folder.FS(), c.cfg.Options)
	if c.cfg.Mode == Daemon {
		c.idx.SetReadiness(&content.Readiness{MaxDefer: c.cfg.MaxDefer})
	}
	if c.cfg.OnRead != nil {
		c.idx.OnRead(c.cfg.OnRead)
	}
	c.sel, c.media = nil, nil
}

// seed seeds a new index with the parse cache of the state file, when it
// has one made with the same options.
func (c *Catalog) seed() {
	if c.st == nil {
		return
	}
	// The articles an earlier run parsed, so that files that did not
	// change since are not read and parsed again.
	bad := 0
	err := c.st.ReadCache(content.CacheKey(c.cfg.Options), func(p, e []byte) {
		if c.idx.Seed(p, e) != nil {
			bad++
		}
	})
	if err != nil || bad > 0 {
		c.note(fmt.Sprintf("%d cached article(s) could not be read (%v); their files are parsed again", bad, err))
	}
}

// Reconfigure takes new parse options (a reloaded configuration): the next
// update parses every file again with them.
func (c *Catalog) Reconfigure(opts content.Options) {
	c.seeded() // it reads the options
	c.cfg.Options = opts
	c.ignore.Store(&opts.Ignore)
	c.reset()
}

// Ignored reports whether a watcher may skip the path rel (slash-separated,
// relative to the content folder): neither an article nor a media file an
// article may reference, under the ignore patterns in force. It is safe for
// concurrent use.
func (c *Catalog) Ignored(rel string, isDir bool) bool {
	p := *c.ignore.Load()
	return content.Ignored(rel, isDir, p) && (isDir || content.IgnoredMedia(rel, false, p))
}

// Lint returns what a check reports beyond errors: the warnings of an update
// (delta.Warnings) and the lint of every article, a duplicate id or URL
// placed at the line of its file's id or slug. A file gone or changed since
// it was parsed is not linted: the next check sees it.
func (c *Catalog) Lint(delta Delta) []content.Warning {
	var out []content.Warning
	dups := make(map[string][]content.Warning)
	for _, w := range delta.Warnings {
		if w.Code == content.WarnDuplicateID || w.Code == content.WarnDuplicateURL {
			dups[w.Path] = append(dups[w.Path], w)
		} else {
			out = append(out, w)
		}
	}
	for _, a := range c.Articles() {
		out = append(out, content.LintFile(c.FS(), a, c.cfg.Options, dups[a.Path])...)
	}
	return out
}

// FS returns the content folder's file system, as last opened, for article
// bodies and media files. It is safe for concurrent use.
func (c *Catalog) FS() fs.FS { return c.folder.FS() }

// Flush waits for the state writes of the last update, which the first
// update of a batch or a daemon makes beside the caller's work (building the
// feeds of 100,000 articles while their records are written), and returns a
// warning when they failed: the ids and dates stamped are those published,
// but may not persist. Every update flushes first; a batch flushes once its
// output is written, to report the warning.
func (c *Catalog) Flush() []content.Warning {
	c.seeded()
	if c.st == nil {
		return nil
	}
	if err := c.st.Wait(); err != nil {
		return []content.Warning{stateWarning(err)}
	}
	return nil
}

// stateWarning is the warning of a state write that failed.
func stateWarning(err error) content.Warning {
	return content.Warning{Msg: fmt.Sprintf("update state: %v; the ids and dates of new files may not persist", err)}
}

// Rescan reads the whole folder again. It fails when ctx is done or the
// folder cannot be read (or is missing: [content.ErrFolderMissing]); the
// articles are then as they were.
func (c *Catalog) Rescan(ctx context.Context) (Delta, error) { return c.update(ctx, nil, true) }

// Update reconciles the given slash paths (relative to the content folder)
// with what is on disk, and makes visible the articles that fell due. With
// no paths it only does the latter (see [Catalog.NextDue]). A folder that
// was replaced since the last update is read whole.
func (c *Catalog) Update(ctx context.Context, paths []string) (Delta, error) {
	return c.update(ctx, paths, false)
}

func (c *Catalog) update(ctx context.Context, paths []string, rescan bool) (Delta, error) {
	c.notes = append(c.notes, c.Flush()...) // before the index changes: the writes read its cache entries
	replaced, err := c.folder.Check()
	if err != nil {
		return Delta{}, fmt.Errorf("open content folder: %w", err)
	}
	if replaced {
		// Deleted and made again, or a link flipped, maybe before a
		// watcher said so: every path of the old one is gone. Read the new one.
		if err := c.folder.Reopen(); err != nil {
			return Delta{}, err
		}
		rescan = true
	}
	var ch content.Changes
	listed := false
	if l := c.takeListing(); l != nil && !replaced && (rescan || c.sel == nil) {
		// Cut short (Open's context is done) or failed: listed again below.
		ch, err = c.idx.RescanListed(ctx, l)
		listed = err == nil
	}
	switch {
	case listed:
	case rescan || c.sel == nil:
		if ch, err = c.idx.Rescan(ctx); err != nil {
			return Delta{}, fmt.Errorf("read content folder: %w", err)
		}
	case len(paths) > 0:
		ch = c.idx.Update(ctx, paths)
	}
	d := Delta{Added: ch.Added, Changed: ch.Changed, Removed: ch.Removed, Errors: ch.Errors, Deferred: ch.Deferred}
	d.Warnings, c.notes = c.notes, nil
	for _, l := range [][]string{ch.Added, ch.Changed} {
		for _, p := range l {
			if a, ok := c.idx.Article(p); ok {
				d.Warnings = append(d.Warnings, a.Warnings...)
			}
		}
	}
	for _, p := range ch.Overdue {
		d.Warnings = append(d.Warnings, content.Warning{Path: p, Msg: fmt.Sprintf("the file still looked unfinished after %s; published as it is", c.maxDefer())})
	}
	c.publish(&d, ch, paths, rescan)
	return d, nil
}

// publish stamps what changed with the state and the media it references,
// and updates the selection. paths are what the update was given (rescan:
// every path), for the media files among them.
func (c *Catalog) publish(d *Delta, ch content.Changes, paths []string, rescan bool) {
	now := c.cfg.Now()
	fsys := c.folder.FS()
	c.cache(ch)
	var stamped []*content.Article
	var removed []string
	var err error
	if c.sel == nil {
		// The first update (or the first after Reconfigure): every article.
		d.First = true
		stamped, err = c.stamp(nil, c.idx.Articles(), true, now)
		c.media = newMedia()
		c.media.lookAll(fsys, stamped)
		for i, a := range stamped {
			c.media.track(a.Path, nil, a)
			stamped[i] = c.media.withStamp(fsys, a)
		}
		c.sel = content.NewSelection()
	} else {
		// The media files that changed, first: the articles changed in
		// this update are stamped with them as they are now.
		byMedia := c.media.changedMedia(fsys, paths, rescan)
		var changed []*content.Article
		removed, changed = c.changed(ch)
		stamped, err = c.stamp(removed, changed, false, now)
		done := make(map[string]bool, len(removed)+len(stamped))
		for _, p := range removed {
			old, _ := c.sel.Article(p)
			c.media.track(p, old, nil)
			done[p] = true
		}
		for i, a := range stamped {
			old, _ := c.sel.Article(a.Path)
			c.media.track(a.Path, old, a)
			stamped[i] = c.media.withStamp(fsys, a)
			done[a.Path] = true
		}
		for _, p := range byMedia {
			if cur, ok := c.sel.Article(p); ok && !done[p] {
				if next := c.media.withStamp(fsys, cur); next != cur {
					stamped = append(stamped, next)
					d.Changed = append(d.Changed, p)
				}
			}
		}
		slices.Sort(d.Changed)
	}
	if err != nil {
		d.Warnings = append(d.Warnings, stateWarning(err))
	}
	sc := c.sel.Update(removed, stamped, now)
	d.Entered, d.Left = sc.Entered, sc.Left
	d.Warnings = append(d.Warnings, sc.Warnings...)
}

// stamp gives articles the ids and dates the state remembers (all: arts is
// every article there is).
func (c *Catalog) stamp(removed []string, arts []*content.Article, all bool, now time.Time) ([]*content.Article, error) {
	if c.st == nil {
		return arts, nil
	}
	var out []*content.Article
	var err error
	if all && c.cfg.Mode != ReadOnly {
		// The first update stamps every article: what that changed is
		// written beside the build that follows (see Flush), and a
		// daemon's write lets the file go. A batch holds it until Close.
		return c.st.ApplyBehind(arts, now), nil
	}
	if all {
		out, err = c.st.Apply(arts, now)
	} else {
		out, err = c.st.Update(removed, arts, now)
	}
	if all {
		// The start read every record and cache entry: let the file go
		// (a daemon opens it again to write; a reader is done with it).
		err = errors.Join(err, c.st.Release())
	}
	return out, err
}

// cache queues the parse cache entries of what an index update changed,
// for the state store to write with its next update.
func (c *Catalog) cache(ch content.Changes) {
	if c.st == nil {
		return
	}
	for _, l := range [][]string{ch.Added, ch.Changed, ch.Removed} {
		for _, p := range l {
			c.st.Cache(p) // removed when the index has no entry for it
		}
	}
}

// changed returns what an index update changed, as the paths of the
// articles gone and the articles added or changed, read from the index as
// it is now (a path can be both removed and added within one update).
func (c *Catalog) changed(ch content.Changes) (removed []string, changed []*content.Article) {
	seen := make(map[string]bool, ch.Len())
	for _, l := range [][]string{ch.Added, ch.Changed, ch.Removed} {
		for _, p := range l {
			if seen[p] {
				continue
			}
			seen[p] = true
			if a, ok := c.idx.Article(p); ok {
				changed = append(changed, a)
			} else {
				removed = append(removed, p)
			}
		}
	}
	return removed, changed
}

func (c *Catalog) maxDefer() time.Duration {
	if c.cfg.MaxDefer > 0 {
		return c.cfg.MaxDefer
	}
	return content.DefaultMaxDefer
}

// Visible returns the articles the feeds show, newest first, in a new slice.
func (c *Catalog) Visible() []*content.Article {
	if c.sel == nil {
		return nil
	}
	return c.sel.Visible()
}

// Article returns the article of the file at p as published (stamped with
// its id and dates), visible or not: a draft, or not due yet.
func (c *Catalog) Article(p string) (*content.Article, bool) {
	if c.sel == nil {
		return nil, false
	}
	return c.sel.Article(p)
}

// Articles returns every article as published (stamped), visible or not,
// sorted by path.
func (c *Catalog) Articles() []*content.Article {
	c.seeded()
	all := c.idx.Articles()
	for i, a := range all {
		if s, ok := c.Article(a.Path); ok {
			all[i] = s
		}
	}
	return all
}

// NextDue returns when the next article not due yet falls due (drafts
// aside): an [Catalog.Update] then makes it visible.
func (c *Catalog) NextDue() (time.Time, bool) {
	if c.sel == nil {
		return time.Time{}, false
	}
	return c.sel.NextDue()
}

// Deferred returns the files waiting to look finished: pass them to
// [Catalog.Update] again a little later.
func (c *Catalog) Deferred() []string {
	c.seeded()
	return c.idx.Deferred()
}

// Errors returns the current error of every file that fails to parse,
// sorted by path.
func (c *Catalog) Errors() []error {
	c.seeded()
	return c.idx.Errors()
}

// ErrorCount returns len(Errors()) without building the list.
func (c *Catalog) ErrorCount() int {
	c.seeded()
	return c.idx.ErrorCount()
}

// Files returns the number of article files the catalog knows, good or not.
func (c *Catalog) Files() int {
	c.seeded()
	return c.idx.Len()
}

// Close closes the folder and the state file (a daemon's last writes are
// tried once more).
func (c *Catalog) Close() error {
	c.seeded()
	c.dropListing()
	var err error
	if c.st != nil {
		err = c.st.Close()
	}
	return errors.Join(err, c.folder.Close())
}
