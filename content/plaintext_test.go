package content_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
)

// textView is the part of a plain-text article the table tests compare.
type textView struct {
	Title   string
	Authors []string
	Summary string
	Source  string
	HTML    string
}

func viewText(a *content.Article) textView {
	return textView{Title: a.Title, Authors: a.Authors, Summary: a.Summary, Source: a.Source, HTML: a.Body.HTML()}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want textView
	}{
		{
			name: "title and one paragraph",
			src:  "Harbour reopens\n\nThe harbour reopened on Monday.\n",
			want: textView{Title: "Harbour reopens", Summary: "The harbour reopened on Monday.",
				HTML: "<p>The harbour reopened on Monday.</p>\n"},
		},
		{
			name: "blank lines and spaces around the title",
			src:  "\n\n   Harbour   reopens \t\n\nText.\n",
			want: textView{Title: "Harbour reopens", Summary: "Text.", HTML: "<p>Text.</p>\n"},
		},
		{
			name: "lines of a paragraph joined with a space",
			src:  "T\n\nline one\n  line\ttwo  \n\nsecond   paragraph\n",
			want: textView{Title: "T", Summary: "line one line two",
				HTML: "<p>line one line two</p>\n<p>second paragraph</p>\n"},
		},
		{
			name: "many blank lines between paragraphs",
			src:  "T\n\n\n\none\n\n\n\ntwo\n",
			want: textView{Title: "T", Summary: "one", HTML: "<p>one</p>\n<p>two</p>\n"},
		},
		{
			name: "title only",
			src:  "Just a title\n",
			want: textView{Title: "Just a title"},
		},
		{
			name: "source after a blank line",
			src:  "T\n\nText.\n\nSource: Wire Service\n",
			want: textView{Title: "T", Authors: []string{"Wire Service"}, Summary: "Text.", Source: "Wire Service",
				HTML: "<p>Text.</p>\n<p class=\"source\">Source: Wire Service</p>\n"},
		},
		{
			name: "source right after the last paragraph",
			src:  "T\n\nFirst.\n\nLast line\nSource: Wire\n",
			want: textView{Title: "T", Authors: []string{"Wire"}, Summary: "First.", Source: "Wire",
				HTML: "<p>First.</p>\n<p>Last line</p>\n<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "two blank lines before source",
			src:  "T\n\nText.\n\n\nSource: Wire\n",
			want: textView{Title: "T", Authors: []string{"Wire"}, Summary: "Text.", Source: "Wire",
				HTML: "<p>Text.</p>\n<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "no final newline",
			src:  "T\n\nText.\n\nSource: Wire",
			want: textView{Title: "T", Authors: []string{"Wire"}, Summary: "Text.", Source: "Wire",
				HTML: "<p>Text.</p>\n<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "blank lines and spaces after source",
			src:  "T\n\nText.\n\nSource:   Wire  \n\n  \n",
			want: textView{Title: "T", Authors: []string{"Wire"}, Summary: "Text.", Source: "Wire",
				HTML: "<p>Text.</p>\n<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "source line directly under the title",
			src:  "T\nSource: Wire\n",
			want: textView{Title: "T", Authors: []string{"Wire"}, Source: "Wire",
				HTML: "<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "source not on the last line is body text",
			src:  "T\n\nSource: Wire\n\nMore text.\n",
			want: textView{Title: "T", Summary: "Source: Wire",
				HTML: "<p>Source: Wire</p>\n<p>More text.</p>\n"},
		},
		{
			name: "author header wins over source",
			src:  "T\nAuthor: Jane Roe\n\nText.\n\nSource: Wire\n",
			want: textView{Title: "T", Authors: []string{"Jane Roe"}, Summary: "Text.", Source: "Wire",
				HTML: "<p>Text.</p>\n<p class=\"source\">Source: Wire</p>\n"},
		},
		{
			name: "caption is the first paragraph",
			src:  "T\n\nA ferry leaves the harbour. (Photo/Coast Agency)\n\nText.\n",
			want: textView{Title: "T", Summary: "Text.",
				HTML: "<figure><figcaption>A ferry leaves the harbour. (Photo/Coast Agency)</figcaption></figure>\n<p>Text.</p>\n"},
		},
		{
			name: "caption over two lines",
			src:  "T\n\nA ferry leaves\nthe harbour. (Photo: Coast Agency)\n\nText.\n",
			want: textView{Title: "T", Summary: "Text.",
				HTML: "<figure><figcaption>A ferry leaves the harbour. (Photo: Coast Agency)</figcaption></figure>\n<p>Text.</p>\n"},
		},
		{
			name: "caption only: never the summary",
			src:  "T\n\nA ferry. (Photo/Coast Agency)\n",
			want: textView{Title: "T",
				HTML: "<figure><figcaption>A ferry. (Photo/Coast Agency)</figcaption></figure>\n"},
		},
		{
			name: "credit in a later paragraph is text",
			src:  "T\n\nText.\n\nA ferry. (Photo/Coast Agency)\n",
			want: textView{Title: "T", Summary: "Text.",
				HTML: "<p>Text.</p>\n<p>A ferry. (Photo/Coast Agency)</p>\n"},
		},
		{
			name: "image header with caption",
			src:  "T\nImage: ferry.jpg\n\nA ferry. (Photo/Coast Agency)\n\nText.\n",
			want: textView{Title: "T", Summary: "Text.",
				HTML: "<figure><img src=\"ferry.jpg\" alt=\"A ferry. (Photo/Coast Agency)\"><figcaption>A ferry. (Photo/Coast Agency)</figcaption></figure>\n<p>Text.</p>\n"},
		},
		{
			name: "html escaped",
			src:  "Fish & \"chips\" <b>now</b>\n\na < b & 'c' > \"d\"\n\nSource: A&B <Wire>\n",
			want: textView{Title: "Fish & \"chips\" <b>now</b>", Authors: []string{"A&B <Wire>"},
				Summary: "a < b & 'c' > \"d\"", Source: "A&B <Wire>",
				HTML: "<p>a &lt; b &amp; &#39;c&#39; &gt; &#34;d&#34;</p>\n<p class=\"source\">Source: A&amp;B &lt;Wire&gt;</p>\n"},
		},
		{
			name: "header-like line after a blank line is text",
			src:  "T\n\nDate: 2024-01-02\n",
			want: textView{Title: "T", Summary: "Date: 2024-01-02", HTML: "<p>Date: 2024-01-02</p>\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, "news/t.txt", tc.src)
			if got := viewText(a); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) =\n%#v\nwant\n%#v", tc.src, got, tc.want)
			}
			if a.Format != content.FormatText {
				t.Errorf("Parse(%q).Format = %v, want %v", tc.src, a.Format, content.FormatText)
			}
		})
	}
}

func TestParseTextHeaders(t *testing.T) {
	d := func(y int, m time.Month, day, h, min, s int, loc *time.Location) time.Time {
		return time.Date(y, m, day, h, min, s, 0, loc)
	}
	type want struct {
		published, updated time.Time
		dated              bool
		authors, tags      []string
		id                 string
		summary            string
		image, link        string
		draft              bool
		firstPara          string
	}
	base := want{
		published: mtime.Truncate(time.Second), updated: mtime.Truncate(time.Second),
		id: "tag:example.com,2024:news/h", summary: "Body.", firstPara: "Body.",
	}
	with := func(f func(*want)) want { w := base; f(&w); return w }
	tests := []struct {
		name   string
		header string
		want   want
	}{
		{"no header", "", base},
		{"Date", "Date: 2024-05-06", with(func(w *want) {
			w.published, w.updated, w.dated = d(2024, 5, 6, 0, 0, 0, time.UTC), d(2024, 5, 6, 0, 0, 0, time.UTC), true
		})},
		{"date lowercase RFC 3339", "date: 2024-05-06T07:08:09+02:00", with(func(w *want) {
			w.published, w.updated, w.dated = d(2024, 5, 6, 5, 8, 9, time.UTC), d(2024, 5, 6, 5, 8, 9, time.UTC), true
		})},
		{"Updated", "DATE: 2024-05-06\nUPDATED: 2024-06-01 10:00", with(func(w *want) {
			w.published, w.updated, w.dated = d(2024, 5, 6, 0, 0, 0, time.UTC), d(2024, 6, 1, 10, 0, 0, time.UTC), true
		})},
		{"Author", "author: Jane Roe", with(func(w *want) { w.authors = []string{"Jane Roe"} })},
		{"Tags comma separated, empties and repeats dropped", "Tags: ports,  Weather , ,ports, weather", with(func(w *want) {
			w.tags = []string{"ports", "Weather"}
		})},
		{"ID as URI", "Id: urn:uuid:0b9f3c4e-1a2b-4c5d-8e9f-001122334455", with(func(w *want) {
			w.id = "urn:uuid:0b9f3c4e-1a2b-4c5d-8e9f-001122334455"
		})},
		{"ID not a URI", "ID: story 42", with(func(w *want) { w.id = "tag:example.com,2024:story%2042" })},
		{"Summary", "SUMMARY:   Given   summary.  ", with(func(w *want) { w.summary = "Given summary." })},
		{"Image", "image: /img/ferry.jpg", with(func(w *want) { w.image = "/img/ferry.jpg" })},
		{"Link with colons", "Link: https://example.org/a:b?c=d", with(func(w *want) { w.link = "https://example.org/a:b?c=d" })},
		{"Draft true", "Draft: true", with(func(w *want) { w.draft = true })},
		{"Draft yes", "draft: Yes", with(func(w *want) { w.draft = true })},
		{"Draft false", "Draft: false", base},
		{"unknown key ends the header", "Author: Jane\nNote: later\nTags: x", with(func(w *want) {
			w.authors = []string{"Jane"}
			w.summary = "Note: later Tags: x"
			w.firstPara = "Note: later Tags: x"
		})},
		{"indented line ends the header", "Author: Jane\n Tags: x", with(func(w *want) {
			w.authors = []string{"Jane"}
			w.summary = "Tags: x"
			w.firstPara = "Tags: x"
		})},
		{"blank line ends the header", "\nAuthor: Jane", with(func(w *want) {
			w.summary = "Author: Jane"
			w.firstPara = "Author: Jane"
		})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "Headline\n" + tc.header + "\n\nBody.\n"
			if tc.header == "" {
				src = "Headline\n\nBody.\n"
			}
			for _, variant := range []struct{ name, src string }{{"LF", src}, {"CRLF", crlf(src)}} {
				a := mustParse(t, "news/h.txt", variant.src)
				got := want{
					published: a.Published, updated: a.Updated, dated: a.Dated,
					authors: a.Authors, tags: a.Tags, id: a.ID, summary: a.Summary,
					image: a.Image, link: a.Link, draft: a.Draft,
				}
				if ps := strings.SplitN(a.Body.Text(), "\n\n", 2); len(ps) > 0 {
					got.firstPara = ps[0]
				}
				if !got.published.Equal(tc.want.published) || !got.updated.Equal(tc.want.updated) {
					t.Errorf("%s: Parse(%q) Published, Updated = %v, %v, want %v, %v", variant.name, variant.src,
						got.published, got.updated, tc.want.published, tc.want.updated)
				}
				got.published, got.updated = tc.want.published, tc.want.updated
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("%s: Parse(%q) =\n%+v\nwant\n%+v", variant.name, variant.src, got, tc.want)
				}
				if a.Title != "Headline" {
					t.Errorf("%s: Parse(%q).Title = %q, want %q", variant.name, variant.src, a.Title, "Headline")
				}
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantErr  error
		wantLine int
	}{
		{"empty", "", content.ErrEmpty, 0},
		{"white space only", " \n\t\r\n\n", content.ErrEmpty, 0},
		{"BOM only", "\uFEFF", content.ErrEmpty, 0},
		{"BOM and blank lines", "\uFEFF\n\n  \n", content.ErrEmpty, 0},
		{"control characters only", "\x01\x02\n\x03", content.ErrEmpty, 0},
		{"bad Date", "T\nAuthor: A\nDate: 2024-02-30\n\nText.\n", content.ErrBadDate, 3},
		{"bad Updated", "T\nDate: 2024-02-01\nUpdated: yesterday\n\nText.\n", content.ErrBadDate, 3},
		{"bad Draft", "T\nDraft: maybe\n\nText.\n", content.ErrFrontMatter, 2},
		{"bad Date after CRLF and blank lines", "\r\n\r\nT\r\nDate: 25:00\r\n", content.ErrBadDate, 4},
		{"NUL byte", "T\n\nText\x00more.\n", content.ErrBinary, 3},
		{"NUL byte after CRLF", "T\r\n\r\nText\x00more.\r\n", content.ErrBinary, 3},
		{"NUL byte after lone CRs", "T\r\rText\x00more.\r", content.ErrBinary, 3},
		{"bad Date after lone CRs", "T\rAuthor: A\rDate: 25:00\r", content.ErrBadDate, 3},
		{"NUL after BOM", "\uFEFFT\x00", content.ErrBinary, 1},
		{"UTF-16", "\xFF\xFET\x00i\x00t\x00l\x00e\x00", content.ErrBinary, 1},
		{"byte neither UTF-8 nor Windows-1252", "T\n\nCaf\xe9\n\nbad \x81 byte\n", content.ErrBinary, 5},
		{"undefined Windows-1252 byte 0x9D", "T\x9D\n", content.ErrBinary, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pe := parseErr(t, "news/e.txt", tc.src)
			if !errors.Is(pe, tc.wantErr) || pe.Line != tc.wantLine {
				t.Errorf("Parse(%q) error = %v (line %d), want %v at line %d", tc.src, pe, pe.Line, tc.wantErr, tc.wantLine)
			}
		})
	}
}

func TestParseTextEncoding(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		wantTitle string
		wantBody  string   // Body.Text()
		wantWarns []string // substrings of the warnings, in order
		wantLines []int    // their lines
	}{
		{
			name: "UTF-8", src: "Café “quoted”\n\nIt’s – fine.\n",
			wantTitle: "Café “quoted”", wantBody: "It’s – fine.",
		},
		{
			name: "BOM", src: "\uFEFFCafé\n\nText.\n",
			wantTitle: "Café", wantBody: "Text.",
		},
		{
			name: "two BOMs", src: "\uFEFF\uFEFFCafé\n\nText.\n",
			wantTitle: "Café", wantBody: "Text.",
		},
		{
			name: "BOM and CRLF", src: "\uFEFFCafé\r\n\r\nText\r\nmore.\r\n",
			wantTitle: "Café", wantBody: "Text more.",
		},
		{
			name: "bare CR line endings", src: "Café\r\rText\rmore.\r",
			wantTitle: "Café", wantBody: "Text more.",
		},
		{
			name: "Windows-1252", src: "Caf\xe9 \x93quoted\x94\r\n\r\nIt\x92s \x96 fine \x80 5.\r\n",
			wantTitle: "Café “quoted”", wantBody: "It’s – fine € 5.",
			wantWarns: []string{"Windows-1252"}, wantLines: []int{1},
		},
		{
			name: "Windows-1252 on line 3", src: "Title\n\nna\xefve\n",
			wantTitle: "Title", wantBody: "naïve",
			wantWarns: []string{"Windows-1252"}, wantLines: []int{3},
		},
		{
			name: "control characters removed", src: "Ti\x01tle\n\nBo\x07dy\x1b.\x7f\n",
			wantTitle: "Title", wantBody: "Body.",
			wantWarns: []string{"control"}, wantLines: []int{1},
		},
		{
			name: "control character on line 3", src: "Title\n\nBo\x0bdy.\n",
			wantTitle: "Title", wantBody: "Body.",
			wantWarns: []string{"control"}, wantLines: []int{3},
		},
		{
			name: "C1 control character removed", src: "Title\n\nBo\u0085dy.\n",
			wantTitle: "Title", wantBody: "Body.",
			wantWarns: []string{"control"}, wantLines: []int{3},
		},
		{
			name: "tabs kept as white space", src: "Title\n\nA\tB.\n",
			wantTitle: "Title", wantBody: "A B.",
		},
		{
			name: "decomposed text NFC-normalized", src: "Cafe\u0301\n\nre\u0301sume\u0301\n",
			wantTitle: "Café", wantBody: "résumé",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, "news/enc.txt", tc.src)
			if a.Title != tc.wantTitle {
				t.Errorf("Parse(%q).Title = %q, want %q", tc.src, a.Title, tc.wantTitle)
			}
			if got := a.Body.Text(); got != tc.wantBody {
				t.Errorf("Parse(%q).Body.Text() = %q, want %q", tc.src, got, tc.wantBody)
			}
			if strings.ContainsRune(a.Body.HTML(), '\r') {
				t.Errorf("Parse(%q).Body.HTML() = %q, want no CR", tc.src, a.Body.HTML())
			}
			var got []string
			var lines []int
			for _, w := range a.Warnings {
				if strings.Contains(w.Msg, "modification time") {
					continue // no Date: header; not what this test is about
				}
				got = append(got, w.Msg)
				lines = append(lines, w.Line)
				if w.Path != "news/enc.txt" {
					t.Errorf("Parse(%q) warning path = %q, want %q", tc.src, w.Path, "news/enc.txt")
				}
			}
			if len(got) != len(tc.wantWarns) {
				t.Fatalf("Parse(%q).Warnings = %q, want %d matching %q", tc.src, got, len(tc.wantWarns), tc.wantWarns)
			}
			for i := range got {
				if !strings.Contains(got[i], tc.wantWarns[i]) || lines[i] != tc.wantLines[i] {
					t.Errorf("Parse(%q).Warnings[%d] = %q at line %d, want %q at line %d",
						tc.src, i, got[i], lines[i], tc.wantWarns[i], tc.wantLines[i])
				}
			}
		})
	}
}

