package content_test

import (
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

func TestMarkdownTitle(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		src       string
		wantTitle string
		wantHTML  string
	}{
		{"front matter title wins and the heading stays", "a.md", "---\ntitle: Given\n---\n# Heading\n\nText.\n", "Given", "<h1>Heading</h1>\n<p>Text.</p>\n"},
		{"first heading becomes the title", "a.md", "# Heading\n\nText.\n", "Heading", "<p>Text.</p>\n"},
		{"first level-1 heading after a level-2 one", "a.md", "## Sub\n\n# Main\n\nText.\n", "Main", "<h2>Sub</h2>\n<p>Text.</p>\n"},
		{"closing hashes dropped", "a.md", "# Heading ##\n\nText.\n", "Heading", "<p>Text.</p>\n"},
		{"hash inside a word kept", "a.md", "# Why I like C#\n\nText.\n", "Why I like C#", "<p>Text.</p>\n"},
		{"escaped closing hash kept", "a.md", "# Issue \\#\n\nText.\n", "Issue #", "<p>Text.</p>\n"},
		{"inline markup made plain", "a.md", "# Hello *big* `world` & [friends](https://example.com)\n\nText.\n", "Hello big world & friends", "<p>Text.</p>\n"},
		{"entities decoded", "a.md", "# Fish &amp; chips &copy;\n\nText.\n", "Fish & chips ©", "<p>Text.</p>\n"},
		{"white space collapsed", "a.md", "#   Lots   of   space  \n\nText.\n", "Lots of space", "<p>Text.</p>\n"},
		{"up to three spaces of indentation", "a.md", "   # Indented\n\nText.\n", "Indented", "<p>Text.</p>\n"},
		{"heading in a backtick fence skipped", "a.md", "```\n# not a title\n```\n\n# Real\n",
			"Real", "<pre><code># not a title\n</code></pre>\n"},
		{"heading in a tilde fence skipped", "a.md", "~~~md\n# not a title\n~~~\n\n# Real\n",
			"Real", "<pre><code class=\"language-md\"># not a title\n</code></pre>\n"},
		{"longer fence not closed by a shorter one", "a.md", "````\n```\n# not a title\n```\n````\n\n# Real\n",
			"Real", "<pre><code>```\n# not a title\n```\n</code></pre>\n"},
		{"fence with info string does not close", "a.md", "```\n```go\n# not a title\n```\n\n# Real\n",
			"Real", "<pre><code>```go\n# not a title\n</code></pre>\n"},
		{"indented code skipped", "a.md", "Text.\n\n    # not a title\n\n# Real\n",
			"Real", "<p>Text.</p>\n<pre><code># not a title\n</code></pre>\n"},
		{"heading in a quote skipped", "a.md", "> # quoted\n\n# Real\n",
			"Real", "<blockquote>\n<h1>quoted</h1>\n</blockquote>\n"},
		{"no space after hash is no heading", "a.md", "#hashtag\n\n# Real\n", "Real", "<p>#hashtag</p>\n"},
		{"file name", "notes/my_first-post.md", "Just text.\n", "my first post", "<p>Just text.</p>\n"},
		{"file name without date prefix", "2024-01-02-launch-day.md", "Just text.\n", "launch day", "<p>Just text.</p>\n"},
		{"empty front matter title uses the heading", "a.md", "---\ntitle: ''\n---\n# Heading\n", "Heading", ""},
		{"level-2 only uses the file name", "notes/quiet.md", "## Sub\n", "quiet", "<h2>Sub</h2>\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, tc.path, tc.src)
			if a.Title != tc.wantTitle {
				t.Errorf("Parse(%q).Title = %q, want %q", tc.src, a.Title, tc.wantTitle)
			}
			if got := a.Body.HTML(); got != tc.wantHTML {
				t.Errorf("Parse(%q).Body.HTML() = %q, want %q", tc.src, got, tc.wantHTML)
			}
		})
	}
}

func TestMarkdownNoTitle(t *testing.T) {
	// A name that is all date prefix leaves nothing to make a title of.
	pe := parseErr(t, "2024-01-02-.md", "Just text.\n")
	if pe.Err != content.ErrNoTitle {
		t.Errorf("Parse(%q) error = %v, want %v", "2024-01-02-.md", pe, content.ErrNoTitle)
	}
}

func TestMarkdownSummary(t *testing.T) {
	long := strings.Repeat("harbour ", 60)
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"first paragraph", "# T\n\nFirst.\n\nSecond.\n", "First."},
		{"lines joined", "# T\n\nline one\nline two  \nline three\n", "line one line two line three"},
		{"emphasis and code made plain", "# T\n\nSome *em* **strong** `code` ~~gone~~ text.\n", "Some em strong code gone text."},
		{"link text kept", "# T\n\nRead [the docs](https://example.com) now.\n", "Read the docs now."},
		{"autolink kept", "# T\n\nSee <https://example.com/a> now.\n", "See https://example.com/a now."},
		{"bare URL kept", "# T\n\nSee https://example.com/a now.\n", "See https://example.com/a now."},
		{"entities decoded", "# T\n\nFish &amp; chips &#169; &quot;x&quot;\n", "Fish & chips © \"x\""},
		{"backslash escapes removed", "# T\n\nNot \\*emphasis\\* \\# here.\n", "Not *emphasis* # here."},
		{"code span keeps backslashes", "# T\n\nRun `a\\*b` now.\n", "Run a\\*b now."},
		{"raw HTML dropped", "# T\n\nSome <b>bold</b> text.\n", "Some bold text."},
		{"image alt text", "# T\n\n![A ferry](ferry.jpg) leaves.\n", "A ferry leaves."},
		{"headings and code skipped", "# T\n\n## Sub\n\n```\ncode\n```\n\nReal text.\n", "Real text."},
		{"long paragraph cut", "# T\n\n" + long + "\n", strings.TrimSpace(strings.Repeat("harbour ", 37)) + "…"},
		{"description wins", "---\ndescription: Given.\n---\n# T\n\nText.\n", "Given."},
		{"no paragraph", "# T\n\n- a\n- b\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustParse(t, "posts/s.md", tc.src)
			if a.Summary != tc.want {
				t.Errorf("Parse(%q).Summary = %q, want %q", tc.src, a.Summary, tc.want)
			}
		})
	}
}

