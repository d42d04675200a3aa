package content

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText turns file bytes into clean UTF-8 text with LF line endings. It
// strips a UTF-8 BOM, decodes invalid UTF-8 as Windows-1252 (with a warning),
// removes control characters that XML cannot carry (with a warning), and
// NFC-normalizes. Bytes that are neither UTF-8 nor Windows-1252, or NUL bytes,
// make the file [ErrBinary].
//
// With own set, data belongs to the call: the text may share its memory, so
// data must not change afterwards.
func decodeText(path string, data []byte, own bool) (string, []Warning, error) {
	var warns []Warning
	for bytes.HasPrefix(data, utf8BOM) { // some tools add a second one
		data = data[len(utf8BOM):]
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", nil, errAt(path, lineAt(data, i), fmt.Errorf("%w: NUL byte", ErrBinary))
	}
	var s string
	var view string // data as a string, to scan without copying it
	if len(data) > 0 {
		view = unsafe.String(&data[0], len(data))
	}
	valid, legal, inert := scanText(view)
	if valid {
		if own {
			s = view
		} else {
			s = string(data)
		}
	} else {
		line := lineAt(data, firstInvalid(data))
		for i, b := range data {
			// Bytes Windows-1252 leaves undefined.
			if b == 0x81 || b == 0x8D || b == 0x8F || b == 0x90 || b == 0x9D {
				return "", nil, errAt(path, lineAt(data, i), fmt.Errorf("%w: neither UTF-8 nor Windows-1252 (byte 0x%02X)", ErrBinary, b))
			}
		}
		dec, err := charmap.Windows1252.NewDecoder().Bytes(data)
		if err != nil {
			return "", nil, errAt(path, line, fmt.Errorf("%w: decode Windows-1252: %v", ErrBinary, err))
		}
		s = string(dec)
		warns = append(warns, Warning{Path: path, Line: line, Code: WarnNotUTF8, Msg: "not valid UTF-8; decoded as Windows-1252"})
	}
	if !valid || !legal && strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
		_, legal, inert = scanText(s)
	}
	if !legal {
		if clean, line, n := stripControls(s); n > 0 {
			s = clean
			warns = append(warns, Warning{Path: path, Line: line, Code: WarnControlChars, Msg: fmt.Sprintf("removed %d control character(s)", n)})
		}
	}
	if !inert && !isNFC(s) {
		s = norm.NFC.String(s)
	}
	return s, warns, nil
}

// isNFC is norm.NFC.IsNormalString(s) for valid UTF-8, asked only of the
// stretches of s around runes that are not NFC-inert. An ASCII or inert
// rune starts a normalization segment of its own (it has a boundary before
// it: nothing on its left composes with it or reorders past it), so s is NFC
// when each stretch from the rune before a run of runes that are not inert
// up to the next ASCII or inert rune is: a text with one combining mark is
// checked around that mark, not whole.
func isNFC(s string) bool {
	for i := 0; i < len(s); {
		i = nonASCII(s, i)
		if i == len(s) {
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if nfcInert(r) {
			i += n
			continue
		}
		_, back := utf8.DecodeLastRuneInString(s[:i]) // ASCII or inert, or none
		j := i + n
		for j < len(s) && s[j] >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[j:])
			if nfcInert(r) {
				break
			}
			j += n
		}
		if !norm.NFC.IsNormalString(s[i-back : j]) {
			return false
		}
		i = j
	}
	return true
}

// nonASCII returns the index of the first byte of s at or after i that is
// not ASCII (or len(s)), looking at eight bytes at a time.
func nonASCII(s string, i int) int {
	const highs = 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))&highs != 0 {
			break
		}
	}
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ {
	}
	return i
}

// scanText reports, in one pass, whether s is valid UTF-8; if so, whether
// it holds no rune illegalRune rejects (a CR counts as one); and if so,
// whether it is NFC because each of its runes is NFC-inert (see
// [nfcInert]). What it cannot tell is false.
func scanText(s string) (valid, legal, inert bool) {
	legal, inert = true, true
	for i := 0; i < len(s); {
		i = plainASCII(s, i)
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			legal, inert = false, false // a control character
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return false, false, false
		}
		if illegalRune(r) {
			legal, inert = false, false
		}
		inert = inert && nfcInert(r)
		i += n
	}
	return true, legal, inert
}

// nfcInertBlocks says, for each block of 256 runes below U+20000, which
// runes are NFC-inert; a block is worked out when one of its runes is
// first seen.
var nfcInertBlocks [0x200]struct {
	once  sync.Once
	inert [4]uint64
}

// nfcInert reports whether r is NFC-inert: its quick check is Yes and its
// combining class 0, so that it neither changes nor combines with any
// neighbour under NFC. A text of such runes (and ASCII) is NFC, which the
// Unicode quick check says without looking further (UAX #15, 9). Runes
// from U+20000 up count as not inert.
func nfcInert(r rune) bool {
	if r < 0 || r >= 0x20000 {
		return false
	}
	b := &nfcInertBlocks[r>>8]
	b.once.Do(func() {
		for i := range 256 {
			c := r&^0xFF | rune(i)
			if !utf8.ValidRune(c) {
				continue
			}
			s := string(c)
			if p := norm.NFC.PropertiesString(s); p.CCC() == 0 && p.BoundaryBefore() && norm.NFC.IsNormalString(s) {
				b.inert[i>>6] |= 1 << (i & 63)
			}
		}
	})
	return b.inert[r>>6&3]&(1<<(r&63)) != 0
}

// lineAt returns the 1-based line of byte offset i, counting LF, CRLF and a
// lone CR as line ends, as the decoded text does.
func lineAt(data []byte, i int) int {
	head := data[:i]
	return 1 + bytes.Count(head, []byte{'\n'}) + bytes.Count(head, []byte{'\r'}) - bytes.Count(head, []byte("\r\n"))
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// illegalRune reports whether r may not appear in XML 1.0 output or is a
// discouraged C1 control or noncharacter. Tab and LF are allowed.
func illegalRune(r rune) bool {
	switch {
	case r == '\t' || r == '\n':
		return false
	case r < 0x20, r == 0x7F:
		return true
	case r >= 0x80 && r <= 0x9F:
		return true
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError:
		return true
	case r >= 0xFDD0 && r <= 0xFDEF:
		return true
	}
	return false
}

// stripControls removes illegal runes, returning the cleaned text, the line of
// the first removal and the number removed.
func stripControls(s string) (string, int, int) {
	if firstIllegal(s) < 0 {
		return s, 0, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	line, first, n := 1, 0, 0
	for _, r := range s {
		if illegalRune(r) {
			n++
			if first == 0 {
				first = line
			}
			continue
		}
		if r == '\n' {
			line++
		}
		b.WriteRune(r)
	}
	return b.String(), first, n
}

// CleanText removes every rune that XML 1.0 cannot carry or discourages, so
// any string may be written to a feed.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if firstIllegal(s) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || illegalRune(r) {
			return -1
		}
		return r
	}, s)
}
