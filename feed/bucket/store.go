package bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The keys of dropfeed's own objects, relative to the prefix. Everything
// under [OwnDir] is dropfeed's bookkeeping: [Store.Put], [Store.Delete] and
// [Store.List] neither write, delete nor list it.
const (
	OwnDir      = ".dropfeed"
	ManifestKey = OwnDir + "/manifest.json"
	LeaseKey    = OwnDir + "/lease.json"
)

// Store is one prefix of one bucket of an S3-compatible object store. Its
// methods are safe for concurrent use.
type Store struct {
	cfg      Config
	client   *minio.Client
	endpoint string // for messages
	now      func() time.Time
}

// Meta is the HTTP metadata stored with an object and sent back by the
// store (and a CDN in front of it) with every response.
type Meta struct {
	ContentType     string // e.g. feed.TypeRSS; empty means application/octet-stream
	CacheControl    string // e.g. "public, max-age=60"
	ContentEncoding string // "gzip" when the bytes are gzip-compressed, else ""
}

// Object is one object of a listing.
type Object struct {
	Key          string // relative to the prefix
	Size         int64
	ETag         string // as the store reports it, without quotes (MD5 hex for single-part uploads)
	LastModified time.Time
}

// New makes a store for the configuration. It sends no request: call
// [Store.Check] to find out at once whether the endpoint, the key and the
// bucket work.
func New(c Config) (*Store, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Attempts == 0 {
		c.Attempts = 3
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	opts := &minio.Options{
		Region:     c.Region,
		MaxRetries: c.Attempts,
		Transport:  transport(c.Timeout),
	}
	if c.AccessKeyID != "" {
		opts.Creds = credentials.NewStaticV4(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	} else {
		opts.Creds = credentials.NewStatic("", "", "", credentials.SignatureAnonymous)
	}
	host, endpoint := "s3.amazonaws.com", "https://s3.amazonaws.com"
	opts.Secure = true
	if c.Endpoint != "" {
		u, err := endpointURL(c.Endpoint)
		if err != nil {
			return nil, err
		}
		host, endpoint = u.Host, u.Scheme+"://"+u.Host
		opts.Secure = u.Scheme == "https"
		// Custom endpoints are addressed by path: their buckets are rarely
		// host names in DNS (or a TLS certificate).
		opts.BucketLookup = minio.BucketLookupPath
	}
	client, err := minio.New(host, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	return &Store{cfg: c, client: client, endpoint: endpoint, now: now}, nil
}

// transport is the client's HTTP transport: bounded connecting and waiting,
// enough idle connections for parallel uploads.
func transport(timeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		// Bytes as stored: no Accept-Encoding, no transparent gunzip of
		// objects stored with Content-Encoding: gzip.
		DisableCompression: true,
	}
}

// String describes the target for messages: "s3://BUCKET/PREFIX at ENDPOINT".
func (s *Store) String() string {
	return fmt.Sprintf("s3://%s/%s at %s", s.cfg.Bucket, s.cfg.Prefix, s.endpoint)
}

// name is the object name in the bucket of a key relative to the prefix.
func (s *Store) name(key string) string {
	if s.cfg.Prefix == "" {
		return key
	}
	return s.cfg.Prefix + "/" + key
}

// checkKey refuses keys that are not clean relative paths, and dropfeed's
// own keys where own is false.
func checkKey(op, key string, own bool) error {
	if !fs.ValidPath(key) || key == "." {
		return fmt.Errorf("bucket: %s %q: not a clean relative path", op, key)
	}
	if !own && (key == OwnDir || strings.HasPrefix(key, OwnDir+"/")) {
		return fmt.Errorf("bucket: %s %q: keys under %s/ are dropfeed's own", op, key, OwnDir)
	}
	return nil
}

// Check lists at most one object under the prefix, which fails with a
// classified [*Error] when the endpoint is unreachable, the key is refused
// or may not list, or the bucket does not exist.
func (s *Store) Check(ctx context.Context) error {
	opts := minio.ListObjectsOptions{Prefix: s.listPrefix(), Recursive: true, MaxKeys: 1}
	for obj := range s.client.ListObjectsIter(ctx, s.cfg.Bucket, opts) {
		return s.fail(ctx, "list", s.listPrefix(), obj.Err)
	}
	return nil
}

// Put writes an object of size bytes read from body, with its metadata. A
// body that is an [io.Seeker] (a [bytes.Reader], an [os.File]) can be sent
// again when a request fails half-way. The object is replaced whole:
// readers see the old bytes or the new, never a mix.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, m Meta) error {
	if err := checkKey("put", key, false); err != nil {
		return err
	}
	_, err := s.put(ctx, key, body, size, m, nil)
	return err
}

// put writes an object; cond adds a condition (If-Match, If-None-Match).
func (s *Store) put(ctx context.Context, key string, body io.Reader, size int64, m Meta, cond func(*minio.PutObjectOptions)) (string, error) {
	opts := minio.PutObjectOptions{
		ContentType:     m.ContentType,
		CacheControl:    m.CacheControl,
		ContentEncoding: m.ContentEncoding,
		// The store checks the bytes against their MD5 and refuses a
		// body damaged on the way.
		SendContentMd5: true,
	}
	if cond != nil {
		cond(&opts)
	}
	info, err := s.client.PutObject(ctx, s.cfg.Bucket, s.name(key), body, size, opts)
	if err != nil {
		return "", s.fail(ctx, "put", s.name(key), err)
	}
	return info.ETag, nil
}

// Get reads an object whole, with its metadata and ETag; meant for small
// objects. A missing object is an [*Error] wrapping [ErrNotFound].
func (s *Store) Get(ctx context.Context, key string) ([]byte, Meta, error) {
	if err := checkKey("get", key, true); err != nil {
		return nil, Meta{}, err
	}
	data, m, _, err := s.get(ctx, key)
	return data, m, err
}

func (s *Store) get(ctx context.Context, key string) ([]byte, Meta, string, error) {
	// One request (the client's lazy reader would send more, each
	// conditional on the first ETag, and fail when the object changed
	// in between).
	body, info, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.cfg.Bucket, s.name(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, Meta{}, "", s.fail(ctx, "get", s.name(key), err)
	}
	defer body.Close()
	var buf bytes.Buffer
	buf.Grow(int(min(max(info.Size, 0), 64<<20)))
	if _, err := buf.ReadFrom(body); err != nil {
		return nil, Meta{}, "", s.fail(ctx, "get", s.name(key), err)
	}
	m := Meta{
		ContentType:     info.ContentType,
		CacheControl:    info.Metadata.Get("Cache-Control"),
		ContentEncoding: info.Metadata.Get("Content-Encoding"),
	}
	return buf.Bytes(), m, info.ETag, nil
}

// listPrefix is what every object name under the prefix starts with.
func (s *Store) listPrefix() string {
	if s.cfg.Prefix == "" {
		return ""
	}
	return s.cfg.Prefix + "/"
}

// List returns every object under the prefix, sorted by key, except
// dropfeed's own (under [OwnDir]). It reads the whole listing (1,000 keys a
// request), so callers use it to recover when the manifest is missing or
// stale, not on every publish.
func (s *Store) List(ctx context.Context) ([]Object, error) {
	var out []Object
	opts := minio.ListObjectsOptions{Prefix: s.listPrefix(), Recursive: true}
	for obj := range s.client.ListObjectsIter(ctx, s.cfg.Bucket, opts) {
		if obj.Err != nil {
			return nil, s.fail(ctx, "list", s.listPrefix(), obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.listPrefix())
		if key == OwnDir || strings.HasPrefix(key, OwnDir+"/") || key == "" {
			continue
		}
		out = append(out, Object{Key: key, Size: obj.Size, ETag: strings.Trim(obj.ETag, `"`), LastModified: obj.LastModified})
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete removes objects, in batches of up to 1,000 keys a request. Keys
// that do not exist are not an error. When some deletions fail, the error
// joins one [*Error] per failed key (the first 10 of them), and the other
// keys are gone.
func (s *Store) Delete(ctx context.Context, keys []string) error {
	for _, k := range keys {
		if err := checkKey("delete", k, false); err != nil {
			return err
		}
	}
	if len(keys) == 0 {
		return nil
	}
	objects := func(yield func(minio.ObjectInfo) bool) {
		for _, k := range keys {
			if !yield(minio.ObjectInfo{Key: s.name(k)}) {
				return
			}
		}
	}
	results, err := s.client.RemoveObjectsWithIter(ctx, s.cfg.Bucket, objects, minio.RemoveObjectsOptions{})
	if err != nil {
		return s.fail(ctx, "delete", "", err)
	}
	var errs []error
	failed := 0
	for r := range results {
		if r.Err == nil {
			continue
		}
		if failed++; failed <= 10 {
			errs = append(errs, s.fail(ctx, "delete", r.ObjectName, r.Err))
		}
	}
	if failed > 10 {
		errs = append(errs, fmt.Errorf("bucket: delete: %d more keys failed", failed-10))
	}
	return errors.Join(errs...)
}

// LoadManifest reads dropfeed's record of what it published under the
// prefix, and its ETag for [Store.SaveManifest]. No manifest is an [*Error]
// wrapping [ErrNotFound]. The bytes are the caller's format.
func (s *Store) LoadManifest(ctx context.Context) (data []byte, etag string, err error) {
	data, _, etag, err = s.get(ctx, ManifestKey)
	return data, etag, err
}

// SaveManifest replaces the manifest if it is still the one read with etag,
// or creates it if etag is "" and there is none, and returns the new ETag.
// When another writer changed it in between, nothing is written and the
// error wraps [ErrConflict].
func (s *Store) SaveManifest(ctx context.Context, data []byte, etag string) (string, error) {
	return s.put(ctx, ManifestKey, bytes.NewReader(data), int64(len(data)), manifestMeta, func(o *minio.PutObjectOptions) {
		if etag == "" {
			o.SetMatchETagExcept("*")
		} else {
			o.SetMatchETag(etag)
		}
	})
}

// manifestMeta keeps dropfeed's records out of caches: they change on every
// publish and only dropfeed reads them.
var manifestMeta = Meta{ContentType: "application/json", CacheControl: "no-store"}
