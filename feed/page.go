package feed

import (
	"bytes"
	"container/list"
	"html/template"
	"sync"
	"time"
)

// Article pages are rendered on demand and kept in a bounded LRU, so that
// serving a large folder never holds every page: at most pageCacheSize pages
// and pageCacheBytes bytes (bodies, gzip copies and their strings, counted by
// capacity). A typical page costs about 10 KB with its gzip copy, so the entry
// bound is the one that binds; the byte bound keeps a cache of large pages
// (articles up to max_file_size) small too. A page costing more than
// pageCacheBytes/pageCacheMaxShare is served without being cached.
const (
	pageCacheSize     = 512
	pageCacheBytes    = 16 << 20
	pageCacheMaxShare = 4
	// pageEntryOverhead approximates what an entry holds beyond its byte
	// slices and strings: the File and its header slices, the list element
	// and the map slot.
	pageEntryOverhead = 768
)

// pageCache is a bounded LRU of rendered article pages, safe for concurrent use.
type pageCache struct {
	mu       sync.Mutex
	max      int // entries
	maxBytes int // sum of the entries' costs
	bytes    int
	ll       *list.List
	items    map[string]*list.Element
}

type pageEntry struct {
	key  string
	f    *File
	cost int
}

// newPageCache returns a cache of at most max pages and pageCacheBytes bytes.
func newPageCache(max int) *pageCache { return newPageCacheBytes(max, pageCacheBytes) }

func newPageCacheBytes(max, maxBytes int) *pageCache {
	return &pageCache{max: max, maxBytes: maxBytes, ll: list.New(), items: make(map[string]*list.Element)}
}

// pageCost is what caching f under key keeps in memory.
func pageCost(key string, f *File) int {
	gz, gzTag := f.Gzip() // made now: the page is cached to be served
	return cap(f.Body) + cap(gz) + len(key) + len(f.Path) + len(f.ETag) + len(gzTag) + len(f.Link) + pageEntryOverhead
}

func (c *pageCache) get(key string) *File {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*pageEntry).f
	}
	return nil
}

func (c *pageCache) put(key string, f *File) {
	cost := pageCost(key, f)
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if cost > c.maxBytes/pageCacheMaxShare {
		// Too large to keep: it would push out many pages.
		if ok {
			c.remove(e)
		}
		return
	}
	if ok {
		pe := e.Value.(*pageEntry)
		c.bytes += cost - pe.cost
		pe.f, pe.cost = f, cost
		c.ll.MoveToFront(e)
	} else {
		c.items[key] = c.ll.PushFront(&pageEntry{key, f, cost})
		c.bytes += cost
	}
	for c.ll.Len() > c.max || c.bytes > c.maxBytes {
		c.remove(c.ll.Back())
	}
}

func (c *pageCache) remove(e *list.Element) {
	pe := e.Value.(*pageEntry)
	c.ll.Remove(e)
	delete(c.items, pe.key)
	c.bytes -= pe.cost
}

