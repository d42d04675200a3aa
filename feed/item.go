package feed

import (
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// item is an article prepared for the feeds: every URL absolute, the body
// rendered and cleaned.
type item struct {
	a       *content.Article
	url     string   // permalink, absolute
	html    string   // full content, cleaned, URLs absolute
	summary string   // plain text
	image   string   // absolute or ""
	link    string   // external link, absolute or ""
	authors []string // cleaned names
	tags    []string
}

func newItem(s *Site, a *content.Article) *item {
	it := &item{a: a, url: s.URL(ArticlePath(a.EscapedSlug()))}
	base, err := url.Parse(it.url)
	if err != nil {
		base = nil
	}
	it.html = cleanHTML(a.Body.HTML(), base)
	it.summary = content.CleanText(a.Summary)
	it.image = absURL(a.Image, base)
	it.link = absURL(a.Link, base)
	for _, n := range a.Authors {
		if n = content.CleanText(n); n != "" {
			it.authors = append(it.authors, n)
		}
	}
	for _, t := range a.Tags {
		if t = content.CleanText(t); t != "" {
			it.tags = append(it.tags, t)
		}
	}
	return it
}

// summaryHTML returns the summary as an HTML paragraph.
func (it *item) summaryHTML() string {
	if it.summary == "" {
		return ""
	}
	return "<p>" + html.EscapeString(it.summary) + "</p>"
}

func (it *item) title() string { return content.CleanText(it.a.Title) }

// emptyFeedTime is the updated time of a feed with no items: fixed, so an empty
// feed is deterministic, and after 1990, so validators accept it.
var emptyFeedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// newest returns the latest Updated among items, or emptyFeedTime.
func newest(items []*item) time.Time {
	t := emptyFeedTime
	for i, it := range items {
		if i == 0 || it.a.Updated.After(t) {
			t = it.a.Updated
		}
	}
	return t.UTC()
}

// newestPublished returns the latest Published among items, or emptyFeedTime.
func newestPublished(items []*item) time.Time {
	t := emptyFeedTime
	for i, it := range items {
		if i == 0 || it.a.Published.After(t) {
			t = it.a.Published
		}
	}
	return t.UTC()
}

// hexEscape escapes text for an XML element that holds plain text, the way
// the RSS Advisory Board profile recommends (&#x26; &#x3C; &#x3E;).
func hexEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return hexEscaper.Replace(s)
}

var hexEscaper = strings.NewReplacer("&", "&#x26;", "<", "&#x3C;", ">", "&#x3E;")
