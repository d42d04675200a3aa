package content

import (
	"fmt"
	"regexp"
	"strings"
)

// The plain-text grammar (see README "Plain-text articles"):
//
//	title          first non-empty line
//	header lines   directly under the title: "Key: value" with a known key
//	body           paragraphs separated by blank lines; lines of one paragraph joined by a space
//	caption        first body paragraph, when it ends with "(Photo/…)" or similar
//	source credit  last non-empty line "Source: NAME"

var (
	headerRE  = regexp.MustCompile(`^([A-Za-z]+):[ \t]*(.*?)[ \t]*$`)
	captionRE = regexp.MustCompile(`\((Photo|Image|Picture|Video)\s*[/:]\s*[^)]+\)$`)
	sourceRE  = regexp.MustCompile(`^Source:[ \t]*(.+?)[ \t]*$`)
)

var textHeaderKeys = map[string]bool{
	"date": true, "updated": true, "author": true, "tags": true, "id": true,
	"summary": true, "image": true, "link": true, "draft": true,
}

// meta is what either format's metadata may give.
type meta struct {
	titleText             string
	titleLine             int
	date, updated         string
	dateLine, updatedLine int
	authors, tags         []string
	id, slug, summary     string
	image, link           string
	draft                 bool
	fullContent           *bool // nil: the site decides

	// Where things are, for [Lint]: 1-based file lines, 0 when absent.
	idLine, slugLine, imageLine int
	summaryLine                 int    // a summary given with a value
	bodyLine                    int    // Markdown: the body's first line
	paraLines                   [2]int // plain text: the first two body paragraphs
}

// parseText parses a decoded plain-text article.
func parseText(path, s string) (*meta, Body, error) {
	lines := strings.Split(s, "\n")
	m := &meta{}
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i == len(lines) {
		return nil, Body{}, errAt(path, 0, ErrEmpty)
	}
	m.titleText = collapseSpace(lines[i])
	m.titleLine = i + 1
	i++
	for ; i < len(lines); i++ {
		h := headerRE.FindStringSubmatch(lines[i])
		if h == nil || !textHeaderKeys[strings.ToLower(h[1])] {
			break
		}
		v, ln := h[2], i+1
		switch strings.ToLower(h[1]) {
		case "date":
			m.date, m.dateLine = v, ln
		case "updated":
			m.updated, m.updatedLine = v, ln
		case "author":
			if v != "" {
				m.authors = []string{v}
			}
		case "tags":
			for t := range strings.SplitSeq(v, ",") {
				if t = strings.TrimSpace(t); t != "" {
					m.tags = append(m.tags, t)
				}
			}
		case "id":
			m.id, m.idLine = v, ln
		case "summary":
			m.summary = v
			if v != "" {
				m.summaryLine = ln
			}
		case "image":
			m.image, m.imageLine = v, ln
		case "link":
			m.link = v
		case "draft":
			b, ok := parseBool(v)
			if !ok {
				return nil, Body{}, errAt(path, ln, fmt.Errorf("%w: Draft: %q is not true or false", ErrFrontMatter, v))
			}
			m.draft = b
		}
	}

	// Source credit: the last non-empty line.
	last := len(lines) - 1
	for last >= i && strings.TrimSpace(lines[last]) == "" {
		last--
	}
	var source string
	if last >= i {
		if sm := sourceRE.FindStringSubmatch(strings.TrimSpace(lines[last])); sm != nil {
			source = sm[1]
			lines = lines[:last]
		}
	}

	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = cur[:0]
		}
	}
	for j := min(i, len(lines)); j < len(lines); j++ {
		t := strings.TrimSpace(lines[j])
		if t == "" {
			flush()
			continue
		}
		if len(cur) == 0 && len(paras) < len(m.paraLines) {
			m.paraLines[len(paras)] = j + 1
		}
		cur = append(cur, collapseSpace(t))
	}
	flush()

	var caption string
	if len(paras) > 0 && captionRE.MatchString(paras[0]) {
		caption, paras = paras[0], paras[1:]
	}
	if m.summary == "" && len(paras) > 0 {
		m.summary = cutSummary(paras[0])
	}
	if len(m.authors) == 0 && source != "" {
		m.authors = []string{source}
	}
	return m, Body{format: FormatText, kept: &keptBody{caption: caption, paras: paras, source: source}}, nil
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0", "":
		return false, true
	}
	return false, false
}

// summaryLimit is the length near which generated summaries are cut.
const summaryLimit = 300

// cutSummary cuts plain text at a word boundary near summaryLimit characters,
// adding an ellipsis when it cut.
func cutSummary(s string) string {
	s = collapseSpace(s)
	if len([]rune(s)) <= summaryLimit {
		return s
	}
	r := []rune(s)
	cut := summaryLimit
	for j := summaryLimit; j > summaryLimit*2/3; j-- {
		if r[j] == ' ' {
			cut = j
			break
		}
	}
	return strings.TrimRight(string(r[:cut]), " ,;:.-–—") + "…"
}
