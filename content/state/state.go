// Package state is dropfeed's memory between runs: a small embedded database
// (one bbolt file) that records, per article file, its id, when it was first
// seen, the hash of its bytes and when they last changed. With it:
//
//   - a published date never moves: a file without its own date keeps the
//     time it was first seen (its modification time then, or its first commit
//     date in a git work tree), across restarts, touches and copies;
//   - an updated date moves only when the bytes change;
//   - a file renamed or moved keeps its id: the same bytes leaving one path
//     and appearing at another, in one batch or across runs, carry the old
//     record along.
//
// A lost or corrupt state file is set aside and rebuilt from the files, with a
// warning; it never stops the program. One process writes a state file at a
// time (the file is locked, with a timeout); readers ([Options.ReadOnly]) may
// share it.
//
// # A daemon and its readers
//
// A long-running writer ([Options.Daemon], "dropfeed serve") marks the file
// as its own with a lock file beside it for as long as it runs, and holds
// the state file itself only while it writes: it keeps every record in
// memory, so it never needs to read the file again. Meanwhile another
// program ("dropfeed build", "dropfeed check") reads a consistent snapshot
// of the file ([Options.ReadOnly]), with the ids and dates the daemon
// publishes, and does not write: [Open] of a writer fails with
// [ErrDaemonRunning] while a daemon runs. A write of the daemon that finds
// the file held by a reader (or by a writer that began before it) is kept in
// memory and written with the next one.
//
// Package state imports content and bbolt, nothing else of dropfeed.
package state

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process holds the state file open for writing.
var ErrLocked = errors.New("state: file in use by another dropfeed")

// ErrDaemonRunning means a daemon ([Options.Daemon]) keeps the state file:
// open it [Options.ReadOnly] to read what it publishes.
var ErrDaemonRunning = errors.New("is kept by a running dropfeed serve")

// DefaultDir and DefaultFile name the state file's default location, beside
// the config file: .dropfeed/state.db.
const (
	DefaultDir  = ".dropfeed"
	DefaultFile = "state.db"
)

// forget is how long a record of a file that is gone is kept, so that a file
// moved back or renamed later still finds its id.
const forget = 90 * 24 * time.Hour

var bucket = []byte("articles")

// parsedBucket holds the cache of parsed files (see [Store.Cache]), and
// under cacheKeyName the key it was made with.
var (
	parsedBucket = []byte("parsed")
	cacheKeyName = []byte("\x00key")
)

// Options configure [Open]. The zero value opens for writing with a one-second lock timeout.
type Options struct {
	// ReadOnly opens the file without writing to it (for "check", or
	// "build" while "serve" runs); a missing file then gives an empty store.
	// Records are stamped in memory as a writer would stamp them.
	ReadOnly bool
	// Daemon opens the file for a long-running writer: it takes the daemon
	// lock beside the file, and holds the file only while it writes (see the
	// package documentation). [Store.Release] lets it go after the start.
	Daemon bool
	// Timeout bounds the wait for the file lock; zero means one second.
	Timeout time.Duration
	// FirstSeen, when not nil, gives the first-seen time of a file the store
	// has no record of (for example its first commit date); ok false falls
	// back to the file's modification time.
	FirstSeen func(path string) (t time.Time, ok bool)
	// OnLocked, when not nil, is called once a writer holds the daemon lock
	// beside the file (it is then the one process that writes it), before
	// the file is opened and its records read; Open may still fail after.
	OnLocked func()
}

// Record is what the store remembers of one article file. (The store keeps
// it in a smaller form, and writes it in a compact binary one: see record.go.)
type Record struct {
	ID        string    `json:"id"`
	FirstSeen time.Time `json:"first_seen"`
	Hash      string    `json:"hash"`
	Changed   time.Time `json:"changed"`
	Gone      time.Time `json:"gone,omitzero"` // when the file was last seen missing
	// Pinned marks an id that does not follow the file's path: one carried
	// over from a renamed file, or made unique beside one. Other records
	// follow the id the file derives now, so that ids seen before the site's
	// id settings were final (a local preview) do not stick.
	Pinned bool `json:"pinned,omitempty"`
}

