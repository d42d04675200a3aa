package content

import (
	"fmt"
	"strings"
)

// The Markdown renderer (goldmark v1.8.7, the newest release) takes time
// that grows with the square of some inputs: a link destination is scanned
// to the next white space for every "](" ("[a](" repeated on one line:
// 128 KB takes seconds), containers opened on one line are each measured
// again from the line's start ("> > > …" or "1. 1. 1. …" thousands deep),
// and every "]" walks the nodes since the "[" it closes ("[[[[…]]]]").
// checkMarkdown refuses such bodies before goldmark sees them, so one file
// cannot stall a rebuild for minutes, and [Options.MaxMarkdownSize] bounds
// what is left (on two cores, the slowest inputs found take one to three
// seconds per 512 KB; ordinary Markdown a quarter of that).
const (
	// DefaultMaxMarkdownSize is the default largest Markdown body (after
	// the front matter), in bytes.
	DefaultMaxMarkdownSize = 512 << 10
	// maxMarkdownNesting is the deepest nesting of block quotes and list
	// items opened on one line.
	maxMarkdownNesting = 32
	// maxMarkdownScan bounds the work goldmark's link parser does beyond
	// one pass: the bytes it scans for link destinations plus the bytes
	// between each "]" and the "[" it closes.
	maxMarkdownScan = 16 << 20
)

func (o *Options) maxMarkdownSize() int64 {
	if o.MaxMarkdownSize <= 0 {
		return DefaultMaxMarkdownSize
	}
	return o.MaxMarkdownSize
}

// checkMarkdown returns a [*ParseError] when a Markdown body (whose first line
// is file line bodyLine) is larger than limit or would make goldmark work
// far more than its size: containers nested deeper than maxMarkdownNesting on
// one line, or more than maxMarkdownScan bytes of link scanning.
func checkMarkdown(p, body string, bodyLine int, limit int64) error {
	if int64(len(body)) > limit {
		return errAt(p, bodyLine, fmt.Errorf("%w: Markdown body of %d bytes, limit %d", ErrTooLarge, len(body), limit))
	}
	var scan int64
	var open []int // offsets of the "[" not closed yet in the current paragraph
	var sc scratch
	line := bodyLine
	for rest := body; rest != ""; line++ {
		l, pos := rest, len(body)-len(rest)
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if d := lineNesting(l); d > maxMarkdownNesting {
			return errAt(p, line, fmt.Errorf("%w: block quotes and lists nested %d deep on one line, limit %d", ErrTooComplex, d, maxMarkdownNesting))
		}
		if strings.TrimSpace(l) == "" {
			open = open[:0] // a blank line ends the paragraph, and the link parser's state
			continue
		}
		if strings.IndexByte(l, '[') < 0 && strings.IndexByte(l, ']') < 0 {
			continue
		}
		scan += sc.destinationScan(l)
		// A "]" that closes a "[" walks what lies between them.
		for i := 0; i < len(l); i++ {
			switch l[i] {
			case '[':
				open = append(open, pos+i)
			case ']':
				if k := len(open) - 1; k >= 0 {
					scan += int64(pos + i - open[k])
					open = open[:k]
				}
			}
		}
		if scan > maxMarkdownScan {
			return errAt(p, line, fmt.Errorf("%w: too many unclosed links or brackets (%d bytes of link scanning, limit %d)", ErrTooComplex, scan, maxMarkdownScan))
		}
	}
	return nil
}

// lineNesting counts the block quote markers and list item markers that
// open containers at the start of a Markdown line: "> > - 1. text" is 4.
func lineNesting(l string) int {
	d := 0
	for i := 0; i < len(l); {
		for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
			i++
		}
		switch {
		case i >= len(l):
			return d
		case l[i] == '>':
			d++
			i++
		case (l[i] == '-' || l[i] == '+' || l[i] == '*') && i+1 < len(l) && (l[i+1] == ' ' || l[i+1] == '\t'):
			d++
			i += 2
		case l[i] >= '0' && l[i] <= '9':
			j := i
			for j < len(l) && j-i < 9 && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j+1 < len(l) && (l[j] == '.' || l[j] == ')') && (l[j+1] == ' ' || l[j+1] == '\t') {
				d++
				i = j + 2
				continue
			}
			return d
		default:
			return d
		}
	}
	return d
}