func TestParseTextNoDateWarning(t *testing.T) {
	a := mustParse(t, "news/x.txt", "T\n\nText.\n")
	if a.Dated || !a.Published.Equal(mtime.Truncate(time.Second)) {
		t.Errorf("Parse(no date) Published, Dated = %v, %v, want %v, false", a.Published, a.Dated, mtime.Truncate(time.Second))
	}
	if !hasWarning(a.Warnings, "modification time") {
		t.Errorf("Parse(no date).Warnings = %v, want one about the modification time", a.Warnings)
	}
	a = mustParse(t, "news/x.txt", "T\nDate: 2024-01-02\n\nText.\n")
	if len(a.Warnings) != 0 {
		t.Errorf("Parse(dated).Warnings = %v, want none", a.Warnings)
	}
}

func TestTextCaption(t *testing.T) {
	tests := []struct {
		para string
		want bool
	}{
		{"Ships in port. (Photo/Reuters)", true},
		{"Ships in port. (Photo: Coast Agency)", true},
		{"Ships in port. (Photo : Coast Agency)", true},
		{"Ships in port. (Image: Agency)", true},
		{"Ships in port. (Picture/Jane Roe)", true},
		{"Ships in port. (Video / Harbour TV)", true},
		{"(Photo/Reuters)", true},
		{"Ships in port. (photo/Reuters)", false},
		{"Ships in port. (Photo/Reuters).", false},
		{"Ships in port. (Photo/Reuters) today", false},
		{"Ships in port. (Photo)", false},
		{"Ships in port. (Photo/)", false},
		{"Ships in port. (Photographer/Jane)", false},
		{"Ships in port. (Audio/Radio)", false},
		{"Ships in port (Reuters)", false},
	}
	for _, tc := range tests {
		t.Run(tc.para, func(t *testing.T) {
			a := mustParse(t, "news/c.txt", "T\n\n"+tc.para+"\n\nText.\n")
			html := a.Body.HTML()
			got := strings.Contains(html, "<figcaption>")
			if got != tc.want {
				t.Errorf("Parse(caption %q) figcaption = %v, want %v; HTML:\n%s", tc.para, got, tc.want, html)
			}
			wantSummary := "Text."
			if !tc.want {
				wantSummary = tc.para
			}
			if a.Summary != wantSummary {
				t.Errorf("Parse(caption %q).Summary = %q, want %q", tc.para, a.Summary, wantSummary)
			}
		})
	}
}

