package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
)

const testArticleURL = "https://news.example.com/articles/post/"

func TestCleanHTML(t *testing.T) {
	base, err := url.Parse(testArticleURL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		// Relative references, resolved against the article's own URL (RFC 3986 §5).
		{"sibling", `<a href="x">x</a>`, `<a href="https://news.example.com/articles/post/x">x</a>`},
		{"dot", `<a href="./x/y">x</a>`, `<a href="https://news.example.com/articles/post/x/y">x</a>`},
		{"parent", `<a href="../x">x</a>`, `<a href="https://news.example.com/articles/x">x</a>`},
		{"above root", `<a href="../../../../x">x</a>`, `<a href="https://news.example.com/x">x</a>`},
		{"fragment", `<a href="#frag">x</a>`, `<a href="https://news.example.com/articles/post/#frag">x</a>`},
		{"query", `<a href="?p=2">x</a>`, `<a href="https://news.example.com/articles/post/?p=2">x</a>`},
		{"absolute path", `<a href="/abs">x</a>`, `<a href="https://news.example.com/abs">x</a>`},
		{"scheme-relative", `<a href="//host.example/x">x</a>`, `<a href="https://host.example/x">x</a>`},
		{"absolute kept", `<a href="http://other.example/a?b=1&amp;c=2">x</a>`, `<a href="http://other.example/a?b=1&amp;c=2">x</a>`},
		{"spaces trimmed", `<a href="  x  ">x</a>`, `<a href="https://news.example.com/articles/post/x">x</a>`},
		{"empty href", `<a href="">x</a>`, `<a href="https://news.example.com/articles/post/">x</a>`},
		{"mailto", `<a href="mailto:desk@news.example.com">m</a>`, `<a href="mailto:desk@news.example.com">m</a>`},
		{"img src", `<img src="pic.png" alt="a">`, `<img src="https://news.example.com/articles/post/pic.png" alt="a"/>`},
		{"srcset", `<img srcset="a.png 1x, ../b.png 2x,/c.png 480w">`,
			`<img srcset="https://news.example.com/articles/post/a.png 1x, https://news.example.com/articles/b.png 2x, https://news.example.com/c.png 480w"/>`},
		{"srcset drops javascript", `<img srcset="javascript:alert(1) 1x, ok.png 2x">`, `<img srcset="https://news.example.com/articles/post/ok.png 2x"/>`},
		{"video poster", `<video poster="p.jpg" src="v.mp4"></video>`,
			`<video poster="https://news.example.com/articles/post/p.jpg" src="https://news.example.com/articles/post/v.mp4"></video>`},
		{"source in picture", `<picture><source srcset="w.webp"><img src="w.png"></picture>`,
			`<picture><source srcset="https://news.example.com/articles/post/w.webp"/><img src="https://news.example.com/articles/post/w.png"/></picture>`},
		{"blockquote cite", `<blockquote cite="src.html">q</blockquote>`, `<blockquote cite="https://news.example.com/articles/post/src.html">q</blockquote>`},
		{"nested", `<p>a <em><a href="n">b</a></em></p>`, `<p>a <em><a href="https://news.example.com/articles/post/n">b</a></em></p>`},
		{"data image kept", `<img src="data:image/png;base64,iVBORw0KGgo=">`, `<img src="data:image/png;base64,iVBORw0KGgo="/>`},

		// Script-like URLs: the attribute goes, the element stays.
		{"javascript", `<a href="javascript:alert(1)">x</a>`, `<a>x</a>`},
		{"javascript mixed case", `<a href="JaVaScRiPt:alert(1)">x</a>`, `<a>x</a>`},
		{"javascript leading space", `<a href=" javascript:alert(1)">x</a>`, `<a>x</a>`},
		{"javascript entity tab", `<a href="jav&#x09;ascript:alert(1)">x</a>`, `<a>x</a>`},
		{"javascript entity colon", `<a href="javascript&colon;alert(1)">x</a>`, `<a>x</a>`},
		{"vbscript", `<a href="vbscript:msgbox(1)">x</a>`, `<a>x</a>`},
		{"data text/html", `<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>`, `<a>x</a>`},
		{"data in img", `<img src="data:text/html;base64,PHNjcmlwdD4=">`, `<img/>`},
		{"unknown scheme", `<a href="chrome://settings">x</a>`, `<a>x</a>`},

		// Attributes.
		{"event handlers", `<p onclick="a()" ONMOUSEOVER="b()" class="c">x</p>`, `<p class="c">x</p>`},
		{"style attribute", `<p style="color:red" title="t">x</p>`, `<p title="t">x</p>`},
		{"namespaced attribute", `<a xlink:href="javascript:alert(1)" href="ok">x</a>`, `<a href="https://news.example.com/articles/post/ok">x</a>`},
		{"odd attribute name", `<p a"b="1" [x]="2" data-ok="3">x</p>`, `<p data-ok="3">x</p>`},

		// Elements.
		{"script dropped", `<p>a</p><script>alert(1)</script><p>b</p>`, `<p>a</p><p>b</p>`},
		{"nested script dropped", `<div><p>a<script>alert(1)</script></p></div>`, `<div><p>a</p></div>`},
		{"style dropped", `<style>p{}</style><p>a</p>`, `<p>a</p>`},
		{"iframe dropped", `<p>a<iframe src="https://evil.example/"></iframe></p>`, `<p>a</p>`},
		{"svg dropped", `<svg onload="alert(1)"><circle r="1"/></svg><p>a</p>`, `<p>a</p>`},
		{"form dropped", `<form action="x"><input name="q"><button>go</button></form>`, ``},
		{"custom element unwrapped", `<x-card class="c">inner <b>bold</b></x-card>`, `inner <b>bold</b>`},
		{"nested custom element", `<p><my-el><a href="l" onclick="x()">t</a></my-el></p>`, `<p><a href="https://news.example.com/articles/post/l">t</a></p>`},
		{"font unwrapped", `<font color="red">red</font>`, `red`},
		{"comment dropped", `a<!-- secret -->b`, `ab`},
		{"nested comment dropped", `<p>a<!-- x --><b>b<!-- y --></b></p>`, `<p>a<b>b</b></p>`},
		{"top-level attributes cleaned", `<div onclick="x()" style="s"><a href="javascript:y()">t</a></div>`, `<div><a>t</a></div>`},
		{"top-level img resolved", `<img src="top.png" onerror="x()">`, `<img src="https://news.example.com/articles/post/top.png"/>`},

		// Well-formedness.
		{"unclosed", `<p>a<b>b`, `<p>a<b>b</b></p>`},
		{"void elements closed", `a<br>b<hr>`, `a<br/>b<hr/>`},
		{"bare ampersand", `Fish & chips < 5`, `Fish &amp; chips &lt; 5`},
		{"named entity", `a&nbsp;b&eacute;`, "a\u00a0bé"},
		{"illegal references", `a&#11;b&#xFFFE;c&#0;d`, `abcd`},
		{"empty", ``, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cleanHTML(tc.in, base)
			if got != tc.want {
				t.Errorf("cleanHTML(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkWellFormed(t, got)
		})
	}
}

// checkWellFormed fails unless s parses as XML inside one element.
func checkWellFormed(t *testing.T, s string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader("<div>" + s + "</div>"))
	dec.Entity = map[string]string{} // no HTML entities: output must use only XML's
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Errorf("cleanHTML output %q is not well-formed: %v", s, err)
			return
		}
	}
}

