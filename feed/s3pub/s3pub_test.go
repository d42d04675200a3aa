package s3pub_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
	"github.com/dropfeed/dropfeed/feed/bucket/buckettest"
	"github.com/dropfeed/dropfeed/feed/s3pub"
)

// The tests share one SeaweedFS, started by the first test that needs it;
// each test works under a prefix of its own.
var shared = buckettest.Shared{Buckets: []string{siteBucket}}

const siteBucket = "site"

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop SeaweedFS:", err)
		code = 1
	}
	os.Exit(code)
}

func server(t *testing.T) *buckettest.Server { return shared.Server(t) }

var runs atomic.Int64

// target is a prefix of the shared bucket of the test's own.
func target(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("s3://%s/%s-%d", siteBucket, name, runs.Add(1))
}

func open(t *testing.T, srv *buckettest.Server, key buckettest.Key, tgt string) *bucket.Store {
	t.Helper()
	c, err := bucket.ConfigFromEnv(tgt, func(k string) string {
		return map[string]string{
			"AWS_ENDPOINT_URL_S3":   srv.Endpoint,
			"AWS_ACCESS_KEY_ID":     key.ID,
			"AWS_SECRET_ACCESS_KEY": key.Secret,
			"AWS_REGION":            "us-east-1",
			"HOME":                  t.TempDir(),
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Attempts = 1
	s, err := bucket.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newPublisher(t *testing.T, bs *bucket.Store, cfg s3pub.Config) *s3pub.Publisher {
	t.Helper()
	p, err := s3pub.New(bs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var mod = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// site is a content folder: articles, one with an image.
func site(n int) fstest.MapFS {
	fsys := fstest.MapFS{
		"pics/dam.png": {ModTime: mod, Data: append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 300)...)},
		"2026-04-01-dam.md": {ModTime: mod, Data: []byte("---\ntitle: The dam\ndate: 2026-04-01T08:00:00Z\ntags: [water]\n---\n" +
			"The dam holds.\n\n![the dam](pics/dam.png)\n")},
	}
	for i := range n {
		fsys[fmt.Sprintf("2026-04-%02d-story-%d.txt", 2+i, i)] = &fstest.MapFile{ModTime: mod,
			Data: fmt.Appendf(nil, "Story %d\nDate: 2026-04-%02d 09:00\nTags: town\n\nBody of story %d.\n", i, 2+i, i)}
	}
	return fsys
}

// bundle builds the site.
func bundle(t *testing.T, fsys fstest.MapFS) *feed.Bundle {
	t.Helper()
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	all, err := content.Load(context.Background(), fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	arts, _ := content.Select(all, mod.AddDate(1, 0, 0))
	bl, err := feed.NewBuilder(feed.Site{Title: "Town News", BaseURL: "https://news.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	bl.SetSource(fsys)
	b, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// folder writes b as the static folder does and returns its files (no .gz
// copies, no manifest) by path.
func folder(t *testing.T, b *feed.Bundle) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	if _, err := feed.WriteDir(context.Background(), dir, b, feed.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".gz") || strings.HasPrefix(d.Name(), ".dropfeed") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

type object struct {
	body []byte
	meta bucket.Meta
}

// objects reads every object under the prefix of bs (dropfeed's own left out).
func objects(t *testing.T, bs *bucket.Store) map[string]object {
	t.Helper()
	ctx := context.Background()
	list, err := bs.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]object{}
	for _, o := range list {
		body, m, err := bs.Get(ctx, o.Key)
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = object{body, m}
	}
	return out
}

// sameAsFolder fails unless the bucket holds exactly the folder's files,
// byte for byte, with the content type the server sends and the caching
// header of their kind.
func sameAsFolder(t *testing.T, bs *bucket.Store, b *feed.Bundle, extra ...string) {
	t.Helper()
	files := folder(t, b)
	objs := objects(t, bs)
	for _, k := range extra {
		delete(objs, k)
	}
	if got, want := slices.Sorted(mapKeys(objs)), slices.Sorted(mapKeys(files)); !slices.Equal(got, want) {
		t.Fatalf("bucket holds\n%q\nthe folder\n%q", got, want)
	}
	for rel, data := range files {
		o := objs[rel]
		if !bytes.Equal(o.body, data) {
			t.Errorf("%s: the object's %d bytes differ from the folder's %d", rel, len(o.body), len(data))
		}
		want := feed.MediaType(rel)
		if f, ok := b.Lookup(rel); ok {
			want = f.ContentType
		} else if strings.HasSuffix(rel, "/index.html") {
			want = "text/html; charset=utf-8"
		}
		if o.meta.ContentType != want {
			t.Errorf("%s: Content-Type %q, want %q", rel, o.meta.ContentType, want)
		}
		cc := "public, max-age=60"
		if strings.HasPrefix(rel, "articles/") {
			cc = "public, max-age=3600"
		}
		if o.meta.CacheControl != cc {
			t.Errorf("%s: Cache-Control %q, want %q", rel, o.meta.CacheControl, cc)
		}
		if o.meta.ContentEncoding != "" {
			t.Errorf("%s: Content-Encoding %q, want none", rel, o.meta.ContentEncoding)
		}
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// changed counts the files whose bytes differ between two folders, or that
// only the second has.
func changed(before, after map[string][]byte) int {
	n := 0
	for rel, data := range after {
		if old, ok := before[rel]; !ok || !bytes.Equal(old, data) {
			n++
		}
	}
	return n
}

func publish(t *testing.T, p *s3pub.Publisher, b *feed.Bundle) s3pub.Stats {
	t.Helper()
	if err := p.Publish(context.Background(), b); err != nil {
		t.Fatalf("publish to %s: %v", p, err)
	}
	return p.Stats()
}

// TestPublishMatchesFolder: the bucket holds what the static folder holds,
// byte for byte, with the server's content types; publishing it again,
// from the same publisher or a new one, uploads nothing.
func TestPublishMatchesFolder(t *testing.T) {
	srv := server(t)
	bs := open(t, srv, srv.Writer, target(t))
	b := bundle(t, site(3))
	st := publish(t, newPublisher(t, bs, s3pub.Config{}), b)
	if want := len(folder(t, b)); st.Uploaded != want || st.Recorded != want {
		t.Errorf("first publish: %+v, want %d uploaded and recorded", st, want)
	}
	sameAsFolder(t, bs, b)
	// The page of an article is at articles/<slug>/index.html.
	if _, _, err := bs.Get(context.Background(), "articles/2026-04-01-dam/index.html"); err != nil {
		t.Error(err)
	}
	p := newPublisher(t, bs, s3pub.Config{})
	for i := range 2 {
		if st := publish(t, p, bundle(t, site(3))); st.Uploaded != 0 || st.Deleted != 0 {
			t.Errorf("unchanged republish %d: %+v, want nothing uploaded or deleted", i+1, st)
		}
	}
}

// TestOneChange: editing, adding and removing articles uploads exactly the
// files whose bytes changed and deletes the page of the article gone.
func TestOneChange(t *testing.T) {
	srv := server(t)
	bs := open(t, srv, srv.Writer, target(t))
	fsys := site(4)
	p := newPublisher(t, bs, s3pub.Config{})
	b := bundle(t, fsys)
	publish(t, p, b)
	before := folder(t, b)

	fsys["2026-04-03-story-1.txt"].Data = []byte("Story 1\nDate: 2026-04-03 09:00\nTags: town\n\nA new body.\n")
	b = bundle(t, fsys)
	after := folder(t, b)
	st := publish(t, p, b)
	if want := changed(before, after); st.Uploaded != want || want < 2 {
		t.Errorf("edit: uploaded %d, want %d (the page and the feeds that changed)", st.Uploaded, want)
	}
	sameAsFolder(t, bs, b)

	delete(fsys, "2026-04-05-story-3.txt")
	before, b = after, bundle(t, fsys)
	after = folder(t, b)
	st = publish(t, p, b)
	if want := changed(before, after); st.Uploaded != want || st.Deleted != 1 {
		t.Errorf("delete: %+v, want %d uploaded and 1 deleted", st, want)
	}
	sameAsFolder(t, bs, b)
}

// TestDeleteGuard: a publish that would delete more than the share allowed
// deletes nothing, says why, and keeps failing until the share is raised.
func TestDeleteGuard(t *testing.T) {
	srv := server(t)
	bs := open(t, srv, srv.Writer, target(t))
	fsys := site(6)
	b := bundle(t, fsys)
	publish(t, newPublisher(t, bs, s3pub.Config{}), b)
	for i := range 6 {
		delete(fsys, fmt.Sprintf("2026-04-%02d-story-%d.txt", 2+i, i))
	}
	small := bundle(t, fsys)
	p := newPublisher(t, bs, s3pub.Config{MaxDelete: 0.3})
	for range 2 {
		err := p.Publish(context.Background(), small)
		if !errors.Is(err, s3pub.ErrTooManyDeletes) || !strings.Contains(err.Error(), "nothing was deleted") {
			t.Fatalf("publish deleting most pages: %v, want ErrTooManyDeletes", err)
		}
		if st := p.Stats(); st.Deleted != 0 {
			t.Fatalf("refused publish deleted %d objects", st.Deleted)
		}
	}
	// The feeds are the new ones; the old pages are still there.
	objs := objects(t, bs)
	if _, ok := objs["articles/2026-04-02-story-0/index.html"]; !ok {
		t.Error("a page was deleted despite the guard")
	}
	if rss, _ := small.Lookup(feed.RSSName); !bytes.Equal(objs[feed.RSSName].body, rss.Body) {
		t.Error("rss.xml is not the new feed")
	}
	st := publish(t, newPublisher(t, bs, s3pub.Config{MaxDelete: 1}), small)
	if st.Deleted == 0 {
		t.Errorf("with the guard off: %+v, want deletions", st)
	}
	sameAsFolder(t, bs, small)
}

// TestRecoverByListing: without a manifest, the bucket is listed; nothing
// whose bytes match is uploaded again, and an object dropfeed did not
// record is never deleted.
func TestRecoverByListing(t *testing.T) {
	srv := server(t)
	tgt := target(t)
	bs := open(t, srv, srv.Writer, tgt)
	fsys := site(3)
	b := bundle(t, fsys)
	publish(t, newPublisher(t, bs, s3pub.Config{}), b)
	ctx := context.Background()
	if err := bs.Put(ctx, "humans.txt", strings.NewReader("Team: news\n"), 11, bucket.Meta{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	pfx := strings.TrimPrefix(tgt, "s3://"+siteBucket+"/")
	if err := srv.RemoveObject(ctx, siteBucket, pfx+"/"+bucket.ManifestKey); err != nil {
		t.Fatal(err)
	}
	// One page changed meanwhile: only it and the feeds it changed go up.
	before := folder(t, b)
	fsys["2026-04-02-story-0.txt"].Data = []byte("Story 0\nDate: 2026-04-02 09:00\n\nEdited.\n")
	b = bundle(t, fsys)
	after := folder(t, b)
	p := newPublisher(t, bs, s3pub.Config{})
	st := publish(t, p, b)
	if want := changed(before, after); st.Uploaded != want || st.Kept != len(after)-want {
		t.Errorf("publish after the manifest was lost: %+v, want %d uploaded, %d kept", st, want, len(after)-want)
	}
	sameAsFolder(t, bs, b, "humans.txt")
	// Everything is recorded again: a page gone is deleted, humans.txt stays.
	delete(fsys, "2026-04-03-story-1.txt")
	b = bundle(t, fsys)
	if st := publish(t, p, b); st.Deleted != 1 {
		t.Errorf("delete after recovery: %+v, want 1 deleted", st)
	}
	sameAsFolder(t, bs, b, "humans.txt")
	if _, _, err := bs.Get(ctx, "humans.txt"); err != nil {
		t.Errorf("the object dropfeed did not write: %v", err)
	}
}

// TestFaults: a wrong secret, a read-only key, a missing bucket and a lease
// held by another publisher each fail with a clear error, and leave the
// bucket as it was.
func TestFaults(t *testing.T) {
	srv := server(t)
	tgt := target(t)
	b := bundle(t, site(1))
	for _, tc := range []struct {
		name string
		key  buckettest.Key
		tgt  string
		want error
	}{
		{"wrong secret", buckettest.Key{ID: srv.Writer.ID, Secret: "nope"}, tgt, bucket.ErrCredentials},
		{"read-only key", srv.Reader, tgt, bucket.ErrForbidden},
		{"no bucket", srv.Writer, "s3://no-such-bucket/x", bucket.ErrNoBucket},
	} {
		err := newPublisher(t, open(t, srv, tc.key, tc.tgt), s3pub.Config{}).Publish(context.Background(), b)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
	}
	bs := open(t, srv, srv.Writer, tgt)
	if list, err := bs.List(context.Background()); err != nil || len(list) != 0 {
		t.Errorf("after the failures the prefix holds %d objects (%v), want none", len(list), err)
	}
	l, err := bs.AcquireLease(context.Background(), "the other replica", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	err = newPublisher(t, bs, s3pub.Config{}).Publish(context.Background(), b)
	if !errors.Is(err, bucket.ErrLeaseHeld) || !strings.Contains(err.Error(), "the other replica") {
		t.Errorf("publish while another holds the lease: %v, want ErrLeaseHeld naming it", err)
	}
	if err := bs.ReleaseLease(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	publish(t, newPublisher(t, bs, s3pub.Config{}), b)
	sameAsFolder(t, bs, b)
}

// TestTwoPublishers: two publishers of the same prefix, taking turns, each
// see the other's writes: the bucket ends as the last bundle published,
// and neither deletes or re-uploads the other's objects needlessly.
func TestTwoPublishers(t *testing.T) {
	srv := server(t)
	tgt := target(t)
	a := newPublisher(t, open(t, srv, srv.Writer, tgt), s3pub.Config{Holder: "a"})
	bs := open(t, srv, srv.Writer, tgt)
	c := newPublisher(t, bs, s3pub.Config{Holder: "c"})
	fsys := site(3)
	publish(t, a, bundle(t, fsys))
	if st := publish(t, c, bundle(t, fsys)); st.Uploaded != 0 {
		t.Errorf("second replica, same folder: %+v, want nothing uploaded", st)
	}
	delete(fsys, "2026-04-04-story-2.txt")
	publish(t, c, bundle(t, fsys))
	// a's record is stale; it must read the manifest again, not undo c.
	b := bundle(t, fsys)
	if st := publish(t, a, b); st.Uploaded != 0 || st.Deleted != 0 {
		t.Errorf("first replica after the second published: %+v, want nothing to do", st)
	}
	sameAsFolder(t, bs, b)
}
