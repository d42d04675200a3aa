package content_test

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// mdView is the part of a Markdown article the front matter tests compare.
type mdView struct {
	Title     string
	Authors   []string
	Tags      []string
	Summary   string
	Image     string
	Link      string
	ID        string
	Slug      string
	Draft     bool
	Published string // RFC 3339, UTC
	Updated   string
	HTML      string
}

func viewMarkdown(a *content.Article) mdView {
	return mdView{
		Title: a.Title, Authors: a.Authors, Tags: a.Tags, Summary: a.Summary, Image: a.Image, Link: a.Link,
		ID: a.ID, Slug: a.Slug, Draft: a.Draft,
		Published: a.Published.UTC().Format(time.RFC3339), Updated: a.Updated.UTC().Format(time.RFC3339),
		HTML: a.Body.HTML(),
	}
}

func TestFrontMatter(t *testing.T) {
	const p = "posts/hello.md"
	const mt = "2025-03-04T05:06:07Z" // mtime, whole seconds
	base := mdView{
		Title: "Hello", Summary: "Text.", ID: "tag:example.com,2024:posts/hello", Slug: "posts/hello",
		Published: mt, Updated: mt, HTML: "<p>Text.</p>\n",
	}
	with := func(f func(*mdView)) mdView { v := base; f(&v); return v }
	tests := []struct {
		name string
		src  string
		want mdView
	}{
		{"no front matter", "# Hello\n\nText.\n", base},
		{"empty front matter", "---\n---\n# Hello\n\nText.\n", base},
		{"front matter of white space and comments", "---\n\n# a comment\n   \n---\n# Hello\n\nText.\n", base},
		{"closed with dots", "---\ntitle: Hello\n...\nText.\n", base},
		{"trailing spaces on the fences", "--- \t\ntitle: Hello\n---  \nText.\n", base},
		{"BOM", "\uFEFF---\ntitle: Hello\n---\nText.\n", base},
		{"CRLF", "---\r\ntitle: Hello\r\n---\r\n\r\nText.\r\n", base},
		{"two BOMs", "\uFEFF\uFEFF---\ntitle: Hello\n---\nText.\n", base},
		{"BOM and CRLF", "\uFEFF---\r\ntitle: Hello\r\n---\r\nText.\r\n", base},
		{"closing fence at end of file", "---\ntitle: Hello\n---", with(func(v *mdView) { v.Summary, v.HTML = "", "" })},
		{"thematic break later is not front matter", "# Hello\n\nText.\n\n---\n", with(func(v *mdView) { v.HTML = "<p>Text.</p>\n<hr>\n" })},
		{"keys case-insensitive", "---\nTitle: Hello\nDRAFT: true\n---\nText.\n", with(func(v *mdView) { v.Draft = true })},
		{"title quoted with markup characters", "---\ntitle: 'Fish & \"chips\" <b>'\n---\nText.\n",
			with(func(v *mdView) { v.Title = "Fish & \"chips\" <b>" })},
		{"title white space collapsed", "---\ntitle: |\n  Hello\n    world\n---\nText.\n", with(func(v *mdView) { v.Title = "Hello world" })},
		{"null title falls back to the heading", "---\ntitle: ~\n---\n# Hello\n\nText.\n", base},
		{"number title", "---\ntitle: 1984\n---\nText.\n", with(func(v *mdView) { v.Title = "1984" })},
		{"date", "---\ntitle: Hello\ndate: 2024-05-06\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T00:00:00Z", "2024-05-06T00:00:00Z" })},
		{"date with offset", "---\ntitle: Hello\ndate: 2024-05-06T10:00:00+05:45\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T04:15:00Z", "2024-05-06T04:15:00Z" })},
		{"quoted Jekyll date", "---\ntitle: Hello\ndate: \"2024-05-06 10:00:00 +0100\"\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T09:00:00Z", "2024-05-06T09:00:00Z" })},
		{"updated", "---\ntitle: Hello\ndate: 2024-05-06\nupdated: 2024-06-07\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T00:00:00Z", "2024-06-07T00:00:00Z" })},
		{"lastmod", "---\ntitle: Hello\ndate: 2024-05-06\nlastmod: 2024-06-07T08:00:00Z\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T00:00:00Z", "2024-06-07T08:00:00Z" })},
		{"updated before date ignored", "---\ntitle: Hello\ndate: 2024-05-06\nupdated: 2024-01-01\n---\nText.\n",
			with(func(v *mdView) { v.Published, v.Updated = "2024-05-06T00:00:00Z", "2024-05-06T00:00:00Z" })},
		{"author string", "---\ntitle: Hello\nauthor: Jane Roe\n---\nText.\n", with(func(v *mdView) { v.Authors = []string{"Jane Roe"} })},
		{"authors list", "---\ntitle: Hello\nauthors: [Jane Roe, Max Muster, jane roe]\n---\nText.\n",
			with(func(v *mdView) { v.Authors = []string{"Jane Roe", "Max Muster"} })},
		{"author object", "---\ntitle: Hello\nauthor:\n  name: Jane Roe\n  email: jane@example.com\n---\nText.\n",
			with(func(v *mdView) { v.Authors = []string{"Jane Roe"} })},
		{"author objects", "---\ntitle: Hello\nauthors:\n  - name: Jane Roe\n    url: https://example.com/jane\n  - {name: Max Muster}\n  - Erika\n---\nText.\n",
			with(func(v *mdView) { v.Authors = []string{"Jane Roe", "Max Muster", "Erika"} })},
		{"tags flow list", "---\ntitle: Hello\ntags: [go, feeds, Go]\n---\nText.\n", with(func(v *mdView) { v.Tags = []string{"go", "feeds"} })},
		{"tags block list", "---\ntitle: Hello\ntags:\n  - go\n  - \"feeds\"\n  -\n---\nText.\n", with(func(v *mdView) { v.Tags = []string{"go", "feeds"} })},
		{"tags single string", "---\ntitle: Hello\ntags: go\n---\nText.\n", with(func(v *mdView) { v.Tags = []string{"go"} })},
		{"tags comma separated string", "---\ntitle: Hello\ntags: go, feeds ,, Go\n---\nText.\n", with(func(v *mdView) { v.Tags = []string{"go", "feeds"} })},
		{"author with a comma not split", "---\ntitle: Hello\nauthor: Roe, Jane\n---\nText.\n", with(func(v *mdView) { v.Authors = []string{"Roe, Jane"} })},
		{"categories and tags merged", "---\ntitle: Hello\ncategories: [news]\ntags: [go]\n---\nText.\n", with(func(v *mdView) { v.Tags = []string{"news", "go"} })},
		{"keywords ignored", "---\ntitle: Hello\nkeywords: [seo, words]\n---\nText.\n", base},
		{"description", "---\ntitle: Hello\ndescription: Described.\n---\nText.\n", with(func(v *mdView) { v.Summary = "Described." })},
		{"summary wins over description", "---\ntitle: Hello\nsummary: Summed.\ndescription: Described.\n---\nText.\n",
			with(func(v *mdView) { v.Summary = "Summed." })},
		{"summary wins over a later description", "---\ntitle: Hello\ndescription: Described.\nsummary: Summed.\n---\nText.\n",
			with(func(v *mdView) { v.Summary = "Summed." })},
		{"image and link", "---\ntitle: Hello\nimage: /img/a.jpg\nlink: https://example.org/story\n---\nText.\n",
			with(func(v *mdView) { v.Image, v.Link = "/img/a.jpg", "https://example.org/story" })},
		{"id URI", "---\ntitle: Hello\nid: https://example.org/p/1\n---\nText.\n", with(func(v *mdView) { v.ID = "https://example.org/p/1" })},
		{"id number", "---\ntitle: Hello\nid: 42\n---\nText.\n", with(func(v *mdView) { v.ID = "tag:example.com,2024:42" })},
		{"guid", "---\ntitle: Hello\nguid: urn:isbn:0451450523\n---\nText.\n", with(func(v *mdView) { v.ID = "urn:isbn:0451450523" })},
		{"slug", "---\ntitle: Hello\nslug: greetings\n---\nText.\n",
			with(func(v *mdView) { v.Slug, v.ID = "posts/greetings", "tag:example.com,2024:posts/greetings" })},
		{"slug with space", "---\ntitle: Hello\nslug: hello world\n---\nText.\n",
			with(func(v *mdView) { v.Slug, v.ID = "posts/hello world", "tag:example.com,2024:posts/hello%20world" })},
		{"draft", "---\ntitle: Hello\ndraft: true\n---\nText.\n", with(func(v *mdView) { v.Draft = true })},
		{"draft null", "---\ntitle: Hello\ndraft:\n---\nText.\n", base},
		{"keys other tools write", "---\ntitle: Hello\nlayout: post\nweight: 3\naliases: [/old/]\nparams:\n  x: [1, 2]\nmenu: {main: {weight: 1}}\npermalink: /x/\ntoc: true\n---\nText.\n", base},
		{"YAML anchors and aliases", "---\ntitle: &t Hello\ntags: &tags [a, b]\ncategories: *tags\n---\nText.\n",
			with(func(v *mdView) { v.Tags = []string{"a", "b"} })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, p, tc.src)
			if got := viewMarkdown(a); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tc.src, got, tc.want)
			}
		})
	}
}

