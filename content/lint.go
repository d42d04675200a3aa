package content

import (
	"bytes"
	"cmp"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Thresholds of the warnings of [Lint].
const (
	// lintTitle is the length, in characters, above which feed readers cut
	// titles in their lists.
	lintTitle = 110
	// lintParagraph is the length, in characters, above which a first
	// paragraph without a summary is reported: feed readers show the
	// summary made of it, cut near summaryLimit characters.
	lintParagraph = 500
)

// Lint returns warnings about what readers of article a will dislike,
// found in src, the bytes of the file a was parsed from (with opts, the
// options it was parsed with), each at its line (and column) in the file:
//
//   - a title longer than feed readers show ([WarnLongTitle]);
//   - a first paragraph over 500 characters and no summary given, so the
//     feeds carry it cut near 300 ([WarnLongParagraph]);
//   - an image without alt text ([WarnNoAltText]): a Markdown image, inline
//     or by reference, an HTML img element when opts.UnsafeHTML lets raw
//     HTML through, or a plain-text Image: header with no caption paragraph.
//
// It returns with them sel, the warnings [Select] gave about a (a duplicate
// id or URL), placed at the line of the file's id or slug key when it has
// one. When src is not what a was parsed from (the file changed since), Lint
// returns sel as given.
//
// Lint parses the file again, the whole Markdown body included, which
// building feeds does not need: it is for reporting ("dropfeed check"), not
// for the path from files to feeds.
func Lint(a *Article, src []byte, opts Options, sel []Warning) []Warning {
	out := slices.Clone(sel)
	if a == nil || !lintable(a, src) {
		return out
	}
	s, _, err := decodeText(a.Path, src, false)
	if err != nil {
		return out
	}
	l := linter{path: a.Path}
	var m *meta
	switch a.Format {
	case FormatText:
		var body Body
		if m, body, err = parseText(a.Path, s); err != nil {
			return out
		}
		l.text(m, body)
	case FormatMarkdown:
		var body Body
		if m, body, _, err = parseMarkdown(a.Path, s, &opts); err != nil {
			return out
		}
		l.markdown(m, body.kept.src, opts.UnsafeHTML)
	default:
		return out
	}
	if n := utf8.RuneCountInString(a.Title); n > lintTitle {
		l.warn(m.titleLine, 0, WarnLongTitle, fmt.Sprintf("the title is %d characters long; feed readers cut titles longer than about %d", n, lintTitle))
	}
	for i, w := range out {
		if w.Path != a.Path || w.Line > 0 {
			continue
		}
		switch w.Code {
		case WarnDuplicateID:
			out[i].Line = m.idLine
		case WarnDuplicateURL:
			out[i].Line = m.slugLine
		}
	}
	out = append(l.warns, out...)
	slices.SortStableFunc(out, func(a, b Warning) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// LintFile is [Lint] of the file a was parsed from, read from fsys as
// [ParseFile] reads it (a regular file, at most opts.MaxSize bytes). A file
// that cannot be read gives sel as given.
func LintFile(fsys fs.FS, a *Article, opts Options, sel []Warning) []Warning {
	if a == nil {
		return slices.Clone(sel)
	}
	src, _, err := readArticle(fsys, a.Path, opts.maxSize(), nil)
	if err != nil {
		src = nil
	}
	return Lint(a, src, opts, sel)
}

// lintable reports whether src holds the bytes a was parsed from.
func lintable(a *Article, src []byte) bool {
	if src == nil {
		return false
	}
	sum := fileSum(src)
	return hex.EncodeToString(sum[:]) == a.Hash
}

// linter collects the warnings of one file.
type linter struct {
	path  string
	warns []Warning
}

func (l *linter) warn(line, col int, code, msg string) {
	l.warns = append(l.warns, Warning{Path: l.path, Line: line, Column: col, Code: code, Msg: msg})
}

func (l *linter) longParagraph(line, n int, key string) {
	l.warn(line, 0, WarnLongParagraph, fmt.Sprintf("the first paragraph is %d characters long and there is no summary: feed readers show it cut off after about %d; add %s or a shorter first paragraph",
		n, summaryLimit, key))
}

// text lints a plain-text article: m and body as [parseText] gives them.
func (l *linter) text(m *meta, body Body) {
	k := body.kept
	if m.summaryLine == 0 && len(k.paras) > 0 {
		line := m.paraLines[0]
		if k.caption != "" {
			line = m.paraLines[1]
		}
		if n := utf8.RuneCountInString(k.paras[0]); n > lintParagraph {
			l.longParagraph(line, n, "a Summary: header")
		}
	}
	if m.image != "" && k.caption == "" {
		l.warn(m.imageLine, 0, WarnNoAltText, `the image has no alt text: start the body with a photo caption paragraph, e.g. "Workers on the bridge. (Photo/Desk)"`)
	}
}

// markdown lints a Markdown article: m as [parseMarkdown] gives it, and
// body the body it renders (without a "# Title" line it took the title
// from). That cut leaves the line's line feed, so lines in body are
// counted from m.bodyLine as in the file.
func (l *linter) markdown(m *meta, body string, unsafeHTML bool) {
	src := []byte(body)
	doc := mdSafe().Parser().Parse(text.NewReader(src))
	at := func(off int) (line, col int) {
		nl := bytes.LastIndexByte(src[:off], '\n')
		return m.bodyLine + bytes.Count(src[:off], []byte{'\n'}), off - nl
	}
	if m.summaryLine == 0 {
		if p, text := firstParagraphNode(doc, src); p != nil && p.Lines().Len() > 0 {
			if n := utf8.RuneCountInString(text); n > lintParagraph {
				line, _ := at(p.Lines().At(0).Start)
				l.longParagraph(line, n, "summary: in the front matter")
			}
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Image:
			if strings.TrimSpace(inlineText(n, src)) == "" && n.Pos() >= 0 {
				line, col := at(n.Pos())
				l.warn(line, col, WarnNoAltText, "image without alt text: describe it between the brackets of ![...](...) for readers who cannot see it")
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			if unsafeHTML {
				for _, off := range htmlImagesWithoutAlt(src, n.Segments) {
					line, col := at(off)
					l.warn(line, col, WarnNoAltText, htmlNoAlt)
				}
			}
		case *ast.HTMLBlock:
			if unsafeHTML {
				segs := n.Lines()
				if n.HasClosure() {
					segs = text.NewSegments()
					segs.AppendAll(n.Lines().Sliced(0, n.Lines().Len()))
					segs.Append(n.ClosureLine)
				}
				for _, off := range htmlImagesWithoutAlt(src, segs) {
					line, col := at(off)
					l.warn(line, col, WarnNoAltText, htmlNoAlt)
				}
			}
		}
		return ast.WalkContinue, nil
	})
}

const htmlNoAlt = `image without alt text: give the img element an alt="..." that describes it for readers who cannot see it`

// htmlImagesWithoutAlt returns the offsets in src of the img elements in the
// raw HTML of segs whose alt attribute is missing or blank: what screen
// readers and text-only feed readers would have nothing to say for.
func htmlImagesWithoutAlt(src []byte, segs *text.Segments) []int {
	var buf []byte
	starts := make([][2]int, 0, segs.Len()) // offset in buf, offset in src
	for i := range segs.Len() {
		s := segs.At(i)
		starts = append(starts, [2]int{len(buf), s.Start})
		buf = append(buf, src[s.Start:s.Stop]...)
	}
	var out []int
	z := html.NewTokenizer(bytes.NewReader(buf))
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		start := off
		off += len(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if atom.Lookup(name) != atom.Img {
			continue
		}
		alt := ""
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			if string(k) == "alt" {
				alt = string(v)
			}
		}
		if strings.TrimSpace(alt) == "" {
			// The last segment that starts at or before the tag holds it.
			k := 0
			for k+1 < len(starts) && starts[k+1][0] <= start {
				k++
			}
			out = append(out, starts[k][1]+start-starts[k][0])
		}
	}
}