// destinationScan returns how many bytes goldmark's parseLinkDestination
// scans for the "](" on one line, all told: from each "](" to the next
// white space or unbalanced ")" (to the next ">" after "](<"), backslash
// escapes skipped as goldmark skips them.
func (sc *scratch) destinationScan(l string) int64 {
	if !strings.Contains(l, "](") {
		return 0
	}
	if scan, ok := destinationScanShort(l); ok {
		return scan
	}
	return sc.destinationScanLong(l)
}

// destinationScanShort counts as destinationScan does by scanning from each
// "](" as goldmark does: quick for ordinary links, whose destinations end
// soon. ok is false when that takes more than a few passes over the line,
// the case destinationScanLong is for.
func destinationScanShort(l string) (scan int64, ok bool) {
	n := len(l)
	budget := 4*n + 256
	for off := 0; off < n; {
		k := strings.Index(l[off:], "](")
		if k < 0 {
			break
		}
		s := off + k + 2
		off = off + k + 1
		// escaped: l[j] follows an odd run of backslashes and is ASCII
		// punctuation; l[s-1] is "(", so nothing at s is escaped.
		escaped := false
		if s < n && l[s] == '<' {
			j := s + 1
			for ; j < n; j++ {
				escaped = l[j-1] == '\\' && !escaped && isASCIIPunct(l[j])
				if l[j] == '>' && !escaped {
					break
				}
			}
			scan += int64(j - s)
			if budget -= j - s; budget < 0 {
				return 0, false
			}
			continue
		}
		depth, j := 0, s
		for ; j < n; j++ {
			if j > s {
				escaped = l[j-1] == '\\' && !escaped && isASCIIPunct(l[j])
			}
			c := l[j]
			if c == ' ' || c == '\t' {
				break
			}
			if !escaped {
				if c == '(' {
					depth++
				} else if c == ')' {
					if depth--; depth < 0 {
						break
					}
				}
			}
		}
		scan += int64(j - s)
		if budget -= j - s; budget < 0 {
			return 0, false
		}
	}
	return scan, true
}

// destinationScanLong is destinationScan in time linear in the line's
// length, however many "](" it holds.
func (sc *scratch) destinationScanLong(l string) int64 {
	n := len(l)
	// escaped[i]: l[i] is an ASCII punctuation character after an odd
	// number of backslashes.
	escaped := grow(&sc.escaped, n)
	for i := 1; i < n; i++ {
		if l[i-1] == '\\' && !escaped[i-1] && isASCIIPunct(l[i]) {
			escaped[i] = true
		}
	}
	// bal[k] is the balance of the unescaped parentheses in l[:k]. A scan
	// that starts at s stops at the first ")" that brings it below bal[s]:
	// at dropAt[s]-1, where dropAt[s] is the first k > s with bal[k] < bal[s].
	bal := grow(&sc.bal, n+1)
	for i := range n {
		bal[i+1] = bal[i]
		if !escaped[i] {
			switch l[i] {
			case '(':
				bal[i+1]++
			case ')':
				bal[i+1]--
			}
		}
	}
	dropAt := grow(&sc.dropAt, n+1)
	stack := sc.stack[:0]
	for k := n; k >= 0; k-- {
		for len(stack) > 0 && bal[stack[len(stack)-1]] >= bal[k] {
			stack = stack[:len(stack)-1]
		}
		dropAt[k] = int32(n + 1)
		if len(stack) > 0 {
			dropAt[k] = stack[len(stack)-1]
		}
		stack = append(stack, int32(k))
	}
	sc.stack = stack
	var scan int64
	nextSpace, nextGT := n, n
	for i := n - 1; i >= 0; i-- {
		switch c := l[i]; {
		case c == ' ' || c == '\t':
			nextSpace = i
		case c == '>' && !escaped[i]:
			nextGT = i
		case c == ']' && i+1 < n && l[i+1] == '(':
			s := i + 2
			if s < n && l[s] == '<' {
				scan += int64(nextGT - s)
				continue
			}
			stop := min(nextSpace, int(dropAt[min(s, n)])-1)
			scan += int64(max(stop-s, 0))
		}
	}
	return scan
}

// scratch holds destinationScan's buffers, reused from line to line.
type scratch struct {
	escaped            []bool
	bal, dropAt, stack []int32
}

// grow returns (*buf)[:n] zeroed, growing *buf when it is too small.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	b := (*buf)[:n]
	clear(b)
	return b
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}