func TestTextSummaryCut(t *testing.T) {
	words := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
	tests := []struct {
		name     string
		para     string
		wantCut  bool
		wantText string // when not "", the exact summary
	}{
		{name: "short", para: "A short paragraph.", wantText: "A short paragraph."},
		{name: "exactly 300 characters", para: strings.Repeat("abcd ", 59) + "abcd", wantText: strings.Repeat("abcd ", 59) + "abcd"},
		{name: "301 characters", para: strings.Repeat("abcd ", 60) + "x", wantCut: true},
		{name: "long ASCII", para: words("harbour", 100), wantCut: true},
		{name: "long multibyte counted in characters", para: words("été", 120), wantCut: true,
			wantText: words("été", 75) + "…"},
		{name: "punctuation before the cut trimmed", para: words("ferry,", 60), wantCut: true},
		{name: "one very long word", para: strings.Repeat("x", 500), wantCut: true,
			wantText: strings.Repeat("x", 300) + "…"},
		{name: "collapsed white space", para: "a  b\t\tc", wantText: "a b c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, "news/s.txt", "T\n\n"+tc.para+"\n\nSecond paragraph.\n")
			got := a.Summary
			if tc.wantText != "" && got != tc.wantText {
				t.Errorf("Parse(para of %d chars).Summary = %q, want %q", utf8.RuneCountInString(tc.para), got, tc.wantText)
			}
			n := utf8.RuneCountInString(got)
			if !tc.wantCut {
				return
			}
			body, ok := strings.CutSuffix(got, "…")
			if !ok {
				t.Fatalf("Parse(long para).Summary = %q, want it to end with an ellipsis", got)
			}
			if n > 301 || n < 200 {
				t.Errorf("Parse(long para).Summary has %d characters, want between 200 and 301", n)
			}
			if !strings.HasPrefix(tc.para, body) {
				t.Errorf("Parse(long para).Summary = %q, want a prefix of the paragraph", got)
			}
			if strings.ContainsAny(tc.para, " ") {
				rest := tc.para[len(body):]
				// The cut is at a word boundary: what follows is a space, or
				// punctuation that was trimmed and then a space.
				rest = strings.TrimLeft(rest, ",;:.-–—")
				if !strings.HasPrefix(rest, " ") {
					t.Errorf("Parse(long para).Summary = %q, cut inside a word (rest %q)", got, rest[:min(len(rest), 20)])
				}
				if strings.HasSuffix(body, " ") || strings.HasSuffix(body, ",") {
					t.Errorf("Parse(long para).Summary = %q, want trailing space and punctuation trimmed", got)
				}
			}
		})
	}

	t.Run("given summary is not cut", func(t *testing.T) {
		long := words("harbour", 100)
		a := mustParse(t, "news/s.txt", "T\nSummary: "+long+"\n\nText.\n")
		if a.Summary != long {
			t.Errorf("Parse(Summary: header of %d chars).Summary = %q, want it whole", len(long), a.Summary)
		}
	})
}

