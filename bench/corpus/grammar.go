package corpus

import (
	"maps"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// rng is a SplitMix64 stream. It is ours rather than math/rand's so that the
// corpus cannot drift with the Go release, and so that the hot path has no
// interface calls.
type rng struct{ s uint64 }

// newRNG returns the stream of article i for seed.
func newRNG(seed int64, i int) rng {
	return rng{s: mix64(mix64(uint64(seed)^0x6a09e667f3bcc909) + uint64(i))}
}

func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a number in [0, n) for 0 < n < 2^32 (Lemire's multiply-shift,
// without the rejection step; the bias is far below what a corpus can show).
func (r *rng) intn(n int) int {
	return int((r.next() >> 32) * uint64(n) >> 32)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// odds reports true with probability p.
func (r *rng) odds(p float64) bool { return r.float() < p }

// A grammar expands named rules. A rule is a list of alternatives; an
// alternative is text in which $name (letters and digits) refers to another rule or to a number
// generator (see numbers) and $$ is a literal dollar sign. Alternatives are
// compiled to tokens once, so expansion only appends.
type grammar struct {
	ids   map[string]int
	rules [][][]token
}

type token struct {
	lit string
	ref int // >= 0: rule; -1: literal; <= -2: number generator -2-ref
}

// numbers are the built-in rules; each appends a random number.
var numbers = []struct {
	name string
	gen  func(b []byte, r *rng) []byte
}{
	{"num", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(2, 980)), 10) }},
	{"few", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(2, 14)), 10) }},
	{"count", func(b []byte, r *rng) []byte { // 1,200 .. 98,999
		n := r.between(1200, 98999)
		b = strconv.AppendInt(b, int64(n/1000), 10)
		b = append(b, ',')
		return append(b, byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
	}},
	{"pct", func(b []byte, r *rng) []byte { return appendTenths(b, r.between(1, 289)) }},
	{"amount", func(b []byte, r *rng) []byte { return appendTenths(b, r.between(12, 990)) }},
	{"temp", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(-12, 46)), 10) }},
	{"year", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(2009, 2026)), 10) }},
	{"day", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(1, 28)), 10) }},
	{"age", func(b []byte, r *rng) []byte { return strconv.AppendInt(b, int64(r.between(19, 91)), 10) }},
	{"clock", func(b []byte, r *rng) []byte {
		h, m := r.intn(24), r.intn(4)*15
		return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), '0')
	}},
}

func appendTenths(b []byte, n int) []byte {
	b = strconv.AppendInt(b, int64(n/10), 10)
	return append(b, '.', byte('0'+n%10))
}

// newGrammar compiles the union of layers; a later layer replaces a rule of
// an earlier one. It panics on a reference to an unknown rule, so a typo in a
// word list fails every test at once.
func newGrammar(layers ...map[string][]string) *grammar {
	src := map[string][]string{}
	for _, l := range layers {
		maps.Copy(src, l)
	}
	g := &grammar{ids: make(map[string]int, len(src))}
	names := make([]string, 0, len(src))
	for k := range src {
		names = append(names, k)
	}
	for _, k := range names {
		g.ids[k] = len(g.ids)
	}
	g.rules = make([][][]token, len(names))
	for _, k := range names {
		if len(src[k]) == 0 {
			panic("corpus: empty rule " + k)
		}
		for _, alt := range src[k] {
			g.rules[g.ids[k]] = append(g.rules[g.ids[k]], g.compile(k, alt))
		}
	}
	return g
}

func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func (g *grammar) compile(rule, alt string) []token {
	var toks []token
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(toks); n > 0 && toks[n-1].ref == -1 {
			toks[n-1].lit += s
			return
		}
		toks = append(toks, token{lit: s, ref: -1})
	}
	for alt != "" {
		i := strings.IndexByte(alt, '$')
		if i < 0 {
			lit(alt)
			break
		}
		lit(alt[:i])
		alt = alt[i+1:]
		if alt != "" && alt[0] == '$' {
			lit("$")
			alt = alt[1:]
			continue
		}
		j := 0
		for j < len(alt) && isNameByte(alt[j]) {
			j++
		}
		name := alt[:j]
		alt = alt[j:]
		if id, ok := g.ids[name]; ok {
			toks = append(toks, token{ref: id})
			continue
		}
		found := false
		for k, n := range numbers {
			if n.name == name {
				toks = append(toks, token{ref: -2 - k})
				found = true
				break
			}
		}
		if !found {
			panic("corpus: rule " + rule + " refers to unknown $" + name)
		}
	}
	return toks
}

// gen appends an expansion of the named rule.
func (g *grammar) gen(b []byte, r *rng, name string) []byte {
	id, ok := g.ids[name]
	if !ok {
		panic("corpus: no rule " + name)
	}
	return g.expand(b, r, id, 0)
}

