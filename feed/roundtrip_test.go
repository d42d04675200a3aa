package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/mmcdole/gofeed"
)

// Minimal views of the three formats, decoded with the standard library:
// only the fields the specifications require and we promise.

type rssDoc struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title       string       `xml:"title"`
		Links       []rssDocLink `xml:"link"` // <link> and <atom:link>
		Description string       `xml:"description"`
		Items       []rssDocItem `xml:"item"`
	} `xml:"channel"`
}

// rssDocLink is an RSS <link> or an <atom:link>: encoding/xml matches a field
// without a namespace to elements of any namespace, so both land here.
type rssDocLink struct {
	XMLName xml.Name
	xmlLink
	Text string `xml:",chardata"`
}

// link returns the text of the channel's RSS <link>.
func (d *rssDoc) link() string {
	for _, l := range d.Channel.Links {
		if l.XMLName.Space == "" {
			return l.Text
		}
	}
	return ""
}

// atomLinks returns the channel's atom:link elements.
func (d *rssDoc) atomLinks() []xmlLink {
	var out []xmlLink
	for _, l := range d.Channel.Links {
		if l.XMLName.Space == "http://www.w3.org/2005/Atom" {
			out = append(out, l.xmlLink)
		}
	}
	return out
}

type rssDocItem struct {
	Title string `xml:"title"`
	Link  string `xml:"link"`
	GUID  struct {
		Value       string `xml:",chardata"`
		IsPermaLink string `xml:"isPermaLink,attr"`
	} `xml:"guid"`
	PubDate     string   `xml:"pubDate"`
	Description string   `xml:"description"`
	Content     string   `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	Creators    []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
	Authors     []string `xml:"author"`
	Categories  []string `xml:"category"`
}

type xmlLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type atomDoc struct {
	XMLName xml.Name       `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string         `xml:"id"`
	Title   atomDocText    `xml:"title"`
	Updated string         `xml:"updated"`
	Authors []atomDocName  `xml:"author"`
	Links   []xmlLink      `xml:"link"`
	Entries []atomDocEntry `xml:"entry"`
}

type atomDocText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomDocName struct {
	Name string `xml:"name"`
}

type atomDocEntry struct {
	ID         string        `xml:"id"`
	Title      atomDocText   `xml:"title"`
	Updated    string        `xml:"updated"`
	Published  string        `xml:"published"`
	Links      []xmlLink     `xml:"link"`
	Authors    []atomDocName `xml:"author"`
	Summary    *atomDocText  `xml:"summary"`
	Content    *atomDocText  `xml:"content"`
	Categories []struct {
		Term string `xml:"term,attr"`
		Text string `xml:",chardata"`
	} `xml:"category"`
}

type jsonDoc struct {
	Version     string          `json:"version"`
	Title       string          `json:"title"`
	HomePageURL string          `json:"home_page_url"`
	FeedURL     string          `json:"feed_url"`
	Authors     []jsonDocAuthor `json:"authors"`
	Items       *[]jsonDocItem  `json:"items"`
}

type jsonDocAuthor struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Avatar string `json:"avatar"`
}

type jsonDocItem struct {
	ID            *string         `json:"id"`
	URL           string          `json:"url"`
	ExternalURL   string          `json:"external_url"`
	Title         string          `json:"title"`
	ContentHTML   string          `json:"content_html"`
	ContentText   string          `json:"content_text"`
	Summary       string          `json:"summary"`
	Image         string          `json:"image"`
	DatePublished string          `json:"date_published"`
	DateModified  string          `json:"date_modified"`
	Authors       []jsonDocAuthor `json:"authors"`
	Tags          []string        `json:"tags"`
}

func decodeRSS(t testing.TB, body []byte) *rssDoc {
	t.Helper()
	var d rssDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("xml.Unmarshal(RSS) error: %v", err)
	}
	return &d
}

func decodeAtom(t testing.TB, body []byte) *atomDoc {
	t.Helper()
	var d atomDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("xml.Unmarshal(Atom) error: %v", err)
	}
	return &d
}

func decodeJSON(t testing.TB, body []byte) *jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("json.Unmarshal(JSON Feed) error: %v", err)
	}
	return &d
}

// gofeedParse parses a feed of any format with gofeed.
func gofeedParse(body []byte) (*gofeed.Feed, error) {
	return gofeed.NewParser().ParseString(string(body))
}

// itemIDs returns the guids of an RSS document, in order.
func itemIDs(t testing.TB, rss []byte) []string {
	t.Helper()
	var ids []string
	for _, it := range decodeRSS(t, rss).Channel.Items {
		ids = append(ids, it.GUID.Value)
	}
	return ids
}

// wantItems returns the articles a bundle's feeds hold.
func wantItems(site Site, arts []*content.Article) []*content.Article {
	if site.MaxItems > 0 && len(arts) > site.MaxItems {
		return arts[:site.MaxItems]
	}
	return arts
}

// isAbsHTTP reports whether s is an absolute http(s) URL.
func isAbsHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// TestRoundTripGofeed parses every output with a widely used reader library
// and checks the three formats say the same thing about every item.
func TestRoundTripGofeed(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			arts := sc.arts(t)
			b := mustBuild(t, sc.site, arts)
			site := b.Site()
			want := wantItems(site, arts)
			feeds := make(map[string]*gofeed.Feed)
			for _, name := range feedNames {
				f, err := gofeed.NewParser().ParseString(string(feedBody(t, b, name)))
				if err != nil {
					t.Fatalf("gofeed.ParseString(%s) error: %v", name, err)
				}
				feeds[name] = f
				if got := len(f.Items); got != len(want) {
					t.Errorf("gofeed.ParseString(%s): len(items) = %d, want %d", name, got, len(want))
				}
				if f.Title != site.Title {
					t.Errorf("gofeed.ParseString(%s): title = %q, want %q", name, f.Title, site.Title)
				}
				if f.Link != site.BaseURL {
					t.Errorf("gofeed.ParseString(%s): link = %q, want %q", name, f.Link, site.BaseURL)
				}
				if f.FeedLink != site.URL(name) {
					t.Errorf("gofeed.ParseString(%s): feed link = %q, want %q", name, f.FeedLink, site.URL(name))
				}
			}
			if t.Failed() {
				return
			}
			for i, a := range want {
				permalink := site.URL(ArticlePath(a.EscapedSlug()))
				for _, name := range feedNames {
					it := feeds[name].Items[i]
					if it.GUID != a.ID {
						t.Errorf("%s item %d: id = %q, want %q", name, i, it.GUID, a.ID)
					}
					title := it.Title
					if name == AtomName && markupLike(a.Title) {
						// Only a title that reads as markup is type="html",
						// which gofeed hands back as HTML: decode it.
						title = html.UnescapeString(title)
					}
					if title != a.Title {
						t.Errorf("%s item %d: title = %q, want %q", name, i, title, a.Title)
					}
					if it.Link != permalink || !isAbsHTTP(it.Link) {
						t.Errorf("%s item %d: link = %q, want %q", name, i, it.Link, permalink)
					}
					if it.PublishedParsed == nil || !it.PublishedParsed.Equal(a.Published) || it.PublishedParsed.Nanosecond() != 0 {
						t.Errorf("%s item %d: published = %v, want %v", name, i, it.PublishedParsed, a.Published)
					}
					if name != RSSName && (it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(a.Updated) || it.UpdatedParsed.Nanosecond() != 0) {
						t.Errorf("%s item %d: updated = %v, want %v", name, i, it.UpdatedParsed, a.Updated)
					}
					var authors []string
					for _, p := range it.Authors {
						authors = append(authors, p.Name)
					}
					if name == RSSName && it.DublinCoreExt != nil {
						// gofeed's Authors keep only the first dc:creator.
						authors = it.DublinCoreExt.Creator
					}
					if !slices.Equal(authors, a.Authors) {
						t.Errorf("%s item %d: authors = %q, want %q", name, i, authors, a.Authors)
					}
					if !slices.Equal(it.Categories, a.Tags) {
						t.Errorf("%s item %d: categories = %q, want %q", name, i, it.Categories, a.Tags)
					}
					if it.Content == "" && it.Description == "" {
						t.Errorf("%s item %d: content and description both empty", name, i)
					}
				}
			}
		})
	}
}

