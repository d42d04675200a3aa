package content

import (
	"bufio"
	"bytes"
	"html"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	goldhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

var (
	mdSafe   = sync.OnceValue(func() goldmark.Markdown { return newMarkdown(false) })
	mdUnsafe = sync.OnceValue(func() goldmark.Markdown { return newMarkdown(true) })
)

func newMarkdown(unsafe bool) goldmark.Markdown {
	opts := []goldmark.Option{goldmark.WithExtensions(extension.GFM)}
	if unsafe {
		opts = append(opts, goldmark.WithRendererOptions(goldhtml.WithUnsafe()))
	}
	return goldmark.New(opts...)
}

func markdownFor(unsafe bool) goldmark.Markdown {
	if unsafe {
		return mdUnsafe()
	}
	return mdSafe()
}

// scanMarkdown parses Markdown source once and returns what the metadata may
// lack: the text of the first top-level level-1 ATX heading ("# Title") with
// the bounds of that heading's line in body (cut[1] == 0 when there is no
// title), to be taken out of the body, when wantTitle; and the plain text
// of the first paragraph, cut for a summary.
// Headings in code blocks, quotes and lists are not titles, and "#"
// characters that do not close the heading ("# C#") stay in it.
func scanMarkdown(body string, wantTitle bool) (title string, cut [2]int, summary string) {
	if !wantTitle {
		if summary, ok := summaryFromStart(body); ok {
			return "", cut, summary
		}
	}
	src := []byte(body)
	doc := mdSafe().Parser().Parse(text.NewReader(src))
	if wantTitle {
		for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
			h, ok := c.(*ast.Heading)
			if !ok || h.Level != 1 || h.Lines().Len() == 0 {
				continue
			}
			start, end := lineAround(body, h.Lines().At(0).Start)
			if !isATX(body[start:h.Lines().At(0).Start]) {
				continue // a setext heading: its text starts the line
			}
			if t := inlineText(h, src); t != "" {
				title, cut = t, [2]int{start, end}
				break
			}
		}
	}
	summary, _ = firstParagraph(doc, src)
	return title, cut, summary
}

// firstParagraph returns the summary made of the first paragraph under doc
// that has text.
func firstParagraph(doc ast.Node, src []byte) (summary string, found bool) {
	if p, text := firstParagraphNode(doc, src); p != nil {
		return cutSummary(text), true
	}
	return "", false
}

// firstParagraphNode returns the first paragraph under doc that has text,
// and that text (see [inlineText]); nil when there is none.
func firstParagraphNode(doc ast.Node, src []byte) (para *ast.Paragraph, text string) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if p, ok := n.(*ast.Paragraph); ok {
			if s := inlineText(p, src); s != "" {
				para, text = p, s
				return ast.WalkStop, nil
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return para, text
}

// summaryFromStart finds the first paragraph's summary by parsing only the
// start of body, up to a blank line, longer and longer, rather than the
// whole body. That gives what parsing all of it would when the part parsed
// ends with a block that a blank line closes (a paragraph, heading, rule
// or table) — the Markdown grammar never looks past the blank line to
// decide what came before — and when the body defines no link references
// (whose "[label]:" may come later and change the paragraph's links). ok
// is false when no such start holds a paragraph with text: parse it all.
func summaryFromStart(body string) (summary string, ok bool) {
	return summaryFromStartAt(body, 256)
}

// summaryFromStartAt is summaryFromStart, parsing first at least the first
// bytes of body.
func summaryFromStartAt(body string, first int) (summary string, ok bool) {
	if strings.Contains(body, "]:") {
		return "", false
	}
	for want := first; ; want *= 2 {
		end := afterBlankLine(body, want)
		if end < 0 || end >= len(body) {
			return "", false
		}
		src := []byte(body[:end])
		doc := mdSafe().Parser().Parse(text.NewReader(src))
		last := doc.LastChild()
		if last == nil {
			continue
		}
		switch last.Kind() {
		case ast.KindParagraph, ast.KindHeading, ast.KindThematicBreak, extast.KindTable:
			if summary, found := firstParagraph(doc, src); found {
				return summary, true
			}
		}
		want = max(want, end)
	}
}

// afterBlankLine returns the offset just after the first blank line (only
// spaces and tabs) that ends at or after offset from, or -1.
func afterBlankLine(s string, from int) int {
	for i := 0; i < len(s); {
		nl := strings.IndexByte(s[i:], '\n')
		if nl < 0 {
			return -1
		}
		end := i + nl + 1
		if end > from && strings.Trim(s[i:i+nl], " \t") == "" && i > 0 {
			return end
		}
		i = end
	}
	return -1
}

// lineAround returns the bounds of the line holding offset i, without its
// line feed.
func lineAround(s string, i int) (start, end int) {
	start = strings.LastIndexByte(s[:i], '\n') + 1
	end = strings.IndexByte(s[i:], '\n')
	if end < 0 {
		return start, len(s)
	}
	return start, i + end
}

// isATX reports whether the text before a heading's content on its line is an
// ATX opening sequence: up to three spaces, "#" characters, then spaces.
func isATX(prefix string) bool {
	t := strings.TrimLeft(prefix, " ")
	return strings.HasPrefix(t, "#") && strings.Trim(t, "# \t") == ""
}

// inlineText returns the plain text of a node's inline content, as it reads
// once rendered: markup dropped, backslash escapes and entities resolved,
// white space collapsed.
func inlineText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	plainText(w, n, src)
	w.Flush()
	return collapseSpace(html.UnescapeString(b.String()))
}

// plainText writes the inline content under n HTML-escaped, the way goldmark's
// renderer writes text; inlineText unescapes it again.
func plainText(w *bufio.Writer, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			if t.IsRaw() {
				goldhtml.DefaultWriter.RawWrite(w, t.Segment.Value(src))
			} else {
				goldhtml.DefaultWriter.Write(w, t.Segment.Value(src))
			}
			if t.SoftLineBreak() || t.HardLineBreak() {
				w.WriteByte(' ')
			}
		case *ast.String:
			if t.IsRaw() || t.IsCode() {
				goldhtml.DefaultWriter.RawWrite(w, t.Value)
			} else {
				goldhtml.DefaultWriter.Write(w, t.Value)
			}
		case *ast.AutoLink:
			goldhtml.DefaultWriter.RawWrite(w, t.Label(src))
		case *ast.RawHTML:
			// dropped: markup is not text
		default:
			plainText(w, c, src)
		}
	}
}