func TestFrontMatterErrors(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantErr  error
		wantLine int
	}{
		{"unclosed", "---\ntitle: Hello\n\nText.\n", content.ErrUnclosedFrontMatter, 1},
		{"opening fence only", "---", content.ErrUnclosedFrontMatter, 1},
		{"opening fence and newline", "---\n", content.ErrUnclosedFrontMatter, 1},
		{"unclosed CRLF", "---\r\ntitle: Hello\r\n", content.ErrUnclosedFrontMatter, 1},
		{"tags a mapping", "---\ntitle: T\ndate: 2024-01-01\ntags: {a: 1}\n---\nText.\n", content.ErrFrontMatter, 4},
		{"tags a mapping in block style", "---\ntitle: T\ndate: 2024-01-01\ntags:\n  a: 1\n---\nText.\n", content.ErrFrontMatter, 4},
		{"tags a nested list", "---\ntitle: T\ntags:\n  - [a, b]\n---\nText.\n", content.ErrFrontMatter, 3},
		{"title a list", "---\ntitle: [a, b]\n---\nText.\n", content.ErrFrontMatter, 2},
		{"title a mapping", "---\n\ntitle:\n  a: b\n---\nText.\n", content.ErrFrontMatter, 3},
		{"author without name", "---\ntitle: T\nauthor: {email: a@example.com}\n---\nText.\n", content.ErrFrontMatter, 3},
		{"date a list", "---\ntitle: T\ndate: [2024]\n---\nText.\n", content.ErrFrontMatter, 3},
		{"date impossible", "---\ntitle: T\n\ndate: 2024-02-30\n---\nText.\n", content.ErrBadDate, 4},
		{"lastmod impossible", "---\ntitle: T\ndate: 2024-02-01\nlastmod: 2024-02-01 25:00\n---\nText.\n", content.ErrBadDate, 4},
		{"draft not a boolean", "---\ntitle: T\ndraft: maybe\n---\nText.\n", content.ErrFrontMatter, 3},
		{"image a list", "---\ntitle: T\nimage: [a.jpg]\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug with slash", "---\ntitle: T\nslug: a/b\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug escaping", "---\ntitle: T\nslug: ../x\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug dot dot", "---\ntitle: T\nslug: ..\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug dot", "---\ntitle: T\nslug: .\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug backslash", "---\ntitle: T\nslug: 'a\\b'\n---\nText.\n", content.ErrFrontMatter, 3},
		{"slug control character", "---\ntitle: T\nslug: \"a\\x01\"\n---\nText.\n", content.ErrFrontMatter, 3},
		{"not a mapping", "---\n- a\n- b\n---\nText.\n", content.ErrFrontMatter, 2},
		{"a scalar", "---\njust text\n---\nText.\n", content.ErrFrontMatter, 2},
		{"syntax error", "---\ntitle: T\ntags: [a, b\n---\nText.\n", content.ErrFrontMatter, 3},
		{"mapping in a plain value", "---\ntitle: T\nsummary: a: b\n---\nText.\n", content.ErrFrontMatter, 3},
		{"unclosed quote", "---\ntitle: T\nsummary: \"abc\ndate: 2024-01-01\n---\nText.\n", content.ErrFrontMatter, 3},
		{"bad indentation", "---\ntitle: T\ntags:\n  - a\n b: c\n---\nText.\n", content.ErrFrontMatter, 5},
		{"unclosed flow mapping", "---\ntitle: T\n\n\ntags: {a: 1\n---\nText.\n", content.ErrFrontMatter, 5},
		{"sequence item in a mapping", "---\na: b\n- c\n---\nText.\n", content.ErrFrontMatter, 3},
		{"unknown alias", "---\ntitle: T\ntags: [a]\nx: *nope\n---\nText.\n", content.ErrFrontMatter, 4},
		{"tab indentation", "---\ntitle: T\ntags:\n\t- a\n---\nText.\n", content.ErrFrontMatter, 4},
		{"duplicate key", "---\ntitle: A\ndate: 2024-01-01\ntitle: B\n---\nText.\n", content.ErrFrontMatter, 4},
		{"wrong type after BOM and CRLF", "\uFEFF---\r\ntitle: T\r\ntags: {a: 1}\r\n---\r\nText.\r\n", content.ErrFrontMatter, 3},
		{"too large", "---\ntitle: T\nx: '" + strings.Repeat("a", 70<<10) + "'\n---\nText.\n", content.ErrFrontMatter, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pe := parseErr(t, "posts/bad.md", tc.src)
			if !errors.Is(pe, tc.wantErr) || pe.Line != tc.wantLine {
				t.Errorf("Parse(%q) error = %v (line %d), want %v at line %d", shorten(tc.src), pe, pe.Line, tc.wantErr, tc.wantLine)
			}
			if msg := pe.Error(); !strings.HasPrefix(msg, fmt.Sprintf("posts/bad.md:%d: ", tc.wantLine)) {
				t.Errorf("Parse(%q) error text = %q, want it to start with path:line", shorten(tc.src), msg)
			}
		})
	}
}

