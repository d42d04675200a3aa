package feed

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestCleanNameFastPath: the fast path gives what the full cleaning gives.
func TestCleanNameFastPath(t *testing.T) {
	slow := func(s string) string { return strings.Join(strings.Fields(content.CleanText(s)), " ") }
	cases := []string{"", " ", "go", "Go Lang", " go", "go ", "go  lang", "go\tlang", "go\nlang", "é", "web dev", "a\x00b", "a\x7fb", "~!@#"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab ~\t\x00\x7f\xc3\xa9")
	for range 5000 {
		b := make([]byte, rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		if got, want := cleanName(s), slow(s); got != want {
			t.Fatalf("cleanName(%q) = %q, want %q", s, got, want)
		}
	}
}
