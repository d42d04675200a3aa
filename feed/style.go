package feed

import (
	_ "embed"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// StyleName is the path, relative to the base URL, of the CSS stylesheet
// the RSS and Atom feeds link, so that a feed opened in a web browser reads
// as a page rather than as XML.
const StyleName = "feed.css"

// TypeCSS is the content type of the feeds' stylesheet.
const TypeCSS = "text/css; charset=utf-8"

// feedCSS styles the raw XML of the RSS and Atom feeds for a browser. CSS,
// not XSLT: browsers are removing XSLT, and feed readers ignore both.
//
//go:embed feed.css
var feedCSS []byte

// styleHref returns the stylesheet's URL as the feeds name it: a path from
// the host's root (the base URL's path + StyleName), so that the feeds of
// tags and sections find it too, and a browser asks the host it opened the
// feed from, whatever name that host goes by.
func (s *Site) styleHref() string {
	p := "/"
	if u, err := url.Parse(s.BaseURL); err == nil && u.EscapedPath() != "" {
		p = u.EscapedPath()
	}
	return p + StyleName
}

// marshalFeed writes an XML feed as marshalXML does, with the processing
// instruction that links the stylesheet after the XML declaration.
func marshalFeed(s *Site, v any) ([]byte, error) {
	return marshalXML(v, `<?xml-stylesheet type="text/css" href="`+pseudoAttrEscaper.Replace(s.styleHref())+"\"?>\n")
}

// pseudoAttrEscaper escapes a value for a pseudo-attribute of a processing
// instruction, which is read like an attribute value in double quotes. (An
// escaped URL path holds no "?", which could end the instruction.)
var pseudoAttrEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `"`, "&quot;")

// styleFile returns the stylesheet as a bundle file.
func styleFile() *File { return newFile(StyleName, TypeCSS, feedCSS, time.Time{}) }

// Header values of an RSS or Atom feed opened as a page. They are never
// modified.
var (
	hdrVaryAccept = []string{"Accept, Accept-Encoding"}
	hdrXMLType    = []string{"application/xml; charset=utf-8"}
	// A feed shown as a page loads its stylesheet and nothing else.
	hdrFeedCSP = []string{"default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
)

// feedTypeFor returns the Content-Type header of an RSS or Atom feed (whose
// own type is ctype) for a request, and sets the headers that go with it.
// Browsers show application/rss+xml and application/atom+xml as plain text
// (Chromium) or offer to save them, never applying the stylesheet, so a
// request that asks for an HTML page and names neither feed type, as a
// browser's navigation does, gets the same bytes as application/xml, which
// browsers render with the stylesheet. Feed readers name the feed types or
// ask for anything, and get them.
func feedTypeFor(h http.Header, r *http.Request, ctype []string) []string {
	h["Vary"] = hdrVaryAccept
	accept := strings.ToLower(strings.Join(r.Header.Values("Accept"), ","))
	if !strings.Contains(accept, "text/html") || strings.Contains(accept, "application/rss+xml") || strings.Contains(accept, "application/atom+xml") {
		return ctype
	}
	h["Content-Security-Policy"] = hdrFeedCSP
	return hdrXMLType
}
