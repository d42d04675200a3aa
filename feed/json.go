package feed

import (
	"bytes"
	"cmp"
	"encoding/json"

	"github.com/gorilla/feeds"
)

const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonFeed embeds gorilla's JSON feed; Items is never omitted (an empty feed
// has "items": []) and holds our item type.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

// jsonItem embeds gorilla's item and shadows the keys it names wrongly or
// cannot express (banner_image; dates as whole-second RFC 3339 UTC strings).
type jsonItem struct {
	*feeds.JSONItem
	BannerImage   string `json:"banner_image,omitempty"`
	PublishedDate string `json:"date_published,omitempty"`
	ModifiedDate  string `json:"date_modified,omitempty"`
}

func renderJSON(s *Site, f *feedSpec) ([]byte, error) {
	gf := &feeds.Feed{Title: f.title, Link: &feeds.Link{Href: f.home}, Description: f.description}
	jf := (&feeds.JSON{Feed: gf}).JSONFeed()
	jf.Version = jsonFeedVersion
	jf.HomePageUrl = f.home
	jf.FeedUrl = f.self["json"]
	jf.NextUrl = f.hist.nextURL() // the next older document of the archive chain
	jf.Language = s.Language
	jf.Author = nil
	jf.Authors = []*feeds.JSONAuthor{{Name: s.author()}}
	jf.Items = nil
	jf.Icon = s.absSiteURL(cmp.Or(s.Logo, s.Icon))
	jf.Favicon = s.absSiteURL(cmp.Or(s.Icon, s.Logo))
	if s.Hub != "" {
		jf.Hubs = []*feeds.JSONHub{{Type: "WebSub", Url: s.Hub}}
	}
	w := &jsonFeed{JSONFeed: jf, Items: make([]*jsonItem, len(f.items))}
	for i, it := range f.items {
		ji := &feeds.JSONItem{
			Id:          it.id,
			Url:         it.url,
			ExternalUrl: it.link,
			Title:       it.title(),
			ContentHTML: it.content(),
			Summary:     it.summary,
			Image:       it.image,
			Tags:        it.tags,
		}
		if ji.ContentHTML == "" {
			ji.ContentText = it.summary
			if ji.ContentText == "" {
				ji.ContentText = it.title()
			}
		}
		for _, n := range it.authors {
			ji.Authors = append(ji.Authors, &feeds.JSONAuthor{Name: n})
		}
		w.Items[i] = &jsonItem{
			JSONItem:      ji,
			PublishedDate: atomDate(it.published),
			ModifiedDate:  atomDate(it.updated),
		}
	}
	// Encoded compact, then indented, each in a buffer of renderBufs: the
	// bytes of an Encoder's SetIndent (which indents in a buffer of its own,
	// grown from nothing for each document).
	compact, out := getRenderBuf(), getRenderBuf()
	defer putRenderBuf(compact)
	defer putRenderBuf(out)
	enc := json.NewEncoder(compact)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	if err := json.Indent(out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return bytes.Clone(out.Bytes()), nil
}