// TestRoundTripRSS decodes RSS with encoding/xml and checks the fields the
// specification and the RSS Advisory Board profile require.
func TestRoundTripRSS(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			arts := sc.arts(t)
			b := mustBuild(t, sc.site, arts)
			site := b.Site()
			d := decodeRSS(t, feedBody(t, b, RSSName))
			ch := d.Channel
			if d.Version != "2.0" {
				t.Errorf("rss version = %q, want 2.0", d.Version)
			}
			if ch.Title != site.Title || d.link() != site.BaseURL || ch.Description == "" {
				t.Errorf("channel title, link, description = %q, %q, %q; want %q, %q, non-empty",
					ch.Title, d.link(), ch.Description, site.Title, site.BaseURL)
			}
			self := xmlLink{Href: site.URL(RSSName), Rel: "self", Type: "application/rss+xml"}
			if got := d.atomLinks(); len(got) != 1 || got[0] != self {
				t.Errorf("channel atom:link = %+v, want [%+v]", got, self)
			}
			want := wantItems(site, arts)
			if len(ch.Items) != len(want) {
				t.Fatalf("len(items) = %d, want %d", len(ch.Items), len(want))
			}
			for i, a := range want {
				it := ch.Items[i]
				if it.GUID.Value != a.ID {
					t.Errorf("item %d guid = %q, want %q", i, it.GUID.Value, a.ID)
				}
				perma := "false"
				if isAbsHTTP(a.ID) {
					perma = "true"
				}
				if it.GUID.IsPermaLink != perma {
					t.Errorf("item %d guid isPermaLink = %q, want %q", i, it.GUID.IsPermaLink, perma)
				}
				if it.Title != a.Title {
					t.Errorf("item %d title = %q, want %q", i, it.Title, a.Title)
				}
				if !isAbsHTTP(it.Link) {
					t.Errorf("item %d link = %q, want an absolute URL", i, it.Link)
				}
				pub, err := time.Parse(time.RFC1123Z, it.PubDate)
				if err != nil || !pub.Equal(a.Published) {
					t.Errorf("item %d pubDate = %q (%v), want %v", i, it.PubDate, err, a.Published)
				}
				if it.Description == "" {
					t.Errorf("item %d description is empty", i)
				}
				if len(it.Authors) != 0 {
					t.Errorf("item %d author = %q, want none (names go in dc:creator)", i, it.Authors)
				}
				if !slices.Equal(it.Creators, a.Authors) {
					t.Errorf("item %d dc:creator = %q, want %q", i, it.Creators, a.Authors)
				}
				if !slices.Equal(it.Categories, a.Tags) {
					t.Errorf("item %d category = %q, want %q", i, it.Categories, a.Tags)
				}
			}
		})
	}
}

