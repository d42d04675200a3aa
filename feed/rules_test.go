package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// One test per validator rule dropfeed relies on; docs/feeds.md says what
// each rule is and why it holds. Each builds the fixture trees, or a tree made
// to break the rule, and checks every output the rule applies to.

// parseArticle parses one article file with the fixture options, or fails.
func parseArticle(t testing.TB, path, src string, opts content.Options) *content.Article {
	t.Helper()
	a, err := content.Parse(path, []byte(src), testModTime, opts)
	if err != nil {
		t.Fatalf("content.Parse(%s) error: %v", path, err)
	}
	return a
}

// allTrees builds the fixture and quirks trees.
func allTrees(t testing.TB) []*Bundle {
	t.Helper()
	return []*Bundle{buildTxtar(t, testSite(), fixturesTree), buildTxtar(t, testSite(), quirksTree)}
}

func TestRuleRSSNoAuthorElement(t *testing.T) {
	for _, b := range allTrees(t) {
		body := feedBody(t, b, RSSName)
		if bytes.Contains(body, []byte("<author>")) || bytes.Contains(body, []byte("<managingEditor>")) {
			t.Errorf("RSS has <author> or <managingEditor> (E InvalidContact without an e-mail address):\n%s", body)
		}
		d := decodeRSS(t, body)
		for i, it := range d.Channel.Items {
			a := b.Articles()[i]
			if len(it.Authors) != 0 || !slices.Equal(it.Creators, a.Authors) {
				t.Errorf("RSS item %s: author, dc:creator = %q, %q; want none, %q", a.Path, it.Authors, it.Creators, a.Authors)
			}
		}
	}
}

var rssDateRE = regexp.MustCompile(`^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$`)

// checkRSSDate checks an RFC 822 date: four-digit year, +0000, the right weekday.
func checkRSSDate(t *testing.T, where, s string, want time.Time) {
	t.Helper()
	if !rssDateRE.MatchString(s) {
		t.Errorf("%s = %q, want an RFC 822 date in +0000", where, s)
		return
	}
	got, err := time.Parse(time.RFC1123Z, s)
	if err != nil || !got.Equal(want) {
		t.Errorf("%s = %q (%v), want %v", where, s, err, want.UTC())
	}
	// time.Parse ignores the weekday; formatting again checks it.
	if got.UTC().Format(time.RFC1123Z) != s {
		t.Errorf("%s = %q, want weekday %s", where, s, got.UTC().Weekday())
	}
}

