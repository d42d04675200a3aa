package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// diagnostic is one problem check reports, in the shape editors and CI read.
type diagnostic struct {
	Path     string `json:"path,omitempty"` // relative to the content folder; "" for the site as a whole
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"` // 1-based byte column, where known
	Severity string `json:"severity"`         // "error" or "warning"
	Message  string `json:"message"`
}

// String formats the diagnostic as PATH:LINE[:COLUMN]: SEVERITY: MESSAGE.
func (d diagnostic) String() string {
	var b strings.Builder
	if d.Path != "" {
		b.WriteString(d.Path)
		if d.Line > 0 {
			b.WriteString(":" + strconv.Itoa(d.Line))
			if d.Column > 0 {
				b.WriteString(":" + strconv.Itoa(d.Column))
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(d.Severity + ": " + d.Message)
	return b.String()
}

// checkReport is check's whole result; -format json prints it as is.
type checkReport struct {
	Content     string       `json:"content"` // the content folder
	Files       int          `json:"files"`
	Articles    int          `json:"articles"`
	Errors      int          `json:"errors"`
	Warnings    int          `json:"warnings"`
	Diagnostics []diagnostic `json:"diagnostics"`
}

func (r *checkReport) add(d diagnostic) {
	if d.Severity == "error" {
		r.Errors++
	} else {
		r.Warnings++
	}
	r.Diagnostics = append(r.Diagnostics, d)
}

// addErr adds a per-file error from parsing (a skipped empty file is a warning).
func (r *checkReport) addErr(err error) {
	sev := "error"
	if content.IsWarning(err) {
		sev = "warning"
	}
	var pe *content.ParseError
	if errors.As(err, &pe) {
		r.add(diagnostic{Path: pe.Path, Line: pe.Line, Severity: sev, Message: pe.Err.Error()})
		return
	}
	r.add(diagnostic{Severity: sev, Message: err.Error()})
}

func (r *checkReport) sort() {
	slices.SortStableFunc(r.Diagnostics, func(a, b diagnostic) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}

// write prints the report: one line per diagnostic and a summary, or JSON.
func (r *checkReport) write(w io.Writer, format string) error {
	if format == "json" {
		if r.Diagnostics == nil {
			r.Diagnostics = []diagnostic{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	for _, d := range r.Diagnostics {
		fmt.Fprintln(w, d)
	}
	_, err := fmt.Fprintf(w, "%d files, %d articles, %d errors, %d warnings\n", r.Files, r.Articles, r.Errors, r.Warnings)
	return err
}

// Thresholds of the reader-facing warnings.
const (
	// longParagraph is the length, in characters, above which a first
	// paragraph without a summary is reported: feed readers would show it
	// cut near 300 characters.
	longParagraph = 500
	// longTitle is the length above which readers cut titles in their lists.
	longTitle = 110
)

// source is what lint needs to know about an article file's text, found by
// reading its lines: where things are, and whether a summary is given.
type source struct {
	lines        []string
	titleLine    int // 1-based; 0 when unknown
	summaryGiven bool
	idLine       int
	slugLine     int
	imageLine    int // plain text: the Image: header
	bodyStart    int // 0-based index of the first body line
}

var (
	fmKeyRE      = regexp.MustCompile(`^([A-Za-z_]+)[ \t]*:`)
	textHeaderRE = regexp.MustCompile(`^([A-Za-z]+):[ \t]*(.*?)[ \t]*$`)
	orderedRE    = regexp.MustCompile(`^\d+[.)] `)
	codeSpanRE   = regexp.MustCompile("`+[^`]*`+")
	captionRE    = regexp.MustCompile(`\((Photo|Image|Picture|Video)\s*[/:]\s*[^)]+\)$`)
	// mdNoAltRE matches a Markdown image with an empty alt text: ![](…) or ![][ref].
	mdNoAltRE = regexp.MustCompile(`!\[[ \t]*\][ \t]*[(\[]`)
	// htmlImgRE matches a raw HTML img tag, to look for its alt attribute.
	htmlImgRE = regexp.MustCompile(`(?i)<img\b[^>]*>`)
	altAttrRE = regexp.MustCompile(`(?i)\balt[ \t]*=[ \t]*("[ \t]*[^" \t][^"]*"|'[ \t]*[^' \t][^']*'|[^ \t>"']+)`)
)

// readSource finds the positions lint reports in an article file's text.
func readSource(data []byte, format content.Format) *source {
	text := strings.TrimPrefix(string(data), "\uFEFF")
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	s := &source{lines: lines}
	switch format {
	case content.FormatMarkdown:
		if len(lines) > 0 && strings.TrimRight(lines[0], " \t") == "---" {
			for i := 1; i < len(lines); i++ {
				if t := strings.TrimRight(lines[i], " \t"); t == "---" || t == "..." {
					s.bodyStart = i + 1
					break
				}
				m := fmKeyRE.FindStringSubmatch(lines[i])
				if m == nil {
					continue
				}
				switch strings.ToLower(m[1]) {
				case "title":
					s.titleLine = i + 1
				case "summary", "description":
					s.summaryGiven = true
				case "id":
					s.idLine = i + 1
				case "slug":
					s.slugLine = i + 1
				}
			}
		}
		if s.titleLine == 0 {
			for i := s.bodyStart; i < len(lines); i++ {
				if strings.HasPrefix(lines[i], "# ") {
					s.titleLine = i + 1
					break
				}
			}
		}
	case content.FormatText:
		i := 0
		for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		s.titleLine = i + 1
	header:
		for i++; i < len(lines); i++ {
			m := textHeaderRE.FindStringSubmatch(lines[i])
			if m == nil {
				break
			}
			switch strings.ToLower(m[1]) {
			case "summary":
				s.summaryGiven = m[2] != ""
			case "id":
				s.idLine = i + 1
			case "image":
				s.imageLine = i + 1
			case "date", "updated", "author", "tags", "link", "draft":
			default:
				break header // not a header key: the body starts here
			}
		}
		s.bodyStart = i
	}
	return s
}

// firstParagraph returns the first body paragraph's text (lines joined) and
// its 1-based line. Markdown headings, lists, quotes, code, tables and HTML
// are not paragraphs; a plain-text photo caption is skipped.
func (s *source) firstParagraph(format content.Format) (string, int) {
	i := s.bodyStart
	for i < len(s.lines) {
		for i < len(s.lines) && strings.TrimSpace(s.lines[i]) == "" {
			i++
		}
		if i == len(s.lines) {
			break
		}
		start := i
		var parts []string
		for i < len(s.lines) && strings.TrimSpace(s.lines[i]) != "" {
			parts = append(parts, strings.TrimSpace(s.lines[i]))
			i++
		}
		first := parts[0]
		if format == content.FormatMarkdown && (strings.HasPrefix(first, "#") || strings.HasPrefix(first, ">") ||
			strings.HasPrefix(first, "- ") || strings.HasPrefix(first, "* ") || strings.HasPrefix(first, "+ ") ||
			strings.HasPrefix(first, "|") || strings.HasPrefix(first, "```") || strings.HasPrefix(first, "~~~") ||
			strings.HasPrefix(first, "<") || strings.HasPrefix(first, "![") || strings.HasPrefix(s.lines[start], "    ") ||
			orderedRE.MatchString(first)) {
			if strings.HasPrefix(first, "```") || strings.HasPrefix(first, "~~~") {
				// Skip to the closing fence, blank lines in the block included.
				for i < len(s.lines) && !strings.HasPrefix(strings.TrimSpace(s.lines[i]), first[:3]) {
					i++
				}
				i++
			}
			continue
		}
		text := strings.Join(parts, " ")
		if format == content.FormatText && captionRE.MatchString(text) && start == s.firstBodyLine() {
			continue
		}
		return text, start + 1
	}
	return "", 0
}

// firstBodyLine returns the index of the first non-blank body line.
func (s *source) firstBodyLine() int {
	i := s.bodyStart
	for i < len(s.lines) && strings.TrimSpace(s.lines[i]) == "" {
		i++
	}
	return i
}

// imagesWithoutAlt returns the positions (1-based line and byte column) of
// the images in the text that have no alt text, in order.
func (s *source) imagesWithoutAlt(unsafeHTML bool) [][2]int {
	var out [][2]int
	fence := ""
	for i := s.bodyStart; i < len(s.lines); i++ {
		l := s.lines[i]
		if t := strings.TrimSpace(l); fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		} else if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			continue
		} else if strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t") {
			continue // an indented code block (or a list's continuation: rare for images)
		}
		// Blank out code spans, keeping the columns.
		l = codeSpanRE.ReplaceAllStringFunc(l, func(m string) string { return strings.Repeat(" ", len(m)) })
		var hits []int
		for _, m := range mdNoAltRE.FindAllStringIndex(l, -1) {
			hits = append(hits, m[0])
		}
		if unsafeHTML {
			for _, m := range htmlImgRE.FindAllStringIndex(l, -1) {
				if !altAttrRE.MatchString(l[m[0]:m[1]]) {
					hits = append(hits, m[0])
				}
			}
		}
		slices.Sort(hits)
		for _, c := range hits {
			out = append(out, [2]int{i + 1, c + 1})
		}
	}
	return out
}

// renderedImagesWithoutAlt counts the img elements of an HTML fragment
// whose alt text is missing or blank: what screen readers and text-only
// feed readers would have nothing to say for.
func renderedImagesWithoutAlt(fragment string) int {
	n := 0
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return n
		}
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
			n++
		}
	}
}

// lintFile reads an article's file again and lints it. A file gone since it
// was parsed gives nothing: the next check sees it.
func lintFile(fsys fs.FS, a *content.Article, unsafeHTML bool) (*source, []diagnostic) {
	data, err := fs.ReadFile(fsys, a.Path)
	if err != nil {
		return nil, nil
	}
	s := readSource(data, a.Format)
	body, _ := a.Body.Read(fsys)
	return s, lintArticle(a, body.HTML(), s, unsafeHTML)
}

// lintArticle returns the warnings about what readers of an article will
// dislike; s is the article file's text.
func lintArticle(a *content.Article, body string, s *source, unsafeHTML bool) []diagnostic {
	var out []diagnostic
	warn := func(line, col int, msg string) {
		out = append(out, diagnostic{Path: a.Path, Line: line, Column: col, Severity: "warning", Message: msg})
	}
	if n := utf8.RuneCountInString(a.Title); n > longTitle {
		warn(s.titleLine, 0, fmt.Sprintf("the title is %d characters long; feed readers cut titles longer than about %d", n, longTitle))
	}
	if !s.summaryGiven {
		if p, line := s.firstParagraph(a.Format); utf8.RuneCountInString(p) > longParagraph {
			key := "summary: in the front matter"
			if a.Format == content.FormatText {
				key = "a Summary: header"
			}
			warn(line, 0, fmt.Sprintf("the first paragraph is %d characters long and there is no summary: feed readers show it cut off after about 300; add %s or a shorter first paragraph",
				utf8.RuneCountInString(p), key))
		}
	}
	if n := renderedImagesWithoutAlt(body); n > 0 {
		switch a.Format {
		case content.FormatText:
			warn(s.imageLine, 0, "the image has no alt text: start the body with a photo caption paragraph, e.g. \"Workers on the bridge. (Photo/Desk)\"")
		default:
			pos := s.imagesWithoutAlt(unsafeHTML)
			if len(pos) != n {
				// The source and the rendering disagree (a reference
				// definition, HTML); say so without a position.
				warn(0, 0, fmt.Sprintf("%d image(s) without alt text: describe each image between the brackets of ![...](...)", n))
				break
			}
			for _, p := range pos {
				warn(p[0], p[1], "image without alt text: describe it between the brackets of ![...](...) for readers who cannot see it")
			}
		}
	}
	return out
}

// selectWarning turns a warning of [content.Select] (a duplicate id or URL)
// into a diagnostic, with the line of the file's id or slug key when it has one.
func selectWarning(w content.Warning, src func(path string) *source) diagnostic {
	d := diagnostic{Path: w.Path, Line: w.Line, Severity: "warning", Message: w.Msg}
	if d.Line == 0 {
		if s := src(w.Path); s != nil {
			switch {
			case strings.HasPrefix(w.Msg, "duplicate id") && s.idLine > 0:
				d.Line = s.idLine
			case strings.HasPrefix(w.Msg, "duplicate URL") && s.slugLine > 0:
				d.Line = s.slugLine
			}
		}
	}
	return d
}
