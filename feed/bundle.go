package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/klauspost/compress/gzip"
)

// Content types of the files a bundle holds.
const (
	TypeRSS  = "application/rss+xml; charset=utf-8"
	TypeAtom = "application/atom+xml; charset=utf-8"
	TypeJSON = "application/feed+json; charset=utf-8"
	TypeHTML = "text/html; charset=utf-8"
)

// The feed file names, relative to the base URL.
const (
	RSSName   = "rss.xml"
	AtomName  = "atom.xml"
	JSONName  = "feed.json"
	IndexName = "index.html"
)

// File is one output file: its bytes, a gzip copy and the headers to serve it with.
type File struct {
	// Path is relative to the base URL: "rss.xml", "index.html", "articles/x/index.html".
	Path        string
	ContentType string
	Body        []byte
	ETag        string // strong, quoted, from a hash of Body
	// ModTime is when Body last changed, in whole seconds (see [Builder]):
	// the Last-Modified the file is served with. The zero time means
	// unknown: no Last-Modified, and If-Modified-Since is not honoured.
	ModTime time.Time
	// Link is the value of a Link header to send with the file (WebSub's
	// rel="hub" and rel="self"), or "".
	Link string

	hdrOnce sync.Once
	hdr     fileHeaders // built on first use, after Link is set

	gzOnce sync.Once
	gz     atomic.Pointer[gzipped] // made on first use (see Gzip), or kept from an earlier run
}

// gzipped is the gzip copy of a file's body and its ETag.
type gzipped struct {
	body []byte
	etag string
}

// Gzip returns the gzip copy of the body, for Accept-Encoding: gzip and
// nginx's gzip_static, and its strong ETag. It is compressed on first use,
// not when the file is made: a build makes tens of documents, of which a
// change's first reader asks for one; the static output and the bucket
// compress what they write, beside serving. Safe for concurrent use:
// readers that ask at once wait for one compression.
func (f *File) Gzip() (body []byte, etag string) {
	g := f.gz.Load()
	if g == nil {
		f.gzOnce.Do(func() {
			if f.gz.Load() == nil {
				gz := fit(gzipBytes(f.Body))
				f.gz.Store(&gzipped{body: gz, etag: etagOf(gz)})
			}
		})
		g = f.gz.Load()
	}
	return g.body, g.etag
}

// detached returns a copy of f that shares its body, and its gzip copy if
// it was made, and keeps a gzip copy made later to itself. The static
// output and the bucket make the gzip copies of the feeds they publish on
// detached copies: the bundle's files serve a feed's copy once a reader
// asks for one, and do not keep one for each of hundreds of tag feeds (20
// MB at 100,000 articles).
func (f *File) detached() *File {
	d := &File{Path: f.Path, ContentType: f.ContentType, Body: f.Body, ETag: f.ETag, ModTime: f.ModTime, Link: f.Link}
	if g := f.gzipDone(); g != nil {
		d.gz.Store(g)
	}
	return d
}

// gzipDone returns the gzip copy of the body if it was made, else nil.
func (f *File) gzipDone() *gzipped { return f.gz.Load() }

// fileHeaders are a file's response header values, made once, so that
// serving a file allocates no header strings. The slices are shared by
// every response and must never be appended to or modified.
type fileHeaders struct {
	ctype, link, lastMod []string
	etag, length         []string // plain
	gzEtag, gzLength     []string // gzip
	modSecond            time.Time
}

func (f *File) headers() *fileHeaders {
	f.hdrOnce.Do(func() {
		one := func(s string) []string { return []string{s} }
		gz, gzTag := f.Gzip()
		f.hdr = fileHeaders{
			ctype:     one(f.ContentType),
			lastMod:   one(f.ModTime.UTC().Format(http.TimeFormat)),
			etag:      one(f.ETag),
			length:    one(strconv.Itoa(len(f.Body))),
			gzEtag:    one(gzTag),
			gzLength:  one(strconv.Itoa(len(gz))),
			modSecond: f.ModTime.Truncate(time.Second),
		}
		if f.Link != "" {
			f.hdr.link = one(f.Link)
		}
	})
	return &f.hdr
}

