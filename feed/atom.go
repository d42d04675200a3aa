package feed

import (
	"encoding/xml"
	"html"
	"strings"
	"time"
	"unicode"

	"github.com/gorilla/feeds"
)

// atomFeed embeds gorilla's feed; Links replaces its single Link (self and
// alternate), and the entries are our wrappers.
type atomFeed struct {
	XMLName xml.Name `xml:"feed"`
	Lang    string   `xml:"xml:lang,attr,omitempty"`
	NSMedia string   `xml:"xmlns:media,attr,omitempty"`
	NSFH    string   `xml:"xmlns:fh,attr,omitempty"` // with archives (RFC 5005)
	Title   atomText `xml:"title"`
	*feeds.AtomFeed
	Subtitle  *atomText        `xml:"subtitle"`
	Links     []feeds.AtomLink `xml:"link"`
	Author    *feeds.AtomAuthor
	Generator atomGenerator `xml:"generator"`
	Archive   *struct{}     `xml:"fh:archive"` // non-nil in an archive document
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
	Media      []mediaContent     `xml:"media:content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// atomText is an Atom text construct (title, subtitle, summary): type="text"
// (the default, not written) unless the text holds a sequence that reads as
// markup (see markupLike), then type="html" with the text HTML-escaped, so
// validators see no undeclared HTML (W ContainsUndeclaredHTML). Plain text is
// what every reader shows as it is: feed reader libraries such as gofeed hand
// an html title back as HTML, "&amp;" and all, so type="html" is kept for the
// texts that need it.
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
	if markupLike(s) {
		return atomText{Type: "html", Text: html.EscapeString(s)}
	}
	return atomText{Text: s}
}

// markupLike reports whether plain text holds a sequence that the W3C feed
// validator, checking an Atom text construct of type "text", takes for
// undeclared HTML (W ContainsUndeclaredHTML):
//
//   - an end tag: "</", a name, ">" ("</b>", "</em>");
//   - a character reference: "&" then a name that is an HTML entity ("&amp",
//     "&lt", "&eacute", with or without ";"), or "&" then a name with
//     anything but letters in it ("&#39", "&#x26", "&x1", "&P500").
//
// A lone "&", "<" or ">" ("Fish & chips", "a < b", "AT&T"), a start tag
// alone ("Use <br/>", "<b>"), quotes and apostrophes are none of these, and
// the validator takes them as text. Names are read as the validator reads
// them, as long as the run of letters, digits and "_" goes; where it knows
// fewer names (HTML's element names, HTML 4's entities), any end tag and any
// HTML 5 entity count here.
func markupLike(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			if i+1 < len(s) && s[i+1] == '/' {
				name := wordRun(s[i+2:])
				if name != "" && strings.HasPrefix(s[i+2+len(name):], ">") {
					return true
				}
			}
		case '&':
			rest := s[i+1:]
			ref := strings.HasPrefix(rest, "#")
			if ref {
				rest = rest[1:]
			}
			name := wordRun(rest)
			if name == "" {
				continue
			}
			if ref || !allLetters(name) || isEntityName(name) {
				return true
			}
		}
	}
	return false
}

// wordRun returns the leading run of s of letters, digits and "_".
func wordRun(s string) string {
	for i, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '_' {
			return s[:i]
		}
	}
	return s
}

func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// isEntityName reports whether name is the name of an HTML character
// reference ("amp", "eacute", "apos"), whole: not only a prefix of it, as
// "amp" is of "ampersand".
func isEntityName(name string) bool {
	ref := "&" + name + ";"
	u := html.UnescapeString(ref)
	return u != ref && !strings.HasSuffix(u, ";")
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
		NSMedia:  mediaNSFor(f.items),
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
	for _, l := range f.hist.links("atom") {
		w.Links = append(w.Links, feeds.AtomLink{Href: l[1], Rel: l[0], Type: "application/atom+xml"})
	}
	if f.hist != nil {
		w.NSFH = historyNS
	}
	if f.hist.isArchive() {
		w.Archive = &struct{}{}
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
			Media:     mediaOf(it),
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
	return marshalFeed(s, w)
}

func atomDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }
