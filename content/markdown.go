package content

import (
	"bytes"
	"regexp"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

var (
	mdSafe   = sync.OnceValue(func() goldmark.Markdown { return newMarkdown(false) })
	mdUnsafe = sync.OnceValue(func() goldmark.Markdown { return newMarkdown(true) })
)

func newMarkdown(unsafe bool) goldmark.Markdown {
	opts := []goldmark.Option{goldmark.WithExtensions(extension.GFM)}
	if unsafe {
		opts = append(opts, goldmark.WithRendererOptions(html.WithUnsafe()))
	}
	return goldmark.New(opts...)
}

func markdownFor(unsafe bool) goldmark.Markdown {
	if unsafe {
		return mdUnsafe()
	}
	return mdSafe()
}

var atxH1RE = regexp.MustCompile(`^ {0,3}#[ \t]+(.+?)[ \t#]*$`)

// firstHeading finds the first level-1 ATX heading outside fenced code and
// returns its text and the body with that line blanked (so line numbers hold).
func firstHeading(body string) (string, string) {
	fence := ""
	off := 0
	for off < len(body) {
		end := strings.IndexByte(body[off:], '\n')
		if end < 0 {
			end = len(body) - off
		}
		l := body[off : off+end]
		t := strings.TrimLeft(l, " ")
		switch {
		case fence != "":
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
		case strings.HasPrefix(t, "```"):
			fence = "```"
		case strings.HasPrefix(t, "~~~"):
			fence = "~~~"
		default:
			if m := atxH1RE.FindStringSubmatch(l); m != nil {
				return m[1], body[:off] + body[off+end:]
			}
		}
		off += end + 1
	}
	return "", body
}

// markdownSummary returns the plain text of the first paragraph of Markdown source.
func markdownSummary(src []byte) string {
	md := mdSafe()
	doc := md.Parser().Parse(text.NewReader(src))
	var out string
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if p, ok := n.(*ast.Paragraph); ok {
			var b bytes.Buffer
			plainText(&b, p, src)
			if s := strings.TrimSpace(b.String()); s != "" {
				out = s
				return ast.WalkStop, nil
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return cutSummary(out)
}

func plainText(b *bytes.Buffer, n ast.Node, src []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			plainText(b, t, src)
		case *ast.RawHTML:
			// dropped: markup is not summary text
		default:
			plainText(b, c, src)
		}
	}
}
