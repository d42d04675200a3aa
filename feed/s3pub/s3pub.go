// Package s3pub keeps the static output of a site in one prefix of a bucket
// of an S3-compatible object store: a [feed.Output] that publishes each
// bundle with a [feed.Publisher] over the bucket (package bucket), so that
// only what changed is uploaded, in the order that keeps every link
// resolving, and only objects dropfeed wrote are ever deleted.
//
// # Objects
//
// Every file the static folder gets is one object under the prefix, its
// key the file's path: "rss.xml", "index.html", "articles/<slug>/index.html"
// (so a CDN or bucket website that maps "articles/<slug>/" to its
// index.html serves the pages), the media files. The bytes are exactly those
// of the folder; the folder's .gz copies are not uploaded (a CDN compresses
// on the fly, and an object store does not negotiate Accept-Encoding).
// Each object carries the Content-Type the HTTP server sends (charset
// included) and a Cache-Control: [Config.MaxAge] for feeds and the index,
// [Config.PageMaxAge] for pages and media files.
//
// # Record
//
// What was published is recorded in the bucket's manifest (JSON, see
// [bucket.Store.SaveManifest]), written with a condition on the ETag it was
// read with. Before an object is created or replaced its entry is saved as
// pending, so a publish cut short leaves no object the manifest does not
// name; the other changes are saved at the end of the publish. When the
// manifest is missing, the bucket is listed once: objects whose bytes (by
// their MD5 ETag) already match are not uploaded again, and objects the
// listing shows but no manifest names are never deleted.
//
// # One publisher at a time
//
// Every publish holds the prefix's lease ([bucket.Store.AcquireLease]),
// renewed while it runs and released after. A publisher that finds the
// lease held fails (and [feed.Background] tries again later); one that
// finds the manifest changed by another since its last publish reads it
// again before writing.
//
// # Deletions
//
// Objects of files the bundle no longer has are deleted after the new
// feeds are in place, in batches. A publish that would delete more than
// [Config.MaxDelete] of the objects recorded deletes nothing and fails
// with an error wrapping [ErrTooManyDeletes]; its uploads stay.
package s3pub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/bucket"
)

// ErrTooManyDeletes is wrapped by the error of a publish that refused to
// delete more than [Config.MaxDelete] of the objects it had published.
var ErrTooManyDeletes = errors.New("s3pub: refusing to delete that many objects at once")

// Config configures a [Publisher]. The zero value is usable.
type Config struct {
	// MaxAge is the Cache-Control max-age of feeds and the index, as the
	// HTTP server sends it: zero means feed.DefaultMaxAge, negative sends
	// "no-cache".
	MaxAge time.Duration
	// PageMaxAge is the Cache-Control max-age of article pages and media
	// files, whose names stay when their bytes change; zero means an hour.
	PageMaxAge time.Duration
	// MaxDelete is the largest share (0 to 1) of the recorded objects one
	// publish may delete; zero means 0.5, and 1 or more disables the guard.
	MaxDelete float64
	// Holder names this publisher in the lease (default host and process).
	Holder string
	// LeaseTTL is how long the lease lasts unless renewed (renewed every
	// third of it while publishing); zero means 2 minutes.
	LeaseTTL time.Duration
	// Workers uploads that many files at a time; zero means 16.
	Workers int
}

// Validate reports a field out of range.
func (c Config) Validate() error {
	if c.MaxDelete < 0 {
		return fmt.Errorf("s3pub: MaxDelete %v is negative", c.MaxDelete)
	}
	if c.PageMaxAge < 0 || c.LeaseTTL < 0 || c.Workers < 0 {
		return errors.New("s3pub: PageMaxAge, LeaseTTL and Workers may not be negative")
	}
	return nil
}

// Stats says what one publish did to the bucket, in objects.
type Stats struct {
	Uploaded int // objects put
	Kept     int // objects the publisher would have put, found in the bucket with the same bytes (after a listing)
	Deleted  int // objects deleted
	Recorded int // objects the manifest names after the publish
}

