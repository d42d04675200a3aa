package feed

import (
	"bytes"
	"encoding/xml"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// The documents that tell search engines and feed readers what the site
// holds, at the top of the output (relative to the base URL).
const (
	SitemapName     = "sitemap.xml"      // every page; a sitemap index beyond MaxSitemapURLs
	NewsSitemapName = "sitemap-news.xml" // Google News: the articles of the last 48 hours
	RobotsName      = "robots.txt"       // names the sitemaps
	OPMLName        = "feeds.opml"       // every feed, for a feed reader to import
)

// Content types of the discovery documents.
const (
	TypeXML   = "application/xml; charset=utf-8"
	TypeText  = "text/plain; charset=utf-8"
	TypeOPML  = "text/x-opml; charset=utf-8"
	sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"
	newsNS    = "http://www.google.com/schemas/sitemap-news/0.9"
)

// MaxSitemapURLs is the most URLs one sitemap may list (the sitemap
// protocol's limit). Beyond it, sitemap.xml is a sitemap index of
// sitemap-1.xml, sitemap-2.xml, …, each of sitemapPartURLs pages counted
// from the oldest article, so that a new article changes only the last
// part (and the index), and a rebuild renders and compresses one part.
const MaxSitemapURLs = 50000

// sitemapPartURLs is the number of URLs in each part of a sitemap index.
const sitemapPartURLs = 10000

// sitemapPart is one rendered sitemap and what it was rendered from, so
// that the next build renders again only the parts whose pages changed.
type sitemapPart struct {
	arts    []*content.Article // its articles, newest first (a view of a bundle's list)
	home    bool               // it lists the index page, at updated
	updated time.Time
	body    []byte
	lastmod time.Time // its newest lastmod
	// ends[i] is where the entry of its i-th oldest article ends in body,
	// and newest[i] which of the first i+1 has the newest lastmod (the
	// first of equals; -1: none is after the zero time): the next render
	// of the part copies the entries of the oldest articles it has in
	// common with this one (a new article is appended to the last part).
	ends, newest []int32
}

// News sitemap limits: Google News reads the articles published in the
// last two days, at most a thousand. The window ends at the newest
// article, not at the clock, so the same articles give the same bytes.
const (
	newsWindow  = 48 * time.Hour
	maxNewsURLs = 1000
)

// sitemapHead begins every sitemap.
const sitemapHead = xml.Header + `<urlset xmlns="` + sitemapNS + `">` + "\n"

// sitemapChunkName returns the name of the n-th sitemap (from 1) of a
// sitemap index.
func sitemapChunkName(n int) string { return "sitemap-" + strconv.Itoa(n) + ".xml" }

// sitemapFiles renders sitemap.xml (and its parts beyond MaxSitemapURLs)
// over the articles, newest first: every article page, oldest first, each
// with its last modification (the article's updated time), then the index
// page (last modified at updated). cache holds the parts of the
// previous call, by name; parts over the same articles are taken from it,
// and it is updated.
func sitemapFiles(s *Site, newestFirst []*content.Article, updated time.Time, cache map[string]*sitemapPart) map[string][]byte {
	n := len(newestFirst)
	// render makes the part of the articles newestFirst[lo:hi], with the
	// index page last when home.
	render := func(name string, lo, hi int, home bool) *sitemapPart {
		arts := newestFirst[lo:hi]
		old := cache[name]
		if old != nil && old.home == home && (!home || old.updated.Equal(updated)) && slices.Equal(old.arts, arts) {
			return old
		}
		m := len(arts)
		oldest := func(i int) *content.Article { return arts[m-1-i] } // the i-th oldest
		// The oldest articles in common with the old part: their entries are copied.
		keep := 0
		if old != nil {
			for k := len(old.arts); keep < m && keep < k && oldest(keep) == old.arts[k-1-keep]; keep++ {
			}
		}
		p := &sitemapPart{arts: arts, home: home, updated: updated, ends: make([]int32, m), newest: make([]int32, m)}
		// Sized to what is written, so that the buffer neither grows while
		// it is written nor is copied to fit when done: a change at 100,000
		// articles copies the last part's 7,900 entries (1 MB).
		per, size := len(s.BaseURL)+100, 0
		if keep > 0 {
			size = int(old.ends[keep-1]) - len(sitemapHead)
			per = size/keep + 16 // the entries' mean, and some
		}
		var b bytes.Buffer
		b.Grow(len(sitemapHead) + size + (m-keep+1)*per + 512)
		b.WriteString(sitemapHead)
		entry := func(loc string, mod time.Time) {
			b.WriteString("  <url><loc>")
			xmlText(&b, loc)
			b.WriteString("</loc><lastmod>")
			b.WriteString(mod.Format(time.RFC3339))
			b.WriteString("</lastmod></url>\n")
		}
		best := -1
		if keep > 0 {
			b.Write(old.body[len(sitemapHead):old.ends[keep-1]])
			copy(p.ends, old.ends[:keep])
			copy(p.newest, old.newest[:keep])
			if best = int(old.newest[keep-1]); best >= 0 {
				_, p.lastmod = itemTimes(oldest(best))
			}
		}
		for i := keep; i < m; i++ {
			a := oldest(i)
			_, mod := itemTimes(a)
			entry(s.URL(ArticlePath(a.EscapedSlug())), mod)
			if mod.After(p.lastmod) {
				best, p.lastmod = i, mod
			}
			p.ends[i], p.newest[i] = int32(b.Len()), int32(best)
		}
		if home {
			entry(s.BaseURL, updated.UTC())
			if updated.After(p.lastmod) {
				p.lastmod = updated.UTC()
			}
		}
		b.WriteString("</urlset>\n")
		p.body = fit(b.Bytes()) // what the file serves, too: one copy, without the buffer's spare room
		return p
	}
	parts := make(map[string]*sitemapPart)
	defer func() {
		if cache != nil {
			clear(cache)
			maps.Copy(cache, parts)
		}
	}()
	if n+1 <= MaxSitemapURLs {
		parts[SitemapName] = render(SitemapName, 0, n, true)
		return map[string][]byte{SitemapName: parts[SitemapName].body}
	}
	out := make(map[string][]byte)
	var idx bytes.Buffer
	idx.WriteString(xml.Header + `<sitemapindex xmlns="` + sitemapNS + `">` + "\n")
	// URL j (from 0) is the j-th oldest article, and URL n the index page,
	// so that the parts before the last stay as they are while articles
	// are published. The parts are rendered on every core (a start
	// renders them all: 11 at 100,000 articles).
	rendered := make([]*sitemapPart, n/sitemapPartURLs+1)
	parallel(len(rendered), func(k int) {
		first := k * sitemapPartURLs
		last := min(first+sitemapPartURLs, n+1) // URLs [first, last)
		rendered[k] = render(sitemapChunkName(k+1), n-min(last, n), n-first, last == n+1)
	})
	for k, p := range rendered {
		name := sitemapChunkName(k + 1)
		parts[name], out[name] = p, p.body
		idx.WriteString("  <sitemap><loc>")
		xmlText(&idx, s.URL(name))
		idx.WriteString("</loc><lastmod>" + p.lastmod.UTC().Format(time.RFC3339) + "</lastmod></sitemap>\n")
	}
	idx.WriteString("</sitemapindex>\n")
	out[SitemapName] = idx.Bytes()
	return out
}

// newsLanguage returns the Google News language code of a BCP 47 tag:
// the ISO 639 language in lowercase, except Chinese, written zh-cn or
// zh-tw; "" for no language.
func newsLanguage(tag string) string {
	tag = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	lang, rest, _ := strings.Cut(tag, "-")
	if lang != "zh" {
		return lang
	}
	switch {
	case strings.Contains("-"+rest+"-", "-tw-"), strings.Contains("-"+rest+"-", "-hk-"), strings.Contains("-"+rest+"-", "-hant-"):
		return "zh-tw"
	}
	return "zh-cn"
}

// newsSitemap renders the Google News sitemap of the articles (newest
// first) published within newsWindow of the newest one, at most
// maxNewsURLs; nil when the site has no language, which the format
// requires.
func newsSitemap(s *Site, newestFirst []*content.Article) []byte {
	lang := newsLanguage(s.Language)
	if lang == "" {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(xml.Header + `<urlset xmlns="` + sitemapNS + `" xmlns:news="` + newsNS + `">` + "\n")
	if len(newestFirst) > 0 {
		latest, _ := itemTimes(newestFirst[0])
		for n, a := range newestFirst {
			pub, _ := itemTimes(a)
			if n == maxNewsURLs || latest.Sub(pub) > newsWindow {
				break
			}
			b.WriteString("  <url><loc>")
			xmlText(&b, s.URL(ArticlePath(a.EscapedSlug())))
			b.WriteString("</loc>\n    <news:news><news:publication><news:name>")
			xmlText(&b, s.Title)
			b.WriteString("</news:name><news:language>" + lang + "</news:language></news:publication>")
			b.WriteString("<news:publication_date>" + pub.Format(time.RFC3339) + "</news:publication_date><news:title>")
			xmlText(&b, a.Title)
			b.WriteString("</news:title></news:news></url>\n")
		}
	}
	b.WriteString("</urlset>\n")
	return b.Bytes()
}

// robotsTxt names the sitemaps; it allows everything.
func robotsTxt(s *Site, news bool) []byte {
	var b bytes.Buffer
	b.WriteString("# Written by dropfeed. Crawlers may read everything; the sitemaps list the pages.\nUser-agent: *\nDisallow:\n\n")
	b.WriteString("Sitemap: " + s.URL(SitemapName) + "\n")
	if news {
		b.WriteString("Sitemap: " + s.URL(NewsSitemapName) + "\n")
	}
	return b.Bytes()
}

// opmlDoc is an OPML 2.0 subscription list.
type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	Version string `xml:"version,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr"`
}

// opmlFile renders the list of the site's RSS feeds: the main one, then
// each tag's and each section's, one format only, so that importing it
// subscribes to each feed once.
func opmlFile(s *Site, specs []*feedSpec) ([]byte, error) {
	doc := &opmlDoc{Version: "2.0", Title: s.Title + " feeds"}
	for _, sp := range specs {
		doc.Body = append(doc.Body, opmlOutline{
			Type: "rss", Text: opmlTextEscaper.Replace(sp.title), Title: opmlTextEscaper.Replace(sp.title), Version: "RSS2",
			XMLURL: sp.self["rss"], HTMLURL: sp.home,
		})
	}
	return marshalXML(doc, "")
}

// opmlTextEscaper escapes plain text as HTML for an outline's text and
// title, which OPML 2.0 lets hold HTML: validators read them as HTML, where
// "Q&A" is not valid.
var opmlTextEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// xmlText writes s escaped as XML character data.
func xmlText(b *bytes.Buffer, s string) { _ = xml.EscapeText(b, []byte(s)) }

// startSitemaps renders the sitemaps of b (whose articles and updated time
// are set) on another goroutine, beside the rendering of its feeds, and
// makes their files, the parts before sitemap.xml: a start renders them all,
// 0.4 s of CPU at 100,000 articles. wait returns them; it may be called
// any number of times, and must be before the Builder's next build.
func (bl *Builder) startSitemaps(b *Bundle) (wait func() []*File) {
	x := &bl.extras
	if x.sitemaps == nil {
		x.sitemaps = make(map[string]*sitemapPart)
	}
	done := make(chan []*File, 1)
	go func() {
		sm := sitemapFiles(&bl.site, b.articles, b.updated, x.sitemaps)
		names := slices.DeleteFunc(slices.Sorted(maps.Keys(sm)), func(n string) bool { return n == SitemapName })
		names = append(names, SitemapName) // the index, when it is one, last
		files := make([]*File, len(names))
		parallel(len(names), func(i int) {
			files[i] = keptFile(x.files[names[i]], names[i], TypeXML, sm[names[i]])
		})
		done <- files
	}()
	return sync.OnceValue(func() []*File { return <-done })
}

// keptFile returns old when it has the type and the bytes given, else a new
// file of them: a document whose bytes do not change keeps its File (and
// its time).
func keptFile(old *File, path, ctype string, body []byte) *File {
	if old == nil || old.ContentType != ctype || !bytes.Equal(old.Body, body) {
		return newFile(path, ctype, body, time.Time{})
	}
	return old
}

// discoveryFiles are the discovery documents of a build: their paths and
// bytes, in the order they are written.
func (bl *Builder) discoveryFiles(b *Bundle, main *feedSpec, more []*feedSpec, sitemaps []*File) ([]*File, error) {
	x := &bl.extras
	out := slices.Clone(sitemaps)
	keep := func(path, ctype string, body []byte) {
		out = append(out, keptFile(x.files[path], path, ctype, body))
	}
	news := newsSitemap(&bl.site, b.articles)
	if news != nil {
		keep(NewsSitemapName, TypeXML, news)
	}
	if !bl.site.NoRobots {
		keep(RobotsName, TypeText, robotsTxt(&bl.site, news != nil))
	}
	if body, typ := favicon(&bl.site, bl.src); body != nil {
		keep(FaviconName, typ, body)
	}
	opml, err := opmlFile(&bl.site, append([]*feedSpec{main}, more...))
	if err != nil {
		return nil, err
	}
	keep(OPMLName, TypeOPML, opml)
	clear(x.files)
	if x.files == nil {
		x.files = make(map[string]*File, len(out))
	}
	for _, f := range out {
		x.files[f.Path] = f
	}
	return out, nil
}