// Store is an open state file. It is not safe for concurrent use.
type Store struct {
	db       *bolt.DB // nil for an empty read-only store, and between a daemon's writes
	path     string
	readOnly bool
	daemon   *daemonLock // held while a daemon runs; nil otherwise
	// unsaved holds what a write could not save (the file was held by a
	// reader): records by path, nil for a deletion. The next save writes it.
	unsaved map[string]*rec
	recs    map[string]*rec // by path
	opts    Options
	// gone lists the paths of the records of files gone, by hash, sorted,
	// for finding a renamed file's record.
	gone map[digest][]string
	// ids gives the path of the record that holds each id; idsMore lists
	// every path, sorted, of the ids more than one record holds (ids then
	// gives the first).
	ids     map[string]string
	idsMore map[string][]string
	swept   time.Time // when expire last ran
	expired []string  // records expire forgot, to delete at the next save
	pass    uint32    // Apply's passes, for rec.seen
	// migrate is set when records were read in an earlier version's form:
	// the next save writes every record again.
	migrate bool
	// blocks is set while strings of the records point into the blocks
	// they were read into (see share).
	blocks bool

	cacheKey string // the key the cache on disk was made with
	// queued lists the paths whose cache entry the next save writes, as
	// entries then gives it (or deletes, when it gives none).
	queued  map[string]bool
	entries func(path string) (entry []byte, ok bool)
	newKey  string // a key to write at the next save, with the cache emptied

	// behind, when not nil, brings the error of the writes ApplyBehind
	// made on another goroutine; every other method waits for it first
	// (see wait), and behindErr keeps it for Wait.
	behind    chan error
	behindErr error
}

// Open opens (creating when needed) the state file at path. warn is set when
// the file was corrupt and has been set aside: the store then starts empty.
func Open(path string, opts Options) (s *Store, warn string, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.ReadOnly {
		opts.Daemon = false
	}
	s = &Store{path: path, readOnly: opts.ReadOnly, opts: opts}
	s.reset()
	if opts.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return s, "", nil
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", fmt.Errorf("create state folder: %w", err)
	}
	if !opts.ReadOnly {
		l, err := takeDaemonLock(path, opts.Daemon)
		if err != nil {
			return nil, "", err
		}
		s.daemon = l
		defer func() {
			if err != nil {
				s.daemon.release()
			}
		}()
		if opts.OnLocked != nil {
			opts.OnLocked()
		}
	}
	db, err := bolt.Open(path, 0o644, boltOptions(opts.Timeout, opts.ReadOnly))
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, "", fmt.Errorf("open state %s: %w", path, ErrLocked)
	}
	if err == nil {
		err = s.load(db)
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		if opts.ReadOnly {
			return s, fmt.Sprintf("state file %s is unreadable (%v); reading the files without it", path, err), nil
		}
		aside := fmt.Sprintf("%s.corrupt-%d", path, time.Now().Unix())
		if rerr := os.Rename(path, aside); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("open state %s: %w (and set it aside: %v)", path, err, rerr)
		}
		db, err2 := bolt.Open(path, 0o644, boltOptions(opts.Timeout, false))
		if err2 != nil {
			return nil, "", fmt.Errorf("create state %s: %w", path, err2)
		}
		s.reset()
		if err := s.load(db); err != nil {
			db.Close()
			return nil, "", fmt.Errorf("create state %s: %w", path, err)
		}
		s.db = db
		return s, fmt.Sprintf("state file %s was unreadable (%v); moved it to %s and rebuilt the state from the files", path, err, aside), nil
	}
	s.db = db
	return s, "", nil
}

// fillPercent fills the pages that a transaction splits nearly full: keys
// are put in order and records rarely grow, so half-empty pages (bbolt's
// default) would only double the file.
const fillPercent = 0.9

// Release closes the file of a daemon or a reader once the start has read
// what it needs ([Store.ReadCache]): a daemon opens it again for each write,
// and a reader reads nothing more; the records stay in memory. It also lets
// go of the pages the start touched (every record and cache entry), which
// would otherwise count as the process's resident memory for as long as it
// runs. It does nothing for other writers, which hold the file until Close.
func (s *Store) Release() error {
	s.wait()
	return s.release()
}