func TestRuleRSSPubDate(t *testing.T) {
	for _, b := range allTrees(t) {
		body := feedBody(t, b, RSSName)
		var d struct {
			Channel struct {
				PubDate       string `xml:"pubDate"`
				LastBuildDate string `xml:"lastBuildDate"`
				Items         []struct {
					PubDate string `xml:"pubDate"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		checkRSSDate(t, "channel lastBuildDate", d.Channel.LastBuildDate, b.Updated())
		checkRSSDate(t, "channel pubDate", d.Channel.PubDate, b.Articles()[0].Published)
		for i, it := range d.Channel.Items {
			a := b.Articles()[i]
			checkRSSDate(t, "item "+a.Path+" pubDate", it.PubDate, a.Published)
		}
	}
	// Offsets that are not whole hours, and a date whose weekday differs in UTC.
	for _, tc := range []struct{ date, want string }{
		{"2026-09-01T12:00:00+05:45", "Tue, 01 Sep 2026 06:15:00 +0000"},
		{"2026-09-02T08:00:00-09:30", "Wed, 02 Sep 2026 17:30:00 +0000"},
		{"2026-03-01T01:30:00+03:00", "Sat, 28 Feb 2026 22:30:00 +0000"},
		{"2028-02-29T23:59:59-00:01", "Wed, 01 Mar 2028 00:00:59 +0000"},
	} {
		a := parseArticle(t, "d.md", "---\ntitle: Dated\ndate: "+tc.date+"\n---\nBody.\n", testOptions())
		b := mustBuild(t, testSite(), []*content.Article{a})
		d := decodeRSS(t, feedBody(t, b, RSSName))
		if got := d.Channel.Items[0].PubDate; got != tc.want {
			t.Errorf("Build(date %s) RSS pubDate = %q, want %q", tc.date, got, tc.want)
		}
	}
}

// elementOrder returns the local names of the children of every RSS item, in order.
func rssItemChildren(t testing.TB, body []byte) [][]string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	var items [][]string
	depth, itemDepth := 0, -1
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return items
		}
		if err != nil {
			t.Fatalf("xml token: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if tok.Name.Local == "item" {
				itemDepth = depth
				items = append(items, nil)
			} else if itemDepth >= 0 && depth == itemDepth+1 {
				items[len(items)-1] = append(items[len(items)-1], tok.Name.Local)
			}
		case xml.EndElement:
			if depth == itemDepth {
				itemDepth = -1
			}
			depth--
		}
	}
}

func TestRuleRSSDescriptionBeforeContent(t *testing.T) {
	for _, b := range allTrees(t) {
		for i, names := range rssItemChildren(t, feedBody(t, b, RSSName)) {
			d, c := slices.Index(names, "description"), slices.Index(names, "encoded")
			if d < 0 || (c >= 0 && c < d) {
				t.Errorf("RSS item %s children = %v, want description, then content:encoded if any", b.Articles()[i].Path, names)
			}
		}
	}
}

func TestRuleNoCDATA(t *testing.T) {
	for _, b := range allTrees(t) {
		for _, name := range []string{RSSName, AtomName} {
			if body := feedBody(t, b, name); bytes.Contains(body, []byte("<![CDATA[")) {
				t.Errorf("%s holds a CDATA section; want escaped text:\n%s", name, body)
			}
		}
	}
}

// illegalXMLRune reports runes XML 1.0 forbids or discourages, and U+FFFD,
// which only ever stands for something lost.
func illegalXMLRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7F, r >= 0x80 && r <= 0x9F:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r >= 0xFDD0 && r <= 0xFDEF:
		return true
	case r == 0xFFFD, r == 0xFFFE, r == 0xFFFF:
		return true
	}
	return false
}

// checkClean fails when b is not UTF-8 or holds an illegal rune.
func checkClean(t *testing.T, where string, b []byte) {
	t.Helper()
	if !utf8.Valid(b) {
		t.Errorf("%s is not valid UTF-8", where)
	}
	if i := bytes.IndexFunc(b, illegalXMLRune); i >= 0 {
		r, _ := utf8.DecodeRune(b[i:])
		t.Errorf("%s holds %U at byte %d: …%q…", where, r, i, b[max(0, i-30):min(len(b), i+30)])
	}
}

// checkXMLTokens decodes every token of an XML document (encoding/xml refuses
// illegal characters, even as character references) and checks the decoded
// text and attributes.
func checkXMLTokens(t *testing.T, where string, body []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("%s does not parse as XML: %v", where, err)
			return
		}
		switch tok := tok.(type) {
		case xml.CharData:
			checkClean(t, where+" text", tok)
		case xml.StartElement:
			for _, a := range tok.Attr {
				checkClean(t, where+" attribute "+a.Name.Local, []byte(a.Value))
			}
		}
	}
}

// checkJSONStrings decodes a JSON document and checks every string in it.
func checkJSONStrings(t *testing.T, where string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s does not parse as JSON: %v", where, err)
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			checkClean(t, where+" string", []byte(v))
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				checkClean(t, where+" key", []byte(k))
				walk(e)
			}
		}
	}
	walk(v)
}

// bundleOutputs returns every output of a bundle by path: the feeds, the
// index and every article page.
func bundleOutputs(t testing.TB, b *Bundle) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range b.Feeds() {
		out[f.Path] = f.Body
	}
	for _, a := range b.Articles() {
		out[PagePath(a)] = b.Page(a).Body
	}
	return out
}

func TestRuleXMLIllegalChars(t *testing.T) {
	const bad = "\x0b\u0085\uFFFE\uFFFD"
	opts := testOptions()
	opts.UnsafeHTML = true
	var arts []*content.Article
	// Through the files: the content package drops them as it decodes.
	arts = append(arts, parseArticle(t, "raw.md", "---\ntitle: \"Raw"+bad+" title\"\ndate: 2026-05-01T10:00:00Z\nauthor: \"Ann"+bad+"\"\ntags: [\"t"+bad+"\"]\n---\nBody"+bad+" text.\n", opts))
	arts = append(arts, parseArticle(t, "raw.txt", "Text"+bad+" title\nDate: 2026-05-02 10:00\n\nBody"+bad+" text.\n", opts))
	// As character references in the body, which survive Markdown and reach the HTML parser.
	arts = append(arts, parseArticle(t, "refs.md", "---\ntitle: Refs\ndate: 2026-05-03T10:00:00Z\n---\nA&#11;b &#xFFFE;c &#xFFFD;d &#0;e &#x85;f &#x1F;g\n\n<p title=\"x&#11;y&#xFFFE;\">raw&#x0C;html</p>\n", opts))
	// (An article's fields are clean as content returns them, which its
	// own tests check; feed writes them as they are.) The site's settings
	// are feed's own input, which it cleans.
	site := testSite()
	site.Title = "Site" + bad + " title"
	site.Description = "Desc" + bad + "ription"
	site.Author = "Desk" + bad
	site.Language = "en" + bad
	b := mustBuild(t, site, arts)
	for path, body := range bundleOutputs(t, b) {
		checkClean(t, path, body)
		switch {
		case strings.HasSuffix(path, ".xml"):
			checkXMLTokens(t, path, body)
		case strings.HasSuffix(path, ".json"):
			checkJSONStrings(t, path, body)
		}
	}
	if got := decodeRSS(t, feedBody(t, b, RSSName)).Channel.Title; got != "Site title" {
		t.Errorf("RSS channel title = %q, want %q (illegal characters dropped, not replaced)", got, "Site title")
	}
	for _, it := range decodeRSS(t, feedBody(t, b, RSSName)).Channel.Items {
		if strings.HasPrefix(it.Title, "Raw") && it.Title != "Raw title" {
			t.Errorf("RSS item title = %q, want %q (illegal characters dropped, not replaced)", it.Title, "Raw title")
		}
	}
}

// htmlURLAttrs are the attributes whose values are URLs (srcset a list of them).
var htmlURLAttrs = []string{"href", "src", "srcset", "poster", "cite", "data", "action", "longdesc", "background"}

// htmlPayloads returns every HTML fragment of the three feeds: RSS
// description and content:encoded, Atom content and html summaries, JSON
// content_html.
func htmlPayloads(t testing.TB, b *Bundle) map[string]string {
	t.Helper()
	out := map[string]string{}
	for i, it := range decodeRSS(t, feedBody(t, b, RSSName)).Channel.Items {
		out[fmt.Sprintf("rss description %d", i)] = it.Description
		out[fmt.Sprintf("rss content %d", i)] = it.Content
	}
	for i, e := range decodeAtom(t, feedBody(t, b, AtomName)).Entries {
		if e.Content != nil && e.Content.Type == "html" {
			out[fmt.Sprintf("atom content %d", i)] = e.Content.Text
		}
		if e.Summary != nil && e.Summary.Type == "html" {
			out[fmt.Sprintf("atom summary %d", i)] = e.Summary.Text
		}
	}
	for i, it := range *decodeJSON(t, feedBody(t, b, JSONName)).Items {
		out[fmt.Sprintf("json content_html %d", i)] = it.ContentHTML
	}
	return out
}

// walkHTML calls fn for every element of an HTML fragment.
func walkHTML(t testing.TB, fragment string, fn func(n *html.Node)) {
	t.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		t.Fatalf("html.ParseFragment() error: %v", err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			fn(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// relativeTree is a Markdown article with raw HTML that uses every kind of
// URL attribute, relative in every way.
const relativeTree = `
-- guides/2026-04-01-relative.md --
---
title: Relative everything
date: 2026-04-01T09:00:00Z
image: ../shared/cover.jpg
---

A [sibling](notes/), a [parent](../), a [root](/about/), a [fragment](#top),
a [scheme-relative](//cdn.example.net/x), a [query](?page=2) and ![an image](pic.png).

<img src="a.png" srcset="a-1x.png 1x, ../a-2x.png 2x, /a-3x.png 3x">

<p><video poster="poster.jpg" src="clip.mp4"><source src="clip.webm" srcset="s.webm"></video></p>

<blockquote cite="source.html"><p>Quoted.</p></blockquote>

<p><picture><source srcset="wide.png 800w, narrow.png 400w"><img src="narrow.png" longdesc="desc.html"></picture></p>

<table background="bg.png"><tr><td>cell</td></tr></table>
`

func TestRuleNoRelativeURLs(t *testing.T) {
	opts := testOptions()
	opts.UnsafeHTML = true
	arts := loadArticles(t, txtarFS(t, relativeTree), opts)
	arts = append(arts, loadArticles(t, txtarFS(t, quirksTree), testOptions())...)
	for _, site := range []Site{testSite(), {Title: "Under a path", BaseURL: "https://x.example/news/"}} {
		b := mustBuild(t, site, arts)
		check := func(where, v string) {
			t.Helper()
			if !isAbsHTTP(v) {
				t.Errorf("%s: URL %q is not absolute", where, v)
			}
		}
		checkNode := func(where string) func(*html.Node) {
			return func(n *html.Node) {
				for _, a := range n.Attr {
					switch {
					case a.Key == "srcset":
						for c := range strings.SplitSeq(a.Val, ",") {
							check(where+" "+n.Data+" srcset", strings.Fields(c)[0])
						}
					case slices.Contains(htmlURLAttrs, a.Key):
						check(where+" "+n.Data+" "+a.Key, a.Val)
					}
				}
			}
		}
		n := 0
		for where, fragment := range htmlPayloads(t, b) {
			walkHTML(t, fragment, checkNode(site.BaseURL+" "+where))
			n++
		}
		for path, body := range bundleOutputs(t, b) {
			if strings.HasSuffix(path, ".html") {
				walkHTML(t, string(body), checkNode(site.BaseURL+" "+path))
			}
		}
		rel := b.Articles()[len(b.Articles())-1]
		if rel.Path != "guides/2026-04-01-relative.md" {
			t.Fatalf("oldest article = %s, want the relative one", rel.Path)
		}
		body := string(b.Page(rel).Body)
		bs := b.Site()
		u, err := url.Parse(bs.BaseURL)
		if err != nil {
			t.Fatal(err)
		}
		root := u.Scheme + "://" + u.Host + "/"
		page := bs.URL("articles/guides/2026-04-01-relative/")
		for _, want := range []string{
			page + "notes/", bs.URL("articles/guides/"), root + "about/", page + "#top",
			"https://cdn.example.net/x", page + "?page=2", page + "pic.png", page + "a-1x.png 1x",
			bs.URL("articles/guides/a-2x.png") + " 2x", root + "a-3x.png 3x", page + "poster.jpg",
			page + "clip.mp4", page + "source.html", page + "wide.png 800w", page + "desc.html", page + "bg.png",
		} {
			if !strings.Contains(body, `"`+want+`"`) && !strings.Contains(body, want+",") && !strings.Contains(body, ", "+want) {
				t.Errorf("article page under %s: want %q in the body:\n%s", site.BaseURL, want, body)
			}
		}
		if n == 0 {
			t.Errorf("no HTML payloads found")
		}
	}
}

// maliciousBody is raw HTML in Markdown, built with UnsafeHTML, that tries
// every way of running script or restyling the reader.
const maliciousBody = `---
title: Hostile markup
date: 2026-06-01T12:00:00Z
---

Hello <script>alert(1)</script> <b onclick="alert(2)" style="color:red">bold</b>
<a href="javascript:alert(3)">js</a> <a href=" JaVaScRiPt:alert(4)">js2</a>
<a href="jav&#x09;ascript:alert(5)">js3</a> <a href="vbscript:msgbox(6)">vb</a>
<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==">data</a>
<img src="x.png" onerror="alert(8)"> <span style="position:fixed">fixed</span>

<div onclick="alert(9)" style="display:none"><a href="javascript:alert(10)">top-level</a></div>

<img src="javascript:alert(11)" onload="alert(12)">

<iframe src="https://evil.example/"></iframe>

<object data="evil.swf"></object><embed src="evil.swf">

<svg onload="alert(13)"><script>alert(14)</script></svg>

<math><mtext><script>alert(15)</script></mtext></math>

<form action="javascript:alert(16)"><input onfocus="alert(17)" autofocus></form>

<style>body{display:none}</style>

<meta http-equiv="refresh" content="0;url=https://evil.example/">

<base href="https://evil.example/">

<x-widget onmouseover="alert(18)">custom text</x-widget>

<p><a href="#ok" xlink:href="javascript:alert(19)" formaction="javascript:alert(20)">fine</a></p>
`

// checkSafe fails on any element or attribute that can run script or restyle.
func checkSafe(t *testing.T, where string) func(*html.Node) {
	return func(n *html.Node) {
		t.Helper()
		switch n.Data {
		case "script", "iframe", "object", "embed", "svg", "math", "form", "input", "meta", "base", "link", "x-widget":
			t.Errorf("%s: element <%s> survived", where, n.Data)
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(k, "on"), k == "style", a.Namespace != "", strings.Contains(k, ":"):
				t.Errorf("%s: <%s %s=%q> survived", where, n.Data, a.Key, a.Val)
			case strings.Contains(v, "script:"), strings.HasPrefix(v, "data:text"):
				t.Errorf("%s: <%s %s=%q> survived", where, n.Data, a.Key, a.Val)
			}
		}
	}
}

func TestRuleSanitize(t *testing.T) {
	opts := testOptions()
	opts.UnsafeHTML = true
	a := parseArticle(t, "hostile.md", maliciousBody, opts)
	if raw := a.Body.HTML(); !strings.Contains(raw, "<script>") || !strings.Contains(raw, `<div onclick=`) {
		t.Fatalf("content rendered %q; want the raw HTML to reach feed (UnsafeHTML)", raw)
	}
	b := mustBuild(t, testSite(), []*content.Article{a})
	payloads := htmlPayloads(t, b)
	for where, fragment := range payloads {
		walkHTML(t, fragment, checkSafe(t, where))
	}
	body := payloads["json content_html 0"]
	for _, gone := range []string{"alert(1)", "alert(14)", "alert(15)", "body{display:none}", "evil.example"} {
		if strings.Contains(body, gone) {
			t.Errorf("content_html holds %q:\n%s", gone, body)
		}
	}
	for _, kept := range []string{"<b>bold</b>", "top-level", "custom text", "fixed", `<a href="https://news.example.com/articles/hostile/#ok">fine</a>`} {
		if !strings.Contains(body, kept) {
			t.Errorf("content_html lost %q:\n%s", kept, body)
		}
	}
	// The article page: the only <style> is the page's own, in <head>.
	page, err := html.Parse(bytes.NewReader(b.Page(a).Body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(*html.Node, bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode {
			if n.Data == "head" {
				inHead = true
			}
			if !(inHead && (n.Data == "style" || n.Data == "meta" || n.Data == "link")) {
				checkSafe(t, "article page")(n)
				if n.Data == "style" {
					t.Errorf("article page: <style> outside <head>")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(page, false)
}

// TestRuleAtomTextType checks every Atom text construct says type="html"
// exactly when its text holds a sequence the W3C validator takes as markup
// in plain text (an HTML end tag, an entity-like reference), and decodes to
// the original; a plain "&", "<" or ">", quotes and apostrophes stay text.
func TestRuleAtomTextType(t *testing.T) {
	for _, tc := range []struct {
		title, wantType string
	}{
		{"Plain words", ""},
		{"Quotes 'single' and \"double\"", ""},
		{"Q&A: <b> & more", ""},
		{"Kite & Key Media's “view”", ""},
		{"Fabrikam & Sons says profits > expectations", ""},
		{"a < b", ""},
		{"b > a", ""},
		{"Fish & chips", ""},
		{"AT&T and R&D", ""},
		{"&ampersand and &Ttau", ""},
		{"Use <br/> for breaks", ""},
		{"a </ b> and <//> and </>", ""},
		{"Use <em>emphasis</em>", "html"},
		{"Closing </b> alone", "html"},
		{"Odd </blink> tag", "html"},
		{"Literal &amp; entity", "html"},
		{"Literal &amp without semicolon", "html"},
		{"Caf&eacute;", "html"},
		{"Numeric &#39 reference", "html"},
		{"Hex &#x26 reference", "html"},
		{"S&P500 index", "html"},
		{"x&_y", "html"},
		{"&apos;quoted&apos;", "html"},
		{"川沿い 🏮", ""},
	} {
		t.Run(tc.title, func(t *testing.T) {
			a := parseArticle(t, "t.md", "---\ntitle: 'x'\ndate: 2026-01-01T00:00:00Z\n---\nBody.\n", testOptions())
			a.Title, a.Summary = tc.title, tc.title
			site := testSite()
			site.Title, site.Description = tc.title, tc.title
			b := mustBuild(t, site, []*content.Article{a})
			d := decodeAtom(t, feedBody(t, b, AtomName))
			var sub struct {
				Subtitle atomDocText `xml:"subtitle"`
			}
			if err := xml.Unmarshal(feedBody(t, b, AtomName), &sub); err != nil {
				t.Fatal(err)
			}
			for where, got := range map[string]atomDocText{
				"feed title": d.Title, "feed subtitle": sub.Subtitle, "entry title": d.Entries[0].Title, "entry summary": *d.Entries[0].Summary,
			} {
				if got.Type != tc.wantType {
					t.Errorf("Atom %s %q type = %q, want %q", where, tc.title, got.Type, tc.wantType)
				}
				text := got.Text
				if got.Type == "html" {
					text = html.UnescapeString(text)
				}
				if text != tc.title {
					t.Errorf("Atom %s = %q decoded to %q, want %q", where, got.Text, text, tc.title)
				}
			}
		})
	}
}

var rssTitleRE = regexp.MustCompile(`<title>([^<]*)</title>`)

func TestRuleRSSTitleHexEscaped(t *testing.T) {
	b := buildTxtar(t, testSite(), quirksTree)
	body := feedBody(t, b, RSSName)
	if want := "<title>Q&#x26;A: &#x3C;b&#x3E; &#x26; more</title>"; !bytes.Contains(body, []byte(want)) {
		t.Errorf("RSS = %s\nwant %s", body, want)
	}
	for _, m := range rssTitleRE.FindAllSubmatch(body, -1) {
		for _, named := range []string{"&amp;", "&lt;", "&gt;"} {
			if bytes.Contains(m[1], []byte(named)) {
				t.Errorf("RSS title %s uses %s, want hex references (&#x26; &#x3C; &#x3E;)", m[0], named)
			}
		}
	}
	site := testSite()
	site.Title = "Q&A <weekly>"
	b = mustBuild(t, site, nil)
	if body, want := feedBody(t, b, RSSName), "<title>Q&#x26;A &#x3C;weekly&#x3E;</title>"; !bytes.Contains(body, []byte(want)) {
		t.Errorf("RSS channel = %s\nwant %s", body, want)
	}
}

func TestRuleCategories(t *testing.T) {
	for _, b := range allTrees(t) {
		rss := decodeRSS(t, feedBody(t, b, RSSName))
		atom := decodeAtom(t, feedBody(t, b, AtomName))
		js := decodeJSON(t, feedBody(t, b, JSONName))
		for i, a := range b.Articles() {
			var terms []string
			for _, c := range atom.Entries[i].Categories {
				terms = append(terms, c.Term)
			}
			for format, got := range map[string][]string{
				"RSS category": rss.Channel.Items[i].Categories, "Atom category term": terms, "JSON tags": (*js.Items)[i].Tags,
			} {
				if !slices.Equal(got, a.Tags) {
					t.Errorf("%s of %s = %q, want %q", format, a.Path, got, a.Tags)
				}
			}
		}
	}
}

func TestRuleSelfLinks(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"https://news.example.com/", "https://news.example.com/"},
		{"https://x.example/news/", "https://x.example/news/"},
		{"HTTPS://X.Example:443/news", "https://x.example/news/"},
		{"http://x.example:8080/a/b/", "http://x.example:8080/a/b/"},
	} {
		t.Run(tc.base, func(t *testing.T) {
			site := testSite()
			site.BaseURL = tc.base
			b := buildTxtar(t, site, fixturesTree)
			if got := b.Site().BaseURL; got != tc.want {
				t.Errorf("Build(%q).Site().BaseURL = %q, want %q", tc.base, got, tc.want)
			}
			rss := decodeRSS(t, feedBody(t, b, RSSName))
			if got := rss.atomLinks(); len(got) != 1 || got[0].Href != tc.want+RSSName {
				t.Errorf("RSS atom:link = %+v, want href %q", got, tc.want+RSSName)
			}
			atom := decodeAtom(t, feedBody(t, b, AtomName))
			var self []string
			for _, l := range atom.Links {
				if l.Rel == "self" {
					self = append(self, l.Href)
				}
			}
			if len(self) != 1 || self[0] != tc.want+AtomName {
				t.Errorf("Atom self links = %q, want [%q]", self, tc.want+AtomName)
			}
			if got := decodeJSON(t, feedBody(t, b, JSONName)).FeedURL; got != tc.want+JSONName {
				t.Errorf("JSON feed_url = %q, want %q", got, tc.want+JSONName)
			}
			for i, it := range rss.Channel.Items {
				if want := tc.want + "articles/"; !strings.HasPrefix(it.Link, want) {
					t.Errorf("RSS item %d link = %q, want under %q", i, it.Link, want)
				}
			}
		})
	}
}

func TestRuleGUIDPermaLink(t *testing.T) {
	for _, tc := range []struct {
		name, id, wantID, wantPerma string
	}{
		{"derived", "", "tag:news.example.com,2026:item", "false"},
		{"http", "https://news.example.com/legacy/42", "https://news.example.com/legacy/42", "true"},
		{"urn", "urn:uuid:4f1c9c06-6d43-4b0e-9d57-0c5f3c7ed5a1", "urn:uuid:4f1c9c06-6d43-4b0e-9d57-0c5f3c7ed5a1", "false"},
		{"word", "forty-two", "tag:news.example.com,2026:forty-two", "false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "---\ntitle: Item\ndate: 2026-01-01T00:00:00Z\n"
			if tc.id != "" {
				src += "id: " + tc.id + "\n"
			}
			a := parseArticle(t, "item.md", src+"---\nBody.\n", testOptions())
			b := mustBuild(t, testSite(), []*content.Article{a})
			g := decodeRSS(t, feedBody(t, b, RSSName)).Channel.Items[0].GUID
			if g.Value != tc.wantID || g.IsPermaLink != tc.wantPerma {
				t.Errorf("RSS guid for id %q = %q isPermaLink=%q, want %q isPermaLink=%q", tc.id, g.Value, g.IsPermaLink, tc.wantID, tc.wantPerma)
			}
			if got := decodeAtom(t, feedBody(t, b, AtomName)).Entries[0].ID; got != tc.wantID {
				t.Errorf("Atom id = %q, want %q", got, tc.wantID)
			}
			if got := (*decodeJSON(t, feedBody(t, b, JSONName)).Items)[0].ID; got == nil || *got != tc.wantID {
				t.Errorf("JSON id = %v, want %q", got, tc.wantID)
			}
		})
	}
}

// TestRuleIDNeverEmpty hands Build an article without an id, as a caller that
// builds articles by hand might: every format gets the permalink instead.
func TestRuleIDNeverEmpty(t *testing.T) {
	a := parseArticle(t, "no-id.md", "---\ntitle: No id\ndate: 2026-01-01T00:00:00Z\n---\nBody.\n", testOptions())
	a.ID = ""
	b := mustBuild(t, testSite(), []*content.Article{a})
	bs := b.Site()
	perma := bs.URL("articles/no-id/")
	g := decodeRSS(t, feedBody(t, b, RSSName)).Channel.Items[0].GUID
	if g.Value != perma || g.IsPermaLink != "true" {
		t.Errorf("RSS guid = %q isPermaLink=%q, want %q true", g.Value, g.IsPermaLink, perma)
	}
	if got := decodeAtom(t, feedBody(t, b, AtomName)).Entries[0].ID; got != perma {
		t.Errorf("Atom id = %q, want %q", got, perma)
	}
	if body := feedBody(t, b, JSONName); bytes.Contains(body, []byte(`"id": ""`)) || !bytes.Contains(body, []byte(`"id": "`+perma+`"`)) {
		t.Errorf("JSON = %s, want id %q", body, perma)
	}
}

func TestRuleAuthors(t *testing.T) {
	a := parseArticle(t, "people.md", "---\ntitle: People\ndate: 2026-01-01T00:00:00Z\nauthors: [Ada, Grace]\n---\nBody.\n", testOptions())
	none := parseArticle(t, "nobody.md", "---\ntitle: Nobody\ndate: 2026-01-02T00:00:00Z\n---\nBody.\n", testOptions())
	// Names that are blank once cleaned: content drops them.
	blank := parseArticle(t, "blank.md", "---\ntitle: Blank\ndate: 2026-01-03T00:00:00Z\nauthors: [\"\", \" \\v\", \"\\uFFFE\"]\n---\nBody.\n", testOptions())
	site := testSite()
	site.Author = ""
	b := mustBuild(t, site, []*content.Article{a, none, blank})
	atom := decodeAtom(t, feedBody(t, b, AtomName))
	if len(atom.Authors) != 1 || atom.Authors[0].Name != site.Title {
		t.Errorf("Atom feed author = %+v, want the title %q (no author configured)", atom.Authors, site.Title)
	}
	js := decodeJSON(t, feedBody(t, b, JSONName))
	for i, e := range atom.Entries {
		var names []string
		for _, p := range e.Authors {
			names = append(names, p.Name)
		}
		want := b.Articles()[i].Authors
		if b.Articles()[i] == blank && len(want) != 0 {
			t.Errorf("blank names survived parsing: %q", want)
		}
		if !slices.Equal(names, want) {
			t.Errorf("Atom entry %d authors = %q, want %q", i, names, want)
		}
		if items := *js.Items; len(items[i].Authors) != len(want) {
			t.Errorf("JSON item %d authors = %+v, want %q", i, items[i].Authors, want)
		}
	}
	if body := feedBody(t, b, JSONName); bytes.Contains(body, []byte("{}")) || bytes.Contains(body, []byte(`"name": ""`)) {
		t.Errorf("JSON holds an empty author:\n%s", body)
	}
	if body := feedBody(t, b, AtomName); bytes.Contains(body, []byte("<name></name>")) {
		t.Errorf("Atom holds an empty author name:\n%s", body)
	}
}

func TestRuleExternalLink(t *testing.T) {
	b := buildTxtar(t, testSite(), quirksTree)
	var linked *content.Article
	var idx int
	for i, a := range b.Articles() {
		if a.Link != "" {
			linked, idx = a, i
		}
	}
	bs := b.Site()
	perma := bs.URL("articles/linked/")
	if it := decodeRSS(t, feedBody(t, b, RSSName)).Channel.Items[idx]; it.Link != perma {
		t.Errorf("RSS link of %s = %q, want the permalink %q", linked.Path, it.Link, perma)
	}
	e := decodeAtom(t, feedBody(t, b, AtomName)).Entries[idx]
	want := []xmlLink{{Href: perma, Rel: "alternate", Type: "text/html"}, {Href: linked.Link, Rel: "related"}}
	if !slices.Equal(e.Links, want) {
		t.Errorf("Atom links of %s = %+v, want %+v", linked.Path, e.Links, want)
	}
	it := (*decodeJSON(t, feedBody(t, b, JSONName)).Items)[idx]
	if it.URL != perma || it.ExternalURL != linked.Link {
		t.Errorf("JSON url, external_url = %q, %q; want %q, %q", it.URL, it.ExternalURL, perma, linked.Link)
	}
}

// TestRuleFeedUpdated checks the feed's date is its newest item's updated
// time (here an item edited after a newer one was published), never the
// build time, and a fixed time for an empty feed; the HTTP time of the files
// (ModTime, Last-Modified) is when the Builder saw their bytes appear.
func TestRuleFeedUpdated(t *testing.T) {
	built := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	b := buildTxtarAt(t, testSite(), `
-- old-edited.md --
---
title: Old but edited
date: 2026-01-01T00:00:00Z
updated: 2026-03-01T12:00:00Z
---
Body.
-- newer.md --
---
title: Newer
date: 2026-02-01T00:00:00Z
---
Body.
`, built)
	want := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if !b.Updated().Equal(want) {
		t.Errorf("Bundle.Updated() = %v, want %v", b.Updated(), want)
	}
	if got := decodeAtom(t, feedBody(t, b, AtomName)).Updated; got != "2026-03-01T12:00:00Z" {
		t.Errorf("Atom updated = %q, want 2026-03-01T12:00:00Z", got)
	}
	for _, f := range b.Feeds() {
		if !f.ModTime.Equal(built) {
			t.Errorf("%s ModTime = %v, want the build's time %v", f.Path, f.ModTime, built)
		}
	}
	if got := b.Articles()[0].Title; got != "Newer" {
		t.Errorf("first item = %q, want Newer (order is by published)", got)
	}
}

// TestRuleWholeSeconds hands Build times with fractions and an updated time
// before the published one: every format writes the same whole seconds.
func TestRuleWholeSeconds(t *testing.T) {
	a := parseArticle(t, "frac.md", "---\ntitle: Fractions\n---\nBody.\n", testOptions())
	a.Published = time.Date(2026, 7, 1, 10, 0, 0, 999_999_999, time.FixedZone("", 5*3600+45*60))
	a.Updated = time.Time{}
	b := mustBuild(t, testSite(), []*content.Article{a})
	want := time.Date(2026, 7, 1, 4, 15, 0, 0, time.UTC)
	for _, name := range feedNames {
		f, err := gofeedParse(feedBody(t, b, name))
		if err != nil {
			t.Fatal(err)
		}
		it := f.Items[0]
		if it.PublishedParsed == nil || !it.PublishedParsed.Equal(want) {
			t.Errorf("%s published = %v, want %v", name, it.PublishedParsed, want)
		}
		if name != RSSName && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(want)) {
			t.Errorf("%s updated = %v, want %v (never before published)", name, it.UpdatedParsed, want)
		}
	}
	if !b.Updated().Equal(want) {
		t.Errorf("Bundle.Updated() = %v, want %v", b.Updated(), want)
	}
}

func TestRuleMaxItems(t *testing.T) {
	site := testSite()
	site.MaxItems = 2
	b := buildTxtar(t, site, fixturesTree)
	for _, name := range feedNames {
		f, err := gofeedParse(feedBody(t, b, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Items) != 2 {
			t.Errorf("%s with MaxItems 2: len(items) = %d, want 2", name, len(f.Items))
		}
	}
	if b.Len() != 6 {
		t.Errorf("Bundle.Len() = %d, want 6 (pages for every article)", b.Len())
	}
	last := b.Articles()[5]
	if _, ok := b.Lookup("articles/" + last.Slug + "/"); !ok {
		t.Errorf("Lookup(page of %s) = not found, want its page", last.Path)
	}
}
