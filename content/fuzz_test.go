package content_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
)

// The fuzz targets check that no input panics, that failures are
// *ParseErrors for the file, and that what parses satisfies
// articleInvariants. Seeds are the f.Add calls below and the files in
// testdata/fuzz/<Target>/. CI runs only those; fuzz longer locally with
// go test ./content -run XXX -fuzz FuzzParseText -fuzztime 60s.

func fuzzOptions() content.Options {
	o := testOptions()
	o.MaxSize = 64 << 10 // keep each input cheap
	return o
}

// parseWorkLimit bounds the CPU time one parse of an input of at most 64 KiB
// may take (workOf): about a thousand times what the largest seed takes
// under the race detector, so that only a parse whose work explodes with
// its input fails it.
const parseWorkLimit = 5 * time.Second

// checkParse is what every parser fuzz target checks.
func checkParse(t *testing.T, p string, data []byte) (*content.Article, error) {
	var a *content.Article
	var err error
	if w := workOf(func() { a, err = content.Parse(p, data, mtime, fuzzOptions()) }); w > parseWorkLimit {
		t.Fatalf("Parse(%d bytes %q) took %v of CPU time, more than %v", len(data), data[:min(len(data), 200)], w, parseWorkLimit)
	}
	if err != nil {
		if a != nil {
			t.Fatalf("Parse(%q) returned an article and error %v", data, err)
		}
		pe, ok := errors.AsType[*content.ParseError](err)
		if !ok {
			t.Fatalf("Parse(%q) error %v (%T), want a *content.ParseError", data, err, err)
		}
		if pe.Path != p || pe.Line < 0 || pe.Err == nil {
			t.Fatalf("Parse(%q) error = %#v, want path %q and a line >= 0", data, pe, p)
		}
		if n := lineCount(data); pe.Line > n {
			t.Fatalf("Parse(%q) error at line %d, past the file's %d lines: %v", data, pe.Line, n, err)
		}
		return nil, err
	}
	if err := articleInvariants(a); err != nil {
		t.Fatalf("Parse(%q): %v", data, err)
	}
	// Parsing is a function of the bytes.
	b, err := content.Parse(p, data, mtime, fuzzOptions())
	if err != nil || b.Title != a.Title || b.ID != a.ID || b.Body.HTML() != a.Body.HTML() || b.Summary != a.Summary {
		t.Fatalf("Parse(%q) twice gave different results", data)
	}
	checkLint(t, a, data)
	return a, nil
}

// checkLint checks that Lint, on what parses, points within the file.
func checkLint(t *testing.T, a *content.Article, data []byte) {
	t.Helper()
	for _, unsafe := range []bool{false, true} {
		opts := fuzzOptions()
		opts.UnsafeHTML = unsafe
		for _, w := range content.Lint(a, data, opts, nil) {
			if w.Path != a.Path || w.Code == "" || w.Msg == "" || w.Line < 0 || w.Line > lineCount(data) || w.Column < 0 || w.Column > len(data)+1 {
				t.Fatalf("Lint(%q) = %+v: not a warning within the file", data, w)
			}
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"",
		"Title\n\nText.\n",
		"Title\nDate: 2024-05-06\nAuthor: A\nTags: a, b\nID: x\nSummary: s\nImage: i.jpg\nLink: https://x\nDraft: no\n\nText.\n",
		"\uFEFFTitle\r\n\r\nCaption. (Photo/Agency)\r\n\r\nText.\r\n\r\n\r\nSource: Wire",
		"Caf\xe9 \x93quoted\x94\n\nText \x81.\n",
		"T\x00\n",
		"T\nDate: 2024-02-30\n",
		"T\n\n" + strings.Repeat("word ", 80),
		"Source: X",
		"\n\n\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := checkParse(t, "news/fuzz.txt", data)
		if err != nil {
			return
		}
		if strings.ContainsAny(a.Title, "\n\r") {
			t.Fatalf("Parse(%q).Title = %q, want one line", data, a.Title)
		}
		if utf8.RuneCountInString(a.Summary) > 301 && !strings.Contains(string(data), "Summary:") && !strings.Contains(string(data), "summary:") {
			t.Fatalf("Parse(%q).Summary has %d characters, want at most 301", data, utf8.RuneCountInString(a.Summary))
		}
	})
}