// release is Release without the wait: the writes of ApplyBehind end with it.
func (s *Store) release() error {
	if s.db == nil || !(s.readOnly || s.daemon.held()) {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}

// saveTimeout bounds a daemon's wait for its state file when it writes: a
// reader holds it for as long as its start takes to read it.
var saveTimeout = 10 * time.Second

// boltOptions are the options of every open: a hash map freelist, which
// stays fast as the file's free pages grow in number, and a mapping large
// enough that a write does not outgrow it (see initialMmap).
func boltOptions(timeout time.Duration, readOnly bool) *bolt.Options {
	return &bolt.Options{Timeout: timeout, ReadOnly: readOnly, FreelistType: bolt.FreelistMapType, InitialMmapSize: initialMmap}
}

// initialMmap is the size of address space a state file is mapped with.
// When a write makes the file larger than its mapping, bbolt maps it again
// and first copies every key and value the transaction holds out of the
// old mapping: a first run over 100,000 files copied 30 times what it
// wrote. Only address space is taken, not memory, except on Windows, where
// the file would grow to the mapping's size, and on 32-bit systems, which
// have little address space: there the mapping grows as the file does.
var initialMmap = func() int {
	if runtime.GOOS == "windows" || strconv.IntSize < 64 {
		return 0
	}
	return 1 << 30
}()

// reset empties the records in memory.
func (s *Store) reset() {
	s.recs = make(map[string]*rec)
	s.gone = make(map[digest][]string)
	s.ids = make(map[string]string)
	s.idsMore = make(map[string][]string)
	s.migrate = false
}

func (s *Store) load(db *bolt.DB) error {
	if !s.readOnly {
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucket)
			return err
		}); err != nil {
			return err
		}
	}
	err := db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		// In key order, so that the lookup tables are made sorted, with
		// the records and their strings in a few large blocks.
		var strs arena
		var slab []rec
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(slab) == 0 {
				slab = make([]rec, 1024)
			}
			r := &slab[0]
			slab = slab[1:]
			old, err := decodeRecord(v, r, strs.string)
			if err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			s.migrate = s.migrate || old
			s.blocks = true
			p := strs.string(k)
			s.recs[p] = r
			if r.gone() {
				s.gone[r.hash] = append(s.gone[r.hash], p)
			}
			s.addID(p, r.id)
		}
		return nil
	})
	if err == nil {
		err = s.loadCache(db)
	}
	return err
}

// Close closes the file (a daemon's last unsaved writes are tried once
// more) and lets go of the daemon lock.
func (s *Store) Close() error {
	s.wait()
	err := s.takeBehindErr()
	if s.daemon.held() && len(s.unsaved) > 0 {
		err = s.save(nil, nil)
	}
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
		s.db = nil
	}
	s.daemon.release()
	return err
}

// Len returns the number of records, gone files included.
func (s *Store) Len() int {
	s.wait()
	return len(s.recs)
}

// Get returns the record of a path.
func (s *Store) Get(path string) (Record, bool) {
	s.wait()
	r, ok := s.recs[path]
	if !ok {
		return Record{}, false
	}
	return r.record(), true
}

// Apply stamps articles with what the store remembers and records what is
// new. It returns the articles, in the order given, copied where they get ID (when
// derived), Published (when the file has no date of its own) and Updated
// (when the bytes changed after the file was first seen) taken from the
// records; the input is not modified. arts is every article there is: files
// in the store but not in arts are marked gone; their records are kept for a
// while, so a renamed file finds its record by its hash. now is the time of
// this run. A read-only store records nothing.
func (s *Store) Apply(arts []*content.Article, now time.Time) ([]*content.Article, error) {
	out, dirty, deleted := s.apply(arts, now)
	err := s.save(dirty, deleted)
	s.shareFirst(arts)
	return out, err
}

// ApplyBehind is [Store.Apply], except that it returns as soon as the
// articles are stamped and writes what changed on another goroutine. A
// start that stamps every article of a large folder writes every record
// and cache entry (a second of a cold start at 100,000 files): written
// beside what the caller does next, such as building the feeds. Every
// other method of the store waits for those writes first; [Store.Wait]
// returns their error. The records are those Apply would write; they
// depend only on the files and the records before (now only dates the
// records of files seen gone, and an edit whose file's time went back),
// so a crash before they are written leaves a state from which the next
// start stamps the same ids and dates.
func (s *Store) ApplyBehind(arts []*content.Article, now time.Time) []*content.Article {
	out, dirty, deleted := s.apply(arts, now)
	done := make(chan error, 1)
	s.behind = done
	go func() {
		err := s.save(dirty, deleted)
		s.shareFirst(arts) // beside the caller's work too: a tenth of a second at 100,000 files
		done <- err
	}()
	return out
}

