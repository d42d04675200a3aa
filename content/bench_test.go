package content_test

import (
	"os"
	"testing"

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