func FuzzParseMarkdown(f *testing.F) {
	for _, s := range []string{
		"",
		"# Title\n\nText.\n",
		"---\n---\n",
		"---\ntitle: T\ndate: 2024-05-06\ntags: [a, b]\nauthors: [{name: A}]\nslug: s\ndraft: false\n---\nText.\n",
		"\uFEFF---\r\ntitle: T\r\n---\r\n",
		"---\ntitle: T\n",
		"---\ntags: {a: 1}\n---\n",
		"---\na: &a [x, x]\nb: &b [*a, *a]\ntags: *b\n---\n",
		"```\n# no\n```\n# Yes\n",
		"---\ntitle: \"\\x01\\u0000\"\nslug: \"a\\tb\"\n---\n",
		"<script>x</script>\n\n# T\n",
		"# T ![](t.png)\n\n> <div>\n> <img\n>  src=x>\n\n![][r]\n\n[r]: a.png\n",
		"---\n? [a]\n: b\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := checkParse(t, "posts/fuzz.md", data)
		// FrontMatterClosed, which a watcher uses on half-written files,
		// agrees with Parse on clean UTF-8 text.
		s := string(data)
		norm := strings.ReplaceAll(strings.ReplaceAll(strings.TrimPrefix(s, "\uFEFF"), "\r\n", "\n"), "\r", "\n")
		closed := content.FrontMatterClosed(s)
		if !utf8.ValidString(s) || content.CleanText(norm) != norm {
			return
		}
		if errors.Is(err, content.ErrUnclosedFrontMatter) && closed {
			t.Fatalf("FrontMatterClosed(%q) = true, but Parse says %v", s, err)
		}
		if err == nil && !closed {
			t.Fatalf("FrontMatterClosed(%q) = false, but Parse succeeds", s)
		}
	})
}

var fuzzLocations = []*time.Location{
	time.UTC,
	time.FixedZone("+0545", 5*3600+45*60),
	time.FixedZone("-0330", -(3*3600 + 30*60)),
	nil,
}

func FuzzParseDate(f *testing.F) {
	for i, s := range []string{
		"2024-05-06", "2024-05-06T07:08:09Z", "2024-05-06T07:08:09.123+05:45", "2024-05-06 07:08",
		"2024-05-06 07:08:09 -0330", "2026-02-30", "25:00", "0000-01-01", "9999-12-31T23:59:59-01:00", "",
	} {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s string, zone uint8) {
		loc := fuzzLocations[int(zone)%len(fuzzLocations)]
		got, err := content.ParseDate(s, loc)
		if err != nil {
			if !errors.Is(err, content.ErrBadDate) {
				t.Fatalf("ParseDate(%q) error = %v, want %v", s, err, content.ErrBadDate)
			}
			return
		}
		if got.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, want whole seconds", s, got)
		}
		if y := got.UTC().Year(); y < 1 || y > 9999 {
			t.Fatalf("ParseDate(%q) = %v, want a year from 1 to 9999", s, got)
		}
		// What it returns can be written as RFC 3339 and read back.
		back, err := content.ParseDate(got.Format(time.RFC3339), time.UTC)
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseDate(%q) = %v; reading back %q gives %v, %v", s, got, got.Format(time.RFC3339), back, err)
		}
		if _, err := got.MarshalJSON(); err != nil {
			t.Fatalf("ParseDate(%q) = %v, which JSON cannot write: %v", s, got, err)
		}
	})
}

// lineCount counts lines the way the parsers do: LF, CRLF and a lone CR end
// a line.
func lineCount(data []byte) int {
	s := string(data)
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") - strings.Count(s, "\r\n")
}