// Wait waits for the writes of [Store.ApplyBehind] and returns their error,
// once: nil when there were none or they are done and told.
func (s *Store) Wait() error {
	s.wait()
	return s.takeBehindErr()
}

// wait waits for the writes of ApplyBehind, if they are under way.
func (s *Store) wait() {
	if s.behind != nil {
		s.behindErr = <-s.behind
		s.behind = nil
	}
}

func (s *Store) takeBehindErr() error {
	err := s.behindErr
	s.behindErr = nil
	return err
}

// apply stamps arts as Apply does and returns what its save writes.
func (s *Store) apply(arts []*content.Article, now time.Time) (out []*content.Article, dirty map[string]*rec, deleted []string) {
	s.wait()
	now = now.UTC().Truncate(time.Second)
	s.expire(now)
	// The records of files not in arts, marked as the ones seen are.
	s.pass++
	for _, a := range arts {
		if r, ok := s.recs[a.Path]; ok {
			r.seen = s.pass
		}
	}
	var removed []string
	for p, r := range s.recs {
		if !r.gone() && r.seen != s.pass {
			removed = append(removed, p)
		}
	}
	slices.Sort(removed)
	out, dirty, deleted = s.stamp(removed, arts, now)
	return out, dirty, deleted
}

// shareFirst shares the records' strings (see share) once the first Apply
// has stamped every article and saved what changed.
func (s *Store) shareFirst(arts []*content.Article) {
	if s.blocks {
		s.share(arts)
	}
}

// share makes the records of the files in arts take the articles' strings
// (the path, and the id when it is the same), and gives every other string
// of the records one of its own, so that none points into the blocks the
// records were read into at Open: those would otherwise be kept beside
// the articles' copies of the same paths and ids (12 MB at 100,000 files).
// It is done once, by the first Apply, which sees every article.
func (s *Store) share(arts []*content.Article) {
	s.blocks = false
	for _, a := range arts {
		if r, ok := s.recs[a.Path]; ok {
			if r.id == a.ID {
				r.id = a.ID
			}
			s.recs[a.Path] = r // the key takes a.Path's bytes
		}
	}
	own := func(p string) string { return strings.Clone(p) }
	for p, r := range s.recs {
		if r.seen != s.pass { // a file gone (or moved): not in arts
			r.id = own(r.id)
			s.recs[own(p)] = r
		}
	}
	for p, r := range s.recs {
		if q, ok := s.ids[r.id]; ok && q == p {
			s.ids[r.id] = p // the key takes r.id's bytes, the value p's
		}
	}
	for id, ps := range s.idsMore {
		for i, p := range ps {
			ps[i] = own(p)
		}
		s.ids[id] = ps[0]
	}
	for _, ps := range s.gone {
		for i, p := range ps {
			ps[i] = own(p)
		}
	}
	for i, p := range s.expired {
		s.expired[i] = own(p)
	}
	if len(s.unsaved) > 0 {
		unsaved := make(map[string]*rec, len(s.unsaved))
		for p, r := range s.unsaved {
			unsaved[own(p)] = r
		}
		s.unsaved = unsaved
	}
}

// Update is the incremental form of [Store.Apply], for a caller that knows
// what changed since its last Apply or Update: the paths of the files that
// are gone, and the articles added or changed. It returns stamped copies of
// those articles only, in the order given, and costs time in proportion to
// them, not to every file the store knows.
func (s *Store) Update(removed []string, changed []*content.Article, now time.Time) ([]*content.Article, error) {
	s.wait()
	now = now.UTC().Truncate(time.Second)
	if now.Sub(s.swept) >= time.Hour {
		s.expire(now)
	}
	out, dirty, deleted := s.stamp(slices.Sorted(slices.Values(removed)), changed, now)
	return out, s.save(dirty, deleted)
}

