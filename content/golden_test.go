package content_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden parses each fixture in testdata/articles and compares a dump of
// the article with testdata/golden/<name>.golden. Run go test ./content
// -run TestGolden -update to rewrite them, and review the diff.
func TestGolden(t *testing.T) {
	names, err := filepath.Glob("testdata/articles/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no fixtures in testdata/articles")
	}
	for _, name := range names {
		base := filepath.Base(name)
		t.Run(base, func(t *testing.T) {
			a := mustParse(t, "articles/"+base, readFile(t, name))
			got := dumpArticle(a)
			golden := filepath.Join("testdata", "golden", base+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readFile(t, golden)
			if got != want {
				t.Errorf("Parse(%s) dump differs from %s (go test -run TestGolden -update rewrites it):\n%s",
					name, golden, lineDiff(want, got))
			}
		})
	}
}

// dumpArticle writes every field of an article, one per line, then its HTML.
func dumpArticle(a *content.Article) string {
	var b strings.Builder
	field := func(k string, v any) { fmt.Fprintf(&b, "%-10s %v\n", k+":", v) }
	field("path", a.Path)
	field("format", a.Format)
	field("title", a.Title)
	field("slug", a.Slug)
	field("id", a.ID)
	field("explicit", a.ExplicitID)
	field("authors", strings.Join(a.Authors, " | "))
	field("tags", strings.Join(a.Tags, " | "))
	field("summary", a.Summary)
	field("image", a.Image)
	field("link", a.Link)
	field("source", a.Source)
	field("draft", a.Draft)
	field("published", a.Published.UTC().Format(time.RFC3339))
	field("updated", a.Updated.UTC().Format(time.RFC3339))
	field("dated", a.Dated)
	field("size", a.Size)
	field("hash", a.Hash)
	for _, w := range a.Warnings {
		field("warning", w)
	}
	b.WriteString("-- html --\n")
	b.WriteString(a.Body.HTML())
	return b.String()
}

// lineDiff lists the lines that differ between want and got.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}
