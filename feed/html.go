package feed

import (
	"net/url"
	"strings"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// dropElements are removed with everything inside them: active content and
// document-level elements that readers and validators treat as a risk.
var dropElements = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Embed: true, atom.Object: true,
	atom.Applet: true, atom.Frame: true, atom.Frameset: true, atom.Link: true, atom.Meta: true,
	atom.Base: true, atom.Head: true, atom.Title: true, atom.Param: true, atom.Noframes: true,
	atom.Plaintext: true, atom.Xmp: true, atom.Listing: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Math: true, atom.Form: true, atom.Input: true, atom.Button: true,
	atom.Select: true, atom.Textarea: true, atom.Basefont: true, atom.Slot: true,
}

// unwrapElements are replaced by their children.
var unwrapElements = map[atom.Atom]bool{atom.Html: true, atom.Body: true, atom.Bdo: true, atom.Font: true}

// urlAttrs name the attributes that hold a URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "poster": true, "cite": true, "data": true, "action": true,
	"longdesc": true, "background": true, "formaction": true, "manifest": true, "codebase": true,
	"usemap": true, "icon": true, "profile": true, "classid": true, "archive": true,
}

// cleanHTML parses an HTML fragment, removes what is unsafe for feed readers
// (active elements, event handler and style attributes, javascript: URLs,
// unknown elements), resolves every relative URL against base, and
// serializes well-formed HTML with no character XML 1.0 cannot carry.
func cleanHTML(fragment string, base *url.URL) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return html.EscapeString(fragment)
	}
	// Hang the fragment's top-level nodes under one root, so that they are
	// cleaned like every other node: their attributes too.
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	for _, n := range nodes {
		root.AppendChild(n)
	}
	cleanNode(root, base)
	var b strings.Builder
	for c := root.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&b, c); err != nil {
			return html.EscapeString(fragment)
		}
	}
	// Character references (&#11;, &#xFFFE;) decode to characters XML
	// cannot carry; the source was cleaned, the rendering must be too.
	return content.CleanText(b.String())
}

func cleanNode(n *html.Node, base *url.URL) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		switch {
		case c.Type == html.CommentNode || c.Type == html.DoctypeNode:
			n.RemoveChild(c)
		case c.Type == html.ElementNode && (dropElements[c.DataAtom] || c.DataAtom == 0):
			if c.DataAtom == 0 { // custom elements: keep their text
				cleanNode(c, base)
				for gc := c.FirstChild; gc != nil; {
					gnext := gc.NextSibling
					c.RemoveChild(gc)
					n.InsertBefore(gc, c)
					gc = gnext
				}
			}
			n.RemoveChild(c)
		case c.Type == html.ElementNode && unwrapElements[c.DataAtom]:
			cleanNode(c, base)
			for gc := c.FirstChild; gc != nil; {
				gnext := gc.NextSibling
				c.RemoveChild(gc)
				n.InsertBefore(gc, c)
				gc = gnext
			}
			n.RemoveChild(c)
		case c.Type == html.ElementNode:
			c.Attr = cleanAttrs(c.Attr, base)
			cleanNode(c, base)
		}
		c = next
	}
}

func cleanAttrs(attrs []html.Attribute, base *url.URL) []html.Attribute {
	out := attrs[:0]
	for _, a := range attrs {
		k := strings.ToLower(a.Key)
		switch {
		case a.Namespace != "", strings.HasPrefix(k, "on"), k == "style", k == "xmlns", !plainAttrName(k):
			continue
		case urlAttrs[k]:
			v, ok := resolveURL(a.Val, base)
			if !ok {
				continue
			}
			a.Val = v
		case k == "srcset":
			a.Val = resolveSrcset(a.Val, base)
		}
		out = append(out, a)
	}
	return out
}

// plainAttrName reports whether an attribute name is lowercase ASCII letters,
// digits, "-", "_" and ".", starting with a letter: a name both HTML and XML
// accept. Names with ":" (xlink:href) or quotes are dropped.
func plainAttrName(k string) bool {
	if k == "" || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// resolveURL resolves ref against base. It refuses script-like schemes.
func resolveURL(ref string, base *url.URL) (string, bool) {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto", "tel", "ftp", "data":
	default:
		return "", false
	}
	if strings.EqualFold(u.Scheme, "data") && !strings.HasPrefix(strings.ToLower(u.Opaque), "image/") {
		return "", false
	}
	if u.Scheme == "" && base != nil {
		return base.ResolveReference(u).String(), true
	}
	return u.String(), true
}

func resolveSrcset(v string, base *url.URL) string {
	parts := strings.Split(v, ",")
	out := parts[:0]
	for _, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		u, ok := resolveURL(f[0], base)
		if !ok {
			continue
		}
		f[0] = u
		out = append(out, strings.Join(f, " "))
	}
	return strings.Join(out, ", ")
}

// absURL resolves a URL written in an article against the article's URL.
func absURL(ref string, base *url.URL) string {
	if ref == "" {
		return ""
	}
	v, ok := resolveURL(ref, base)
	if !ok {
		return ""
	}
	return v
}
