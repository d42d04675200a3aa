package content_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// longPara is a paragraph of 639 characters.
var longPara = strings.TrimSpace(strings.Repeat("Many words in a long paragraph. ", 20))

// lintPos formats what a test compares of a warning: where, and what kind.
func lintPos(w content.Warning) string {
	return fmt.Sprintf("%s:%d:%d %s", w.Path, w.Line, w.Column, w.Code)
}

// TestLint: each warning of Lint on its line (and, for images, column) as
// the file has it, none on files that are fine.
func TestLint(t *testing.T) {
	tests := []struct {
		name, path, src string
		unsafe          bool
		want            []string
	}{
		{"long first paragraph", "long.md", "---\ntitle: Long\ndate: 2026-01-01\n---\n\n# Not a paragraph\n\n" + longPara[:300] + "\n" + longPara[300:] + "\n\nShort.\n",
			false, []string{"long.md:8:0 long-first-paragraph"}},
		{"long paragraph, summary given", "long-summary.md", "---\ntitle: Long with summary\ndate: 2026-01-01\nsummary: Given.\n---\n\n" + longPara + "\n", false, nil},
		{"long paragraph, description given", "desc.md", "---\ntitle: T\ndescription: Given.\n---\n\n" + longPara + "\n", false, nil},
		{"long paragraph, empty summary", "empty-summary.md", "---\ntitle: T\nsummary: \"\"\n---\n\n" + longPara + "\n",
			false, []string{"empty-summary.md:6:0 long-first-paragraph"}},
		{"short first paragraph", "short.md", "---\ntitle: Short\ndate: 2026-01-01\n---\n\nA short first paragraph.\n\n" + longPara + "\n", false, nil},
		{"long paragraph in a quote", "quote.md", "---\ntitle: T\n---\n\n> " + longPara + "\n", false, []string{"quote.md:5:0 long-first-paragraph"}},
		{"plain text, caption skipped", "long-text.txt", "Long text\nDate: 2026-01-01\n\nWorkers lift the cobbles. (Photo/Desk)\n\n" + longPara + "\n\nSource: Desk\n",
			false, []string{"long-text.txt:6:0 long-first-paragraph"}},
		{"plain text, no caption", "para.txt", "Title\nDate: 2026-01-01\n\n" + longPara[:200] + "\n" + longPara[200:] + "\n",
			false, []string{"para.txt:4:0 long-first-paragraph"}},
		{"plain text, summary given", "long-summary-text.txt", "Long text with summary\nDate: 2026-01-01\nSummary: Given.\n\n" + longPara + "\n", false, nil},
		{"plain text, empty summary", "empty.txt", "T\nDate: 2026-01-01\nSummary:\n\n" + longPara + "\n", false, []string{"empty.txt:5:0 long-first-paragraph"}},
		{"Markdown images", "images.md", "---\ntitle: Images\ndate: 2026-01-01\n---\n\nText.\n\nSee ![](a.png) and ![a bridge](b.png) and ![ ](c.png).\n\n```\n![](in-code.png)\n```\n\nAnd `![](code-span.png)`.\n",
			false, []string{"images.md:8:5 image-without-alt", "images.md:8:43 image-without-alt"}},
		{"image with alt", "none.md", "![ok](a.png)\n", false, nil},
		{"inline image", "inline.md", "x ![](a.png)\n", false, []string{"inline.md:1:3 image-without-alt"}},
		{"reference image", "ref.md", "![][ref]\n\n[ref]: a.png\n", false, []string{"ref.md:1:1 image-without-alt"}},
		{"image in a quote and a list", "nested.md", "# T\n\n> a ![](q.png)\n\n- b\n  ![](l.png)\n", false,
			[]string{"nested.md:3:5 image-without-alt", "nested.md:6:3 image-without-alt"}},
		{"indented code", "code.md", "# T\n\n    ![](code.png)\n", false, nil},
		{"image in the title heading", "h1.md", "# Title ![](t.png)\n\n![](b.png)\n", false, []string{"h1.md:3:1 image-without-alt"}},
		{"raw HTML escaped", "esc.md", `<img src="a.png">` + "\n", false, nil},
		{"raw HTML allowed", "raw.md", `x <img src="a.png"> <img alt="ok" src="b.png">` + "\n", true, []string{"raw.md:1:3 image-without-alt"}},
		{"HTML block allowed", "block.md", `<img src="a.png"> <img alt="ok" src="b.png">` + "\n", true, []string{"block.md:1:1 image-without-alt"}},
		{"HTML with alt", "alt.md", `<p><img src="a" alt="A bridge"></p>` + "\n", true, nil},
		{"HTML empty and no alt", "two.md", `<p><img src="a" alt=""><img src="b"></p>` + "\n", true,
			[]string{"two.md:1:4 image-without-alt", "two.md:1:24 image-without-alt"}},
		{"HTML blank alt", "blank.md", `<figure><img src="a" alt="  "/></figure>` + "\n", true, []string{"blank.md:1:9 image-without-alt"}},
		{"HTML escaped tag", "ent.md", `<p>&lt;img src="a"&gt;</p>` + "\n", true, nil},
		{"HTML block over lines", "lines.md", "---\ntitle: T\n---\n<div>\n  <p>x</p>\n  <img\n    src=\"a\">\n</div>\n", true,
			[]string{"lines.md:6:3 image-without-alt"}},
		{"HTML in a quote", "q.md", "# T\n\n> <div>\n> <img src=\"a\">\n> </div>\n", true, []string{"q.md:4:3 image-without-alt"}},
		{"plain-text image, no caption", "image.txt", "Image without caption\nDate: 2026-01-01\nImage: https://example.com/a.jpg\n\nText.\n",
			false, []string{"image.txt:3:0 image-without-alt"}},
		{"plain-text image, caption", "image-caption.txt", "Image with caption\nDate: 2026-01-01\nImage: https://example.com/a.jpg\n\nWorkers lift the cobbles. (Photo/Desk)\n\nText.\n", false, nil},
		{"long title", "title.md", "---\ntitle: " + strings.Repeat("Very long title ", 8) + "\ndate: 2026-01-01\n---\n\nText.\n",
			false, []string{"title.md:2:0 long-title"}},
		{"long title from the body", "h.md", "---\ndate: 2026-01-01\n---\n\n" + "# " + strings.Repeat("Very long title ", 8) + "\n\n![](a.png)\n",
			false, []string{"h.md:5:0 long-title", "h.md:7:1 image-without-alt"}},
		{"long plain-text title", "title.txt", "\n\n" + strings.Repeat("Very long title ", 8) + "\nDate: 2026-01-01\n\nText.\n",
			false, []string{"title.txt:3:0 long-title"}},
		{"BOM and CRLF", "crlf.md", "\uFEFF" + crlf("---\ntitle: "+strings.Repeat("Very long title ", 8)+"\n---\n\nSee ![](a.png)\n\n"+longPara+"\n"),
			false, []string{"crlf.md:2:0 long-title", "crlf.md:5:5 image-without-alt"}},
		{"lone CR", "cr.txt", strings.ReplaceAll("T\nDate: 2026-01-01\nImage: a.jpg\n\n"+longPara+"\n", "\n", "\r"),
			false, []string{"cr.txt:3:0 image-without-alt", "cr.txt:5:0 long-first-paragraph"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.UnsafeHTML = tc.unsafe
			a := mustParseOpts(t, tc.path, tc.src, opts)
			var got []string
			for _, w := range content.Lint(a, []byte(tc.src), opts, nil) {
				if w.Path != tc.path || w.Msg == "" {
					t.Errorf("Lint(%s) gave %+v", tc.path, w)
				}
				got = append(got, lintPos(w))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Lint(%q) = %q, want %q", tc.src, got, tc.want)
			}
		})
	}
}