// stamp stamps arts with their records, made or brought up to date, marks
// the records of removed gone, and returns the articles and what a save
// then writes: the records that changed, and the paths of those deleted.
func (s *Store) stamp(removed []string, arts []*content.Article, now time.Time) (out []*content.Article, dirty map[string]*rec, deleted []string) {
	nowS := stampOf(now)
	dirty = make(map[string]*rec)
	deleted = s.expired
	s.expired = nil
	for _, p := range removed {
		if r, ok := s.recs[p]; ok && !r.gone() {
			r.goneT = nowS
			dirty[p] = r
			s.addGone(p, r)
		}
	}
	out = make([]*content.Article, len(arts))
	byPath := func(a, b *content.Article) int { return strings.Compare(a.Path, b.Path) }
	var order []int // nil: arts is sorted by path already (a start's every article)
	if !slices.IsSortedFunc(arts, byPath) {
		order = make([]int, len(arts))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(i, j int) int { return byPath(arts[i], arts[j]) })
	}
	for k := range arts {
		i := k
		if order != nil {
			i = order[k]
		}
		a := arts[i]
		h := digestOf(a.Hash)
		r, ok := s.recs[a.Path]
		cur, had := r, ok // the record at a.Path before this article
		var before rec
		if ok {
			before = *r
			if r.gone() {
				s.delGone(a.Path, r)
				r.goneT = stamp{}
			}
		}
		if !ok {
			// A renamed or moved file: the same bytes that left another path.
			if ps := s.gone[h]; len(ps) > 0 {
				old := ps[0]
				r = s.recs[old]
				s.delGone(old, r)
				s.delID(old, r.id)
				delete(s.recs, old)
				delete(dirty, old)
				deleted = append(deleted, old)
				r.goneT = stamp{}
				r.pinned = !a.ExplicitID
				ok = true
			}
		}
		if !ok {
			first := a.ModTime.UTC().Truncate(time.Second)
			if a.Dated {
				first = a.Published.UTC()
			} else if s.opts.FirstSeen != nil {
				if t, found := s.opts.FirstSeen(a.Path); found {
					first = t.UTC().Truncate(time.Second)
				}
			}
			r = &rec{id: a.ID, first: stampOf(first), hash: h, changed: stampOf(first)}
			if s.idTaken(a.ID, a.Path) && !a.ExplicitID {
				// The old path's id lives on with a file moved away.
				r.id, r.pinned = a.ID+"-"+a.Hash[:8], true
			}
		}
		if (a.ExplicitID || !r.pinned) && r.id != a.ID {
			r.id, r.pinned = a.ID, false
		}
		if r.hash != h {
			changed := stampOf(a.ModTime.UTC().Truncate(time.Second))
			if !changed.after(r.changed) {
				changed = nowS
			}
			r.hash, r.changed = h, changed
		}
		if !had || cur != r || !before.same(r) {
			dirty[a.Path] = r
		}
		r.seen = s.pass
		if !had || cur != r {
			s.recs[a.Path] = r
			s.addID(a.Path, r.id)
		} else if before.id != r.id {
			s.delID(a.Path, before.id)
			s.addID(a.Path, r.id)
		}
		out[i] = stampArticle(a, r)
	}
	return out, dirty, deleted
}

// expire forgets the records of files gone for longer than [forget]; the
// next save deletes them.
func (s *Store) expire(now time.Time) {
	s.swept = now
	for p, r := range s.recs {
		if r.gone() && now.Sub(r.goneT.time()) > forget {
			s.delGone(p, r)
			s.delID(p, r.id)
			delete(s.recs, p)
			s.expired = append(s.expired, p)
		}
	}
}

// addGone lists p, whose record is gone, under its hash (paths sorted).
func (s *Store) addGone(p string, r *rec) { s.gone[r.hash] = insertSorted(s.gone[r.hash], p) }

func (s *Store) delGone(p string, r *rec) {
	ps := s.gone[r.hash]
	if i, found := slices.BinarySearch(ps, p); found {
		if ps = slices.Delete(ps, i, i+1); len(ps) == 0 {
			delete(s.gone, r.hash)
		} else {
			s.gone[r.hash] = ps
		}
	}
}

// addID records that the record at p holds id.
func (s *Store) addID(p, id string) {
	q, ok := s.ids[id]
	switch {
	case !ok:
		s.ids[id] = p
	case q == p:
	default:
		ps, many := s.idsMore[id]
		if !many {
			ps = []string{q}
		}
		ps = insertSorted(ps, p)
		s.idsMore[id], s.ids[id] = ps, ps[0]
	}
}