// Publisher publishes bundles to one prefix of a bucket; it is a
// [feed.Output]. It is not safe for concurrent use: [feed.Background] runs
// one beside the rebuild loop.
type Publisher struct {
	bs    *bucket.Store
	cfg   Config
	store *store
	pub   *feed.Publisher // nil until the first publish, and after a failed one
	last  Stats
}

// Open returns a Publisher into the bucket that target names,
// "s3://BUCKET[/PREFIX]", with the endpoint and key read by getenv the way
// the AWS tools read them (see bucket.ConfigFromEnv).
func Open(target string, getenv func(string) string, cfg Config) (*Publisher, error) {
	bc, err := bucket.ConfigFromEnv(target, getenv)
	if err != nil {
		return nil, err
	}
	bs, err := bucket.New(bc)
	if err != nil {
		return nil, err
	}
	return New(bs, cfg)
}

// New returns a Publisher into bs.
func New(bs *bucket.Store, cfg Config) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxDelete == 0 {
		cfg.MaxDelete = 0.5
	}
	if cfg.PageMaxAge == 0 {
		cfg.PageMaxAge = time.Hour
	}
	if cfg.LeaseTTL == 0 {
		cfg.LeaseTTL = 2 * time.Minute
	}
	if cfg.Workers == 0 {
		cfg.Workers = 16
	}
	if cfg.Holder == "" {
		host, _ := os.Hostname()
		cfg.Holder = host + " pid " + strconv.Itoa(os.Getpid())
	}
	st := &store{bs: bs, feedCC: cacheControl(cfg.MaxAge, feed.DefaultMaxAge), pageCC: cacheControl(cfg.PageMaxAge, time.Hour)}
	return &Publisher{bs: bs, cfg: cfg, store: st}, nil
}

// cacheControl is the Cache-Control value of a max-age, as the HTTP server
// makes it.
func cacheControl(maxAge, def time.Duration) string {
	switch {
	case maxAge == 0:
		maxAge = def
	case maxAge < 0:
		return "no-cache"
	}
	return "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
}

// String names the target for messages.
func (p *Publisher) String() string { return p.bs.String() }

// Stats returns what the last publish did (as far as it got).
func (p *Publisher) Stats() Stats { return p.last }

// Publish makes the bucket hold b's static output: it takes the lease,
// uploads what changed, deletes what b no longer has (within the guard),
// saves the manifest and gives the lease back. After a failure the next
// Publish reads the manifest again and takes up where this one stopped.
func (p *Publisher) Publish(ctx context.Context, b *feed.Bundle) (err error) {
	p.last = Stats{}
	lease, err := p.bs.AcquireLease(ctx, p.cfg.Holder, p.cfg.LeaseTTL)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { p.renew(pctx, lease, stop, cancel) })
	defer func() {
		close(stop)
		wg.Wait()
		cancel(nil)
		if rerr := p.bs.ReleaseLease(context.WithoutCancel(ctx), lease); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			p.pub = nil // read the manifest again next time
		}
	}()
	if p.pub != nil {
		// Another publisher may have written since: then start over from
		// what the manifest says now.
		etag, err := p.bs.ManifestETag(pctx)
		if err != nil && !errors.Is(err, bucket.ErrNotFound) {
			return err
		}
		if etag != p.store.manifestETag() {
			p.pub = nil
		}
	}
	if p.pub == nil {
		p.pub = feed.NewPublisher(p.store, feed.WriteOptions{Workers: p.cfg.Workers})
	}
	p.store.begin()
	err = p.pub.Publish(pctx, b)
	if cause := context.Cause(pctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause // the lease was lost
	}
	ferr := p.store.finish(pctx, err == nil, p.cfg.MaxDelete)
	p.last = p.store.stats()
	if err != nil {
		// The first failure says it all; saving the manifest after it
		// was only an attempt to record the uploads that went through.
		return err
	}
	return ferr
}

// renew keeps the lease until stop is closed, and cancels the publish when
// it cannot.
func (p *Publisher) renew(ctx context.Context, l *bucket.Lease, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	t := time.NewTicker(p.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.bs.RenewLease(ctx, l, p.cfg.LeaseTTL); err != nil {
				cancel(fmt.Errorf("renew the publishing lease: %w", err))
				return
			}
		}
	}
}
