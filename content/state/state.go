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
// Package state imports content and bbolt, nothing else of dropfeed.
package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrLocked means another process holds the state file open for writing.
var ErrLocked = errors.New("state: file in use by another dropfeed")

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

// Options configure [Open]. The zero value opens for writing with a one-second lock timeout.
type Options struct {
	// ReadOnly opens the file without writing to it (for "check"); a missing
	// file then gives an empty store.
	ReadOnly bool
	// Timeout bounds the wait for the file lock; zero means one second.
	Timeout time.Duration
	// FirstSeen, when not nil, gives the first-seen time of a file the store
	// has no record of (for example its first commit date); ok false falls
	// back to the file's modification time.
	FirstSeen func(path string) (t time.Time, ok bool)
}

// Record is what the store remembers of one article file.
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
	db       *bolt.DB // nil for an empty read-only store
	readOnly bool
	recs     map[string]*Record // by path
	opts     Options
}

// Open opens (creating when needed) the state file at path. warn is set when
// the file was corrupt and has been set aside: the store then starts empty.
func Open(path string, opts Options) (s *Store, warn string, err error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	s = &Store{readOnly: opts.ReadOnly, recs: make(map[string]*Record), opts: opts}
	if opts.ReadOnly {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return s, "", nil
		}
	} else if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, "", fmt.Errorf("create state folder: %w", err)
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly})
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
		db, err2 := bolt.Open(path, 0o644, &bolt.Options{Timeout: opts.Timeout})
		if err2 != nil {
			return nil, "", fmt.Errorf("create state %s: %w", path, err2)
		}
		s.recs = make(map[string]*Record)
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

func (s *Store) load(db *bolt.DB) error {
	if !s.readOnly {
		if err := db.Update(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bucket)
			return err
		}); err != nil {
			return err
		}
	}
	return db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r Record
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			s.recs[string(k)] = &r
			return nil
		})
	})
}

// Close closes the file.
func (s *Store) Close() error {
	if s.db == nil {
		return nil
	}
	return s.db.Close()
}

// Len returns the number of records, gone files included.
func (s *Store) Len() int { return len(s.recs) }

// Get returns the record of a path.
func (s *Store) Get(path string) (Record, bool) {
	r, ok := s.recs[path]
	if !ok {
		return Record{}, false
	}
	return *r, true
}

// Apply stamps articles with what the store remembers and records what is
// new. It returns copies of the articles with ID (when derived), Published
// (when the file has no date of its own) and Updated (when the bytes changed
// after the file was first seen) taken from the records; the input is not
// modified. Files in the store but not in arts are marked gone; their records
// are kept for a while, so a renamed file finds its record by its hash. now
// is the time of this run. A read-only store records nothing.
func (s *Store) Apply(arts []*content.Article, now time.Time) ([]*content.Article, error) {
	now = now.UTC().Truncate(time.Second)
	present := make(map[string]bool, len(arts))
	for _, a := range arts {
		present[a.Path] = true
	}
	// Records of files no longer present, by hash, for rename detection.
	byHash := make(map[string][]string)
	for p, r := range s.recs {
		if !present[p] {
			byHash[r.Hash] = append(byHash[r.Hash], p)
		}
	}
	for _, ps := range byHash {
		slices.Sort(ps)
	}
	usedIDs := make(map[string]string, len(s.recs))
	for p, r := range s.recs {
		if present[p] || r.Gone.IsZero() || now.Sub(r.Gone) < forget {
			usedIDs[r.ID] = p
		}
	}
	dirty := make(map[string]*Record)
	var removed []string
	out := make([]*content.Article, len(arts))
	sorted := slices.Clone(arts)
	slices.SortFunc(sorted, func(a, b *content.Article) int { return strings.Compare(a.Path, b.Path) })
	index := make(map[*content.Article]int, len(arts))
	for i, a := range arts {
		index[a] = i
	}
	for _, a := range sorted {
		r, ok := s.recs[a.Path]
		var before Record
		if ok {
			before = *r
			r.Gone = time.Time{}
		}
		if !ok {
			// A renamed or moved file: the same bytes that left another path.
			if ps := byHash[a.Hash]; len(ps) > 0 {
				old := ps[0]
				byHash[a.Hash] = ps[1:]
				r = s.recs[old]
				delete(s.recs, old)
				removed = append(removed, old)
				r.Gone = time.Time{}
				r.Pinned = !a.ExplicitID
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
			r = &Record{ID: a.ID, FirstSeen: first, Hash: a.Hash, Changed: first}
			if p, taken := usedIDs[a.ID]; taken && p != a.Path && !a.ExplicitID {
				// The old path's id lives on with a file moved away.
				r.ID, r.Pinned = a.ID+"-"+a.Hash[:8], true
			}
		}
		if (a.ExplicitID || !r.Pinned) && r.ID != a.ID {
			r.ID, r.Pinned = a.ID, false
		}
		if r.Hash != a.Hash {
			changed := a.ModTime.UTC().Truncate(time.Second)
			if !changed.After(r.Changed) {
				changed = now
			}
			r.Hash, r.Changed = a.Hash, changed
		}
		if cur, had := s.recs[a.Path]; !had || cur != r || !sameRecord(before, *r) {
			dirty[a.Path] = r
		}
		s.recs[a.Path] = r
		usedIDs[r.ID] = a.Path
		out[index[a]] = stamp(a, r)
	}
	for p, r := range s.recs {
		if present[p] {
			continue
		}
		switch {
		case r.Gone.IsZero():
			r.Gone = now
			dirty[p] = r
		case now.Sub(r.Gone) > forget:
			delete(s.recs, p)
			removed = append(removed, p)
		}
	}
	return out, s.save(dirty, removed)
}

// stamp returns a copy of a with the record's identity and dates.
func stamp(a *content.Article, r *Record) *content.Article {
	b := *a
	if !a.ExplicitID {
		b.ID = r.ID
	}
	if !a.Dated {
		if a.Updated.Equal(a.Published) { // no explicit updated: it was the mtime
			b.Updated = r.FirstSeen
		}
		b.Published = r.FirstSeen
	}
	if b.Updated.Before(b.Published) {
		b.Updated = b.Published
	}
	if r.Changed.After(b.Updated) && r.Changed.After(r.FirstSeen) {
		b.Updated = r.Changed
	}
	return &b
}

func (s *Store) save(dirty map[string]*Record, removed []string) error {
	if s.readOnly || s.db == nil || (len(dirty) == 0 && len(removed) == 0) {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		for _, p := range removed {
			if _, back := dirty[p]; !back {
				if err := b.Delete([]byte(p)); err != nil {
					return err
				}
			}
		}
		var buf bytes.Buffer
		for p, r := range dirty {
			buf.Reset()
			if err := json.NewEncoder(&buf).Encode(r); err != nil {
				return err
			}
			// bbolt keeps the value slice until the transaction commits:
			// each record needs bytes of its own, not the shared buffer.
			if err := b.Put([]byte(p), bytes.Clone(bytes.TrimSpace(buf.Bytes()))); err != nil {
				return err
			}
		}
		return nil
	})
}

func sameRecord(a, b Record) bool {
	return a.ID == b.ID && a.Hash == b.Hash && a.Pinned == b.Pinned &&
		a.FirstSeen.Equal(b.FirstSeen) && a.Changed.Equal(b.Changed) && a.Gone.Equal(b.Gone)
}
