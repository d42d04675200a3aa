package content

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// checkDestinationScan compares the two ways of counting link destination
// scanning on one line.
func checkDestinationScan(t *testing.T, l string) {
	t.Helper()
	var sc scratch
	want := sc.destinationScanLong(l)
	if got := sc.destinationScan(l); got != want {
		t.Errorf("destinationScan(%q) = %d, want %d", l, got, want)
	}
	if got, ok := destinationScanShort(l); ok && got != want {
		t.Errorf("destinationScanShort(%q) = %d, want %d", l, got, want)
	}
}

// TestDestinationScanShort: the scan from each "](" counts what the linear
// algorithm counts, on lines of link syntax, escapes and parentheses.
func TestDestinationScanShort(t *testing.T) {
	for _, l := range []string{
		"", "no links", "[a](b)", "[a](b c)", "[a](<b c>)", "[a](<b \\> c>) d>", "[a](b(c)d)e) f",
		"[a](b\\)c) d", "[a](b\\\\)c) d", "[a](", "](", "]()", "[a](\tb)", "[a](b)[c](d e)",
		"Más en [este enlace](https://example.com/search?q=port-fees&sort=new&page=2).",
		strings.Repeat("[a](", 300), strings.Repeat("](<", 100), strings.Repeat("[x](y(", 200) + "))",
	} {
		checkDestinationScan(t, l)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "[]()<>\\ \tab"
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		checkDestinationScan(t, string(b))
	}
}

func FuzzDestinationScan(f *testing.F) {
	f.Add("[a](b(c)d)e) f")
	f.Add("[a](<b \\> c>) d>")
	f.Fuzz(func(t *testing.T, l string) {
		if strings.ContainsRune(l, '\n') {
			return
		}
		checkDestinationScan(t, l)
	})
}