// TestRoundTripAtom decodes Atom with encoding/xml and checks what RFC 4287
// requires of the feed and its entries.
func TestRoundTripAtom(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			arts := sc.arts(t)
			b := mustBuild(t, sc.site, arts)
			site := b.Site()
			d := decodeAtom(t, feedBody(t, b, AtomName))
			if d.ID == "" || d.ID != site.BaseURL {
				t.Errorf("feed id = %q, want %q", d.ID, site.BaseURL)
			}
			if d.Title.Text != site.Title {
				t.Errorf("feed title = %q, want %q", d.Title.Text, site.Title)
			}
			if d.Updated != b.Updated().Format(time.RFC3339) || d.Updated == "" {
				t.Errorf("feed updated = %q, want %q", d.Updated, b.Updated().Format(time.RFC3339))
			}
			if len(d.Authors) != 1 || d.Authors[0].Name == "" {
				t.Errorf("feed authors = %+v, want one with a name", d.Authors)
			}
			wantLinks := []xmlLink{
				{Href: site.BaseURL, Rel: "alternate", Type: "text/html"},
				{Href: site.URL(AtomName), Rel: "self", Type: "application/atom+xml"},
			}
			if !slices.Equal(d.Links, wantLinks) {
				t.Errorf("feed links = %+v, want %+v", d.Links, wantLinks)
			}
			want := wantItems(site, arts)
			if len(d.Entries) != len(want) {
				t.Fatalf("len(entries) = %d, want %d", len(d.Entries), len(want))
			}
			newest := time.Time{}
			for i, a := range want {
				e := d.Entries[i]
				if e.ID != a.ID {
					t.Errorf("entry %d id = %q, want %q", i, e.ID, a.ID)
				}
				title := e.Title.Text
				if e.Title.Type == "html" {
					title = html.UnescapeString(title)
				}
				if title == "" || title != a.Title {
					t.Errorf("entry %d title = %q (type %q), want %q", i, e.Title.Text, e.Title.Type, a.Title)
				}
				up, err := time.Parse(time.RFC3339, e.Updated)
				if err != nil || !up.Equal(a.Updated) {
					t.Errorf("entry %d updated = %q (%v), want %v", i, e.Updated, err, a.Updated)
				}
				if up.After(newest) {
					newest = up
				}
				pub, err := time.Parse(time.RFC3339, e.Published)
				if err != nil || !pub.Equal(a.Published) {
					t.Errorf("entry %d published = %q (%v), want %v", i, e.Published, err, a.Published)
				}
				alt := xmlLink{Href: site.URL(ArticlePath(a.EscapedSlug())), Rel: "alternate", Type: "text/html"}
				if len(e.Links) == 0 || e.Links[0] != alt {
					t.Errorf("entry %d links = %+v, want first %+v", i, e.Links, alt)
				}
				if e.Content == nil && e.Summary == nil {
					t.Errorf("entry %d has neither content nor summary", i)
				}
				for _, c := range e.Categories {
					if c.Term == "" || c.Text != "" {
						t.Errorf("entry %d category term=%q text=%q, want a term and no text", i, c.Term, c.Text)
					}
				}
			}
			if len(want) > 0 && d.Updated != newest.Format(time.RFC3339) {
				t.Errorf("feed updated = %q, want the newest entry's %q", d.Updated, newest.Format(time.RFC3339))
			}
		})
	}
}

// jsonFeedKeys and jsonItemKeys are the JSON Feed 1.1 key names.
var (
	jsonFeedKeys = []string{"version", "title", "home_page_url", "feed_url", "description", "user_comment",
		"next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items"}
	jsonItemKeys = []string{"id", "url", "external_url", "title", "content_html", "content_text", "summary",
		"image", "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments"}
)

