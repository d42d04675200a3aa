package content

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// splitFrontMatter splits Markdown text into its YAML front matter and body.
// fmLine is the file line of the first front matter line and bodyLine that of
// the first body line. Text that does not start with a "---" line has no
// front matter. The body keeps its line count: the front matter lines are
// replaced by nothing, and bodyLine says where it starts.
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
	_, _, _, _, err := splitFrontMatter("", strings.ReplaceAll(strings.TrimPrefix(s, "\uFEFF"), "\r\n", "\n"))
	return err == nil
}

// maxFrontMatter bounds the front matter's size, against YAML bombs.
const maxFrontMatter = 64 << 10

// decodeFrontMatter decodes YAML front matter into m. Keys other tools write
// are tolerated; a known key of the wrong type is an error at its line.
func decodeFrontMatter(path, fm string, fmLine int) (*meta, error) {
	m := &meta{}
	if strings.TrimSpace(fm) == "" {
		return m, nil
	}
	if len(fm) > maxFrontMatter {
		return nil, errAt(path, fmLine, fmt.Errorf("%w: larger than %d bytes", ErrFrontMatter, maxFrontMatter))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(fm), &doc); err != nil {
		line := fmLine
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if n, ok := yamlErrLine(msg); ok {
			line = fmLine + n - 1
		}
		return nil, errAt(path, line, fmt.Errorf("%w: %s", ErrFrontMatter, msg))
	}
	if len(doc.Content) == 0 {
		return m, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, errAt(path, fmLine+root.Line-1, fmt.Errorf("%w: not a mapping of keys to values", ErrFrontMatter))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		line := fmLine + v.Line - 1
		bad := func(want string) error {
			return errAt(path, line, fmt.Errorf("%w: %s: want %s", ErrFrontMatter, k.Value, want))
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
			m.titleText, m.titleLine = strings.Join(strings.Fields(s), " "), line
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
			l, ok := stringList(v)
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
			l, ok := stringList(v)
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
		case "image":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a URL")
			}
			m.image = s
		case "id", "guid":
			s, ok := scalar(v)
			if !ok {
				return nil, bad("a string")
			}
			m.id = s
		case "slug":
			s, ok := scalar(v)
			if !ok || strings.ContainsAny(s, "/\\") || s == "." || s == ".." {
				return nil, bad("a name without '/' (and not '.' or '..')")
			}
			m.slug = s
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
		}
	}
	return m, nil
}

// scalar returns a scalar node's value; null is "".
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return strings.TrimSpace(n.Value), true
}

// stringList accepts a scalar (one item, or comma-separated when it holds commas
// and the key is a list of tags) or a sequence of scalars.
func stringList(n *yaml.Node) ([]string, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		s, _ := scalar(n)
		if s == "" {
			return nil, true
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

// yamlErrLine extracts the line number from a yaml error message ("line 3: ...").
func yamlErrLine(msg string) (int, bool) {
	i := strings.Index(msg, "line ")
	if i < 0 {
		return 0, false
	}
	n := 0
	j := i + 5
	for ; j < len(msg) && msg[j] >= '0' && msg[j] <= '9'; j++ {
		n = n*10 + int(msg[j]-'0')
	}
	return n, j > i+5
}
