package feed

import (
	"io/fs"
	"net/url"
	"path"
	"strings"
)

// mediaNS is the Media RSS namespace. RSS and Atom carry an article's lead
// image as media:content medium="image" (besides JSON Feed's image):
// readers such as Feedly and Inoreader show it as the item's picture, where
// an enclosure is taken for a download and a remote image gets none.
const mediaNS = "http://search.yahoo.com/mrss/"

// mediaContent is a Media RSS media:content element.
type mediaContent struct {
	URL      string `xml:"url,attr"`
	Medium   string `xml:"medium,attr"`
	Type     string `xml:"type,attr,omitempty"`
	FileSize int64  `xml:"fileSize,attr,omitempty"`
}

// mediaOf returns the media:content of an item's lead image: none without
// one, or when it is not an image (a video or sound as the article image
// is an enclosure only). The type and size are those of the file when it
// is a media file of the content folder, else the type its name says.
func mediaOf(it *item) []mediaContent {
	if it.image == "" {
		return nil
	}
	if e := it.enclosure; e != nil {
		if !strings.HasPrefix(e.Type, "image/") {
			return nil
		}
		return []mediaContent{{URL: it.image, Medium: "image", Type: e.Type, FileSize: e.Size}}
	}
	typ := ""
	if u, err := url.Parse(it.image); err == nil {
		typ = MediaType(path.Base(u.Path))
	}
	if typ != "" && !strings.HasPrefix(typ, "image/") {
		return nil
	}
	return []mediaContent{{URL: it.image, Medium: "image", Type: typ}}
}

// mediaNSFor returns the namespace declaration the feed needs: mediaNS
// when an item carries media:content, else "" (none written).
func mediaNSFor(items []*item) string {
	for _, it := range items {
		if len(mediaOf(it)) > 0 {
			return mediaNS
		}
	}
	return ""
}

// FaviconName is where browsers and feed readers (Feedly and Inoreader
// among them, which take the host's favicon rather than a feed's icon)
// look for a site's icon.
const FaviconName = "favicon.ico"

// maxFaviconSize bounds the icon file read into every build.
const maxFaviconSize = 1 << 20

// favicon returns the bytes and type of favicon.ico, made from the site's
// icon when that is a path (not a URL) of an image file in the content
// folder; nil otherwise.
func favicon(s *Site, src fs.FS) (body []byte, typ string) {
	ref := s.Icon
	if src == nil || ref == "" || strings.Contains(ref, ":") || strings.HasPrefix(ref, "/") {
		return nil, ""
	}
	name := path.Clean(ref)
	if !fs.ValidPath(name) {
		return nil, ""
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".ico":
		typ = "image/x-icon"
	case ".svg":
		typ = "image/svg+xml"
	default:
		if t := MediaType(name); strings.HasPrefix(t, "image/") {
			typ = t
		}
	}
	if typ == "" {
		return nil, ""
	}
	fi, err := fs.Stat(src, name)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxFaviconSize {
		return nil, ""
	}
	body, err = fs.ReadFile(src, name)
	if err != nil {
		return nil, ""
	}
	return body, typ
}
