package bucket_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
	"github.com/dropfeed/dropfeed/feed/bucket/buckettest"
)

// The tests share one SeaweedFS, started by the first test that needs it;
// each test works under a prefix of its own. Tests that stop a server
// start their own.
var shared struct {
	once sync.Once
	srv  *buckettest.Server
	err  error
}

// The buckets of the shared server.
const (
	siteBucket  = "site"
	otherBucket = "other-site"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		if err := shared.srv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop SeaweedFS:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// server returns the shared server, starting it on first use.
func server(t *testing.T) *buckettest.Server {
	t.Helper()
	bin := buckettest.Binary(t)
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.srv, shared.err = buckettest.StartBinary(ctx, bin, siteBucket, otherBucket)
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

// store opens a target ("s3://BUCKET/PREFIX") of the server with a key.
func store(t *testing.T, srv *buckettest.Server, key buckettest.Key, target string) *bucket.Store {
	t.Helper()
	return clockedStore(t, srv, key, target, nil)
}

// clockedStore is store with a clock of its own (nil: time.Now), so that
// tests move time without sleeping.
func clockedStore(t *testing.T, srv *buckettest.Server, key buckettest.Key, target string, now func() time.Time) *bucket.Store {
	t.Helper()
	c, err := bucket.ConfigFromEnv(target, func(k string) string {
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
	c.Now = now
	s, err := bucket.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// prefixes gives each test run (go test -count=N runs a test N times on
// the shared server) a prefix of its own.
var (
	prefixes sync.Map // *testing.T -> string
	runs     atomic.Int64
)

// prefix is the target of the calling test run: the same for every call in
// one run, new in the next.
func prefix(t *testing.T) string {
	t.Helper()
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	p, _ := prefixes.LoadOrStore(t, fmt.Sprintf("s3://%s/%s-%d", siteBucket, name, runs.Add(1)))
	return p.(string)
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

type object struct {
	key  string
	body []byte
	meta bucket.Meta
}

// siteObjects are objects like the ones a publish writes, with the headers
// serve sends for them, and awkward keys and bodies.
func siteObjects(t *testing.T) []object {
	every := make([]byte, 256*4)
	for i := range every {
		every[i] = byte(i)
	}
	const feedCache, pageCache = "public, max-age=60", "public, max-age=3600"
	return []object{
		{"rss.xml", []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"></rss>\n"), bucket.Meta{ContentType: feed.TypeRSS, CacheControl: feedCache}},
		{"atom.xml", []byte("<feed xmlns=\"http://www.w3.org/2005/Atom\">café</feed>\n"), bucket.Meta{ContentType: feed.TypeAtom, CacheControl: feedCache}},
		{"feed.json", []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[]}`), bucket.Meta{ContentType: feed.TypeJSON, CacheControl: feedCache}},
		{"index.html", gz(t, "<!doctype html><title>news</title>"), bucket.Meta{ContentType: feed.TypeHTML, CacheControl: feedCache, ContentEncoding: "gzip"}},
		{"articles/2026-10-05-bakery/index.html", []byte("<p>bakery</p>"), bucket.Meta{ContentType: feed.TypeHTML, CacheControl: pageCache}},
		{"articles/notes/field notes é/index.html", []byte("<p>notes</p>"), bucket.Meta{ContentType: feed.TypeHTML, CacheControl: pageCache}},
		{"articles/what?#now/index.html", []byte("<p>what</p>"), bucket.Meta{ContentType: feed.TypeHTML, CacheControl: pageCache}},
		{"articles/2026-10-05-bakery/photo.png", every, bucket.Meta{ContentType: feed.MediaType("photo.png"), CacheControl: pageCache}},
		{"articles/2026-10-05-bakery/empty.mp3", []byte{}, bucket.Meta{ContentType: feed.MediaType("empty.mp3"), CacheControl: pageCache}},
	}
}

func put(t *testing.T, s *bucket.Store, objs []object) {
	t.Helper()
	for _, o := range objs {
		if err := s.Put(t.Context(), o.key, bytes.NewReader(o.body), int64(len(o.body)), o.meta); err != nil {
			t.Fatalf("Put(%q) = %v", o.key, err)
		}
	}
}

// TestPutRoundTrip checks that every object comes back over the S3
// endpoint with exactly its bytes and headers, both through the store and
// as plain HTTP (a presigned GET, as a CDN would fetch it).
func TestPutRoundTrip(t *testing.T) {
	srv := server(t)
	s := store(t, srv, srv.Writer, prefix(t))
	objs := siteObjects(t)
	put(t, s, objs)

	admin, err := srv.Client(srv.Admin)
	if err != nil {
		t.Fatal(err)
	}
	// No transparent decompression: the bytes as stored.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}
	_, pfx, _ := bucket.ParseTarget(prefix(t))
	for _, o := range objs {
		t.Run(o.key, func(t *testing.T) {
			body, meta, err := s.Get(t.Context(), o.key)
			if err != nil || !bytes.Equal(body, o.body) || meta != o.meta {
				t.Errorf("Get(%q) = %d bytes, %+v, %v; want %d bytes, %+v", o.key, len(body), meta, err, len(o.body), o.meta)
			}
			u, err := admin.PresignedGetObject(t.Context(), siteBucket, pfx+"/"+o.key, time.Minute, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || !bytes.Equal(got, o.body) {
				t.Errorf("GET %s = %d, %d bytes, %v; want 200, %d bytes equal", o.key, resp.StatusCode, len(got), err, len(o.body))
			}
			for h, want := range map[string]string{"Content-Type": o.meta.ContentType, "Cache-Control": o.meta.CacheControl, "Content-Encoding": o.meta.ContentEncoding} {
				if got := resp.Header.Get(h); got != want {
					t.Errorf("GET %s: %s = %q, want %q", o.key, h, got, want)
				}
			}
			if etag := strings.Trim(resp.Header.Get("ETag"), `"`); etag != md5hex(o.body) {
				t.Errorf("GET %s: ETag = %s, want the MD5 %s", o.key, etag, md5hex(o.body))
			}
		})
	}

	// Replacing an object replaces bytes and headers whole.
	repl := object{"rss.xml", []byte("<rss version=\"2.0\"><channel/></rss>"), bucket.Meta{ContentType: feed.TypeRSS, CacheControl: "no-cache"}}
	put(t, s, []object{repl})
	if body, meta, err := s.Get(t.Context(), repl.key); err != nil || !bytes.Equal(body, repl.body) || meta != repl.meta {
		t.Errorf("Get after replace = %q, %+v, %v; want %q, %+v", body, meta, err, repl.body, repl.meta)
	}
}

// TestPutLarge checks a body large enough for a multipart upload (a video,
// say): its bytes and headers come back whole.
func TestPutLarge(t *testing.T) {
	srv := server(t)
	s := store(t, srv, srv.Writer, prefix(t))
	body := make([]byte, 17<<20+5)
	for i := range body {
		body[i] = byte(i*7 + i>>13)
	}
	meta := bucket.Meta{ContentType: feed.MediaType("clip.mp4"), CacheControl: "public, max-age=3600"}
	if err := s.Put(t.Context(), "articles/x/clip.mp4", bytes.NewReader(body), int64(len(body)), meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := s.Get(t.Context(), "articles/x/clip.mp4")
	if err != nil || !bytes.Equal(got, body) || gotMeta != meta {
		t.Errorf("Get = %d bytes (equal: %v), %+v, %v; want %d bytes, %+v", len(got), bytes.Equal(got, body), gotMeta, err, len(body), meta)
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 1 || list[0].Size != int64(len(body)) {
		t.Errorf("List = %+v, %v; want the one object of %d bytes", list, err, len(body))
	}
}

func TestGetMissing(t *testing.T) {
	srv := server(t)
	s := store(t, srv, srv.Writer, prefix(t))
	_, _, err := s.Get(t.Context(), "nothing-here.xml")
	if !errors.Is(err, bucket.ErrNotFound) {
		t.Errorf("Get(missing) = %v, want ErrNotFound", err)
	}
}

// TestListAndDelete checks that List sees exactly the objects under the
// prefix (not a sibling prefix sharing its first letters, not dropfeed's own
// objects), sorted, with sizes and ETags, and that Delete removes what it is
// given and nothing else.
func TestListAndDelete(t *testing.T) {
	srv := server(t)
	target := prefix(t)
	s := store(t, srv, srv.Writer, target)
	sibling := store(t, srv, srv.Writer, target+"-sibling")
	objs := siteObjects(t)
	put(t, s, objs)
	put(t, sibling, objs[:1])
	if _, err := s.SaveManifest(t.Context(), []byte("{}"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(t.Context(), "test", time.Minute); err != nil {
		t.Fatal(err)
	}

	list, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var want []bucket.Object
	for _, o := range objs {
		want = append(want, bucket.Object{Key: o.key, Size: int64(len(o.body)), ETag: md5hex(o.body)})
	}
	slices.SortFunc(want, func(a, b bucket.Object) int { return strings.Compare(a.Key, b.Key) })
	if len(list) != len(want) {
		t.Fatalf("List = %d objects %v, want %d", len(list), list, len(want))
	}
	for i := range want {
		got := list[i]
		if got.Key != want[i].Key || got.Size != want[i].Size || got.ETag != want[i].ETag || got.LastModified.IsZero() {
			t.Errorf("List[%d] = %+v, want %+v and a time", i, got, want[i])
		}
	}

	gone := []string{"rss.xml", "articles/notes/field notes é/index.html", "never-written.txt"}
	if err := s.Delete(t.Context(), gone); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	list, err = s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(objs)-2 {
		t.Errorf("after Delete, List = %v, want %d objects", list, len(objs)-2)
	}
	for _, o := range list {
		if slices.Contains(gone, o.Key) {
			t.Errorf("after Delete, %s still listed", o.Key)
		}
	}
	if sib, err := sibling.List(t.Context()); err != nil || len(sib) != 1 {
		t.Errorf("sibling prefix List = %v, %v; want its 1 object untouched", sib, err)
	}
	if _, _, err := s.LoadManifest(t.Context()); err != nil {
		t.Errorf("LoadManifest after Delete = %v; want the manifest untouched", err)
	}
}

// TestManyObjects crosses the 1,000 keys of one list page and of one
// DeleteObjects request.
func TestManyObjects(t *testing.T) {
	srv := server(t)
	s := store(t, srv, srv.Writer, prefix(t))
	const n = 1234
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("articles/a%04d/index.html", i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range work {
				body := []byte(k)
				errs <- s.Put(t.Context(), k, bytes.NewReader(body), int64(len(body)), bucket.Meta{ContentType: feed.TypeHTML})
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != n {
		t.Fatalf("List = %d objects, %v; want %d", len(list), err, n)
	}
	for i, o := range list {
		if o.Key != keys[i] {
			t.Fatalf("List[%d] = %s, want %s", i, o.Key, keys[i])
		}
	}
	if err := s.Delete(t.Context(), keys); err != nil {
		t.Fatal(err)
	}
	if list, err := s.List(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("after deleting all, List = %d objects, %v; want none", len(list), err)
	}
}

// TestManifest checks the conditional writes that keep two publishers from
// losing each other's manifest updates.
func TestManifest(t *testing.T) {
	srv := server(t)
	s := store(t, srv, srv.Writer, prefix(t))
	ctx := t.Context()
	if _, _, err := s.LoadManifest(ctx); !errors.Is(err, bucket.ErrNotFound) {
		t.Fatalf("LoadManifest on an empty prefix = %v, want ErrNotFound", err)
	}
	e1, err := s.SaveManifest(ctx, []byte(`{"v":1}`), "")
	if err != nil || e1 == "" {
		t.Fatalf("SaveManifest(new) = %q, %v", e1, err)
	}
	if _, err := s.SaveManifest(ctx, []byte(`{"v":"other"}`), ""); !errors.Is(err, bucket.ErrConflict) {
		t.Errorf("SaveManifest(new) over an existing one = %v, want ErrConflict", err)
	}
	data, etag, err := s.LoadManifest(ctx)
	if err != nil || string(data) != `{"v":1}` || etag != e1 {
		t.Fatalf("LoadManifest = %q, %q, %v; want {\"v\":1}, %q", data, etag, err, e1)
	}
	e2, err := s.SaveManifest(ctx, []byte(`{"v":2}`), e1)
	if err != nil || e2 == e1 {
		t.Fatalf("SaveManifest(v2, e1) = %q, %v; want a new ETag", e2, err)
	}
	if _, err := s.SaveManifest(ctx, []byte(`{"v":"stale"}`), e1); !errors.Is(err, bucket.ErrConflict) {
		t.Errorf("SaveManifest with a stale ETag = %v, want ErrConflict", err)
	}
	if data, etag, err := s.LoadManifest(ctx); err != nil || string(data) != `{"v":2}` || etag != e2 {
		t.Errorf("LoadManifest = %q, %q, %v; want {\"v\":2}, %q", data, etag, err, e2)
	}
	if _, meta, err := s.Get(ctx, bucket.ManifestKey); err != nil || meta.CacheControl != "no-store" {
		t.Errorf("Get(manifest) meta = %+v, %v; want Cache-Control no-store", meta, err)
	}
}

func TestCheck(t *testing.T) {
	srv := server(t)
	for _, k := range []buckettest.Key{srv.Writer, srv.Reader} {
		if err := store(t, srv, k, prefix(t)).Check(t.Context()); err != nil {
			t.Errorf("Check with key %s = %v", k.ID, err)
		}
	}
}

// TestNoRegion: without a region, the client asks the bucket for it, and
// requests work.
func TestNoRegion(t *testing.T) {
	srv := server(t)
	_, pfx, _ := bucket.ParseTarget(prefix(t))
	s, err := bucket.New(bucket.Config{Endpoint: srv.Endpoint, AccessKeyID: srv.Writer.ID, SecretAccessKey: srv.Writer.Secret, Bucket: siteBucket, Prefix: pfx})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check without a region = %v", err)
	}
	put(t, s, siteObjects(t)[:1])
}

// TestFaults checks that each way of being refused maps to its one error,
// whose message names the endpoint and the bucket.
func TestFaults(t *testing.T) {
	srv := server(t)
	writer := store(t, srv, srv.Writer, prefix(t))
	put(t, writer, siteObjects(t)[:1])

	body := []byte("<rss/>")
	putOne := func(s *bucket.Store) error {
		return s.Put(t.Context(), "rss.xml", bytes.NewReader(body), int64(len(body)), bucket.Meta{ContentType: feed.TypeRSS})
	}
	readOnly := store(t, srv, srv.Reader, prefix(t))
	badSecret := store(t, srv, buckettest.Key{ID: srv.Writer.ID, Secret: srv.Writer.Secret + "x"}, prefix(t))
	unknownKey := store(t, srv, buckettest.Key{ID: "NOSUCHKEY000000000", Secret: "whatever"}, prefix(t))
	noBucket := store(t, srv, srv.Writer, "s3://no-such-bucket/x")
	tests := []struct {
		name string
		op   func() error
		want error
	}{
		{"read-only key puts", func() error { return putOne(readOnly) }, bucket.ErrForbidden},
		{"read-only key deletes", func() error { return readOnly.Delete(t.Context(), []string{"rss.xml"}) }, bucket.ErrForbidden},
		{"read-only key saves the manifest", func() error { _, err := readOnly.SaveManifest(t.Context(), []byte("{}"), ""); return err }, bucket.ErrForbidden},
		{"read-only key takes the lease", func() error { _, err := readOnly.AcquireLease(t.Context(), "r", time.Minute); return err }, bucket.ErrForbidden},
		{"bad secret checks", func() error { return badSecret.Check(t.Context()) }, bucket.ErrCredentials},
		{"bad secret puts", func() error { return putOne(badSecret) }, bucket.ErrCredentials},
		{"bad secret lists", func() error { _, err := badSecret.List(t.Context()); return err }, bucket.ErrCredentials},
		{"unknown key checks", func() error { return unknownKey.Check(t.Context()) }, bucket.ErrCredentials},
		{"unknown key puts", func() error { return putOne(unknownKey) }, bucket.ErrCredentials},
		{"missing bucket checks", func() error { return noBucket.Check(t.Context()) }, bucket.ErrNoBucket},
		{"missing bucket puts", func() error { return putOne(noBucket) }, bucket.ErrNoBucket},
		{"missing bucket lists", func() error { _, err := noBucket.List(t.Context()); return err }, bucket.ErrNoBucket},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op()
			if !errors.Is(err, tc.want) {
				t.Fatalf("%s = %v, want %v", tc.name, err, tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, srv.Endpoint) || !strings.Contains(msg, "s3://") {
				t.Errorf("message %q names neither the endpoint %s nor the object", msg, srv.Endpoint)
			}
			t.Log(msg)
		})
	}
	// Nothing refused changed the object.
	if got, _, err := writer.Get(t.Context(), "rss.xml"); err != nil || !bytes.Equal(got, siteObjects(t)[0].body) {
		t.Errorf("after the refusals, rss.xml = %q, %v; want it unchanged", got, err)
	}
}

// TestEndpointStopped checks that every operation of a store whose
// endpoint went away fails with ErrUnreachable, naming the endpoint.
func TestEndpointStopped(t *testing.T) {
	srv := buckettest.Start(t, siteBucket)
	s := store(t, srv, srv.Writer, prefix(t))
	objs := siteObjects(t)
	put(t, s, objs[:1])
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"put":    func() error { return s.Put(t.Context(), "a.xml", strings.NewReader("a"), 1, bucket.Meta{}) },
		"check":  func() error { return s.Check(t.Context()) },
		"list":   func() error { _, err := s.List(t.Context()); return err },
		"delete": func() error { return s.Delete(t.Context(), []string{"rss.xml"}) },
		"lease":  func() error { _, err := s.AcquireLease(t.Context(), "x", time.Minute); return err },
	}
	for name, op := range ops {
		err := op()
		if !errors.Is(err, bucket.ErrUnreachable) || !strings.Contains(err.Error(), srv.Endpoint) {
			t.Errorf("%s after the endpoint stopped = %v; want ErrUnreachable naming %s", name, err, srv.Endpoint)
		}
	}
}
