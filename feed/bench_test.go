package feed

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// benchArticles returns n Markdown articles of a few paragraphs each, with
// links and images to resolve.
func benchArticles(b *testing.B, n int) []*content.Article {
	b.Helper()
	var tree strings.Builder
	for i := range n {
		fmt.Fprintf(&tree, "-- 2026/%02d/article-%03d.md --\n---\ntitle: Article number %d & friends\ndate: 2026-%02d-%02dT%02d:00:00Z\nauthor: Writer %d\ntags: [news, topic %d]\n---\n\n", i%12+1, i, i, i%12+1, i%28+1, i%24, i%5, i%7)
		for p := range 6 {
			fmt.Fprintf(&tree, "Paragraph %d of article %d with a [relative link](../other-%d/) and **bold** words, some *emphasis*, and text that runs on long enough to look like a real news paragraph in a local paper.\n\n", p, i, p)
		}
		fmt.Fprintf(&tree, "![Figure %d](images/figure-%d.jpg)\n\n", i, i)
	}
	return loadArticles(b, txtarFS(b, tree.String()), testOptions())
}

func BenchmarkBuild(b *testing.B) {
	arts := benchArticles(b, 50)
	site := testSite()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Build(site, arts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServeRSS(b *testing.B) {
	bundle := mustBuild(b, testSite(), benchArticles(b, 50))
	s := NewServer(ServerConfig{})
	s.Swap(bundle)
	for _, ae := range []string{"", "gzip"} {
		name := "plain"
		if ae != "" {
			name = ae
		}
		b.Run(name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/rss.xml", nil)
			if ae != "" {
				r.Header.Set("Accept-Encoding", ae)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET /rss.xml = %d", w.Code)
				}
			}
		})
		// The handler's own allocations: a writer reused across requests,
		// as net/http reuses a connection's, instead of a new recorder.
		b.Run(name+"/handler", func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/rss.xml", nil)
			if ae != "" {
				r.Header.Set("Accept-Encoding", ae)
			}
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.code = 0
				s.ServeHTTP(w, r)
				if w.code != http.StatusOK {
					b.Fatalf("GET /rss.xml = %d", w.code)
				}
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the body.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
