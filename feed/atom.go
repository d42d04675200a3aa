package feed

import (
	"encoding/xml"
	"html"
	"strings"
	"time"

	"github.com/gorilla/feeds"
)

// atomFeed embeds gorilla's feed; Links replaces its single Link (self and
// alternate), and the entries are our wrappers.
type atomFeed struct {
	XMLName xml.Name `xml:"feed"`
	Lang    string   `xml:"xml:lang,attr,omitempty"`
	Title   atomText `xml:"title"`
	*feeds.AtomFeed
	Subtitle  *atomText        `xml:"subtitle"`
	Links     []feeds.AtomLink `xml:"link"`
	Author    *feeds.AtomAuthor
	Generator atomGenerator `xml:"generator"`
	Entries   []*atomEntry  `xml:"entry"`
}

type atomGenerator struct {
	URI  string `xml:"uri,attr,omitempty"`
	Text string `xml:",chardata"`
}

// atomEntry embeds gorilla's entry and adds what it lacks: several links,
// several authors, categories with term, a title that may need type="html".
type atomEntry struct {
	XMLName xml.Name `xml:"entry"`
	Title   atomText `xml:"title"`
	*feeds.AtomEntry
	Summary    *atomText          `xml:"summary"`
	Links      []feeds.AtomLink   `xml:"link"`
	Authors    []feeds.AtomAuthor `xml:"author"`
	Categories []atomCategory     `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomText is an Atom text construct (title, subtitle, summary): type="text"
// when the text has nothing that reads like markup, else type="html" with the
// text HTML-escaped, so validators see no undeclared HTML (W
// ContainsUndeclaredHTML).
type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Text string `xml:",chardata"`
}

// optAtomText returns nil for "", else newAtomText(s).
func optAtomText(s string) *atomText {
	if s == "" {
		return nil
	}
	t := newAtomText(s)
	return &t
}

func newAtomText(s string) atomText {
	if strings.ContainsAny(s, "<>&") {
		return atomText{Type: "html", Text: html.EscapeString(s)}
	}
	return atomText{Text: s}
}

func renderAtom(s *Site, f *feedSpec) ([]byte, error) {
	gf := &feeds.Feed{
		Title:       f.title,
		Link:        &feeds.Link{Href: f.home},
		Description: f.description,
		Id:          f.id,
		Updated:     newest(f.items),
	}
	af := (&feeds.Atom{Feed: gf}).AtomFeed()
	af.Link = nil
	af.Id = f.id
	af.Updated = atomDate(gf.Updated)
	af.Subtitle = ""
	af.Entries = nil
	af.Icon, af.Logo = s.absSiteURL(s.Icon), s.absSiteURL(s.Logo)
	w := &atomFeed{
		Lang:     s.Language,
		Title:    newAtomText(f.title),
		AtomFeed: af,
		Subtitle: optAtomText(f.description),
		Links: []feeds.AtomLink{
			{Href: f.home, Rel: "alternate", Type: "text/html"},
			{Href: f.self["atom"], Rel: "self", Type: "application/atom+xml"},
		},

		Author:    &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: s.author()}},
		Generator: atomGenerator{Text: "dropfeed"},
		Entries:   make([]*atomEntry, len(f.items)),
	}
	if s.Hub != "" {
		w.Links = append(w.Links, feeds.AtomLink{Href: s.Hub, Rel: "hub"})
	}
	for i, it := range f.items {
		e := &feeds.AtomEntry{
			Id:        it.id,
			Updated:   atomDate(it.updated),
			Published: atomDate(it.published),
		}
		summary := it.summary
		if body := it.content(); body != "" {
			e.Content = &feeds.AtomContent{Type: "html", Content: body}
		} else if summary == "" {
			summary = it.title() // an entry needs textual content (W MissingTextualContent)
		}
		ae := &atomEntry{
			Title:     newAtomText(it.title()),
			AtomEntry: e,
			Summary:   optAtomText(summary),
			Links:     []feeds.AtomLink{{Href: it.url, Rel: "alternate", Type: "text/html"}},
		}
		if it.link != "" {
			ae.Links = append(ae.Links, feeds.AtomLink{Href: it.link, Rel: "related"})
		}
		if e := it.enclosure; e != nil {
			ae.Links = append(ae.Links, feeds.AtomLink{Href: it.image, Rel: "enclosure", Type: e.Type, Length: enclosureLength(e.Size)})
		}
		for _, n := range it.authors {
			ae.Authors = append(ae.Authors, feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: n}})
		}
		for _, t := range it.tags {
			ae.Categories = append(ae.Categories, atomCategory{Term: t})
		}
		w.Entries[i] = ae
	}
	return marshalXML(w)
}

func atomDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }
