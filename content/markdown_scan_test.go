package content

import (
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/yuin/goldmark/text"
)

// fullSummary is the summary from parsing all of body.
func fullSummary(body string) string {
	src := []byte(body)
	s, _ := firstParagraph(mdSafe().Parser().Parse(text.NewReader(src)), src)
	return s
}

// checkSummaryFromStart compares the summary found in the start of body
// with the one from parsing it all.
func checkSummaryFromStart(t *testing.T, body string) bool {
	t.Helper()
	for _, first := range []int{1, 40} {
		if got, ok := summaryFromStartAt(body, first); ok {
			if want := fullSummary(body); got != want {
				t.Errorf("summaryFromStartAt(%d) = %q, parsing all of it gives %q\nbody:\n%s", first, got, want, body)
			}
		}
	}
	got, ok := summaryFromStart(body)
	if !ok {
		return false
	}
	if want := fullSummary(body); got != want {
		t.Errorf("summaryFromStart = %q, parsing all of it gives %q\nbody:\n%s", got, want, body)
	}
	return true
}

// TestSummaryFromStartCorpus: over generated Markdown (lists, code, quotes,
// figures, headings), the summary from the start of the body is the one
// from all of it, and the start is enough for nearly every article.
func TestSummaryFromStartCorpus(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	opt := corpus.DefaultOptions()
	opt.Format = "md"
	took := 0
	for i := range n {
		s, _, err := decodeText("a.md", corpus.Generate(i, opt).Data, false)
		if err != nil {
			t.Fatal(err)
		}
		_, _, body, _, err := splitFrontMatter("a.md", s)
		if err != nil {
			t.Fatal(err)
		}
		if checkSummaryFromStart(t, body) {
			took++
		}
	}
	if took < n*9/10 {
		t.Errorf("summaryFromStart found %d of %d summaries, want nearly all", took, n)
	}
}

// TestSummaryFromStartCases: what comes after the blank line where the
// parse stops cannot change the summary, and bodies where it could are
// parsed whole.
func TestSummaryFromStartCases(t *testing.T) {
	long := strings.Repeat("word ", 80)
	for _, body := range []string{
		long + "\n\nsecond\n",
		"- " + long + "\n\n- b\n\npara\n",     // a list made loose by a later item
		"- " + long + "\n- b\n\npara " + long, // a tight list
		"```\n" + long + "\n\n" + long + "\n```\n\npara\n\nmore\n",
		"<!--\n" + long + "\n\n" + long + "\n-->\n\npara\n\nmore\n",
		"<div>\n" + long + "\n\n" + long + "\n\npara\n\nmore\n",
		"    code " + long + "\n\n    more code\n\npara\n\nmore\n",
		"> " + long + "\n\n> quote\n\npara\n\nmore\n",
		"# H\n\n" + long + "\n\n" + long + "\n",
		"H\n===\n\n![only an image](x.png)\n\n" + long + "\n\n" + long + "\n",
		"[link][ref] " + long + "\n\n" + long + "\n\n[ref]: https://example.com/\n",
		"| a | b |\n|---|---|\n| " + long + " | c |\n\n" + long + "\n\n" + long + "\n",
		"***\n\n" + long + "\n\n" + long + "\n",
		long + "\n   \t\n" + long + "\n",
		"1. " + long + "\n\n   2. b\n\npara\n",
		long + "\n" + long + "\n\n" + long + "\n",
	} {
		checkSummaryFromStart(t, body)
	}
}

func FuzzSummaryFromStart(f *testing.F) {
	f.Add("- a\n\n- b\n\npara\n")
	f.Add("```\na\n\nb\n```\n\npara\n")
	f.Add("para *em\n\nph* more\n\nnext\n")
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 4096 {
			return
		}
		checkSummaryFromStart(t, body+"\n\nend\n")
	})
}
