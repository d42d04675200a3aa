package content

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// naiveIllegal is firstIllegal a rune at a time.
func naiveIllegal(s string) int {
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") || illegalRune(r) {
			return i
		}
	}
	return -1
}

// TestScanTextInvalid: scanText tells valid UTF-8 as utf8.ValidString does.
func TestScanTextInvalid(t *testing.T) {
	for _, s := range []string{"", "abc", "caf\xe9", "\xed\xa0\x80", "\xc0\xaf", "ok \xff", "\uFFFD", "a\u00e9\U0001F680",
		strings.Repeat("a", 20) + "\x80", strings.Repeat("é", 9) + "\xe2\x82"} {
		if valid, _, _ := scanText(s); valid != utf8.ValidString(s) {
			t.Errorf("scanText(%q) valid = %v, want %v", s, valid, utf8.ValidString(s))
		}
	}
}

// TestScanText: the eight-bytes-at-a-time scans find what a rune-by-rune
// scan finds, and a text scanText calls inert is NFC, on random text of
// ASCII, controls, DEL, tabs and line feeds, letters with and without
// accents, combining marks, Hangul jamo and syllables, CJK and emoji.
func TestScanText(t *testing.T) {
	pieces := []string{"a", "Z", " ", "\t", "\n", "\x01", "\x1f", "\x7f", "é", "e\u0301", "\u0301", "ñ", "ß",
		"Ж", "ё", "\u0483", "ا", "\u064b", "ก", "\u0e31", "क", "\u093c", "가", "\u1100", "\u1161", "\u11a8",
		"中", "\uf900", "\u2000", "—", "«", "🚀", "\U0001d15e", "\u0085", "\ufeff", "\ufffe", "\u0340", "Å", "\u212b"}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(24) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		want := naiveIllegal(s)
		if got := firstIllegal(s); got != want {
			t.Fatalf("firstIllegal(%q) = %d, want %d", s, got, want)
		}
		valid, legal, inert := scanText(s)
		if !valid {
			t.Fatalf("scanText(%q) valid = false", s)
		}
		if legal != (want < 0) {
			t.Fatalf("scanText(%q) legal = %v, want %v", s, legal, want < 0)
		}
		if inert && !norm.NFC.IsNormalString(s) {
			t.Fatalf("scanText(%q) says NFC, but it is not", s)
		}
	}
}

// TestNFCInert: every rune below U+20000 that nfcInert accepts leaves any
// text of inert runes in NFC, next to any other inert rune; the common
// scripts of news text are inert.
func TestNFCInert(t *testing.T) {
	var inert []rune
	for c := rune(0x80); c < 0x20000; c++ {
		if nfcInert(c) {
			inert = append(inert, c)
		}
	}
	for _, c := range "éñßÅЖёاกक가中—«🚀" {
		if !nfcInert(c) {
			t.Errorf("nfcInert(%U %q) = false, want true", c, c)
		}
	}
	for _, c := range "\u0301\u0483\u064b\u0e48\u093c\u1161\u11a8\uf900\u2000\u212b\u0340" {
		if nfcInert(c) {
			t.Errorf("nfcInert(%U) = true, want false", c)
		}
	}
	for _, c := range inert {
		if s := string(c); !norm.NFC.IsNormalString(s) {
			t.Fatalf("nfcInert(%U) = true, but it is not NFC", c)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(6) {
			b.WriteRune(inert[r.IntN(len(inert))])
		}
		if s := b.String(); !norm.NFC.IsNormalString(s) {
			t.Fatalf("%q: inert runes, not NFC", s)
		}
	}
}