// TestLintMessages: the messages say what is wrong with the numbers, and
// what to do in the file's format.
func TestLintMessages(t *testing.T) {
	tests := []struct{ path, src, want string }{
		{"long.md", "---\ntitle: Long\n---\n\n" + longPara[:300] + "\n" + longPara[300:] + "\n",
			"the first paragraph is 640 characters long and there is no summary: feed readers show it cut off after about 300; add summary: in the front matter or a shorter first paragraph"},
		{"long.txt", "Long\n\n" + longPara + "\n",
			"the first paragraph is 639 characters long and there is no summary: feed readers show it cut off after about 300; add a Summary: header or a shorter first paragraph"},
		{"title.md", "---\ntitle: " + strings.Repeat("Very long title ", 8) + "\n---\n",
			"the title is 127 characters long; feed readers cut titles longer than about 110"},
		{"image.txt", "T\nImage: a.jpg\n\nText.\n",
			`the image has no alt text: start the body with a photo caption paragraph, e.g. "Workers on the bridge. (Photo/Desk)"`},
		{"image.md", "![](a.png)\n",
			"image without alt text: describe it between the brackets of ![...](...) for readers who cannot see it"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			a := mustParse(t, tc.path, tc.src)
			ws := content.Lint(a, []byte(tc.src), testOptions(), nil)
			if len(ws) != 1 || ws[0].Msg != tc.want {
				t.Errorf("Lint(%q) = %v, want one with %q", tc.src, ws, tc.want)
			}
		})
	}
}

