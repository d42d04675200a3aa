// Package websub tells a WebSub hub which feeds changed (a publish request,
// hub.mode=publish), so that subscribers are pushed new items instead of
// polling for them.
//
// A Pinger is a feed.Output: publishing a bundle to it queues the URLs of the
// feeds whose bytes changed since the last bundle, and Run sends them off the
// rebuild loop. A ping that fails for a reason that may pass (no answer, a
// 5xx, 429 Too Many Requests) is retried with exponential backoff, and given
// up after a bounded number of attempts: a later change pings again, and hubs
// poll too. A hub's 4xx other than 429 is not retried.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
)

// The results of one attempt to ping the hub, as Config.Count receives them.
const (
	OK     = "ok"     // the hub accepted it
	Retry  = "retry"  // it failed, and is tried again later
	Failed = "failed" // it failed, and is given up
)

// The default backoff: retries after 1s, 2s, 4s, ... 4m16s, given up after
// about eight and a half minutes.
const (
	DefaultRetryFirst    = time.Second
	DefaultRetryMax      = 5 * time.Minute
	DefaultRetryAttempts = 10
)

// Config configures a Pinger. The zero value pings nothing until SetHub.
type Config struct {
	Log *slog.Logger // nil: slog.Default()
	// Count, if set, is called with the result of every attempt (OK,
	// Retry or Failed), from Run's goroutine.
	Count func(result string)
	// Client sends the pings (nil: a client with a 10 s timeout).
	Client *http.Client
	// The backoff: the first retry after RetryFirst, each next one after
	// twice as long, at most RetryMax; a ping is given up after
	// RetryAttempts attempts. Zero values take the defaults.
	RetryFirst, RetryMax time.Duration
	RetryAttempts        int
}

// Pinger pings one hub (SetHub may change it) for the feeds that change.
// Publish, SetHub and Notify are safe to call from any goroutine; Run runs
// in one goroutine of its own.
type Pinger struct {
	cfg  Config
	log  *slog.Logger
	wake chan struct{}

	mu      sync.Mutex
	hub     string          // "" pings nothing
	gen     int             // incremented by each change of hub
	pending map[string]bool // URLs to ping at the next wake
	last    *feed.Bundle    // the last bundle published
}

