package content

import (
	"bytes"
	"encoding/hex"
	"path"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// FormatOf returns the format of an article file name, or 0 when the name is
// not an article (the comparison of extensions ignores case).
func FormatOf(name string) Format {
	switch strings.ToLower(path.Ext(name)) {
	case ".txt":
		return FormatText
	case ".md", ".markdown":
		return FormatMarkdown
	}
	return 0
}

// Parse turns one file's bytes into an Article. p is the slash path relative
// to the content root; modTime is the file's modification time, used as the
// publication time when the file carries no date (Go's zero time,
// 0001-01-01T00:00:00Z, which Hugo writes for "no date", counts as none).
func Parse(p string, data []byte, modTime time.Time, opts Options) (*Article, error) {
	return parse(p, data, modTime, opts, false)
}

// parse is [Parse]; when lazy, the article does not keep its body (nor
// anything else of data) but reads it again from its file when it is
// rendered ([Body.Read]), and data belongs to the call (it must not change
// afterwards).
func parse(p string, data []byte, modTime time.Time, opts Options, lazy bool) (*Article, error) {
	f := FormatOf(p)
	if f == 0 {
		return nil, errAt(p, 0, ErrUnsupported)
	}
	if int64(len(data)) > opts.maxSize() {
		return nil, errAt(p, 0, tooLarge(int64(len(data)), opts.maxSize()))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errAt(p, 0, ErrEmpty)
	}
	s, warns, err := decodeText(p, data, lazy)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		// Only a BOM or control characters: as empty as no bytes at all.
		return nil, errAt(p, 0, ErrEmpty)
	}
	var m *meta
	var body Body
	var cut [2]int
	switch f {
	case FormatText:
		m, body, err = parseText(p, s)
	case FormatMarkdown:
		m, body, cut, err = parseMarkdown(p, s, &opts)
	}
	if err != nil {
		return nil, err
	}
	a := &Article{Path: p, Format: f, Body: body, ModTime: modTime, Size: int64(len(data)), Warnings: warns}
	sum := fileSum(data)
	a.Hash = hex.EncodeToString(sum[:])

	a.Title = CleanText(m.titleText)
	if a.Title == "" {
		a.Title = titleFromName(p)
	}
	if a.Title == "" {
		return nil, errAt(p, m.titleLine, ErrNoTitle)
	}
	a.Authors = dedupe(m.authors)
	a.Tags = dedupe(m.tags)
	a.Summary = cutSummaryKeep(CleanText(m.summary))
	a.Image, a.Link, a.Draft = m.image, m.link, m.draft
	a.FullContent = m.fullContent
	a.Media = mediaRefs(p, s)
	if f == FormatText {
		a.Source = body.kept.source
		body.kept.image = m.image
		a.Body = body
	}

	slug := strings.TrimSuffix(p, path.Ext(p))
	if m.slug != "" {
		dir := path.Dir(slug)
		if dir == "." {
			slug = m.slug
		} else {
			slug = dir + "/" + m.slug
		}
	}
	a.Slug = norm.NFC.String(slug)
	a.ExplicitID = m.id != ""
	a.ID = deriveID(m.id, a.Slug, &opts)

	loc := opts.loc()
	var date time.Time
	if m.date != "" {
		t, err := ParseDate(m.date, loc)
		if err != nil {
			return nil, errAt(p, m.dateLine, err)
		}
		// 0001-01-01T00:00:00Z is Go's zero time, which Hugo writes for "no
		// date" and which feeds cannot tell from a missing one.
		date = t
	}
	switch {
	case !date.IsZero():
		a.Published, a.Dated = date, true
	default:
		if t, ok := fileNameDate(path.Base(p), loc); ok {
			a.Published, a.Dated = t, true
		} else {
			a.Published = modTime.Truncate(time.Second)
			if f == FormatText {
				a.Warnings = append(a.Warnings, Warning{Path: p, Line: m.titleLine, Code: WarnNoDate, Msg: "no Date: header; the publication date follows the file's modification time"})
			}
		}
	}
	a.Updated = a.Published
	if m.updated != "" {
		t, err := ParseDate(m.updated, loc)
		if err != nil {
			return nil, errAt(p, m.updatedLine, err)
		}
		if t.After(a.Published) {
			a.Updated = t
		}
	}
	if lazy {
		// Keep nothing of the file's text: the body is read again when
		// rendered, and the strings cut from the text are copied, so that
		// none holds on to all of it.
		keep(a)
		var image string
		if f == FormatText {
			image = a.Image // the same text as the body's image
		}
		a.Body = Body{format: f, unsafe: a.Body.unsafe,
			file: &bodyFile{path: a.Path, sum: sum, limit: opts.maxSize(), cut: cut, summary: a.Summary, image: image}}
	}
	return a, nil
}

// keep copies the strings of a that may share memory with the file's text.
func keep(a *Article) {
	a.Title, a.ID, a.Summary = strings.Clone(a.Title), strings.Clone(a.ID), strings.Clone(a.Summary)
	a.Image, a.Link, a.Source = strings.Clone(a.Image), strings.Clone(a.Link), strings.Clone(a.Source)
	a.Slug = strings.Clone(a.Slug)
	for _, l := range [][]string{a.Authors, a.Tags} {
		for i, s := range l {
			l[i] = strings.Clone(s)
		}
	}
}

// parseMarkdown parses a decoded Markdown article. cut is the "# Title"
// line taken out of the body (see [scanMarkdown]).
func parseMarkdown(p, s string, opts *Options) (m *meta, b Body, cut [2]int, err error) {
	fm, fmLine, body, bodyLine, err := splitFrontMatter(p, s)
	if err != nil {
		return nil, Body{}, cut, err
	}
	m, err = decodeFrontMatter(p, fm, fmLine)
	if err != nil {
		return nil, Body{}, cut, err
	}
	if err := checkMarkdown(p, body, bodyLine, opts.maxMarkdownSize()); err != nil {
		return nil, Body{}, cut, err
	}
	m.bodyLine = bodyLine
	if m.titleText == "" || m.summary == "" {
		title, c, summary := scanMarkdown(body, m.titleText == "")
		if title != "" {
			m.titleText, cut = title, c
			m.titleLine = bodyLine + strings.Count(body[:c[0]], "\n")
			body = body[:c[0]] + body[c[1]:]
		}
		if m.summary == "" {
			m.summary = summary
		}
	}
	return m, Body{format: FormatMarkdown, kept: &keptBody{src: body}, unsafe: opts.UnsafeHTML}, cut, nil
}

// titleFromName makes a title of a file name: extension and date prefix
// removed, dashes and underscores turned into spaces.
func titleFromName(p string) string {
	b := path.Base(p)
	b = strings.TrimSuffix(b, path.Ext(b))
	if fileDateRE.MatchString(b) {
		b = b[11:]
	}
	b = strings.NewReplacer("-", " ", "_", " ").Replace(b)
	return collapseSpace(CleanText(b))
}

// cutSummaryKeep normalizes white space in a given summary without cutting it.
func cutSummaryKeep(s string) string { return collapseSpace(s) }

// dedupe removes empty and repeated (case-insensitively) strings, keeping order.
func dedupe(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = collapseSpace(CleanText(s))
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}
