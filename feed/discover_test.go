package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// sitemapDoc reads a sitemap or a sitemap index.
type sitemapDoc struct {
	XMLName xml.Name
	URLs    []struct {
		Loc     string `xml:"loc"`
		Lastmod string `xml:"lastmod"`
		News    *struct {
			Name     string `xml:"publication>name"`
			Language string `xml:"publication>language"`
			Date     string `xml:"publication_date"`
			Title    string `xml:"title"`
		} `xml:"http://www.google.com/schemas/sitemap-news/0.9 news"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		Lastmod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

func parseSitemap(t *testing.T, name string, body []byte) *sitemapDoc {
	t.Helper()
	var d sitemapDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if d.XMLName.Space != sitemapNS {
		t.Errorf("%s root %s in namespace %q, want %q", name, d.XMLName.Local, d.XMLName.Space, sitemapNS)
	}
	return &d
}

// syntheticArticles returns n articles, newest first, one an hour from
// start, with slugs a-<i>.
func syntheticArticles(n int, start time.Time) []*content.Article {
	out := make([]*content.Article, n)
	for i := range n {
		pub := start.Add(time.Duration(i) * time.Hour)
		out[n-1-i] = &content.Article{Slug: fmt.Sprintf("a-%06d", i), ID: fmt.Sprintf("id-%06d", i), Title: fmt.Sprintf("Story <%d> & more", i), Published: pub, Updated: pub.Add(time.Minute)}
	}
	return out
}

// TestSitemap: sitemap.xml lists the index page and every article page,
// each once with its lastmod (the article's updated time), as the server
// serves it and the same for the same articles.
func TestSitemap(t *testing.T) {
	b := buildTxtar(t, testSite(), serverTree)
	f, ok := b.Lookup(SitemapName)
	if !ok || f.ContentType != TypeXML {
		t.Fatalf("Lookup(%q) = %v, want an XML file", SitemapName, ok)
	}
	d := parseSitemap(t, SitemapName, f.Body)
	if d.XMLName.Local != "urlset" || len(d.URLs) != b.Len()+1 {
		t.Fatalf("sitemap.xml is <%s> with %d URLs, want <urlset> with the index and %d articles", d.XMLName.Local, len(d.URLs), b.Len())
	}
	want := map[string]string{b.site.BaseURL: b.Updated().Format(time.RFC3339)}
	for _, a := range b.Articles() {
		_, u := itemTimes(a)
		want[b.site.URL(ArticlePath(a.EscapedSlug()))] = u.Format(time.RFC3339)
	}
	for _, u := range d.URLs {
		if mod, ok := want[u.Loc]; !ok || mod != u.Lastmod {
			t.Errorf("sitemap URL %s lastmod %s, want one of the pages with its lastmod (%q)", u.Loc, u.Lastmod, mod)
		}
		delete(want, u.Loc)
	}
	if len(want) != 0 {
		t.Errorf("sitemap.xml lacks %v", want)
	}
	again := buildTxtar(t, testSite(), serverTree)
	if g, _ := again.Lookup(SitemapName); !bytes.Equal(g.Body, f.Body) {
		t.Errorf("sitemap.xml differs between two builds of the same articles")
	}
	s := NewServer(ServerConfig{})
	s.Swap(b)
	for _, name := range []string{SitemapName, NewsSitemapName, RobotsName, OPMLName} {
		f, _ := b.Lookup(name)
		resp := serve(t, s, http.MethodGet, "/"+name)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || !bytes.Equal(body, f.Body) || resp.Header.Get("Content-Type") != f.ContentType {
			t.Errorf("GET /%s = %d %s, want 200 with the bundle's bytes", name, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestSitemapIndex: beyond MaxSitemapURLs, sitemap.xml is a sitemap index
// of parts of at most MaxSitemapURLs URLs that together list every page
// once; the parts are counted from the oldest article, so a new article
// changes only the last part, and the parts taken from the cache are those
// rendered anew would be.
func TestSitemapIndex(t *testing.T) {
	site := testSite()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	arts := syntheticArticles(MaxSitemapURLs+15005, start)
	cache := make(map[string]*sitemapPart)
	files := sitemapFiles(&site, arts, arts[0].Updated, cache)
	wantParts := (len(arts) + 1 + sitemapPartURLs - 1) / sitemapPartURLs
	if len(files) != wantParts+1 {
		t.Fatalf("sitemapFiles(%d articles) made %d files, want the index and %d parts", len(arts), len(files), wantParts)
	}
	idx := parseSitemap(t, SitemapName, files[SitemapName])
	if idx.XMLName.Local != "sitemapindex" || len(idx.Sitemaps) != wantParts {
		t.Fatalf("sitemap.xml is <%s> with %d sitemaps, want <sitemapindex> with %d", idx.XMLName.Local, len(idx.Sitemaps), wantParts)
	}
	seen := make(map[string]bool)
	for k, sm := range idx.Sitemaps {
		name := sitemapChunkName(k + 1)
		if sm.Loc != site.URL(name) {
			t.Errorf("sitemap %d at %s, want %s", k, sm.Loc, site.URL(name))
		}
		part := parseSitemap(t, name, files[name])
		if len(part.URLs) > MaxSitemapURLs || part.XMLName.Local != "urlset" {
			t.Errorf("%s has %d URLs, want a urlset of at most %d", name, len(part.URLs), MaxSitemapURLs)
		}
		newest := ""
		for _, u := range part.URLs {
			if seen[u.Loc] {
				t.Errorf("%s listed twice", u.Loc)
			}
			seen[u.Loc] = true
			newest = max(newest, u.Lastmod)
		}
		if sm.Lastmod != newest {
			t.Errorf("%s lastmod %s in the index, want its newest page's %s", name, sm.Lastmod, newest)
		}
	}
	if len(seen) != len(arts)+1 {
		t.Errorf("the parts list %d pages, want %d", len(seen), len(arts)+1)
	}
	more := append(syntheticArticles(1, start.Add(time.Duration(len(arts))*time.Hour)), arts...)
	more[0].Slug = "new"
	after := sitemapFiles(&site, more, more[0].Updated, cache)
	fresh := sitemapFiles(&site, more, more[0].Updated, make(map[string]*sitemapPart))
	for name, body := range files {
		changed := !bytes.Equal(after[name], body)
		if want := name == SitemapName || name == sitemapChunkName(wantParts); changed != want {
			t.Errorf("a new article: %s changed = %v, want %v", name, changed, want)
		}
		if !bytes.Equal(after[name], fresh[name]) {
			t.Errorf("%s from the cache differs from one rendered anew", name)
		}
	}
}

// TestSitemapIncremental: a sitemap rendered again over the cache of the
// last one (which copies the entries of the oldest articles the two have in
// common) is the one rendered anew, through random changes: articles
// published, edited (a new version, with a later or an earlier lastmod),
// deleted, and the index's time moved; in one sitemap and across the parts
// of an index.
func TestSitemapIncremental(t *testing.T) {
	site := testSite()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{300, MaxSitemapURLs + 2*sitemapPartURLs/3} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		arts := syntheticArticles(n, start)
		cache := make(map[string]*sitemapPart)
		next := n
		for step := range 40 {
			list := slices.Clone(arts)
			switch k := rng.IntN(4); {
			case k == 0: // published: the newest
				a := syntheticArticles(1, start.Add(time.Duration(next)*time.Hour))[0]
				a.Slug = fmt.Sprintf("new-%d", next)
				next++
				list = append([]*content.Article{a}, list...)
			case k == 1: // edited: a new version, its lastmod later or earlier
				i := rng.IntN(len(list))
				if rng.IntN(3) == 0 {
					i = rng.IntN(min(5, len(list))) // most edits are of recent articles
				}
				a := *list[i]
				a.Updated = a.Updated.Add(time.Duration(rng.IntN(200)-100) * time.Hour)
				list[i] = &a
			case k == 2 && len(list) > 1: // deleted
				i := rng.IntN(len(list))
				list = slices.Delete(list, i, i+1)
			}
			updated := list[0].Updated.Add(time.Duration(rng.IntN(3)) * time.Minute)
			got := sitemapFiles(&site, list, updated, cache)
			want := sitemapFiles(&site, list, updated, nil)
			if len(got) != len(want) {
				t.Fatalf("n=%d step %d: %d files from the cache, %d anew", n, step, len(got), len(want))
			}
			for name, body := range want {
				if !bytes.Equal(got[name], body) {
					t.Fatalf("n=%d step %d: %s from the cache differs from one rendered anew", n, step, name)
				}
			}
			arts = list
		}
	}
}

// TestNewsSitemap: the Google News sitemap lists the articles published
// within 48 hours of the newest one (not of the clock), newest first, at
// most 1,000, with the site's name and language; without a language there
// is none, and robots.txt names only sitemap.xml.
func TestNewsSitemap(t *testing.T) {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, lang, code string
		n, want          int
	}{
		{"a week, hourly", "en-GB", "en", 24 * 7, 49},
		{"two thousand in 48 hours", "de", "de", 1200, 1000},
		{"traditional Chinese", "zh-Hant-TW", "zh-tw", 3, 3},
		{"Chinese", "zh", "zh-cn", 1, 1},
		{"no articles", "fr", "fr", 0, 0},
		{"no language", "", "", 10, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			site := testSite()
			site.Language = tc.lang
			arts := syntheticArticles(tc.n, start)
			if tc.n == 1200 {
				for i, a := range arts {
					a.Published = start.Add(-time.Duration(i) * time.Minute)
				}
			}
			body := newsSitemap(&site, arts)
			robots := string(robotsTxt(&site, body != nil))
			if tc.want < 0 {
				if body != nil || strings.Contains(robots, NewsSitemapName) {
					t.Fatalf("newsSitemap without a language = %d bytes, robots.txt %q; want none, not named", len(body), robots)
				}
				return
			}
			if !strings.Contains(robots, "Sitemap: "+site.URL(SitemapName)+"\n") || !strings.Contains(robots, "Sitemap: "+site.URL(NewsSitemapName)+"\n") {
				t.Errorf("robots.txt = %q, want both sitemaps named", robots)
			}
			d := parseSitemap(t, NewsSitemapName, body)
			if len(d.URLs) != tc.want {
				t.Fatalf("news sitemap lists %d articles, want %d", len(d.URLs), tc.want)
			}
			for i, u := range d.URLs {
				a := arts[i]
				if u.Loc != site.URL(ArticlePath(a.EscapedSlug())) || u.News == nil {
					t.Fatalf("news URL %d = %s, want %s with news:news", i, u.Loc, site.URL(ArticlePath(a.EscapedSlug())))
				}
				if u.News.Name != site.Title || u.News.Language != tc.code || u.News.Title != a.Title || u.News.Date != a.Published.UTC().Format(time.RFC3339) {
					t.Errorf("news URL %d = %+v, want name %q language %q title %q date %s", i, *u.News, site.Title, tc.code, a.Title, a.Published.UTC().Format(time.RFC3339))
				}
			}
			if n := len(d.URLs); n > 0 && arts[0].Published.Sub(arts[n-1].Published) > newsWindow {
				t.Errorf("the news sitemap reaches %s back, want at most 48 hours", arts[0].Published.Sub(arts[n-1].Published))
			}
		})
	}
}

// opmlOf reads a subscription list.
type opmlOf struct {
	XMLName  xml.Name `xml:"opml"`
	Version  string   `xml:"version,attr"`
	Title    string   `xml:"head>title"`
	Outlines []struct {
		Type    string `xml:"type,attr"`
		Text    string `xml:"text,attr"`
		Title   string `xml:"title,attr"`
		XMLURL  string `xml:"xmlUrl,attr"`
		HTMLURL string `xml:"htmlUrl,attr"`
	} `xml:"body>outline"`
}

// TestOPML: feeds.opml lists each feed once, in one format (RSS): the main
// feed, each tag's and each section's, and the index page links it.
func TestOPML(t *testing.T) {
	site := testSite()
	site.NoTagFeeds = false
	site.Sections = []string{"sport", "city"}
	site.Title = "Fixture Times: Q&A <live>"
	b := buildTxtar(t, site, serverTree)
	f, ok := b.Lookup(OPMLName)
	if !ok || f.ContentType != TypeOPML {
		t.Fatalf("Lookup(%q) = %v, want %s", OPMLName, ok, TypeOPML)
	}
	var d opmlOf
	if err := xml.Unmarshal(f.Body, &d); err != nil {
		t.Fatalf("parse feeds.opml: %v", err)
	}
	var want []string
	for _, ff := range b.Feeds() {
		if ff.ContentType == TypeRSS {
			want = append(want, site.URL(content.EscapePath(ff.Path)))
		}
	}
	var got []string
	for _, o := range d.Outlines {
		if o.Type != "rss" || o.Title == "" || o.Text != o.Title || o.HTMLURL != site.BaseURL {
			t.Errorf("outline %+v, want type rss with text and htmlUrl %s", o, site.BaseURL)
		}
		got = append(got, o.XMLURL)
	}
	if o := d.Outlines[0]; o.Text != "Fixture Times: Q&amp;A &lt;live&gt;" || html.UnescapeString(o.Text) != site.Title {
		t.Errorf("the main outline's text = %q, want the site title escaped as HTML", o.Text)
	}
	if d.Version != "2.0" || got[0] != site.URL(RSSName) {
		t.Errorf("feeds.opml version %q, first feed %s; want 2.0 and the main feed", d.Version, got[0])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) || len(want) < 4 {
		t.Errorf("feeds.opml lists %q, want every RSS feed once: %q", got, want)
	}
	idx, _ := b.Lookup(IndexName)
	for _, s := range []string{`<link rel="outline" type="text/x-opml"`, `href="` + site.URL(OPMLName) + `"`} {
		if !bytes.Contains(idx.Body, []byte(s)) {
			t.Errorf("the index page lacks %s", s)
		}
	}
	page, _ := b.Lookup("articles/2026-10-05-bakery/")
	if bytes.Contains(page.Body, []byte(OPMLName)) {
		t.Errorf("an article page links feeds.opml; only the index does")
	}
}

// TestRobotsOff: with NoRobots the bundle has no robots.txt, so an
// operator's own stays.
func TestRobotsOff(t *testing.T) {
	site := testSite()
	site.NoRobots = true
	b := buildTxtar(t, site, serverTree)
	if _, ok := b.Lookup(RobotsName); ok {
		t.Errorf("Lookup(%q) with NoRobots = found, want none", RobotsName)
	}
}

// BenchmarkSitemap100k renders the sitemaps of 100,000 articles after one
// more was published, as a rebuild does (the parts of older articles come
// from the cache), and the news sitemap.
func BenchmarkSitemap100k(b *testing.B) {
	site := testSite()
	arts := syntheticArticles(100001, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC))
	cache := make(map[string]*sitemapPart)
	for i := 0; b.Loop(); i++ {
		list := arts[1-i%2:] // with and without the newest article, in turn
		_ = sitemapFiles(&site, list, list[0].Updated, cache)
		_ = newsSitemap(&site, list)
	}
}