func TestTextSampleShape(t *testing.T) {
	// A news file in the shape dropfeed was specified with: title, blank line,
	// captioned photo, paragraphs with typographic quotes, two blank lines and a
	// source credit without a final newline.
	a := mustParse(t, "2024/harbour.txt", readFile(t, "testdata/articles/harbour.txt"))
	if a.Title != "Harbour reopens after the winter storms" {
		t.Errorf("Title = %q", a.Title)
	}
	if a.Source != "Coastal Wire" || !reflect.DeepEqual(a.Authors, []string{"Coastal Wire"}) {
		t.Errorf("Source, Authors = %q, %q, want %q, [%q]", a.Source, a.Authors, "Coastal Wire", "Coastal Wire")
	}
	if !strings.HasPrefix(a.Summary, "The port of Kestrel Bay reopened") {
		t.Errorf("Summary = %q, want the first paragraph after the caption", a.Summary)
	}
	html := a.Body.HTML()
	for _, want := range []string{
		"<figure><figcaption>Fishing boats wait at the breakwater on Tuesday. (Photo/Coastal Wire)</figcaption></figure>\n",
		"“a long winter”",
		"<p class=\"source\">Source: Coastal Wire</p>\n",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("Body.HTML() does not contain %q:\n%s", want, html)
		}
	}
	if n := strings.Count(html, "<p>"); n != 6 {
		t.Errorf("Body.HTML() has %d paragraphs, want 6:\n%s", n, html)
	}
}
