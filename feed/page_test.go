package feed

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/net/html"
)

// attr returns an element's attribute value.
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the text inside n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func parsePage(t testing.TB, body []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("html.Parse() error: %v", err)
	}
	return doc
}

func TestIndexPage(t *testing.T) {
	b := buildTxtar(t, testSite(), quirksTree)
	site := b.Site()
	doc := parsePage(t, feedBody(t, b, IndexName))
	type link struct{ typ, href string }
	var alternates []link
	var articles []string
	var titles []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "link" && attr(n, "rel") == "alternate":
				alternates = append(alternates, link{attr(n, "type"), attr(n, "href")})
			case n.Data == "a" && strings.HasPrefix(attr(n, "href"), site.URL("articles/")):
				articles = append(articles, attr(n, "href"))
				titles = append(titles, textOf(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	wantAlt := []link{
		{"application/rss+xml", site.URL(RSSName)},
		{"application/atom+xml", site.URL(AtomName)},
		{"application/feed+json", site.URL(JSONName)},
	}
	if !slices.Equal(alternates, wantAlt) {
		t.Errorf("index autodiscovery links = %+v, want %+v", alternates, wantAlt)
	}
	var wantArticles, wantTitles []string
	for _, a := range b.Articles() {
		wantArticles = append(wantArticles, site.URL(ArticlePath(a.EscapedSlug())))
		wantTitles = append(wantTitles, a.Title)
	}
	if !slices.Equal(articles, wantArticles) || !slices.Equal(titles, wantTitles) {
		t.Errorf("index lists %q %q, want %q %q", articles, titles, wantArticles, wantTitles)
	}
	if body := feedBody(t, b, IndexName); bytes.Contains(body, []byte("<b> &")) {
		t.Errorf("index holds an unescaped title")
	}

	empty := mustBuild(t, testSite(), nil)
	if body := feedBody(t, empty, IndexName); !bytes.Contains(body, []byte("No articles yet.")) || !bytes.Contains(body, []byte(`type="application/rss+xml"`)) {
		t.Errorf("empty index = %s, want the feeds and \"No articles yet.\"", body)
	}
}

func TestArticlePage(t *testing.T) {
	built := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	b := buildTxtarAt(t, testSite(), quirksTree, built)
	for _, a := range b.Articles() {
		t.Run(a.Path, func(t *testing.T) {
			f := b.Page(a)
			// A first build dates every page by its start: that is when
			// the page's bytes appeared, whatever the article's dates say.
			if f.ContentType != TypeHTML || !f.ModTime.Equal(built) {
				t.Errorf("Page(%s) ContentType, ModTime = %q, %v; want %q, %v", a.Path, f.ContentType, f.ModTime, TypeHTML, built)
			}
			if again := b.Page(a); again != f {
				t.Errorf("Page(%s) twice = two files, want the cached one", a.Path)
			}
			if got, ok := b.Lookup("articles/" + a.Slug + "/index.html"); !ok || !bytes.Equal(got.Body, f.Body) {
				t.Errorf("Lookup(articles/%s/index.html) = %v, want the page", a.Slug, ok)
			}
			doc := parsePage(t, f.Body)
			var h1 string
			var walk func(*html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode && n.Data == "h1" && h1 == "" {
					h1 = textOf(n)
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)
			if h1 != a.Title {
				t.Errorf("Page(%s) <h1> = %q, want %q", a.Path, h1, a.Title)
			}
		})
	}
}

// TestPageCacheBounded renders more pages than the cache holds.
func TestPageCacheBounded(t *testing.T) {
	c := newPageCache(3)
	for i := range 10 {
		c.put(string(rune('a'+i)), &File{Path: string(rune('a' + i))})
	}
	if c.ll.Len() != 3 || len(c.items) != 3 {
		t.Errorf("pageCache(3) after 10 puts holds %d/%d, want 3", c.ll.Len(), len(c.items))
	}
	if c.get("a") != nil || c.get("j") == nil {
		t.Errorf("pageCache(3): want the oldest evicted and the newest kept")
	}
}

// checkPageCache checks the cache's count of bytes against its entries and
// both of its bounds.
func checkPageCache(t *testing.T, c *pageCache) {
	t.Helper()
	sum := 0
	for e := c.ll.Front(); e != nil; e = e.Next() {
		pe := e.Value.(*pageEntry)
		if c.items[pe.key] != e {
			t.Errorf("pageCache: entry %q is in the list but not in the map", pe.key)
		}
		sum += pe.cost
	}
	if c.bytes != sum || len(c.items) != c.ll.Len() {
		t.Errorf("pageCache counts %d bytes, %d entries; entries hold %d bytes, %d in the list", c.bytes, len(c.items), sum, c.ll.Len())
	}
	if c.ll.Len() > c.max || c.bytes > c.maxBytes {
		t.Errorf("pageCache holds %d pages, %d bytes; bounds %d, %d", c.ll.Len(), c.bytes, c.max, c.maxBytes)
	}
}

// TestPageCacheBoundedBytes fills a cache whose byte bound binds before its
// entry bound, and offers it pages too large to keep.
func TestPageCacheBoundedBytes(t *testing.T) {
	page := func(i, n int) (string, *File) {
		return fmt.Sprint("k", i), &File{Path: fmt.Sprint("articles/", i, "/index.html"), Body: make([]byte, n)}
	}
	k0, f0 := page(0, 10_000)
	cost := pageCost(k0, f0)
	c := newPageCacheBytes(100, cost*11/2) // room for five such pages
	for i := range 10 {
		c.put(page(i, 10_000))
		checkPageCache(t, c)
	}
	if c.ll.Len() != 5 {
		t.Errorf("pageCache(%d bytes) after 10 puts of %d bytes holds %d pages, want 5", c.maxBytes, cost, c.ll.Len())
	}
	if c.get("k4") != nil || c.get("k5") == nil || c.get("k9") == nil {
		t.Errorf("pageCache: want the oldest pages evicted and the newest kept")
	}

	// A page costing more than a quarter of the bound is served, not kept,
	// and pushes nothing out.
	kb, big := page(100, c.maxBytes/pageCacheMaxShare)
	c.put(kb, big)
	checkPageCache(t, c)
	if c.get(kb) != nil || c.ll.Len() != 5 {
		t.Errorf("pageCache kept a page of %d bytes (bound %d): %d pages", pageCost(kb, big), c.maxBytes, c.ll.Len())
	}
	// A cached page replaced by a version too large to keep is dropped.
	_, grown := page(9, c.maxBytes)
	c.put("k9", grown)
	checkPageCache(t, c)
	if c.get("k9") != nil {
		t.Errorf("pageCache kept k9 grown to %d bytes", len(grown.Body))
	}
	// Replacing a page with a smaller version counts its new size.
	_, small := page(8, 100)
	c.put("k8", small)
	checkPageCache(t, c)
	if c.get("k8") != small {
		t.Errorf("pageCache.get(k8) is not the version put last")
	}
}

// TestArticlePageSize renders small and large pages: each fits its buffer
// (the cache pays for capacity), and a bundle keeps only pages within the
// cache's share.
func TestArticlePageSize(t *testing.T) {
	para := strings.Repeat("The council met again on Tuesday to discuss the bridge. ", 40)
	tree := quirksTree + "-- big.txt --\nA very long report\nDate: 2026-09-03\n\n" + strings.Repeat(para+"\n\n", 60)
	b := buildTxtar(t, testSite(), tree)
	for _, a := range b.Articles() {
		it := newItem(&b.site, a, nil)
		body := renderArticle(&b.site, it)
		if spare := cap(body) - len(body); spare > len(body)/4 {
			t.Errorf("renderArticle(%s): %d bytes with %d spare, want at most a quarter", a.Path, len(body), spare)
		}
	}
	var bigArt *content.Article
	for _, a := range b.Articles() {
		if a.Path == "big.txt" {
			bigArt = a
		}
	}
	if bigArt == nil {
		t.Fatal("big.txt is not among the articles")
	}
	big := b.Page(bigArt)
	if len(big.Body) < len(para)*60 {
		t.Fatalf("Page(big.txt) is %d bytes, want the whole text", len(big.Body))
	}
	// A cache whose largest entry is smaller than the big page renders it on
	// each request, and still keeps the small pages.
	b.pages = newPageCacheBytes(pageCacheSize, len(big.Body)*8/10*pageCacheMaxShare)
	if again := b.Page(bigArt); again == big || !bytes.Equal(again.Body, big.Body) || b.Page(bigArt) == again {
		t.Errorf("Page(big.txt) with a cache of %d bytes: want the same bytes, rendered again each time", b.pages.maxBytes)
	}
	for _, a := range b.Articles() {
		if first := b.Page(a); a != bigArt && first != b.Page(a) {
			t.Errorf("Page(%s) twice = two files, want the cached one", a.Path)
		}
	}
	checkPageCache(t, b.pages)
}
