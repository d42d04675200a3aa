package httpd

import "testing"

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
