package feed

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// topDocs is the number of files at the top of a testSite bundle without
// tag or section feeds: the three feeds, the index, the feeds' stylesheet,
// sitemap.xml, the news sitemap (the site has a language), robots.txt and
// feeds.opml.
const topDocs = 9

// TestFeedStylesheet: every RSS and Atom feed, those of tags and sections
// included, links the stylesheet by a path from the host's root, right
// after the XML declaration, and the bundle serves the stylesheet as CSS.
func TestFeedStylesheet(t *testing.T) {
	for _, base := range []string{"https://news.example.com/", "https://x.example/news%20room/"} {
		t.Run(base, func(t *testing.T) {
			site := testSite()
			site.BaseURL = base
			site.NoTagFeeds = false
			site.Sections = []string{"city"}
			b := buildTxtar(t, site, serverTree)
			path := strings.TrimPrefix(base, "https://news.example.com")
			path = strings.TrimPrefix(path, "https://x.example")
			want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<?xml-stylesheet type="text/css" href="` + path + StyleName + `"?>` + "\n"
			n := 0
			for _, f := range b.Feeds() {
				if f.ContentType != TypeRSS && f.ContentType != TypeAtom {
					continue
				}
				n++
				if !bytes.HasPrefix(f.Body, []byte(want)) {
					t.Errorf("%s begins %q, want %q", f.Path, f.Body[:min(len(f.Body), len(want))], want)
				}
			}
			if n < 6 {
				t.Errorf("checked %d RSS and Atom feeds, want the main, tag and section feeds", n)
			}
			css, ok := b.Lookup(StyleName)
			if !ok || css.ContentType != TypeCSS || !bytes.Equal(css.Body, feedCSS) {
				t.Fatalf("Lookup(%q) = %v, want the stylesheet as %s", StyleName, ok, TypeCSS)
			}
			s := NewServer(ServerConfig{})
			s.Swap(b)
			resp := serve(t, s, http.MethodGet, path+StyleName)
			if body := readBody(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != TypeCSS || !bytes.Equal(body, feedCSS) {
				t.Errorf("GET %s = %d %s, want 200 %s with the stylesheet", path+StyleName, resp.StatusCode, resp.Header.Get("Content-Type"), TypeCSS)
			}
		})
	}
}

// TestFeedStylesheetShowsItems: the stylesheet shows the elements a person
// reads (the title, the description, the feed's own address with the words
// that say what to do with it, each item's title and date) in both formats,
// and hides every other element.
func TestFeedStylesheetShowsItems(t *testing.T) {
	css := string(feedCSS)
	for _, sel := range []string{
		"* { display: none; }",
		"channel > title", ":root > title",
		"channel > description", ":root > subtitle",
		`channel > atom|link[rel="self"]::before`, `:root > atom|link[rel="self"]::before`,
		"item > title", "atom|entry > title",
		"item > pubDate", "atom|entry > published",
		"@namespace atom url(http://www.w3.org/2005/Atom);",
	} {
		if !strings.Contains(css, sel) {
			t.Errorf("the stylesheet lacks %q", sel)
		}
	}
	if !strings.Contains(css, "web feed") || !strings.Contains(css, "feed reader") {
		t.Errorf("the stylesheet does not say what a feed is and how to subscribe")
	}
}

// varyOf returns the Vary header the server sends with a file of a type:
// the RSS and Atom feeds depend on Accept too (see TestFeedTypeForBrowsers).
func varyOf(ctype string) string {
	if ctype == TypeRSS || ctype == TypeAtom {
		return "Accept, Accept-Encoding"
	}
	return "Accept-Encoding"
}

// TestFeedTypeForBrowsers: a browser's navigation (asking for HTML, naming
// no feed type) gets an RSS or Atom feed as application/xml, which browsers
// render with the stylesheet, with a policy that lets it load only that;
// feed readers get the feed types; the bytes and ETag are the same.
func TestFeedTypeForBrowsers(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	const chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
	const firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, tc := range []struct {
		name, path, accept, ctype, csp string
	}{
		{"chromium rss", "/rss.xml", chromium, "application/xml; charset=utf-8", "default-src 'none'; style-src 'self'"},
		{"firefox atom", "/atom.xml", firefox, "application/xml; charset=utf-8", "default-src 'none'; style-src 'self'"},
		{"no accept", "/rss.xml", "", TypeRSS, ""},
		{"anything", "/atom.xml", "*/*", TypeAtom, ""},
		{"feed reader naming rss", "/rss.xml", "application/rss+xml, application/atom+xml, text/html;q=0.1", TypeRSS, ""},
		{"feed reader naming atom", "/atom.xml", "application/atom+xml,text/html;q=0.5", TypeAtom, ""},
		{"xml", "/rss.xml", "application/xml, text/xml", TypeRSS, ""},
		{"json feed stays", "/feed.json", chromium, TypeJSON, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, s, http.MethodGet, tc.path, "Accept", tc.accept)
			body := readBody(t, resp)
			f, _ := b.Lookup(strings.TrimPrefix(tc.path, "/"))
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, f.Body) || resp.Header.Get("ETag") != f.ETag {
				t.Errorf("GET %s (Accept %q) = %d, want 200 with the file's bytes and ETag", tc.path, tc.accept, resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("GET %s (Accept %q) Content-Type = %q, want %q", tc.path, tc.accept, got, tc.ctype)
			}
			if got := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, tc.csp) || (tc.csp == "") != (got == "") {
				t.Errorf("GET %s (Accept %q) Content-Security-Policy = %q, want %q", tc.path, tc.accept, got, tc.csp)
			}
			if got := resp.Header.Get("Vary"); got != varyOf(f.ContentType) {
				t.Errorf("GET %s Vary = %q, want %q", tc.path, got, varyOf(f.ContentType))
			}
		})
	}
}