// New returns a Pinger that pings nothing until SetHub names a hub.
func New(cfg Config) *Pinger {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Count == nil {
		cfg.Count = func(string) {}
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.RetryFirst <= 0 {
		cfg.RetryFirst = DefaultRetryFirst
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = DefaultRetryMax
	}
	if cfg.RetryAttempts <= 0 {
		cfg.RetryAttempts = DefaultRetryAttempts
	}
	return &Pinger{cfg: cfg, log: cfg.Log.With("component", "websub"), wake: make(chan struct{}, 1), pending: make(map[string]bool)}
}

// SetHub makes the Pinger ping hub from now on ("" stops the pings). Pings
// queued or waiting for a retry for another hub are dropped: hubs poll too.
func (p *Pinger) SetHub(hub string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if hub == p.hub {
		return
	}
	p.hub = hub
	p.gen++
	clear(p.pending)
}

// Publish queues a ping for every feed of b whose bytes differ from the last
// bundle published (every main feed for the first one). It never fails: a
// ping that fails is retried by Run.
func (p *Pinger) Publish(_ context.Context, b *feed.Bundle) error {
	p.mu.Lock()
	prev := p.last
	p.last = b
	hub := p.hub
	p.mu.Unlock()
	if hub != "" {
		p.Notify(Changed(prev, b))
	}
	return nil
}

// After returns an output that publishes to out and, once out holds a
// bundle, queues the pings for the feeds it changed: for an output readers
// fetch from (a bucket behind a CDN), so that the hub, which fetches a feed
// at its public URL when pinged, never gets the old one.
func After(out feed.Output, p *Pinger) feed.Output { return after{out, p} }

type after struct {
	out feed.Output
	p   *Pinger
}

func (a after) Publish(ctx context.Context, b *feed.Bundle) error {
	if err := a.out.Publish(ctx, b); err != nil {
		return err
	}
	return a.p.Publish(ctx, b)
}

// Changed returns the URLs of the feed files whose bytes differ between two
// bundles (every main feed when prev is nil).
func Changed(prev, next *feed.Bundle) []string {
	site := next.Site()
	var out []string
	for _, f := range next.Feeds() {
		if f.ContentType != feed.TypeRSS && f.ContentType != feed.TypeAtom && f.ContentType != feed.TypeJSON {
			continue // the index, the stylesheet, the sitemaps: not feeds a hub tells about
		}
		if prev == nil {
			if !strings.Contains(f.Path, "/") {
				out = append(out, site.URL(content.EscapePath(f.Path)))
			}
			continue
		}
		if old, ok := prev.Lookup(f.Path); !ok || old.ETag != f.ETag {
			out = append(out, site.URL(content.EscapePath(f.Path)))
		}
	}
	return out
}

// Notify queues feed URLs for the next ping, and logs each (at debug level)
// before it returns. Without a hub it does nothing.
func (p *Pinger) Notify(urls []string) {
	if len(urls) == 0 {
		return
	}
	p.mu.Lock()
	if p.hub == "" {
		p.mu.Unlock()
		return
	}
	for _, u := range urls {
		p.pending[u] = true
		p.log.Debug("feed changed; the hub will be told", "url", u)
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// retry is a ping that failed and waits for its next attempt.
type retry struct {
	failed int       // attempts that failed so far
	at     time.Time // when to try again
}

// Run sends the queued pings until ctx is done, and retries the failed ones
// when they are due. A change to a feed that waits for a retry pings it at
// once, as a first attempt. It returns nil when ctx is done.
func (p *Pinger) Run(ctx context.Context) error {
	retries := make(map[string]*retry)
	gen := -1
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-timer.C:
		}
		hub, g, urls := p.take()
		if g != gen {
			gen = g
			clear(retries)
		}
		if hub == "" {
			continue
		}
		now := time.Now()
		for _, u := range urls {
			delete(retries, u)
		}
		for u, r := range retries {
			if !r.at.After(now) {
				urls = append(urls, u)
			}
		}
		slices.Sort(urls)
		for _, u := range urls {
			err := p.ping(ctx, hub, u)
			if ctx.Err() != nil {
				return nil
			}
			p.done(u, err, retries)
		}
		timer.Stop()
		if len(retries) > 0 {
			next := time.Time{}
			for _, r := range retries {
				if next.IsZero() || r.at.Before(next) {
					next = r.at
				}
			}
			timer.Reset(time.Until(next))
		}
	}
}

// take returns the hub, its generation and the queued URLs, and empties the
// queue.
func (p *Pinger) take() (string, int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	urls := make([]string, 0, len(p.pending))
	for u := range p.pending {
		urls = append(urls, u)
	}
	clear(p.pending)
	return p.hub, p.gen, urls
}

// done records the result of one attempt to ping the hub for u: it logs a
// failure, and schedules the next attempt or gives up.
func (p *Pinger) done(u string, err error, retries map[string]*retry) {
	r := retries[u]
	if r == nil {
		r = &retry{}
	}
	if err == nil {
		delete(retries, u)
		p.cfg.Count(OK)
		p.log.Debug("pinged hub", "url", u, "attempts", r.failed+1)
		return
	}
	r.failed++
	if errors.Is(err, errPermanent) || r.failed >= p.cfg.RetryAttempts {
		delete(retries, u)
		p.cfg.Count(Failed)
		p.log.Error("ping hub; giving up until the feed changes again", "url", u, "attempts", r.failed, "err", err)
		return
	}
	wait := p.cfg.RetryMax
	if shift := r.failed - 1; shift < 32 && p.cfg.RetryFirst<<shift < p.cfg.RetryMax {
		wait = p.cfg.RetryFirst << shift
	}
	r.at = time.Now().Add(wait)
	retries[u] = r
	p.cfg.Count(Retry)
	p.log.Warn("ping hub; will retry", "url", u, "attempts", r.failed, "retry_in", wait, "err", err)
}

// errPermanent marks a hub's answer that a retry would only repeat (a 4xx
// other than 429 Too Many Requests).
var errPermanent = errors.New("not retried")

func (p *Pinger) ping(ctx context.Context, hub, feedURL string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {feedURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusTooManyRequests:
		return fmt.Errorf("hub answered %s (%w)", resp.Status, errPermanent)
	}
	return fmt.Errorf("hub answered %s", resp.Status)
}