const pageCSS = `:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fdfdfc;--muted:#5c6066;--link:#0b57d0;--visited:#6b3fa0;--rule:#e3e3e0;--code:#f3f3f1}
@media (prefers-color-scheme:dark){:root{--fg:#e8e6e3;--bg:#16181c;--muted:#a0a4aa;--link:#8ab4f8;--visited:#c58af9;--rule:#2c2f35;--code:#202329}}
*{box-sizing:border-box}html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1.0625rem/1.65 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:anywhere;text-rendering:optimizeLegibility}
main,header,footer{max-width:42rem;margin:0 auto;padding:0 1.25rem}
header{padding-top:2.2rem}footer{padding:2.5rem 1.25rem 3rem;color:var(--muted);font-size:.9rem}
a{color:var(--link);text-underline-offset:.15em}a:visited{color:var(--visited)}a:focus-visible{outline:2px solid var(--link);outline-offset:2px}
h1,h2,h3{line-height:1.25;letter-spacing:-.01em;text-wrap:balance}h1{font-size:clamp(1.6rem,1.2rem + 2vw,2.2rem);margin:.4rem 0 .6rem}
h2{font-size:1.3rem;margin:1.8rem 0 .4rem}h3{font-size:1.1rem;margin:1.5rem 0 .3rem}p,ul,ol{margin:0 0 1rem}
.meta,.source,figcaption{color:var(--muted);font-size:.92rem}.site a{color:inherit;font-weight:600;text-decoration:none}
ol.articles{list-style:none;padding:0;margin:1.5rem 0}ol.articles li{padding:1.1rem 0;border-top:1px solid var(--rule)}
ol.articles h2{margin:0 0 .2rem}ol.articles h2 a{text-decoration:none}ol.articles h2 a:hover{text-decoration:underline}ol.articles p{margin:.3rem 0 0}
img,video{max-width:100%;height:auto;border-radius:3px}figure{margin:1.5rem 0}figcaption{margin-top:.4rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;background:var(--code);padding:.1em .25em;border-radius:3px}
pre{overflow-x:auto;padding:.9rem 1rem;background:var(--code);border-radius:4px;line-height:1.45}pre code{padding:0;background:none}
blockquote{margin:1.2rem 0;padding-left:1rem;border-left:3px solid var(--rule);color:var(--muted)}hr{border:0;border-top:1px solid var(--rule);margin:2rem 0}
table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto;margin:0 0 1rem}td,th{border:1px solid var(--rule);padding:.35rem .6rem;text-align:left}
.feeds{margin:.8rem 0}.feeds a{display:inline-block;margin:0 .9rem .3rem 0}
@media (max-width:30rem){body{font-size:1rem}}@media print{.feeds{display:none}a{color:inherit}}`

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"date": func(t time.Time) string { return t.UTC().Format("2 January 2006") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="{{with .Site.Language}}{{.}}{{else}}en{{end}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}}</title>
{{with .Description}}<meta name="description" content="{{.}}">
{{end}}<link rel="alternate" type="application/rss+xml" title="{{.Site.Title}} (RSS)" href="{{.Feeds.rss}}">
<link rel="alternate" type="application/atom+xml" title="{{.Site.Title}} (Atom)" href="{{.Feeds.atom}}">
<link rel="alternate" type="application/feed+json" title="{{.Site.Title}} (JSON Feed)" href="{{.Feeds.json}}">
{{range .More}}<link rel="alternate" type="application/rss+xml" title="{{.Title}} (RSS)" href="{{.RSS}}">
<link rel="alternate" type="application/atom+xml" title="{{.Title}} (Atom)" href="{{.Atom}}">
<link rel="alternate" type="application/feed+json" title="{{.Title}} (JSON Feed)" href="{{.JSON}}">
{{end}}{{with .OPML}}<link rel="outline" type="text/x-opml" title="{{$.Site.Title}}: every feed (OPML)" href="{{.}}">
{{end}}<style>{{.CSS}}</style>
</head>
<body>
{{end}}
{{define "feeds"}}<p class="feeds">Subscribe in your feed reader: <a href="{{.Feeds.rss}}" type="application/rss+xml">RSS</a> <a href="{{.Feeds.atom}}" type="application/atom+xml">Atom</a> <a href="{{.Feeds.json}}" type="application/feed+json">JSON Feed</a></p>{{end}}
{{define "index"}}{{template "head" .}}<header>
<h1>{{.Site.Title}}</h1>
<p class="meta">{{.Description}}</p>
{{template "feeds" .}}
</header>
<main>
<ol class="articles">
{{range .Items}}<li><article>
<h2><a href="{{.URL}}">{{.Title}}</a></h2>
<p class="meta"><time datetime="{{iso .Published}}">{{date .Published}}</time>{{with .Authors}} · {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}{{end}}</p>
{{with .Summary}}<p>{{.}}</p>{{end}}
</article></li>
{{else}}<li>No articles yet.</li>
{{end}}</ol>
{{with .More}}<section class="more-feeds">
<h2>More feeds</h2>
<ul>
{{range .}}<li>{{.Name}}: <a href="{{.RSS}}">RSS</a> <a href="{{.Atom}}">Atom</a> <a href="{{.JSON}}">JSON Feed</a></li>
{{end}}</ul>
</section>{{end}}
{{with .OPML}}<p class="feeds">Every feed of this site, to import into a feed reader: <a href="{{.}}" type="text/x-opml">feeds.opml</a></p>{{end}}
</main>
<footer>{{template "feeds" .}}</footer>
</body>
</html>
{{end}}
{{define "article"}}{{template "head" .}}<header>
<p class="meta site"><a href="{{.Home}}">← {{.Site.Title}}</a></p>
</header>
<main>
<article>
<h1>{{.Item.Title}}</h1>
<p class="meta"><time datetime="{{iso .Item.Published}}">{{date .Item.Published}}</time>{{with .Item.Authors}} · {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}{{end}}{{if .Item.Link}} · <a href="{{.Item.Link}}">Link</a>{{end}}</p>
{{.Item.Body}}
{{with .Item.Tags}}<p class="meta">Tags: {{range $i, $t := .}}{{if $i}}, {{end}}{{$t}}{{end}}</p>{{end}}
</article>
</main>
<footer>{{template "feeds" .}}</footer>
</body>
</html>
{{end}}`))

type pageItem struct {
	URL, Title, Summary, Link string
	Published                 time.Time
	Authors, Tags             []string
	Body                      template.HTML
}

type pageData struct {
	Site        *Site
	Title       string
	Description string
	Home        string
	Feeds       map[string]string
	CSS         template.CSS
	Items       []pageItem
	Item        pageItem
	More        []moreFeed // tag and section feeds, on the index page
	OPML        string     // the list of every feed, on the index page
}

// moreFeed links one tag's or section's feeds from the index page.
type moreFeed struct {
	Name, Title, RSS, Atom, JSON string
}

func toPageItem(it *item) pageItem {
	return pageItem{
		URL: it.url, Title: it.title(), Summary: it.summary, Link: it.link,
		Published: it.published, Authors: it.authors, Tags: it.tags,
		Body: template.HTML(it.html), // cleaned by cleanHTML
	}
}

// indexLimit caps the articles the index page lists.
const indexLimit = 100

func renderIndex(s *Site, f *feedSpec, more []*feedSpec) ([]byte, error) {
	d := &pageData{Site: s, Title: f.title, Description: f.description, Home: f.home, Feeds: f.self, CSS: pageCSS, OPML: s.URL(OPMLName)}
	for _, sp := range more {
		d.More = append(d.More, moreFeed{Name: sp.name, Title: sp.title, RSS: sp.self["rss"], Atom: sp.self["atom"], JSON: sp.self["json"]})
	}
	for i, it := range f.items {
		if i == indexLimit {
			break
		}
		d.Items = append(d.Items, toPageItem(it))
	}
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, "index", d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func renderArticle(s *Site, it *item) []byte {
	d := &pageData{Site: s, Title: it.title(), Description: it.summary, Home: s.BaseURL, CSS: pageCSS, Item: toPageItem(it),
		Feeds: map[string]string{"rss": s.URL(RSSName), "atom": s.URL(AtomName), "json": s.URL(JSONName)}}
	var b bytes.Buffer
	b.Grow(articlePageSize(s, it))
	if err := pageTemplates.ExecuteTemplate(&b, "article", d); err != nil {
		// The template and its data types are fixed; a failure is a bug.
		return []byte("<!doctype html><title>error</title><p>This page could not be rendered.</p>")
	}
	return fit(b.Bytes())
}

// articlePageSize estimates the size of an article's page, a little over: the
// fixed part of the template with the CSS and the site's URLs, and what the
// article adds.
func articlePageSize(s *Site, it *item) int {
	n := len(pageCSS) + 1152 + 8*len(s.BaseURL) + len(s.Title) + len(it.html) + 2*len(it.title()) + len(it.summary) + len(it.url) + len(it.link)
	for _, s := range it.authors {
		n += len(s) + 2
	}
	for _, s := range it.tags {
		n += len(s) + 2
	}
	return n
}

// fit returns b, copied when a growing buffer left more than a quarter of it
// spare: a rendered page is kept in the page cache, where its capacity, not its
// length, is what it costs. (Less spare is what rounding an allocation up to
// its size class leaves; a copy would keep it.)
func fit(b []byte) []byte {
	if cap(b)-len(b) > len(b)/4 {
		return bytes.Clone(b)
	}
	return b
}
