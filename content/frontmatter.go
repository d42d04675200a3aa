package content

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// splitFrontMatter splits Markdown text into its YAML front matter and body.
// fmLine is the file line of the first front matter line and bodyLine that of
// the first body line, so positions in either can be turned into file lines.
// Text that does not start with a "---" line has no front matter.
func splitFrontMatter(path, s string) (fm string, fmLine int, body string, bodyLine int, err error) {
	first, rest, ok := strings.Cut(s, "\n")
	if strings.TrimRight(first, " \t") != "---" {
		return "", 0, s, 1, nil
	}
	if !ok {
		return "", 0, "", 0, errAt(path, 1, ErrUnclosedFrontMatter)
	}
	line := 2
	off := 0
	for off <= len(rest) {
		end := strings.IndexByte(rest[off:], '\n')
		var l string
		if end < 0 {
			l = rest[off:]
		} else {
			l = rest[off : off+end]
		}
		if t := strings.TrimRight(l, " \t"); t == "---" || t == "..." {
			fm = rest[:off]
			if end < 0 {
				return fm, 2, "", line + 1, nil
			}
			return fm, 2, rest[off+end+1:], line + 1, nil
		}
		if end < 0 {
			break
		}
		off += end + 1
		line++
	}
	return "", 0, "", 0, errAt(path, 1, ErrUnclosedFrontMatter)
}

// FrontMatterClosed reports whether Markdown text either has no front matter or
// has a closed one. A watcher uses it to wait for a file still being written.
func FrontMatterClosed(s string) bool {
	for strings.HasPrefix(s, "\uFEFF") {
		s = s[len("\uFEFF"):]
	}
	if strings.Contains(s, "\r") {
		// Line ends as Parse reads them: CRLF, and a lone CR.
		s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	_, _, _, _, err := splitFrontMatter("", s)
	return err == nil
}

// maxFrontMatter bounds the front matter's size, against YAML bombs.
const maxFrontMatter = 64 << 10

// decodeFrontMatter decodes YAML front matter into m. Keys other tools write
// are tolerated; a known key of the wrong type is an error at its line.
func decodeFrontMatter(path, fm string, fmLine int) (*meta, error) {
	return decodeFrontMatterWith(path, fm, fmLine, true)
}

// decodeFrontMatterWith is decodeFrontMatter; with simple set, front matter
// of the common shapes is read by [simpleFrontMatter] instead of the YAML
// decoder, with the same result.
func decodeFrontMatterWith(path, fm string, fmLine int, simple bool) (*meta, error) {
	m := &meta{}
	if strings.TrimSpace(fm) == "" {
		return m, nil
	}
	if len(fm) > maxFrontMatter {
		return nil, errAt(path, fmLine, fmt.Errorf("%w: larger than %d bytes", ErrFrontMatter, maxFrontMatter))
	}
	var root *yaml.Node
	if simple {
		nodes := arenas.Get().(*nodeArena)
		defer func() { nodes.reset(); arenas.Put(nodes) }() // m keeps none of them
		root, simple = simpleFrontMatter(fm, nodes)
	}
	if !simple {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			return nil, errAt(path, yamlErrFileLine(msg, fm, fmLine), fmt.Errorf("%w: %s", ErrFrontMatter, msg))
		}
		if len(doc.Content) == 0 {
			return m, nil
		}
		root = doc.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, errAt(path, fmLine+root.Line-1, fmt.Errorf("%w: not a mapping of keys to values", ErrFrontMatter))
	}
	seen := make(map[string]int, len(root.Content)/2)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		// Errors point at the key: a block value starts on a later line.
		line := fmLine + k.Line - 1
		bad := func(want string) error {
			return errAt(path, line, fmt.Errorf("%w: %s: want %s", ErrFrontMatter, k.Value, want))
		}
		if k.Kind == yaml.ScalarNode {
			// YAML forbids repeated keys, but decoding into a Node does not check.
			if first, dup := seen[k.Value]; dup {
				return nil, errAt(path, line, fmt.Errorf("%w: %s: repeated (first on line %d)", ErrFrontMatter, k.Value, first))
			}
			seen[k.Value] = line
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
			if v == nil || v.Kind == yaml.AliasNode {
				return nil, bad("a value, not an alias")
			}
		}
		switch strings.ToLower(k.Value) {
		case "title":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a string")
			}
			m.titleText, m.titleLine = collapseSpace(s), line
		case "date", "publishdate", "pubdate", "published":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a date")
			}
			if m.date == "" || strings.ToLower(k.Value) == "date" {
				m.date, m.dateLine = s, line
			}
		case "updated", "lastmod", "modified":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a date")
			}
			m.updated, m.updatedLine = s, line
		case "author", "authors":
			l, ok := stringList(v, false)
			if !ok {
				if n, ok2 := authorName(v); ok2 {
					l, ok = []string{n}, true
				}
			}
			if !ok {
				return nil, bad("a name or a list of names")
			}
			m.authors = append(m.authors, l...)
		case "tags", "categories", "keywords":
			l, ok := stringList(v, true)
			if !ok {
				return nil, bad("a list of strings")
			}
			if strings.ToLower(k.Value) != "keywords" {
				m.tags = append(m.tags, l...)
			}
		case "summary", "description", "excerpt":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a string")
			}
			if m.summary == "" || strings.ToLower(k.Value) == "summary" {
				m.summary = s
			}
			if s != "" {
				m.summaryLine = line
			}
		case "image":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a URL")
			}
			m.image, m.imageLine = s, line
		case "id", "guid":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a string")
			}
			m.id, m.idLine = s, line
		case "slug":
			s, ok := scalar(v)
			if !ok || s != strings.TrimSpace(v.Value) || strings.ContainsAny(s, "/\\") || s == "." || s == ".." {
				return nil, bad("a name without '/' or control characters (and not '.' or '..')")
			}
			m.slug, m.slugLine = s, line
		case "link":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a URL")
			}
			m.link = s
		case "draft":
			s, ok := scalar(v)
			b, ok2 := parseBool(s)
			if !ok || !ok2 {
				return nil, bad("true or false")
			}
			m.draft = b
		case "full_content":
			s, ok := scalar(v)
			b, ok2 := parseBool(s)
			if !ok || !ok2 || s == "" {
				return nil, bad("true or false")
			}
			m.fullContent = &b
		}
	}
	return m, nil
}

