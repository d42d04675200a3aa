package main

import (
	"net/http"
	"path/filepath"
	"testing"
)

func TestSubscribersIn(t *testing.T) {
	for _, tc := range []struct {
		ua, agg string
		n       int
	}{
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; like FeedFetcher-Google)", "feedly", 123},
		{"Mozilla/5.0 (compatible; inoreader.com; 45 subscribers)", "inoreader", 45},
		{"NewsBlur Feed Fetcher - 12 subscribers - https://www.newsblur.com/site/6187/riverside (Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15)", "newsblur", 12},
		{"Feedbin feed-id:1373711 - 7 subscribers", "feedbin", 7},
		{"Mozilla/5.0 (compatible; theoldreader.com; 1 subscriber; feed-id=5f3a)", "theoldreader", 1},
		{"BazQux/2.4 (+https://bazqux.com/fetcher; 3 readers)", "bazqux", 3},
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)", "", 0},
		{"MadeUp/1.0 (99 subscribers)", "", 0},
		{"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", "", 0},
		{"Feedly/1.0 (999999999999 subscribers)", "", 0},
		{"", "", 0},
	} {
		agg, n, ok := subscribersIn(tc.ua)
		if agg != tc.agg || n != tc.n || ok != (tc.agg != "") {
			t.Errorf("subscribersIn(%q) = %q, %d, %v; want %q, %d", tc.ua, agg, n, ok, tc.agg, tc.n)
		}
	}
}

func TestFeedPath(t *testing.T) {
	for _, tc := range []struct{ path, base, want string }{
		{"/rss.xml", "/", "rss.xml"},
		{"/news/tags/city/atom.xml", "/news/", "tags/city/atom.xml"},
		{"/sections/sport/feed.json", "/", "sections/sport/feed.json"},
		{"/rss.xml", "/news/", ""},
		{"/", "/", ""},
		{"/articles/a/", "/", ""},
		{"/sitemap.xml", "/", ""},
	} {
		if got := feedPath(tc.path, tc.base); got != tc.want {
			t.Errorf("feedPath(%q, %q) = %q, want %q", tc.path, tc.base, got, tc.want)
		}
	}
}

// TestReaderMetrics: the real binary's /metrics shows the subscriber count
// an aggregator last reported per feed, and counts each feed's requests,
// conditional ones and 304s; a feed that does not exist gets no series.
func TestReaderMetrics(t *testing.T) {
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "2026-01-02-first.md"), "---\ntitle: First\ntags: [city]\n---\n\nThe first article.\n")
	d := proc{}.serve(t, "-addr", "127.0.0.1:0", "-state", filepath.Join(t.TempDir(), "state.db"), "-content", dir)
	d.waitReady()

	resp, _ := d.getWith("rss.xml", "User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 120 subscribers; like FeedFetcher-Google)")
	etag := resp.Header.Get("ETag")
	if resp, _ := d.getWith("rss.xml", "User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; like FeedFetcher-Google)", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET rss.xml = %d, want 304", resp.StatusCode)
	}
	d.getWith("tags/city/atom.xml", "User-Agent", "Mozilla/5.0 (compatible; inoreader.com; 45 subscribers)", "If-Modified-Since", "Mon, 01 Jan 2024 00:00:00 GMT")
	d.getWith("tags/nope/atom.xml", "User-Agent", "Mozilla/5.0 (compatible; inoreader.com; 9 subscribers)")
	d.getWith("feed.json", "User-Agent", "MadeUp/1.0 (5 subscribers)")

	fams := scrape(t, d.base+"metrics")
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"dropfeed_feed_subscribers", map[string]string{"aggregator": "feedly", "feed": "rss.xml"}, 123},
		{"dropfeed_feed_subscribers", map[string]string{"aggregator": "inoreader", "feed": "tags/city/atom.xml"}, 45},
		{"dropfeed_feed_requests_total", map[string]string{"feed": "rss.xml"}, 2},
		{"dropfeed_feed_conditional_requests_total", map[string]string{"feed": "rss.xml"}, 1},
		{"dropfeed_feed_not_modified_total", map[string]string{"feed": "rss.xml"}, 1},
		{"dropfeed_feed_requests_total", map[string]string{"feed": "tags/city/atom.xml"}, 1},
		{"dropfeed_feed_conditional_requests_total", map[string]string{"feed": "tags/city/atom.xml"}, 1},
		{"dropfeed_feed_requests_total", map[string]string{"feed": "feed.json"}, 1},
	} {
		if v, ok := sample(fams, tc.name, tc.labels); !ok || v != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, v, ok, tc.want)
		}
	}
	if n := len(fams["dropfeed_feed_subscribers"].GetMetric()); n != 2 {
		t.Errorf("dropfeed_feed_subscribers has %d series, want 2 (no made-up aggregator, no missing feed)", n)
	}
	for _, m := range fams["dropfeed_feed_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetValue() == "tags/nope/atom.xml" {
				t.Errorf("a feed that does not exist has a series")
			}
		}
	}
}
