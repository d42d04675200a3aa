package main

import (
	"context"
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
// the rebuild loop: notify only records the URLs; run sends them.
type publisher struct {
	hub    string
	client *http.Client
	log    *slog.Logger

	mu      sync.Mutex
	pending map[string]bool
	wake    chan struct{}
}

func newPublisher(hub string, log *slog.Logger) *publisher {
	return &publisher{
		hub:     hub,
		client:  &http.Client{Timeout: 10 * time.Second},
		log:     log.With("component", "websub"),
		pending: make(map[string]bool),
		wake:    make(chan struct{}, 1),
	}
}

// changedFeeds returns the URLs of the feed files whose bytes differ between
// two bundles (all main feeds when there was no previous bundle).
func changedFeeds(prev, next *feed.Bundle) []string {
	site := next.Site()
	var out []string
	for _, f := range next.Feeds() {
		if f.ContentType == feed.TypeHTML {
			continue
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

// notify queues feed URLs for the next ping.
func (p *publisher) notify(urls []string) {
	if len(urls) == 0 {
		return
	}
	p.mu.Lock()
	for _, u := range urls {
		p.pending[u] = true
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run sends the queued pings until ctx is done. A failed ping is logged and
// not retried: the next change pings again, and hubs also poll.
func (p *publisher) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		}
		p.mu.Lock()
		urls := make([]string, 0, len(p.pending))
		for u := range p.pending {
			urls = append(urls, u)
		}
		clear(p.pending)
		p.mu.Unlock()
		slices.Sort(urls)
		for _, u := range urls {
			if err := p.ping(ctx, u); err != nil {
				p.log.Warn("ping hub", "url", u, "err", err)
			} else {
				p.log.Debug("pinged hub", "url", u)
			}
		}
	}
}

func (p *publisher) ping(ctx context.Context, feedURL string) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {feedURL}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("hub answered %s", resp.Status)
	}
	return nil
}