// scalar returns a scalar node's value, trimmed and without the characters
// a feed cannot carry (YAML escapes such as "\x01" can write them); null is "".
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return strings.TrimSpace(CleanText(n.Value)), true
}

// stringList accepts a scalar (one item, or, when split is set, items
// separated by commas as in the plain-text Tags: header) or a sequence of
// scalars.
func stringList(n *yaml.Node, split bool) ([]string, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		s, _ := scalar(n)
		if s == "" {
			return nil, true
		}
		if split {
			var out []string
			for t := range strings.SplitSeq(s, ",") {
				if t = strings.TrimSpace(t); t != "" {
					out = append(out, t)
				}
			}
			return out, true
		}
		return []string{s}, true
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind == yaml.AliasNode {
				c = c.Alias
			}
			if c == nil {
				return nil, false
			}
			if s, ok := scalar(c); ok {
				if s != "" {
					out = append(out, s)
				}
				continue
			}
			if name, ok := authorName(c); ok {
				out = append(out, name)
				continue
			}
			return nil, false
		}
		return out, true
	}
	return nil, false
}

// authorName reads {name: X, ...} author objects as Hugo and Jekyll themes write them.
func authorName(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.MappingNode {
		return "", false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.EqualFold(n.Content[i].Value, "name") {
			return scalar(n.Content[i+1])
		}
	}
	return "", false
}

// yamlErrFileLine returns the file line a yaml error message is about. The
// yaml package counts lines from 1 in scanner errors but from 0 in parser
// errors, and leaves the line out when it would print 0; the result is kept
// within the front matter (or its closing line).
func yamlErrFileLine(msg, fm string, fmLine int) int {
	n, ok := yamlErrLine(msg)
	if !ok {
		// "unknown anchor 'x' referenced" comes without a line: find the alias.
		if name, ok := strings.CutPrefix(msg, "unknown anchor '"); ok {
			name, _, _ = strings.Cut(name, "'")
			if i := strings.Index(fm, "*"+name); i >= 0 {
				return fmLine + strings.Count(fm[:i], "\n")
			}
		}
		return fmLine
	}
	if !yamlScannerError(msg) {
		n++
	}
	return min(max(fmLine+n-1, fmLine), fmLine+strings.Count(fm, "\n"))
}

// yamlScannerProblems are the messages of the yaml package's scanner errors
// (go.yaml.in/yaml/v3 scannerc.go); every other error comes from its parser.
var yamlScannerProblems = []string{
	"block sequence entries are not allowed",
	"could not find expected",
	"did not find URI escaped octet",
	"did not find expected '!'",
	"did not find expected alphabetic or numeric character",
	"did not find expected comment or line break",
	"did not find expected digit or '.' character",
	"did not find expected hexdecimal number",
	"did not find expected tag URI",
	"did not find expected version number",
	"did not find expected whitespace",
	"did not find the expected '>'",
	"exceeded max depth",
	"found a tab character",
	"found an incorrect",
	"found an indentation indicator",
	"found character that cannot start any token",
	"found extremely long version number",
	"found invalid Unicode character escape code",
	"found unexpected",
	"found unknown",
	"invalid character sequence",
	"mapping keys are not allowed",
	"mapping values are not allowed",
}

func yamlScannerError(msg string) bool {
	_, problem, _ := strings.Cut(msg, ": ")
	for _, p := range yamlScannerProblems {
		if strings.HasPrefix(problem, p) {
			return true
		}
	}
	return false
}

// yamlErrLine extracts the line number from a yaml error message ("line 3: ...").
func yamlErrLine(msg string) (int, bool) {
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, false
	}
	n := 0
	j := 0
	for ; j < len(rest) && j < 9 && rest[j] >= '0' && rest[j] <= '9'; j++ {
		n = n*10 + int(rest[j]-'0')
	}
	return n, j > 0
}