// TestLintDuplicates: the duplicate warnings of Select come back at the
// line of the file's id or slug key, when it has one.
func TestLintDuplicates(t *testing.T) {
	files := []struct{ path, src string }{
		{"dup-a.md", "---\ntitle: First with the id\ndate: 2026-01-01\nid: urn:x:same\n---\n\nText.\n"},
		{"dup-b.md", "---\ntitle: Second with the id\ndate: 2026-01-02\nid: urn:x:same\n---\n\nText.\n"},
		{"dup-c.md", "---\ntitle: Third\ndate: 2026-01-02\n\nguid: urn:x:same\n---\n\nText.\n"},
		{"dup-d.txt", "Fourth\nDate: 2026-01-02\nId: urn:x:same\n\nText.\n"},
		{"x.md", "---\ntitle: The URL x\ndate: 2026-01-01\n---\n\nText.\n"},
		{"x.txt", "The URL x again\nId: urn:x:xt\n\nText.\n"},
		{"z.md", "---\ntitle: Also the URL x\nid: urn:x:z\nslug: x\n---\n\nText.\n"},
	}
	var arts []*content.Article
	src := map[string][]byte{}
	for _, f := range files {
		arts = append(arts, mustParse(t, f.path, f.src))
		src[f.path] = []byte(f.src)
	}
	_, warns := content.Select(arts, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	var got []string
	for _, a := range arts {
		var mine []content.Warning
		for _, w := range warns {
			if w.Path == a.Path {
				mine = append(mine, w)
			}
		}
		for _, w := range content.Lint(a, src[a.Path], testOptions(), mine) {
			got = append(got, lintPos(w))
		}
	}
	want := []string{
		"dup-b.md:4:0 duplicate-id",
		"dup-c.md:5:0 duplicate-id",
		"dup-d.txt:3:0 duplicate-id",
		"x.txt:0:0 duplicate-url", // plain text has no slug
		"z.md:4:0 duplicate-url",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Lint of the duplicates = %q, want %q", got, want)
	}
}

// TestLintChangedFile: a file that no longer holds what the article was
// parsed from is not linted (its positions would be another text's), and
// the warnings given are returned as they are.
func TestLintChangedFile(t *testing.T) {
	src := "---\ntitle: " + strings.Repeat("Very long title ", 8) + "\nid: a\n---\n\n![](a.png)\n"
	a := mustParse(t, "a.md", src)
	dup := []content.Warning{{Path: "a.md", Code: content.WarnDuplicateID, Msg: "duplicate id a"}}
	for _, data := range [][]byte{nil, []byte(src + "\nMore.\n")} {
		got := content.Lint(a, data, testOptions(), dup)
		if !slices.Equal(got, dup) {
			t.Errorf("Lint(changed file %q) = %v, want %v", data, got, dup)
		}
	}
	if got := content.Lint(a, []byte(src), testOptions(), dup); len(got) != 3 || got[1].Code != content.WarnDuplicateID || got[1].Line != 3 {
		t.Errorf("Lint(the file) = %v, want the title, the image and the duplicate at line 3", got)
	}
}

// TestWarningCodes: every warning Parse gives carries the code of its kind.
func TestWarningCodes(t *testing.T) {
	tests := []struct{ path, src, code string }{
		{"undated.txt", "Title\n\nText.\n", content.WarnNoDate},
		{"cp1252.txt", "Caf\xe9\nDate: 2026-01-01\n\nText.\n", content.WarnNotUTF8},
		{"controls.md", "# T\n\nA\x01b.\n", content.WarnControlChars},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			a := mustParse(t, tc.path, tc.src)
			if len(a.Warnings) != 1 || a.Warnings[0].Code != tc.code {
				t.Errorf("Parse(%q).Warnings = %+v, want one of code %q", tc.src, a.Warnings, tc.code)
			}
		})
	}
}

// TestLintFile: LintFile reads the article's file as parsing does; a file
// that is gone or no longer regular gives the warnings as given.
func TestLintFile(t *testing.T) {
	src := "---\ntitle: T\nid: a\n---\n\n![](a.png)\n"
	fsys := fstest.MapFS{"a.md": {Data: []byte(src), ModTime: mtime}}
	a, err := content.ParseFile(fsys, "a.md", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	dup := []content.Warning{{Path: "a.md", Code: content.WarnDuplicateID, Msg: "duplicate id a"}}
	got := content.LintFile(fsys, a, testOptions(), dup)
	if len(got) != 2 || got[0].Line != 3 || got[1].Line != 6 || got[1].Column != 1 {
		t.Errorf("LintFile = %v, want the duplicate at line 3 and the image at 6:1", got)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gone":      {},
		"directory": {"a.md/x": {Data: []byte(src)}},
	} {
		if got := content.LintFile(fsys, a, testOptions(), dup); !slices.Equal(got, dup) {
			t.Errorf("LintFile(%s) = %v, want %v", name, got, dup)
		}
	}
}
