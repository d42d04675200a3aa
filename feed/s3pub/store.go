package s3pub

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
)

// store is a [feed.Store] over a bucket. Deletions are queued by Remove and
// done by finish, all at once, after the guard.
type store struct {
	bs             *bucket.Store
	feedCC, pageCC string // Cache-Control of feeds and the index, of pages and media

	mu     sync.Mutex
	rec    *feed.Record             // the record, with the changes committed
	etag   string                   // the manifest's ETag as last read or saved; "" when there is none
	dirty  bool                     // rec has changes the manifest does not
	listed map[string]bucket.Object // the listing, when the manifest was missing; else nil
	doomed map[string]feed.Entry    // removed during this publish, not deleted yet
	start  int                      // entries recorded when the publish began
	del    int                      // objects deleted by this publish
	up     atomic.Int64             // objects uploaded by this publish
	kept   atomic.Int64             // objects found with the right bytes after a listing
}

// manifest is the record's JSON form.
type manifest struct {
	Format  string               `json:"format"`
	Entries map[string]jsonEntry `json:"entries"`
}

type jsonEntry struct {
	ID     string `json:"id"`
	Size   int64  `json:"size"`
	Gzip   int64  `json:"gzip"`
	Source string `json:"source,omitempty"`
}

const manifestFormat = "dropfeed-bucket-manifest 1"

// Load reads the manifest; when there is none, it lists the bucket so that
// objects already holding the right bytes are not uploaded again.
func (s *store) Load(ctx context.Context) (*feed.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listed, s.dirty = nil, false
	data, etag, err := s.bs.LoadManifest(ctx)
	if errors.Is(err, bucket.ErrNotFound) {
		objs, err := s.bs.List(ctx)
		if err != nil {
			return nil, err
		}
		s.listed = make(map[string]bucket.Object, len(objs))
		for _, o := range objs {
			s.listed[o.Key] = o
		}
		s.rec, s.etag, s.start = new(feed.Record), "", 0
		return new(feed.Record), nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Format != manifestFormat {
		return nil, fmt.Errorf("read the manifest %s of %s: not a manifest this dropfeed writes (remove it to have the bucket listed instead)", bucket.ManifestKey, s.bs)
	}
	s.rec, s.etag = new(feed.Record), etag
	for rel, e := range m.Entries {
		s.rec.Set(rel, feed.Entry{ID: e.ID, Size: e.Size, GzipSize: e.Gzip, Source: e.Source})
	}
	s.start = s.rec.Len()
	return s.rec.Clone(), nil
}

// Commit applies the changes; it saves the manifest at once when one marks
// an object about to be written (pending), so that no object exists that
// it does not name. Other changes are saved by finish.
func (s *store) Commit(ctx context.Context, changes []feed.Change, _ *feed.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pending := false
	for _, c := range changes {
		if c.Removed {
			s.rec.Delete(c.Path)
		} else {
			s.rec.Set(c.Path, c.Entry)
			pending = pending || c.Entry.ID == feed.PendingID
		}
	}
	s.dirty = true
	if !pending {
		return nil
	}
	return s.save(ctx)
}

// save writes the manifest, on the condition that it is the one last read
// or saved. The caller holds mu.
func (s *store) save(ctx context.Context) error {
	m := manifest{Format: manifestFormat, Entries: make(map[string]jsonEntry, s.rec.Len())}
	for rel, e := range s.rec.All() {
		m.Entries[rel] = jsonEntry{ID: e.ID, Size: e.Size, Gzip: e.GzipSize, Source: e.Source}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	etag, err := s.bs.SaveManifest(ctx, data, s.etag)
	if err != nil {
		return err
	}
	s.etag, s.dirty = etag, false
	return nil
}

// meta is the metadata of the object of rel.
func (s *store) meta(rel, ctype string) bucket.Meta {
	cc := s.feedCC
	if strings.HasPrefix(rel, "articles/") {
		cc = s.pageCC
	}
	return bucket.Meta{ContentType: ctype, CacheControl: cc}
}

// Put uploads the body of f (the gzip copy is not uploaded).
func (s *store) Put(ctx context.Context, rel string, f *feed.File) error {
	if s.listedSame(rel, f.Body) {
		s.kept.Add(1)
		return nil
	}
	if err := s.bs.Put(ctx, rel, bytes.NewReader(f.Body), int64(len(f.Body)), s.meta(rel, f.ContentType)); err != nil {
		return err
	}
	s.up.Add(1)
	return nil
}

// maxCompare bounds the media files read whole to compare with a listing.
const maxCompare = 64 << 20

// Copy uploads a media file.
func (s *store) Copy(ctx context.Context, rel string, r io.Reader, size int64) error {
	s.mu.Lock()
	o, listed := s.listed[rel]
	s.mu.Unlock()
	if listed && o.Size == size && size <= maxCompare {
		data, err := io.ReadAll(io.LimitReader(r, size+1))
		if err != nil {
			return fmt.Errorf("read media file %s: %w", rel, err)
		}
		if s.listedSame(rel, data) {
			s.kept.Add(1)
			return nil
		}
		r, size = bytes.NewReader(data), int64(len(data))
	}
	if err := s.bs.Put(ctx, rel, r, size, s.meta(rel, feed.MediaType(rel))); err != nil {
		return err
	}
	s.up.Add(1)
	return nil
}

// listedSame reports whether the listing shows rel holding data already.
func (s *store) listedSame(rel string, data []byte) bool {
	s.mu.Lock()
	o, ok := s.listed[rel]
	s.mu.Unlock()
	if !ok || o.Size != int64(len(data)) {
		return false
	}
	sum := md5.Sum(data)
	return strings.EqualFold(o.ETag, hex.EncodeToString(sum[:]))
}

// Remove queues the object of rel for deletion at the end of the publish.
func (s *store) Remove(_ context.Context, rel string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.rec.Get(rel); ok {
		s.doomed[rel] = e
	}
	return 1, nil
}

// Intact trusts the manifest; after a listing, it checks the size listed.
func (s *store) Intact(rel string, e feed.Entry) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listed == nil {
		return true
	}
	o, ok := s.listed[rel]
	return ok && (e.Size < 0 || o.Size == e.Size)
}

// begin starts a publish.
func (s *store) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doomed = make(map[string]feed.Entry)
	s.start, s.del = s.rec.Len(), 0
	s.up.Store(0)
	s.kept.Store(0)
}

