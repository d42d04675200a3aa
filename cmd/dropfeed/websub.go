package main

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

// publisher tells a WebSub hub which feeds changed (hub.mode=publish), off
// the rebuild loop: notify only records the URLs; run sends them. A ping
// that fails for a reason that may pass (no answer, 5xx, 429) is retried
// with exponential backoff, up to retryAttempts attempts in all; every
// failure is logged, and counted in /metrics when metrics is set.
type publisher struct {
	hub     string
	client  *http.Client
	log     *slog.Logger
	metrics *metrics // nil: not counted

	// The backoff: the first retry after retryFirst, each next one after
	// twice as long, at most retryMax; the ping is given up after
	// retryAttempts attempts (a later change pings again, and hubs poll).
	retryFirst, retryMax time.Duration
	retryAttempts        int

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

// The default backoff: retries after 1s, 2s, 4s, ... 4m16s, given up after
// about eight and a half minutes.
const (
	defaultRetryFirst    = time.Second
	defaultRetryMax      = 5 * time.Minute
	defaultRetryAttempts = 10
)

func newPublisher(hub string, log *slog.Logger) *publisher {
	return &publisher{
		hub:           hub,
		client:        &http.Client{Timeout: 10 * time.Second},
		log:           log.With("component", "websub"),
		retryFirst:    defaultRetryFirst,
		retryMax:      defaultRetryMax,
		retryAttempts: defaultRetryAttempts,
		pending:       make(map[string]bool),
		wake:          make(chan struct{}, 1),
	}
}

// changedFeeds returns the URLs of the feed files whose bytes differ between
// two bundles (all main feeds when there was no previous bundle).
func changedFeeds(prev, next *feed.Bundle) []string {
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

// notify queues feed URLs for the next ping, and logs each (at debug
// level) before it returns.
func (p *publisher) notify(urls []string) {
	if len(urls) == 0 {
		return
	}
	p.mu.Lock()
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

// run sends the queued pings until ctx is done, and retries the failed
// ones when they are due. A change to a feed that waits for a retry pings
// it at once, as a first attempt.
func (p *publisher) run(ctx context.Context) error {
	retries := make(map[string]*retry)
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
		now := time.Now()
		urls := p.take()
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
			err := p.ping(ctx, u)
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

// take returns the queued URLs and empties the queue.
func (p *publisher) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	urls := make([]string, 0, len(p.pending))
	for u := range p.pending {
		urls = append(urls, u)
	}
	clear(p.pending)
	return urls
}

// done records the result of one attempt to ping the hub for u: it logs a
// failure, and schedules the next attempt or gives up.
func (p *publisher) done(u string, err error, retries map[string]*retry) {
	r := retries[u]
	if r == nil {
		r = &retry{}
	}
	if err == nil {
		delete(retries, u)
		p.metrics.websubPinged(websubOK)
		p.log.Debug("pinged hub", "url", u, "attempts", r.failed+1)
		return
	}
	r.failed++
	if errors.Is(err, errPermanent) || r.failed >= p.retryAttempts {
		delete(retries, u)
		p.metrics.websubPinged(websubFailed)
		p.log.Error("ping hub; giving up until the feed changes again", "url", u, "attempts", r.failed, "err", err)
		return
	}
	wait := p.retryMax
	if shift := r.failed - 1; shift < 32 && p.retryFirst<<shift < p.retryMax {
		wait = p.retryFirst << shift
	}
	r.at = time.Now().Add(wait)
	retries[u] = r
	p.metrics.websubPinged(websubRetry)
	p.log.Warn("ping hub; will retry", "url", u, "attempts", r.failed, "retry_in", wait, "err", err)
}

// errPermanent marks a hub's answer that a retry would only repeat (a 4xx
// other than 429 Too Many Requests).
var errPermanent = errors.New("not retried")

func (p *publisher) ping(ctx context.Context, feedURL string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {feedURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
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
