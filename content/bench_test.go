package content_test

import (
	"context"
	"os"
	"testing"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content"
)

func benchmarkParse(b *testing.B, fixture, p string, html bool) {
	data, err := os.ReadFile(fixture)
	if err != nil {
		b.Fatal(err)
	}
	opts := testOptions()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := content.Parse(p, data, mtime, opts)
		if err != nil {
			b.Fatal(err)
		}
		if html {
			_ = a.Body.HTML()
		}
	}
}

// BenchmarkParseText parses a ~4 KB plain-text news article.
func BenchmarkParseText(b *testing.B) {
	benchmarkParse(b, "testdata/bench/news.txt", "news/tram.txt", false)
}

// BenchmarkParseMarkdown parses a ~4 KB Markdown article with front matter.
func BenchmarkParseMarkdown(b *testing.B) {
	benchmarkParse(b, "testdata/bench/news.md", "news/tram.md", false)
}

// BenchmarkRenderText parses and renders the plain-text article.
func BenchmarkRenderText(b *testing.B) {
	benchmarkParse(b, "testdata/bench/news.txt", "news/tram.txt", true)
}

// BenchmarkRenderMarkdown parses and renders the Markdown article.
func BenchmarkRenderMarkdown(b *testing.B) {
	benchmarkParse(b, "testdata/bench/news.md", "news/tram.md", true)
}

// BenchmarkRescanUnchanged rescans a folder of 10,000 generated files none
// of which changed, through the folder's own file system: what a daemon's
// periodic safety rescan (and the rescan that follows its start) costs.
func BenchmarkRescanUnchanged(b *testing.B) {
	dir := b.TempDir()
	opt := corpus.DefaultOptions()
	opt.N = 10000
	if _, err := corpus.Write(context.Background(), dir, opt, 0); err != nil {
		b.Fatal(err)
	}
	f, err := content.OpenFolder(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	x := content.NewIndex(f.FS(), content.DefaultOptions())
	if _, err := x.Rescan(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ch, err := x.Rescan(context.Background())
		if err != nil || !ch.Empty() {
			b.Fatalf("rescan of an unchanged folder: %v, %d changes", err, ch.Len())
		}
	}
}
