package main

import (
	"net/http"
	"path/filepath"
	"testing"
)

// TestReaderMetrics: the real binary's /metrics shows the subscriber count
// an aggregator last reported per feed, and counts each feed's requests,
// conditional ones and 304s; a feed that does not exist gets no series.
func TestReaderMetrics(t *testing.T) {
	t.Parallel()
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
