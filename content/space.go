package content

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// collapseSpace trims white space and turns each run of it inside s into
// one space, like strings.Join(strings.Fields(s), " "), without allocating
// when s is already in that form (the common case for a line of text).
func collapseSpace(s string) string {
	clean := true
	prevSpace := true // a leading space is not clean
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
			if space && (c != ' ' || prevSpace) {
				clean = false
				break
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			if space {
				clean = false
				break
			}
			i += n
		}
		prevSpace = space
	}
	if clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// firstIllegal returns the index of the first rune illegalRune rejects, or -1.
// ASCII is checked a byte at a time.
func firstIllegal(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if illegalRune(r) {
			return i
		}
		i += n
	}
	return -1
}
