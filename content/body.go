package content

import (
	"bytes"
	"html"
	"strings"
)

// Body is an article's body in its source form. [Body.HTML] renders it; the
// zero Body renders as "".
type Body struct {
	format Format
	// Markdown
	src    string
	unsafe bool
	// plain text
	caption, source string
	paras           []string
	image           string
}

// HTML renders the body as an HTML fragment. Links and image sources are left
// as written (possibly relative to the article's URL).
func (b Body) HTML() string {
	switch b.format {
	case FormatMarkdown:
		var buf bytes.Buffer
		if err := markdownFor(b.unsafe).Convert([]byte(b.src), &buf); err != nil {
			// goldmark's HTML renderer writes to memory and does not fail;
			// keep the text readable if it ever does.
			return "<pre>" + html.EscapeString(b.src) + "</pre>\n"
		}
		// Character references decode to what a feed cannot carry: "&#0;"
		// and "&#xD800;" to U+FFFD, "&#11;" to a control character.
		return CleanText(buf.String())
	case FormatText:
		var s strings.Builder
		if b.caption != "" || b.image != "" {
			s.WriteString("<figure>")
			if b.image != "" {
				s.WriteString(`<img src="` + html.EscapeString(b.image) + `" alt="` + html.EscapeString(b.caption) + `">`)
			}
			if b.caption != "" {
				s.WriteString("<figcaption>" + html.EscapeString(b.caption) + "</figcaption>")
			}
			s.WriteString("</figure>\n")
		}
		for _, p := range b.paras {
			s.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
		}
		if b.source != "" {
			s.WriteString(`<p class="source">Source: ` + html.EscapeString(b.source) + "</p>\n")
		}
		return s.String()
	}
	return ""
}

// Text returns the body as plain text: paragraphs separated by blank lines.
// For Markdown it is the source text.
func (b Body) Text() string {
	if b.format == FormatMarkdown {
		return b.src
	}
	parts := make([]string, 0, len(b.paras)+2)
	if b.caption != "" {
		parts = append(parts, b.caption)
	}
	parts = append(parts, b.paras...)
	if b.source != "" {
		parts = append(parts, "Source: "+b.source)
	}
	return strings.Join(parts, "\n\n")
}
