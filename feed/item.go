package feed

import (
	"html"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// item is an article prepared for the feeds: every URL absolute, the body
// rendered and cleaned.
type item struct {
	a       *content.Article
	id      string   // the article's id, or its permalink when it has none
	url     string   // permalink, absolute
	html    string   // full content, cleaned, URLs absolute
	summary string   // plain text
	image   string   // absolute or ""
	link    string   // external link, absolute or ""
	authors []string // cleaned names
	tags    []string
	// enclosure is the article image when it is a media file of the content
	// folder (copied and served), for RSS enclosure and Atom rel="enclosure".
	enclosure *Asset
	// full is whether feeds carry the full content (else the summary only).
	full bool
	// partial is set when the body's file no longer held the body and the
	// summary stands in for it: such an item is rendered again, not kept.
	partial bool
	// published and updated are in UTC and whole seconds, as every format
	// writes them; updated is never before published.
	published, updated time.Time
}

func newItem(s *Site, a *content.Article, src fs.FS) *item {
	body, complete := a.Body.Read(src)
	it := newItemFrom(s, a, src, body.HTML())
	it.partial = !complete
	return it
}

// newItemFrom is newItem with the article's body already rendered (raw,
// as [content.Body.HTML] returns it), for a caller that needs it too.
func newItemFrom(s *Site, a *content.Article, src fs.FS, body string) *item {
	it := &item{a: a, url: s.URL(ArticlePath(a.EscapedSlug()))}
	base, err := url.Parse(it.url)
	if err != nil {
		base = nil
	}
	// content promises clean text (see content.Article): nothing here
	// cleans it again.
	it.id = a.ID
	if it.id == "" {
		it.id = it.url
	}
	it.published, it.updated = itemTimes(a)
	it.full = !s.SummaryOnly
	if a.FullContent != nil {
		it.full = *a.FullContent
	}
	it.html = cleanHTML(body, base)
	it.summary = a.Summary
	it.image = absURL(a.Image, base)
	if as, ok := assetFor(src, a, a.Image); ok {
		it.enclosure = &as
	}
	it.link = absURL(a.Link, base)
	it.authors, it.tags = a.Authors, a.Tags
	return it
}

// summaryHTML returns the summary as an HTML paragraph.
func (it *item) summaryHTML() string {
	if it.summary == "" {
		return ""
	}
	return "<p>" + html.EscapeString(it.summary) + "</p>"
}

// content returns the HTML the feeds carry as the item's content: the full
// body, or "" for a summary-only item.
func (it *item) content() string {
	if it.full {
		return it.html
	}
	return ""
}

func (it *item) title() string { return it.a.Title }

// itemTimes returns an article's published and updated times as the feeds
// write them: UTC, whole seconds (RSS cannot carry fractions, so no format
// does), and updated no earlier than published.
func itemTimes(a *content.Article) (published, updated time.Time) {
	published = a.Published.UTC().Truncate(time.Second)
	updated = a.Updated.UTC().Truncate(time.Second)
	if updated.Before(published) {
		updated = published
	}
	return published, updated
}

// emptyFeedTime is the updated time of a feed with no items: fixed, so an empty
// feed is deterministic, and after 1990, so validators accept it.
var emptyFeedTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// newest returns the latest Updated among items, or emptyFeedTime.
func newest(items []*item) time.Time {
	t := emptyFeedTime
	for i, it := range items {
		if i == 0 || it.updated.After(t) {
			t = it.updated
		}
	}
	return t
}

// newestPublished returns the latest Published among items, or emptyFeedTime.
func newestPublished(items []*item) time.Time {
	t := emptyFeedTime
	for i, it := range items {
		if i == 0 || it.published.After(t) {
			t = it.published
		}
	}
	return t
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
