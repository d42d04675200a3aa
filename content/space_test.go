package content

import (
	"strings"
	"testing"
)

// TestCollapseSpace: collapseSpace equals strings.Join(strings.Fields(s), " ") on every input.
func TestCollapseSpace(t *testing.T) {
	for _, s := range []string{"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u3000 b", "é è", "x\ny", "line of text", "\u2028", "a\u0085b",
		"eight ch", "eight  ch", "eightch ", " eightch", "eightch  next", "eightchr next", "eightchr  next", "a b c d e f g h i j",
		"eightchr\ttab here", "eightchr eightch\u00a0x", "eightchr\x01ctl and", "0123456 ", "01234567 89abcdef", "01234567  89abcdef",
		"0123456  89abcdef", "0123456\x7f89abcdef"} {
		if got, want := collapseSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Errorf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzCollapseSpace checks collapseSpace against strings.Fields, and
// firstIllegal against illegalRune, on any input.
func FuzzCollapseSpace(f *testing.F) {
	f.Add("a  b\tc\u00a0d")
	f.Add("x\x0by\u0085")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpace(s), strings.Join(strings.Fields(s), " "); got != want {
			t.Fatalf("collapseSpace(%q) = %q, want %q", s, got, want)
		}
		if got, want := firstIllegal(s), strings.IndexFunc(s, illegalRune); got != want {
			t.Fatalf("firstIllegal(%q) = %d, want %d", s, got, want)
		}
	})
}
