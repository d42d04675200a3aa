package content

import (
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// simpleFrontMatter reads the front matter most files have without the YAML
// decoder, which costs more than reading the file: one "key: value" per
// line, the keys at the start of their line, each value a scalar on that
// line (plain, 'single-' or "double-quoted"), a flow sequence of such
// scalars ([a, "b"]) or a block sequence ("- item" lines under the key),
// with blank lines and comment lines between them. It returns the mapping
// node the YAML decoder would return, as far as [decodeFrontMatter] looks at
// it: kinds, values, whether a scalar is null, the keys' lines. Anything
// else (other escapes, anchors, tags, block scalars, nested mappings,
// values that go on over several lines, tabs, characters YAML treats
// specially) makes ok false, and the YAML decoder reads the text.
//
// The nodes are made in nodes, and are good until it is reset.
func simpleFrontMatter(fm string, nodes *nodeArena) (root *yaml.Node, ok bool) {
	if !simpleChars(fm) {
		return nil, false
	}
	root = nodes.new()
	*root = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 0, Column: 1, Content: nodes.keys[:0]}
	lines := fmLines{s: fm, nodes: nodes}
	for {
		l, n, more := lines.next()
		if !more {
			break
		}
		if blankOrComment(l) {
			continue
		}
		if root.Line == 0 {
			root.Line = n
		}
		key, rest, ok := cutKey(l)
		if !ok {
			return nil, false
		}
		k := nodes.new()
		*k = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: n, Column: 1}
		var v *yaml.Node
		switch rest = strings.TrimLeft(rest, " "); {
		case rest == "":
			v, ok = blockSequence(&lines, n, len(key)+2)
		case rest[0] == '[':
			v, ok = flowSequence(nodes, rest, n, len(l)-len(rest)+1)
		default:
			v, ok = scalarNode(nodes, rest, false, n, len(l)-len(rest)+1)
		}
		if !ok {
			return nil, false
		}
		root.Content = append(root.Content, k, v)
	}
	nodes.keys = root.Content[:0] // grown: kept for the next file
	if len(root.Content) == 0 {
		return nil, false
	}
	return root, true
}

// fmLines steps through the lines of front matter, numbered from 1.
type fmLines struct {
	s     string
	n     int
	nodes *nodeArena
}

// nodeArena allocates the nodes of front matter a few dozen at a time, and
// makes them again for the next file once reset: the nodes of a parse are
// garbage once its front matter is decoded (a third of what reading a
// Markdown file allocated, at a first start).
type nodeArena struct {
	chunks [][]yaml.Node // every chunk made; chunks[:used] in use
	used   int
	buf    []yaml.Node  // the last chunk in use, to its last node made
	keys   []*yaml.Node // the root mapping's content, for the next file
}

// arenas are the arenas of the parses under way.
var arenas = sync.Pool{New: func() any { return new(nodeArena) }}

func (a *nodeArena) new() *yaml.Node {
	if len(a.buf) == cap(a.buf) {
		if a.used == len(a.chunks) {
			a.chunks = append(a.chunks, make([]yaml.Node, 16))
		}
		a.buf = a.chunks[a.used][:0]
		a.used++
	}
	a.buf = a.buf[:len(a.buf)+1]
	return &a.buf[len(a.buf)-1]
}

// reset lets the nodes made go (and what their strings point to), for the
// arena to make them again.
func (a *nodeArena) reset() {
	for _, c := range a.chunks[:a.used] {
		clear(c)
	}
	clear(a.keys[:cap(a.keys)])
	a.used, a.buf = 0, nil
}

func (ls *fmLines) next() (line string, n int, ok bool) {
	if ls.s == "" {
		return "", 0, false
	}
	line, ls.s, _ = strings.Cut(ls.s, "\n")
	ls.n++
	return line, ls.n, true
}

// peek returns the next line without taking it.
func (ls *fmLines) peek() (string, bool) {
	if ls.s == "" {
		return "", false
	}
	line, _, _ := strings.Cut(ls.s, "\n")
	return line, true
}

// simpleChars reports whether s holds only characters the YAML reader takes
// as they are: printable ASCII and line feeds (no tab), and non-ASCII
// characters other than YAML's line breaks (U+0085, U+2028, U+2029), the
// byte order mark and what XML cannot carry.
func simpleChars(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\n' || c == 0x7F {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return false
		case r < 0xA0, r == 0x2028, r == 0x2029, r >= 0xD800 && r < 0xE000, r == 0xFEFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
		i += size
	}
	return true
}

func blankOrComment(l string) bool {
	t := strings.TrimLeft(l, " ")
	return t == "" || t[0] == '#'
}

// cutKey splits a "key: value" line whose key is a plain word at the start
// of the line.
func cutKey(l string) (key, rest string, ok bool) {
	i := 0
	for i < len(l) && i < 128 && (l[i] >= 'a' && l[i] <= 'z' || l[i] >= 'A' && l[i] <= 'Z' || l[i] == '_' ||
		i > 0 && (l[i] >= '0' && l[i] <= '9' || l[i] == '-')) {
		i++
	}
	if i == 0 || i >= len(l) || l[i] != ':' || i+1 < len(l) && l[i+1] != ' ' {
		return "", "", false
	}
	return l[:i], l[i+1:], true
}

