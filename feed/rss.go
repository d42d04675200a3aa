package feed

import (
	"bytes"
	"encoding/xml"
	"html"
	"sync"
	"time"

	"github.com/gorilla/feeds"
)

// rssRoot wraps gorilla's channel with the namespaces it lacks: gorilla
// declares only xmlns:content, and the feed needs xmlns:atom for its
// atom:link rel="self" and xmlns:dc for dc:creator (RSS's own <author> must
// be an e-mail address, and authors here are names).
type rssRoot struct {
	XMLName   xml.Name    `xml:"rss"`
	Version   string      `xml:"version,attr"`
	NSContent string      `xml:"xmlns:content,attr"`
	NSAtom    string      `xml:"xmlns:atom,attr"`
	NSDC      string      `xml:"xmlns:dc,attr"`
	NSMedia   string      `xml:"xmlns:media,attr,omitempty"`
	NSFH      string      `xml:"xmlns:fh,attr,omitempty"` // with archives (RFC 5005)
	Channel   *rssChannel `xml:"channel"`
}

// rssChannel embeds gorilla's channel and shadows the fields it gets wrong.
type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	Title   innerXML `xml:"title"`
	*feeds.RssFeed
	AtomLinks []atomLinkRSS `xml:"atom:link"`
	Archive   *struct{}     `xml:"fh:archive"` // non-nil in an archive document
	Items     []*rssItem    `xml:"item"`
}

type atomLinkRSS struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem embeds gorilla's item; Title is hex-escaped plain text (W
// CharacterData), Creators replace the e-mail-only <author>, Categories carry
// every tag, Description and Content are escaped rather than CDATA.
type rssItem struct {
	XMLName xml.Name `xml:"item"`
	Title   innerXML `xml:"title"`
	*feeds.RssItem
	Description string         `xml:"description,omitempty"`
	Content     string         `xml:"content:encoded,omitempty"`
	Creators    []string       `xml:"dc:creator"`
	Categories  []rssCategory  `xml:"category"`
	Media       []mediaContent `xml:"media:content"`
}

type rssCategory struct {
	Text string `xml:",chardata"`
}

// innerXML is element text already escaped.
type innerXML struct {
	Text string `xml:",innerxml"`
}

const rssDocs = "https://www.rssboard.org/rss-specification"

func renderRSS(s *Site, f *feedSpec) ([]byte, error) {
	gf := &feeds.Feed{
		Title:       f.title,
		Link:        &feeds.Link{Href: f.home},
		Description: f.description,
		Created:     newestPublished(f.items),
		Updated:     newest(f.items),
	}
	gitems := make([]*feeds.Item, len(f.items))
	for i, it := range f.items {
		gitems[i] = &feeds.Item{
			Title:       it.title(),
			Link:        &feeds.Link{Href: it.url},
			Id:          it.id,
			IsPermaLink: "false",
			Created:     it.published,
			Updated:     it.updated,
		}
		if isHTTPURL(it.id) {
			gitems[i].IsPermaLink = "true"
		}
	}
	gf.Items = gitems
	ch := (&feeds.Rss{Feed: gf}).RssFeed()
	ch.Language = s.Language
	ch.Generator = "dropfeed"
	ch.Docs = rssDocs
	ch.PubDate = rssDate(gf.Created)
	ch.LastBuildDate = rssDate(gf.Updated)
	ch.ManagingEditor = "" // an e-mail address is required there; we have only names
	if img := s.rssImage(); img != "" {
		ch.Image = &feeds.RssImage{Url: img, Title: f.title, Link: f.home}
	}
	wrapped := &rssChannel{
		Title:     innerXML{hexEscape(f.title)},
		RssFeed:   ch,
		AtomLinks: []atomLinkRSS{{Href: f.self["rss"], Rel: "self", Type: "application/rss+xml"}},
		Items:     make([]*rssItem, len(f.items)),
	}
	if s.Hub != "" {
		wrapped.AtomLinks = append(wrapped.AtomLinks, atomLinkRSS{Href: s.Hub, Rel: "hub"})
	}
	for _, l := range f.hist.links("rss") {
		wrapped.AtomLinks = append(wrapped.AtomLinks, atomLinkRSS{Href: l[1], Rel: l[0], Type: "application/rss+xml"})
	}
	if f.hist.isArchive() {
		wrapped.Archive = &struct{}{}
	}
	for i, it := range f.items {
		ri := ch.Items[i]
		ri.Author = ""
		ri.PubDate = rssDate(it.published)
		ri.Description = ""
		ri.Content = nil
		ri.Enclosure = nil
		if e := it.enclosure; e != nil {
			ri.Enclosure = &feeds.RssEnclosure{Url: it.image, Length: enclosureLength(e.Size), Type: e.Type}
		}
		w := &rssItem{Title: innerXML{hexEscape(it.title())}, RssItem: ri, Creators: it.authors, Media: mediaOf(it)}
		switch sum, body := it.summaryHTML(), it.content(); {
		case sum != "" && body != "" && sum != body:
			w.Description, w.Content = sum, body
		case body != "":
			w.Description = body
		case sum != "":
			w.Description = sum
		default:
			w.Description = "<p>" + html.EscapeString(it.title()) + "</p>"
		}
		for _, t := range it.tags {
			w.Categories = append(w.Categories, rssCategory{Text: t})
		}
		wrapped.Items[i] = w
	}
	ch.Items = nil
	root := &rssRoot{
		Version:   "2.0",
		NSContent: "http://purl.org/rss/1.0/modules/content/",
		NSAtom:    "http://www.w3.org/2005/Atom",
		NSDC:      "http://purl.org/dc/elements/1.1/",
		NSMedia:   mediaNSFor(f.items),
		Channel:   wrapped,
	}
	if f.hist != nil {
		root.NSFH = historyNS
	}
	return marshalFeed(s, root)
}

func rssDate(t time.Time) string { return t.UTC().Format(time.RFC1123Z) }

// marshalXML writes the XML declaration, pi (processing instructions, each
// on a line, or "") and the indented document, ending with a newline.
func marshalXML(v any, pi string) ([]byte, error) {
	b := getRenderBuf()
	defer putRenderBuf(b)
	b.WriteString(xml.Header)
	b.WriteString(pi)
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return bytes.Clone(b.Bytes()), nil
}

// renderBufs holds the buffers documents are rendered in, which are copied
// out at their size once done: a buffer grown from nothing for each of the
// tens of documents a change renders made twice their size in garbage (a
// third of what a change allocated at 100,000 articles, besides what it
// keeps).
var renderBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// getRenderBuf returns an empty buffer from renderBufs.
func getRenderBuf() *bytes.Buffer { return renderBufs.Get().(*bytes.Buffer) }

// putRenderBuf gives a buffer back to renderBufs, unless it grew past what
// a feed needs (a sitemap part, a large archive document).
func putRenderBuf(b *bytes.Buffer) {
	if b.Cap() > 4<<20 {
		return
	}
	b.Reset()
	renderBufs.Put(b)
}