func newFile(p, ctype string, body []byte, mod time.Time) *File {
	// A file is kept for as long as it is served: not with the spare room
	// of the buffers it was written into (the feeds of 64 tags kept 63 MB
	// of buffers for 51 MB of bytes).
	f := &File{Path: p, ContentType: ctype, Body: fit(body), ModTime: mod.UTC()}
	f.ETag = etagOf(body)
	return f
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// gzipBytes compresses deterministically (no name, no time in the header).
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	// Time 0 says "none". This package writes the zero time.Time as the
	// low 32 bits of its Unix seconds (a date in 2042); the standard
	// library writes 0.
	zw.ModTime = time.Unix(0, 0)
	_, _ = zw.Write(b)
	_ = zw.Close()
	zw.Reset(nil)
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// gzipWriters reuses compressors: making one allocates about a megabyte of
// state, more than compressing a typical page costs.
//
// klauspost/compress at level 6, not compress/gzip: over the gzip copies of
// a build's pages, feeds and archive documents it compresses 2.5 times as
// fast (134 against 54 MB/s here) into 2 % more bytes (0.251 of the text
// against 0.246), and the gzip copies were 40 % of the CPU of a build that
// writes them all. Its output is as deterministic as the standard
// library's, for one version of the module.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzipLevel)
	return zw
}}

// gzipLevel is the compression level of the gzip copies.
const gzipLevel = 6

// feedSpec is one set of three feeds over a list of items: the site's main
// feeds, or those of one tag or section.
type feedSpec struct {
	prefix                       string // "" or "tags/<slug>/" (unescaped), where the files live
	name                         string // the tag or section as people read it; "" for the main set
	id, title, description, home string
	self                         map[string]string  // "rss", "atom", "json" -> absolute URL
	arts                         []*content.Article // the articles it holds, newest first
	items                        []*item            // their items, made when rendered
	hist                         *history           // its place in an archive chain; nil: none
}

// Bundle is an immutable build: the feeds and index page as bytes, and the
// articles whose pages it renders on demand. A Bundle is safe for concurrent use.
type Bundle struct {
	site     Site
	files    map[string]*File // by path relative to the base URL
	articles []*content.Article
	bySlug   slugList // the same articles, by (unescaped) slug, with their page times
	feeds    []*File  // every feed and index file, in write order
	pages    *pageCache
	updated  time.Time
	src      fs.FS      // the content folder: bodies not kept and media files; nil: neither
	base     string     // the base URL's path, ending in "/"
	baseEsc  string     // the same, escaped, for Location headers
	link     *deltaLink // this bundle's place in its Builder's chain
	pageKey  string     // what every page depends on besides its article
	// archives are the archive documents' layouts of the feed sets that
	// have any, by prefix: rendered on demand (archive.go).
	archives map[string]*archiveSet
	// restored marks a bundle of the feeds an earlier run saved
	// ([Builder.Restored]): it holds no articles, so what it lacks is not
	// known to be missing.
	restored bool
}

// feedID is the Atom feed id: the base URL, which the site keeps forever.
func (s *Site) feedID() string { return s.BaseURL }

// Site returns the bundle's site settings (with the base URL normalized).
func (b *Bundle) Site() Site { return b.site }

// Updated returns the newest item's updated time (a fixed time when empty).
func (b *Bundle) Updated() time.Time { return b.updated }

// Len returns the number of articles the bundle publishes pages for.
func (b *Bundle) Len() int { return len(b.articles) }

// Feeds returns every file of the bundle but the article pages and the
// archive documents: the current feeds of each tag and section, the
// stylesheet and discovery documents (sitemaps, robots.txt, feeds.opml,
// favicon.ico), the index page and the main feeds, in that fixed order: the
// order the static writer uses (after the archive documents), main feeds
// last. The archive documents are rendered on demand: [Bundle.Lookup]
// finds them, [Bundle.Archives] lists them.
func (b *Bundle) Feeds() []*File { return b.feeds }

// Archives returns the paths of the archive documents (RFC 5005), relative
// to the base URL, feed set by feed set, oldest first. [Bundle.Lookup]
// renders each.
func (b *Bundle) Archives() []string {
	var out []string
	for _, set := range b.archiveSets() {
		for i := range set.docs {
			for k := range formats {
				out = append(out, set.path(i, k))
			}
		}
	}
	return out
}

// Lookup returns the file at a path relative to the base URL (unescaped, as in
// a request's URL.Path): a feed, "" or "index.html" for the index, or
// "articles/<slug>/" (or ".../index.html") for an article page. ok is false
// when there is no such file.
func (b *Bundle) Lookup(rel string) (f *File, ok bool) {
	switch rel {
	case "", IndexName:
		return b.files[IndexName], true
	}
	if f, ok := b.files[rel]; ok {
		return f, true
	}
	if set, i, k, ok := b.lookupArchive(rel); ok {
		f, err := b.archiveFile(set, i, k)
		return f, err == nil
	}

	slug, ok := strings.CutPrefix(rel, "articles/")
	if !ok {
		return nil, false
	}
	if s, ok := strings.CutSuffix(slug, "/index.html"); ok {
		slug = s
	} else if s, ok := strings.CutSuffix(slug, "/"); ok {
		slug = s
	} else {
		return nil, false
	}
	p, ok := b.bySlug.find(slug)
	if !ok {
		return nil, false
	}
	return b.page(b.bySlug.at(p)), true
}