// TestRoundTripJSON decodes JSON Feed with encoding/json and checks the
// version key comes first, "items" is always an array, ids are never empty
// and only JSON Feed 1.1 key names occur.
func TestRoundTripJSON(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			arts := sc.arts(t)
			b := mustBuild(t, sc.site, arts)
			site := b.Site()
			body := feedBody(t, b, JSONName)
			if key := firstJSONKey(t, body); key != "version" {
				t.Errorf("first key = %q, want version", key)
			}
			d := decodeJSON(t, body)
			if d.Version != jsonFeedVersion || d.Title != site.Title || d.HomePageURL != site.BaseURL || d.FeedURL != site.URL(JSONName) {
				t.Errorf("version, title, home_page_url, feed_url = %q, %q, %q, %q; want %q, %q, %q, %q",
					d.Version, d.Title, d.HomePageURL, d.FeedURL, jsonFeedVersion, site.Title, site.BaseURL, site.URL(JSONName))
			}
			checkJSONAuthors(t, "feed", d.Authors)
			if d.Items == nil {
				t.Fatalf(`"items" missing, want an array (even when empty)`)
			}
			want := wantItems(site, arts)
			if len(*d.Items) != len(want) {
				t.Fatalf("len(items) = %d, want %d", len(*d.Items), len(want))
			}
			for i, a := range want {
				it := (*d.Items)[i]
				if it.ID == nil || *it.ID == "" || *it.ID != a.ID {
					t.Errorf("item %d id = %v, want %q", i, it.ID, a.ID)
				}
				if it.Title != a.Title {
					t.Errorf("item %d title = %q, want %q", i, it.Title, a.Title)
				}
				if !isAbsHTTP(it.URL) {
					t.Errorf("item %d url = %q, want an absolute URL", i, it.URL)
				}
				if it.ContentHTML == "" && it.ContentText == "" {
					t.Errorf("item %d has neither content_html nor content_text", i)
				}
				for _, d := range []struct {
					key, got string
					want     time.Time
				}{{"date_published", it.DatePublished, a.Published}, {"date_modified", it.DateModified, a.Updated}} {
					got, err := time.Parse(time.RFC3339, d.got)
					if err != nil || !got.Equal(d.want) {
						t.Errorf("item %d %s = %q (%v), want %v", i, d.key, d.got, err, d.want)
					}
				}
				checkJSONAuthors(t, "item", it.Authors)
			}
			var raw struct {
				Items []map[string]json.RawMessage `json:"items"`
			}
			var top map[string]json.RawMessage
			if err := json.Unmarshal(body, &top); err != nil {
				t.Fatal(err)
			}
			for k := range top {
				if !slices.Contains(jsonFeedKeys, k) {
					t.Errorf("top-level key %q is not a JSON Feed 1.1 key", k)
				}
			}
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			for i, it := range raw.Items {
				for k := range it {
					if !slices.Contains(jsonItemKeys, k) {
						t.Errorf("item %d key %q is not a JSON Feed 1.1 item key", i, k)
					}
				}
			}
			if bytes.Contains(body, []byte(`"id": ""`)) || bytes.Contains(body, []byte(`{}`)) {
				t.Errorf(`JSON Feed holds "id": "" or an empty object:\n%s`, body)
			}
		})
	}
}

func checkJSONAuthors(t *testing.T, where string, authors []jsonDocAuthor) {
	t.Helper()
	for i, a := range authors {
		if a.Name == "" && a.URL == "" && a.Avatar == "" {
			t.Errorf("%s author %d is empty, want name, url or avatar", where, i)
		}
	}
}

// firstJSONKey returns the first key of the top-level JSON object.
func firstJSONKey(t testing.TB, body []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("JSON Feed starts with %v (%v), want {", tok, err)
	}
	tok, err := dec.Token()
	if err != nil {
		t.Fatalf("JSON Feed first key: %v", err)
	}
	s, _ := tok.(string)
	return s
}

// TestRoundTripEmpty checks that a feed without articles is valid in every
// format and names no clock time.
func TestRoundTripEmpty(t *testing.T) {
	b := mustBuild(t, testSite(), nil)
	if got, want := b.Updated(), emptyFeedTime; !got.Equal(want) {
		t.Errorf("Build(no articles).Updated() = %v, want %v", got, want)
	}
	if body := feedBody(t, b, JSONName); !bytes.Contains(body, []byte(`"items": []`)) {
		t.Errorf("Build(no articles) JSON = %s, want \"items\": []", body)
	}
	a := decodeAtom(t, feedBody(t, b, AtomName))
	if a.Updated == "" || len(a.Entries) != 0 {
		t.Errorf("Build(no articles) Atom updated, entries = %q, %d; want non-empty, 0", a.Updated, len(a.Entries))
	}
	r := decodeRSS(t, feedBody(t, b, RSSName))
	if len(r.Channel.Items) != 0 || r.Channel.Title == "" {
		t.Errorf("Build(no articles) RSS title, items = %q, %d; want non-empty, 0", r.Channel.Title, len(r.Channel.Items))
	}
	if body := string(feedBody(t, b, RSSName)); strings.Contains(body, "<item>") {
		t.Errorf("Build(no articles) RSS has an item:\n%s", body)
	}
}