// TestCleanHTMLWellFormedBodies checks every body of the fixture trees.
func TestCleanHTMLWellFormedBodies(t *testing.T) {
	base, _ := url.Parse(testArticleURL)
	opts := testOptions()
	opts.UnsafeHTML = true
	for _, tree := range []string{fixturesTree, quirksTree, relativeTree} {
		for _, a := range loadArticles(t, txtarFS(t, tree), opts) {
			checkWellFormed(t, cleanHTML(a.Body.HTML(), base))
		}
	}
	checkWellFormed(t, cleanHTML(parseArticle(t, "h.md", maliciousBody, opts).Body.HTML(), base))
}

func TestAbsURL(t *testing.T) {
	base, _ := url.Parse(testArticleURL)
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"cover.jpg", testArticleURL + "cover.jpg"},
		{"/img/a.png", "https://news.example.com/img/a.png"},
		{"https://cdn.example.net/a.png", "https://cdn.example.net/a.png"},
		{"javascript:alert(1)", ""},
		{"%zz", ""},
	} {
		if got := absURL(tc.in, base); got != tc.want {
			t.Errorf("absURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCleanHTML checks cleanHTML never panics, always gives well-formed
// output free of XML-illegal characters, and is idempotent.
func FuzzCleanHTML(f *testing.F) {
	for _, s := range []string{`<a href="x">y</a>`, maliciousBody, `<p>a<b>b`, "a&#11;b\x0b<x-y>z</x-y>", `<img srcset=",,, ,">`} {
		f.Add(s)
	}
	base, _ := url.Parse(testArticleURL)
	f.Fuzz(func(t *testing.T, in string) {
		out := cleanHTML(in, base)
		if i := bytes.IndexFunc([]byte(out), illegalXMLRune); i >= 0 {
			t.Errorf("cleanHTML(%q) = %q holds an illegal character", in, out)
		}
		if again := cleanHTML(out, base); again != out {
			t.Errorf("cleanHTML(cleanHTML(%q)) = %q, want %q", in, again, out)
		}
	})
}