// delID records that the record at p no longer holds id.
func (s *Store) delID(p, id string) {
	q, ok := s.ids[id]
	if !ok {
		return
	}
	ps, many := s.idsMore[id]
	if !many {
		if q == p {
			delete(s.ids, id)
		}
		return
	}
	if i, found := slices.BinarySearch(ps, p); found {
		ps = slices.Delete(ps, i, i+1)
	}
	if len(ps) == 1 {
		delete(s.idsMore, id)
	} else {
		s.idsMore[id] = ps
	}
	s.ids[id] = ps[0]
}

// idTaken reports whether a record other than the one at p holds id.
func (s *Store) idTaken(id, p string) bool {
	q, ok := s.ids[id]
	if !ok {
		return false
	}
	_, many := s.idsMore[id]
	return many || q != p
}

func insertSorted(ps []string, p string) []string {
	i, found := slices.BinarySearch(ps, p)
	if found {
		return ps
	}
	return slices.Insert(ps, i, p)
}

// stampArticle returns a copy of a with the record's identity and dates,
// or a itself when they are a's already.
func stampArticle(a *content.Article, r *rec) *content.Article {
	id, pub, upd := a.ID, a.Published, a.Updated
	if !a.ExplicitID {
		id = r.id
	}
	if !a.Dated {
		first := r.first.time()
		if a.Updated.Equal(a.Published) { // no explicit updated: it was the mtime
			upd = first
		}
		pub = first
	}
	if upd.Before(pub) {
		upd = pub
	}
	if r.changed.after(stampOf(upd)) && r.changed.after(r.first) {
		upd = r.changed.time()
	}
	if id == a.ID && pub.Equal(a.Published) && upd.Equal(a.Updated) {
		return a // nothing to change: no copy (100,000 of them would be kept)
	}
	b := *a
	b.ID, b.Published, b.Updated = id, pub, upd
	return &b
}

