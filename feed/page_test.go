package feed

import (
	"bytes"
	"slices"
	"strings"
	"testing"

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
	b := buildTxtar(t, testSite(), quirksTree)
	for _, a := range b.Articles() {
		t.Run(a.Path, func(t *testing.T) {
			f := b.Page(a)
			if f.ContentType != TypeHTML || !f.ModTime.Equal(a.Updated) {
				t.Errorf("Page(%s) ContentType, ModTime = %q, %v; want %q, %v", a.Path, f.ContentType, f.ModTime, TypeHTML, a.Updated)
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