func TestMarkdownHTML(t *testing.T) {
	tests := []struct {
		name   string
		src    string
		unsafe bool
		want   []string // substrings of Body.HTML()
		absent []string
	}{
		{name: "raw HTML block left out by default", src: "# T\n\n<script>alert(1)</script>\n\nText.\n",
			want: []string{"<p>Text.</p>"}, absent: []string{"<script", "alert(1)</script>"}},
		{name: "inline raw HTML left out by default", src: "# T\n\nSome <b onclick=\"x()\">bold</b> text.\n",
			want: []string{"bold"}, absent: []string{"<b", "onclick"}},
		{name: "raw HTML kept with UnsafeHTML", src: "# T\n\n<div class=\"x\">hi</div>\n\nSome <b>bold</b>.\n", unsafe: true,
			want: []string{"<div class=\"x\">hi</div>", "<b>bold</b>"}},
		{name: "text escaped", src: "# T\n\na < b & c > \"d\"\n",
			want: []string{"<p>a &lt; b &amp; c &gt; &quot;d&quot;</p>"}},
		{name: "javascript link dropped", src: "# T\n\n[x](javascript:alert(1))\n",
			absent: []string{"javascript:"}},
		{name: "GFM table", src: "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			want: []string{"<table>", "<td>1</td>"}},
		{name: "GFM strikethrough and task list", src: "# T\n\n~~old~~\n\n- [x] done\n",
			want: []string{"<del>old</del>", "checkbox"}},
		{name: "GFM autolink", src: "# T\n\nSee https://example.com.\n",
			want: []string{"<a href=\"https://example.com\">https://example.com</a>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions()
			opts.UnsafeHTML = tc.unsafe
			a := mustParseOpts(t, "posts/h.md", tc.src, opts)
			html := a.Body.HTML()
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("Parse(%q).Body.HTML() = %q, want it to contain %q", tc.src, html, w)
				}
			}
			for _, w := range tc.absent {
				if strings.Contains(html, w) {
					t.Errorf("Parse(%q).Body.HTML() = %q, want no %q", tc.src, html, w)
				}
			}
		})
	}
}

func TestMarkdownExtensions(t *testing.T) {
	tests := []struct {
		path string
		want content.Format
		slug string
	}{
		{"a.md", content.FormatMarkdown, "a"},
		{"b/a.markdown", content.FormatMarkdown, "b/a"},
		{"A.MD", content.FormatMarkdown, "A"},
		{"a.Markdown", content.FormatMarkdown, "a"},
		{"a.txt", content.FormatText, "a"},
		{"a.TXT", content.FormatText, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if got := content.FormatOf(tc.path); got != tc.want {
				t.Errorf("FormatOf(%q) = %v, want %v", tc.path, got, tc.want)
			}
			a := mustParse(t, tc.path, "Title\n\nText.\n")
			if a.Format != tc.want || a.Slug != tc.slug {
				t.Errorf("Parse(%q) Format, Slug = %v, %q, want %v, %q", tc.path, a.Format, a.Slug, tc.want, tc.slug)
			}
		})
	}
	for _, p := range []string{"a.html", "a", "a.md.bak", "a.mdx"} {
		if got := content.FormatOf(p); got != 0 {
			t.Errorf("FormatOf(%q) = %v, want 0", p, got)
		}
		_, err := content.Parse(p, []byte("Title\n"), mtime, testOptions())
		if pe, ok := err.(*content.ParseError); !ok || pe.Err != content.ErrUnsupported {
			t.Errorf("Parse(%q) error = %v, want %v", p, err, content.ErrUnsupported)
		}
	}
}

func TestMarkdownEmpty(t *testing.T) {
	for _, src := range []string{"", "\n\n", "\uFEFF", "\uFEFF\r\n", "\x01\x02"} {
		pe := parseErr(t, "posts/empty.md", src)
		if pe.Err != content.ErrEmpty {
			t.Errorf("Parse(%q) error = %v, want %v", src, pe, content.ErrEmpty)
		}
	}
}

func TestParseTooLarge(t *testing.T) {
	opts := testOptions()
	opts.MaxSize = 100
	src := "# T\n\n" + strings.Repeat("x", 200)
	_, err := content.Parse("big.md", []byte(src), mtime, opts)
	if pe, ok := err.(*content.ParseError); !ok || pe.Path != "big.md" || !strings.Contains(err.Error(), "too large") {
		t.Errorf("Parse(%d bytes, MaxSize 100) error = %v, want ErrTooLarge", len(src), err)
	}
}