func (s *Store) save(dirty map[string]*rec, removed []string) error {
	if s.readOnly || (len(dirty) == 0 && len(removed) == 0 && len(s.unsaved) == 0 && len(s.queued) == 0 && s.newKey == "" && !s.migrate) {
		return s.release()
	}
	if s.migrate {
		// Records read in an earlier version's form: every one is written
		// in the current form.
		if dirty == nil {
			dirty = make(map[string]*rec, len(s.recs))
		}
		for p, r := range s.recs {
			if _, ok := dirty[p]; !ok {
				dirty[p] = r
			}
		}
		s.migrate = false
	}
	if len(s.unsaved) > 0 {
		// What an earlier write could not save, unless this one supersedes it.
		if dirty == nil {
			dirty = make(map[string]*rec)
		}
		for p, r := range s.unsaved {
			if _, ok := dirty[p]; ok || slices.Contains(removed, p) {
				continue
			}
			if r == nil {
				removed = append(removed, p)
			} else {
				dirty[p] = r
			}
		}
		s.unsaved = nil
	}
	if s.db == nil {
		if !s.daemon.held() {
			return nil // a writer whose file could not be opened again: records kept in memory only
		}
		db, err := bolt.Open(s.path, 0o644, boltOptions(saveTimeout, false))
		if err != nil {
			s.keepUnsaved(dirty, removed)
			if errors.Is(err, berrors.ErrTimeout) {
				err = ErrLocked
			}
			return fmt.Errorf("open state %s: %w", s.path, err)
		}
		s.db = db
	}
	defer func() { _ = s.release() }()
	// In key order: bbolt inserts into one node until the commit splits
	// it, so random order costs a memmove per record.
	type op struct {
		cache bool   // an entry of the parse cache, else a record
		path  string // the key
		r     *rec   // the record to put; nil: delete it
	}
	var ops []op
	for _, p := range removed {
		if _, back := dirty[p]; !back {
			ops = append(ops, op{path: p})
		}
	}
	for _, p := range slices.Sorted(maps.Keys(dirty)) {
		ops = append(ops, op{path: p, r: dirty[p]})
	}
	queued := s.queued
	s.queued = nil
	for _, p := range slices.Sorted(maps.Keys(queued)) {
		if p != "" && p[0] != 0 {
			ops = append(ops, op{cache: true, path: p})
		}
	}
	// A first run over a large folder writes every record and cache entry:
	// in transactions of saveBatch each, whose keys and values are made as
	// the transaction writes them (bbolt keeps them until it commits), not
	// all at once: the cache entries of 100,000 files are 45 MB. A run cut
	// short between two of them leaves records that the next run completes
	// the same way.
	reset := s.newKey
	for first := true; first || len(ops) > 0; first = false {
		chunk := ops[:min(len(ops), saveBatch)]
		ops = ops[len(chunk):]
		err := s.db.Update(func(tx *bolt.Tx) error {
			if first && reset != "" {
				if err := tx.DeleteBucket(parsedBucket); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
					return err
				}
				b, err := tx.CreateBucket(parsedBucket)
				if err != nil {
					return err
				}
				if err := b.Put(cacheKeyName, []byte(reset)); err != nil {
					return err
				}
			}
			var recs, cache *bolt.Bucket
			// Keys and records, each cut to its own length: made in one
			// buffer of the size they need at most, not grown (and copied)
			// as they are appended.
			need := 0
			for _, o := range chunk {
				need += len(o.path)
				if !o.cache && o.r != nil {
					need += maxRecordLen(o.r)
				}
			}
			buf := make([]byte, 0, need)
			cut := func(from int) []byte { return buf[from:len(buf):len(buf)] }
			for _, o := range chunk {
				b := &recs
				name := bucket
				if o.cache {
					b, name = &cache, parsedBucket
				}
				if *b == nil {
					var err error
					if *b, err = tx.CreateBucketIfNotExists(name); err != nil {
						return err
					}
					(*b).FillPercent = fillPercent
				}
				from := len(buf)
				buf = append(buf, o.path...)
				key := cut(from)
				var val []byte
				switch {
				case o.cache && s.entries != nil:
					val, _ = s.entries(o.path)
				case !o.cache && o.r != nil:
					from = len(buf)
					buf = appendRecord(buf, o.r)
					val = cut(from)
				}
				var err error
				if val == nil {
					err = (*b).Delete(key)
				} else {
					err = (*b).Put(key, val)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			// This chunk and what follows are written with the next save;
			// the chunks before it are on disk.
			s.keepUnsaved(dirty, removed)
			for p := range queued {
				s.Cache(p)
			}
			return err
		}
		if first && reset != "" {
			s.cacheKey, s.newKey = reset, ""
		}
	}
	return nil
}

// keepUnsaved keeps records and deletions a save could not write for the
// next save (writing again what did get written costs nothing but time).
func (s *Store) keepUnsaved(dirty map[string]*rec, removed []string) {
	if s.unsaved == nil {
		s.unsaved = make(map[string]*rec, len(dirty)+len(removed))
	}
	for _, p := range removed {
		s.unsaved[p] = nil
	}
	maps.Copy(s.unsaved, dirty)
}

// saveBatch is the most writes one transaction of save makes.
var saveBatch = 20000

// The cache of parsed files: what a restart needs so that it does not parse
// the files that did not change (see content.Index.Seed). The store keeps
// it as opaque bytes per path, made with a key that names everything the
// bytes depend on (the program, the parse settings); a cache made with
// another key is dropped.

func (s *Store) loadCache(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(parsedBucket); b != nil {
			s.cacheKey = string(b.Get(cacheKeyName))
		}
		return nil
	})
}

// ReadCache calls fn with each cached entry made with key, in path order.
// The bytes of the path and the entry are valid only during the call. With
// another key it calls nothing and empties the cache at the next save,
// which records key. Entries are read from the file, so it is meant to be
// called once, at start.
func (s *Store) ReadCache(key string, fn func(path, entry []byte)) error {
	s.wait()
	if key != s.cacheKey {
		s.newKey, s.queued = key, nil
		return nil
	}
	if s.db == nil {
		return nil
	}
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(parsedBucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if k[0] != 0 {
				fn(k, v)
			}
		}
		return nil
	})
}

// CacheFrom sets where the entries of the paths queued with [Store.Cache]
// come from: entries gives the entry of a path as it is when the store
// writes it, or ok false when it has none (the entry is then deleted).
func (s *Store) CacheFrom(entries func(path string) (entry []byte, ok bool)) {
	s.wait()
	s.entries = entries
}

// Cache queues the cache entry of path to be written with the next Apply or
// Update, as the function given to [Store.CacheFrom] then gives it. An entry
// is made only when it is written, a transaction's worth at a time, so that
// a first start does not hold every entry at once.
func (s *Store) Cache(path string) {
	s.wait()
	if s.readOnly {
		return
	}
	if s.queued == nil {
		s.queued = make(map[string]bool)
	}
	s.queued[path] = true
}
