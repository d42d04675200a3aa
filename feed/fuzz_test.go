package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
)

// FuzzBuild runs the whole path from file bytes to feeds: the bytes as a
// plain-text and as a Markdown file, content.Parse, content.Select and Build
// beside a fixed good article. Whatever the bytes, nothing panics, Build
// does not fail, RSS and Atom are well-formed XML (encoding/xml in strict
// mode, which also refuses characters XML cannot carry), the JSON Feed is
// valid JSON, every feed lists exactly the selected articles, and the
// article pages are valid UTF-8.
//
// Seeds are the f.Add calls below and testdata/fuzz/FuzzBuild; CI runs only
// those. Fuzz longer with
// go test ./feed -run '^$' -fuzz FuzzBuild -fuzztime 3m -parallel 1.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		"",
		"Title\nDate: 2026-05-06\nTags: a, b\n\nText.\n",
		"---\ntitle: T\ndate: 2026-05-06\ntags: [x, \"a/b\", \"\u00e9\"]\nimage: pic.jpg\nlink: https://example.org/\n---\n# H\n\n[rel](../x) ![i](i.png) <b onclick=x>b</b>\n",
		"---\ntitle: \"]]></title><x>\"\nsummary: \"&amp; <![CDATA[ ]]>\"\n---\n<script>alert(1)</script>\n\n```\n]]>\n```\n",
		"T\u2028\u2029\nDate: 2026-01-02\n\n\x01\x0b text \ufffe \U0010FFFF\n",
		"Caf\xe9 \x93quoted\x94\n\nText.\n",
		"---\ndraft: true\n---\nx\n",
		"---\ndate: 2999-01-01\n---\nfuture\n",
		"# &#0; &#xFFFE; &#55296; &#x110000;\n\n&#11;&#x1F;\n",
		"---\nid: urn:x:\"<>\nslug: a%20b#c\n---\n[a](javascript:alert(1)) <a href=\"  java\tscript:x\">y</a>\n",
		"---\nauthors: [{name: \"A <a@b>\"}, \"\"]\nupdated: 2026-01-02T00:00:00+14:00\ndate: 2026-01-01T00:00:00-12:00\n---\n",
		"<svg><![CDATA[x]]></svg><math><mi>x</math>\n\n| a | b |\n|---|---|\n| <td> | \\| |\n",
	} {
		f.Add([]byte(s))
	}
	good, err := content.Parse("news/2026-01-01-good.md", []byte("---\ntitle: A good article\ndate: 2026-01-01\ntags: [a]\n---\nText.\n"), testModTime, fuzzOptions())
	if err != nil {
		f.Fatalf("Parse(good article) error: %v", err)
	}
	site := testSite()
	site.NoTagFeeds = false // tags from the input make feeds of their own
	site.MaxItems = 0
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []string{"news/fuzz.txt", "posts/fuzz.md"} {
			a, err := content.Parse(p, data, testModTime, fuzzOptions())
			if err != nil {
				if _, ok := errors.AsType[*content.ParseError](err); !ok {
					t.Fatalf("Parse(%s, %q) error %v (%T), want a *content.ParseError", p, data, err, err)
				}
				a = nil
			}
			all := []*content.Article{good}
			if a != nil {
				all = append(all, a)
			}
			visible, _ := content.Select(all, testNow)
			b, err := Build(site, visible)
			if err != nil {
				t.Fatalf("Build(%s from %q) error: %v", p, data, err)
			}
			checkBundle(t, b, visible, data)
		}
	})
}

// fuzzOptions are the fixture options with a size limit that keeps each
// input cheap.
func fuzzOptions() content.Options {
	o := testOptions()
	o.MaxSize = 64 << 10
	return o
}

// checkBundle checks what FuzzBuild promises of every file of a bundle.
func checkBundle(t *testing.T, b *Bundle, visible []*content.Article, data []byte) {
	t.Helper()
	want := make([]string, 0, len(visible))
	for _, a := range visible {
		want = append(want, a.ID)
	}
	slices.Sort(want)
	for _, f := range b.Feeds() {
		var ids []string
		switch {
		case strings.HasSuffix(f.Path, RSSName), strings.HasSuffix(f.Path, AtomName):
			ids = xmlIDs(t, f, data)
		case strings.HasSuffix(f.Path, JSONName):
			ids = jsonIDs(t, f, data)
		default: // index.html
			if !utf8.Valid(f.Body) {
				t.Fatalf("%s from %q is not valid UTF-8", f.Path, data)
			}
			continue
		}
		if f.Path != RSSName && f.Path != AtomName && f.Path != JSONName {
			continue // a tag or section feed holds a subset
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Fatalf("%s from %q has ids %q, want %q", f.Path, data, ids, want)
		}
	}
	for _, a := range visible {
		if pg := b.Page(a); !utf8.Valid(pg.Body) || !bytes.Contains(pg.Body, []byte("</html>")) {
			t.Fatalf("page of %s from %q is not valid UTF-8 or not complete", a.Path, data)
		}
	}
}

// xmlIDs checks that a feed is well-formed XML and returns its item ids
// (RSS guid or Atom entry id).
func xmlIDs(t *testing.T, f *File, data []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(f.Body))
	var ids []string
	var stack []string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s from %q is not well-formed XML: %v\n%s", f.Path, data, err, f.Body)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tok.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tok)
		case xml.EndElement:
			parent := ""
			if len(stack) >= 2 {
				parent = stack[len(stack)-2]
			}
			if (tok.Name.Local == "guid" && parent == "item") || (tok.Name.Local == "id" && parent == "entry") {
				ids = append(ids, text.String())
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("%s from %q ends inside <%s>", f.Path, data, strings.Join(stack, "><"))
	}
	return ids
}

// jsonIDs checks that a JSON Feed is valid JSON and returns its item ids.
func jsonIDs(t *testing.T, f *File, data []byte) []string {
	t.Helper()
	if !json.Valid(f.Body) {
		t.Fatalf("%s from %q is not valid JSON:\n%s", f.Path, data, f.Body)
	}
	var doc struct {
		Version string `json:"version"`
		Items   []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(f.Body, &doc); err != nil || doc.Version == "" {
		t.Fatalf("%s from %q does not decode as a JSON Feed: %v", f.Path, data, err)
	}
	ids := make([]string, 0, len(doc.Items))
	for _, it := range doc.Items {
		ids = append(ids, it.ID)
	}
	return ids
}
