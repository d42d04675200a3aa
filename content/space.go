package content

import (
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// collapseSpace trims white space and turns each run of it inside s into
// one space, like strings.Join(strings.Fields(s), " "), without allocating
// when s is already in that form (the common case for a line of text).
func collapseSpace(s string) string {
	if clean, prevSpace := spacedASCII(s); clean && !prevSpace {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// spacedASCII reports whether s is in collapseSpace's form as far as the
// scan goes (clean: no white space but single spaces between other
// characters; a leading space is not), and whether it ends in white space.
// It reads eight bytes at a time while they are printable ASCII, the common
// case of a line of text.
func spacedASCII(s string) (clean, prevSpace bool) {
	const ones, highs, lows = 0x0101010101010101, 0x8080808080808080, 0x7F7F7F7F7F7F7F7F
	prevSpace = true // a leading space is not clean
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&highs != 0 || (w-0x20*ones)&^w&highs != 0 {
			break // not ASCII, or a byte below 0x20 (exact for ASCII bytes): one at a time
		}
		// The spaces, as the high bit of their bytes: exact, since no
		// byte of w^0x20… has its high bit set, so adding 0x7F to each
		// carries into its high bit exactly when it is not zero.
		sp := ^((w ^ 0x20*ones) + lows) & highs
		if sp&(sp<<8) != 0 || prevSpace && sp&0x80 != 0 {
			return false, false // two spaces in a row, or a leading one
		}
		prevSpace = sp>>63 != 0
	}
	for i < len(s) {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
			if space && (c != ' ' || prevSpace) {
				return false, false
			}
			i++
		} else {
			r, n := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			if space {
				return false, false
			}
			i += n
		}
		prevSpace = space
	}
	return true, prevSpace
}

// firstIllegal returns the index of the first rune illegalRune rejects, or -1.
func firstIllegal(s string) int {
	for i := 0; i < len(s); {
		i = plainASCII(s, i)
		if i == len(s) {
			break
		}
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

// plainASCII returns the index of the first byte of s at or after i that is
// not printable ASCII, a tab or a line feed (or len(s)), looking at eight
// bytes at a time.
func plainASCII(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&highs != 0 {
			break // not ASCII
		}
		// A byte below 0x20 (the bytes being ASCII, the classic test is
		// exact), or a DEL (a zero byte in w^0x7F…).
		ctl := (w - 0x20*ones) &^ w & highs
		del := (w ^ 0x7F*ones - ones) &^ (w ^ 0x7F*ones) & highs
		if ctl|del != 0 {
			for j := i; j < i+8; j++ {
				if c := b[j]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
					return j
				}
			}
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c >= utf8.RuneSelf || c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
			return i
		}
	}
	return i
}