func shorten(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// TestFrontMatterAliasBomb feeds the front matter a "billion laughs" of YAML
// aliases: parsing must return quickly, without expanding it in memory.
func TestFrontMatterAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("---\ntitle: Laughs\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&b, "%s: &%s [", name, name)
		for j := range 9 {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = name
	}
	bomb := b.String()
	tests := []struct {
		name string
		tail string
	}{
		{"unused", ""},
		{"as tags", "tags: *i\n"},
		{"as authors", "authors: *i\n"},
		{"as title", "title2: *i\nsummary: *i\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := bomb + tc.tail + "---\nText.\n"
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			type result struct {
				a   *content.Article
				err error
			}
			done := make(chan result, 1)
			go func() {
				a, err := content.Parse("posts/bomb.md", []byte(src), mtime, testOptions())
				done <- result{a, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Parse(alias bomb) did not return within 10s")
			}
			runtime.ReadMemStats(&after)
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Errorf("Parse(alias bomb) allocated %d MB, want it not expanded", grew>>20)
			}
			if r.err != nil {
				if !errors.Is(r.err, content.ErrFrontMatter) {
					t.Errorf("Parse(alias bomb) error = %v, want %v", r.err, content.ErrFrontMatter)
				}
				return
			}
			checkInvariants(t, r.a)
			if n := len(r.a.Tags) + len(r.a.Authors); n > 100 {
				t.Errorf("Parse(alias bomb) has %d tags and authors, want it not expanded", n)
			}
		})
	}
}

func TestFrontMatterClosed(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"", true},
		{"# Title\n", true},
		{"---\ntitle: x\n---\n", true},
		{"\uFEFF---\r\ntitle: x\r\n---\r\n", true},
		{"---\ntitle: x\n", false},
		{"---", false},
		{"---\ntitle: x\n--", false},
		{"---\rtitle: x\r---\r", true},
		{"---\rtitle: x\r", false},
	}
	for _, tc := range tests {
		if got := content.FrontMatterClosed(tc.src); got != tc.want {
			t.Errorf("FrontMatterClosed(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// TestFullContentKey: full_content is a per-article switch, nil when absent.
func TestFullContentKey(t *testing.T) {
	cases := []struct {
		name, fm string
		want     *bool
		wantErr  bool
	}{
		{"absent", "title: T\n", nil, false},
		{"false", "title: T\nfull_content: false\n", new(false), false},
		{"true", "title: T\nfull_content: yes\n", new(true), false},
		{"wrong type", "title: T\nfull_content: [a]\n", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := content.Parse("a.md", []byte("---\n"+tc.fm+"---\nBody.\n"), time.Unix(0, 0), content.DefaultOptions())
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Parse(full_content %q) = nil error, want one", tc.fm)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (a.FullContent == nil) != (tc.want == nil) || (a.FullContent != nil && *a.FullContent != *tc.want) {
				t.Fatalf("Parse(%q).FullContent = %v, want %v", tc.fm, a.FullContent, tc.want)
			}
		})
	}
}