// Alias returns the path (relative to the base URL) that an old feed URL
// such as "index.xml" or "feed/" redirects to.
func (b *Bundle) Alias(rel string) (string, bool) {
	t, ok := b.site.Aliases[rel]
	return t, ok
}

// Assets returns the media files an article references by relative path
// (its image and the images, audio and video in its body) that exist in the
// content folder, deduplicated, in reference order.
func (b *Bundle) Assets(a *content.Article) []Asset {
	if b.src == nil {
		return nil
	}
	body, _ := a.Body.Read(b.src)
	return b.assetsFrom(a, body.HTML())
}

// assetsFrom is Assets with the article's body already rendered (raw).
func (b *Bundle) assetsFrom(a *content.Article, body string) []Asset {
	if b.src == nil {
		return nil
	}
	var out []Asset
	seen := make(map[string]bool)
	for _, ref := range append([]string{a.Image}, mediaRefs(body)...) {
		if as, ok := assetFor(b.src, a, ref); ok && !seen[as.URLPath] {
			seen[as.URLPath] = true
			out = append(out, as)
		}
	}
	return out
}

// LookupAsset finds the media file served at rel (relative to the base URL,
// unescaped): "articles/<slug>/<ref>" for an article that references it.
func (b *Bundle) LookupAsset(rel string) (Asset, bool) {
	if b.src == nil || MediaType(rel) == "" {
		return Asset{}, false
	}
	rest, ok := strings.CutPrefix(rel, "articles/")
	if !ok {
		return Asset{}, false
	}
	// The article is the longest slug that is a prefix of the path.
	for i := len(rest) - 1; i > 0; i-- {
		if rest[i] != '/' {
			continue
		}
		a, ok := b.article(rest[:i])
		if !ok {
			continue
		}
		for _, as := range b.Assets(a) {
			if as.URLPath == rel {
				return as, true
			}
		}
	}
	return Asset{}, false
}

// OpenAsset opens a media file of the content folder.
func (b *Bundle) OpenAsset(as Asset) (fs.File, error) { return b.src.Open(as.File) }

// HasArticle reports whether slug (unescaped) names an article page, so that
// "articles/<slug>" can be redirected to "articles/<slug>/".
func (b *Bundle) HasArticle(slug string) bool {
	_, ok := b.article(slug)
	return ok
}

// article finds the article whose slug (unescaped) is given.
func (b *Bundle) article(slug string) (*content.Article, bool) {
	p, ok := b.bySlug.find(slug)
	if !ok {
		return nil, false
	}
	return b.bySlug.article(p), true
}

// Page returns the rendered page of an article, from the cache when it can.
// Its ModTime is when the page last changed, for an article of the bundle.
func (b *Bundle) Page(a *content.Article) *File {
	var since int64
	if p, ok := b.bySlug.find(a.Slug); ok {
		if at, t := b.bySlug.at(p); keyFor(at) == keyFor(a) {
			since = t
		}
	}
	return b.page(a, since)
}

// page returns the page of an article whose page last changed at since
// (Unix seconds; 0 when unknown). The time is part of the cache key: an
// article edited and then put back as it was has the same version, but a
// later time.
func (b *Bundle) page(a *content.Article, since int64) *File {
	k := keyFor(a)
	key := fmt.Sprint(k.path, "\x00", k.hash, "\x00", k.id, "\x00", k.published, "\x00", k.updated, "\x00", k.media, "\x00", since)
	if f := b.pages.get(key); f != nil {
		return f
	}
	it := newItem(&b.site, a, b.src)
	body := renderArticle(&b.site, it)
	mod := unixTime(since)
	if it.partial {
		// A stand-in for a body that could not be read: the next rendering
		// will differ under the same time, so this one gets none.
		mod = time.Time{}
	}
	f := newFile(ArticlePath(a.EscapedSlug())+IndexName, TypeHTML, body, mod)
	if !it.partial {
		b.pages.put(key, f)
	}
	return f
}

// Articles returns every article the bundle has a page for, newest first.
// The slice must not be modified.
func (b *Bundle) Articles() []*content.Article { return b.articles }

// PagePath returns the path of an article's page file relative to the base
// URL, as the static writer lays it out: "articles/<slug>/index.html", with
// the slug unescaped (a file name may hold any character).
func PagePath(a *content.Article) string { return "articles/" + a.Slug + "/" + IndexName }

// isHTTPURL reports whether s is an absolute http(s) URL.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