// blockSequence reads the "- item" lines under the key on line n; with
// none, the key's value is null. col is the column after the key's colon.
func blockSequence(lines *fmLines, n, col int) (*yaml.Node, bool) {
	next, more := lines.peek()
	if !more || !isItem(next) {
		if more && !blankOrComment(next) && next[0] == ' ' {
			return nil, false // an indented value on the next line
		}
		v := lines.nodes.new()
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n, Column: col}
		return v, true
	}
	indent := len(next) - len(strings.TrimLeft(next, " "))
	seq := lines.nodes.new()
	*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: n + 1, Column: indent + 1}
	for {
		next, more := lines.peek()
		if !more {
			break
		}
		if blankOrComment(next) {
			if strings.TrimLeft(next, " ") != "" {
				return nil, false // comments inside a sequence: leave them to the decoder
			}
			lines.next()
			continue
		}
		if !isItem(next) {
			if next[0] == ' ' {
				return nil, false
			}
			break
		}
		if len(next)-len(strings.TrimLeft(next, " ")) != indent {
			return nil, false
		}
		l, ln, _ := lines.next()
		rest := strings.TrimLeft(l[indent+1:], " ")
		if rest == "" {
			return nil, false
		}
		item, ok := scalarNode(lines.nodes, rest, false, ln, len(l)-len(rest)+1)
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, item)
	}
	return seq, true
}

// isItem reports whether l is a block sequence entry: "- " after any indent.
func isItem(l string) bool {
	t := strings.TrimLeft(l, " ")
	return t == "-" || strings.HasPrefix(t, "- ")
}

// flowSequence reads "[a, 'b', "c"]" (the rest of line n from column col),
// nothing but spaces after it.
func flowSequence(nodes *nodeArena, s string, n, col int) (*yaml.Node, bool) {
	seq := nodes.new()
	*seq = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Line: n, Column: col}
	s = strings.TrimLeft(s[1:], " ")
	if rest, ok := strings.CutPrefix(s, "]"); ok {
		return seq, strings.Trim(rest, " ") == ""
	}
	for {
		var item string
		var end int
		switch {
		case s == "":
			return nil, false
		case s[0] == '\'' || s[0] == '"':
			end = quotedEnd(s)
			if end < 0 {
				return nil, false
			}
		default:
			end = strings.IndexAny(s, ",]")
			if end < 0 {
				return nil, false
			}
		}
		item, s = strings.TrimRight(s[:end], " "), strings.TrimLeft(s[end:], " ")
		node, ok := scalarNode(nodes, item, true, n, 0)
		if !ok {
			return nil, false
		}
		seq.Content = append(seq.Content, node)
		switch {
		case strings.HasPrefix(s, "]"):
			return seq, strings.Trim(s[1:], " ") == ""
		case strings.HasPrefix(s, ","):
			s = strings.TrimLeft(s[1:], " ")
			if s == "" || s[0] == ']' || s[0] == ',' {
				return nil, false
			}
		default:
			return nil, false
		}
	}
}

// quotedEnd returns the index just after the quoted scalar s starts with,
// or -1 when it does not end on this line.
func quotedEnd(s string) int {
	q := s[0]
	for i := 1; i < len(s); i++ {
		switch {
		case q == '"' && s[i] == '\\':
			i++
		case s[i] == q:
			if q == '\'' && i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return -1
}

// scalarNode reads s, the rest of a line (or an item of a flow sequence,
// when flow), as one scalar.
func scalarNode(nodes *nodeArena, s string, flow bool, n, col int) (*yaml.Node, bool) {
	s = strings.TrimRight(s, " ")
	if s == "" {
		return nil, false
	}
	node := nodes.new()
	*node = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: n, Column: col}
	switch s[0] {
	case '\'':
		if quotedEnd(s) != len(s) {
			return nil, false
		}
		node.Style = yaml.SingleQuotedStyle
		node.Value = strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		return node, true
	case '"':
		if quotedEnd(s) != len(s) {
			return nil, false
		}
		v, ok := unescapeDouble(s[1 : len(s)-1])
		if !ok {
			return nil, false
		}
		node.Style = yaml.DoubleQuotedStyle
		node.Value = v
		return node, true
	}
	if !plainScalar(s, flow) {
		return nil, false
	}
	node.Value = s
	switch s {
	case "~", "null", "Null", "NULL":
		node.Tag = "!!null"
	}
	return node, true
}

// unescapeDouble undoes the escapes \" and \\ of a double-quoted scalar;
// any other escape makes ok false.
func unescapeDouble(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) || s[i] != '"' && s[i] != '\\' {
			return "", false
		}
		b.WriteByte(s[i])
	}
	return b.String(), true
}

// plainScalar reports whether s, already trimmed, is a plain scalar on one
// line whose value is s itself: it starts with no indicator, holds no ": "
// or " #" and does not end in ":" (in a flow sequence, no flow indicator and
// no ":" or "#" at all).
func plainScalar(s string, flow bool) bool {
	if s == "" || strings.IndexByte("-?:,[]{}#&*!|>'\"%@` ", s[0]) >= 0 {
		return false
	}
	if flow {
		return !strings.ContainsAny(s, ",[]{}:#")
	}
	return !strings.Contains(s, ": ") && !strings.Contains(s, " #") && s[len(s)-1] != ':'
}
