package content

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestIsNFC: isNFC answers as norm.NFC.IsNormalString over texts mixing
// ASCII, runes that are NFC-inert, combining marks of several classes,
// runes that compose with the one before them (a mark after a letter,
// Hangul jamo, Indic vowel signs), runes NFC replaces (the Ohm sign, a
// decomposed Hangul syllable), runes beyond the Basic Multilingual Plane,
// and line breaks: both normalized and not, at every position of a text.
func TestIsNFC(t *testing.T) {
	pool := []string{
		"a", "e", "E", "o", " ", "\n", "\t", ".", "1", "é", "ñ", "ü", "’", "中", "ß", "Ω", "ا", "क", "ক", "ท", "ଓ",
		"\u0301", "\u0308", "\u0323", "\u0327", "\u0344", "\u064B", "\u0651", "\u094D", "\u093C", "\u09BE", "\u09C7", "\u0E38", "\u0B47", "\u0B3E",
		"\u1100", "\u1161", "\u11A8", "\uAC00", "\u2126", "\u212B", "\u0958", "\u1E0A", "\u0340",
		"\U0001D15E", "\U0001D165", "\U0002F800", "\U0001F600",
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	normal, not := 0, 0
	for range 200000 {
		b.Reset()
		for range rng.IntN(14) {
			b.WriteString(pool[rng.IntN(len(pool))])
		}
		s := b.String()
		if rng.IntN(2) == 0 {
			s = norm.NFC.String(s)
		}
		want := norm.NFC.IsNormalString(s)
		if got := isNFC(s); got != want {
			t.Fatalf("isNFC(%+q) = %t, want %t", s, got, want)
		}
		if want {
			normal++
		} else {
			not++
		}
		// The same stretch in a longer ASCII text, where the SWAR scan
		// skips eight bytes at a time.
		long := "The quick brown fox jumps over" + s + "the lazy dog, and again."
		if got, want := isNFC(long), norm.NFC.IsNormalString(long); got != want {
			t.Fatalf("isNFC(%+q) = %t, want %t", long, got, want)
		}
	}
	if normal < 1000 || not < 1000 {
		t.Fatalf("%d texts normalized and %d not: the pool no longer tests both", normal, not)
	}
}