// finish ends a publish: it deletes the objects queued, unless the publish
// failed or they are more than maxDelete of those recorded at its start
// (then they stay recorded, to be deleted by a later publish), and saves
// the manifest.
func (s *store) finish(ctx context.Context, ok bool, maxDelete float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if keys := slices.Sorted(maps.Keys(s.doomed)); len(keys) > 0 {
		switch {
		case !ok:
		case maxDelete < 1 && float64(len(keys)) > maxDelete*float64(s.start):
			errs = append(errs, fmt.Errorf("%w: this publish would delete %d of the %d objects of %s, more than the limit of %g%%; nothing was deleted",
				ErrTooManyDeletes, len(keys), s.start, s.bs, maxDelete*100))
		default:
			if err := s.bs.Delete(ctx, keys); err != nil {
				errs = append(errs, err)
			} else {
				s.del, s.doomed = len(keys), nil
			}
		}
		// Not deleted: still ours, still recorded.
		for rel, e := range s.doomed {
			s.rec.Set(rel, e)
		}
		s.doomed = nil
	}
	if len(errs) == 0 && ok {
		s.listed = nil
	}
	if s.dirty {
		if err := s.save(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 1 {
		return errs[0] // the deletion's; the manifest keeps the objects, so nothing is lost
	}
	return errors.Join(errs...)
}

// stats returns what the publish did.
func (s *store) stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Uploaded: int(s.up.Load()), Kept: int(s.kept.Load()), Deleted: s.del, Recorded: s.rec.Len()}
}

// manifestETag returns the ETag of the manifest as last read or saved.
func (s *store) manifestETag() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.etag
}