// str returns an expansion of the named rule as a string.
func (g *grammar) str(r *rng, name string) string {
	var a [128]byte
	return string(g.gen(a[:0], r, name))
}

func (g *grammar) expand(b []byte, r *rng, id, depth int) []byte {
	if depth > 10 { // the word lists do not recurse; this only guards edits
		return b
	}
	alts := g.rules[id]
	for _, t := range alts[r.intn(len(alts))] {
		switch {
		case t.ref == -1:
			b = append(b, t.lit...)
		case t.ref >= 0:
			b = g.expand(b, r, t.ref, depth+1)
		default:
			b = numbers[-2-t.ref].gen(b, r)
		}
	}
	return b
}

// upperFirst upper-cases the first letter of b[from:] in place.
func upperFirst(b []byte, from int) []byte {
	if from >= len(b) {
		return b
	}
	if c := b[from]; c < utf8.RuneSelf {
		if 'a' <= c && c <= 'z' {
			b[from] = c - 'a' + 'A'
		}
		return b
	}
	c, n := utf8.DecodeRune(b[from:])
	u := unicode.ToUpper(c)
	if u == c {
		return b
	}
	if utf8.RuneLen(u) == n {
		utf8.EncodeRune(b[from:], u)
		return b
	}
	tail := string(b[from+n:])
	return append(utf8.AppendRune(b[:from], u), tail...)
}

// fold maps lower-case Latin letters with diacritics to ASCII for slugs.
var fold = func() map[rune]string {
	m := map[rune]string{}
	for _, p := range []struct{ from, to string }{
		{"àáâãäåāăą", "a"}, {"çćčĉ", "c"}, {"ďđð", "d"}, {"èéêëēėęěə", "e"}, {"ğĝ", "g"},
		{"ìíîïīįı", "i"}, {"ķ", "k"}, {"ĺļľł", "l"}, {"ñńňņ", "n"}, {"òóôõöøōőơ", "o"},
		{"ŕř", "r"}, {"śšşșŝ", "s"}, {"ťţț", "t"}, {"ùúûüūůűųư", "u"}, {"ýÿ", "y"},
		{"źžż", "z"}, {"ß", "ss"}, {"æ", "ae"}, {"œ", "oe"}, {"þ", "th"},
	} {
		for _, c := range p.from {
			m[c] = p.to
		}
	}
	return m
}()

// appendSlug appends the ASCII slug of title: at most six words and about
// sixty bytes of [a-z0-9] joined by hyphens. A title with (almost) no Latin
// letters gets "article-" and the language code instead.
func appendSlug(b []byte, title, code string) []byte {
	start := len(b)
	words, inWord := 0, false
	add := func(s string) bool {
		if !inWord {
			if words == 6 || len(b)-start >= 56 {
				return false
			}
			if words > 0 {
				b = append(b, '-')
			}
			words++
			inWord = true
		}
		b = append(b, s...)
		return true
	}
	for _, c := range title {
		c = unicode.ToLower(c)
		var s string
		switch {
		case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
			s = string(rune(c)) // single byte; the compiler does not allocate
		case c == '\'' || c == '’':
			continue // "O'Brien" -> "obrien"
		default:
			s = fold[c]
		}
		if s == "" {
			inWord = false
			continue
		}
		if !add(s) {
			break
		}
	}
	if len(b)-start < 3 {
		b = append(b[:start], "article-"...)
		b = append(b, code...)
	}
	return b
}

// appendYAML appends s as a YAML scalar: plain when that is unambiguous and
// the dice say so, otherwise single- or double-quoted.
func appendYAML(b []byte, r *rng, s string, flow bool) []byte {
	switch x := r.intn(20); {
	case x < 10 && plainYAML(s, flow):
		return append(b, s...)
	case x < 15:
		b = append(b, '\'')
		for i := 0; i < len(s); i++ {
			if s[i] == '\'' {
				b = append(b, '\'')
			}
			b = append(b, s[i])
		}
		return append(b, '\'')
	default:
		return appendYAMLDouble(b, s)
	}
}

func appendYAMLDouble(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// plainYAML reports whether s reads back as the same string when written as
// a plain scalar (in a flow sequence too, if flow).
func plainYAML(s string, flow bool) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[len(s)-1] == ':' {
		return false
	}
	if strings.IndexByte("-?:,[]{}#&*!|>'\"%@`~=<\\+.0123456789", s[0]) >= 0 {
		return false // indicators, and anything that might resolve to a number
	}
	if strings.Contains(s, ": ") || strings.Contains(s, " #") || strings.ContainsAny(s, "\t\r\n") {
		return false
	}
	if flow && strings.ContainsAny(s, ",[]{}") {
		return false
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}
