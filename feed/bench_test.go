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
func benchArticles(b testing.TB, n int) []*content.Article {
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

// BenchmarkPublishOne measures a Publisher's cost for one change over
// folders of different sizes: an article added (its page and the feeds
// holding it written), then removed again (its page removed), in turn.
// Building the bundle is not timed. It should not grow with the number of
// articles.
func BenchmarkPublishOne(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			arts := benchArticles(b, n)
			content.SortNewest(arts)
			site := testSite()
			site.NoTagFeeds = false
			site.MaxItems = DefaultMaxItems
			bl, err := NewBuilder(site)
			if err != nil {
				b.Fatal(err)
			}
			first, err := bl.Next(arts, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			s, err := OpenDir(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			p := NewPublisher(s, WriteOptions{})
			if err := p.Publish(b.Context(), first); err != nil {
				b.Fatal(err)
			}
			extra, err := content.Parse("2027/extra.md", []byte("---\ntitle: Extra\ndate: 2027-01-01T00:00:00Z\ntags: [news]\n---\n\nThe newest article.\n"), testModTime, testOptions())
			if err != nil {
				b.Fatal(err)
			}
			with := append([]*content.Article{extra}, arts...)
			written := 0
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				var next *Bundle
				if i%2 == 0 {
					next, err = bl.Next(with, []*content.Article{extra}, nil)
				} else {
					next, err = bl.Next(arts, nil, []*content.Article{extra})
				}
				i++
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := p.Publish(b.Context(), next); err != nil {
					b.Fatal(err)
				}
				written += p.Stats().Written + p.Stats().Removed
			}
			b.ReportMetric(float64(written)/float64(i), "files/op")
		})
	}
}

// BenchmarkPublishRestart measures the first publish of a new Publisher
// over a folder that already holds the bundle (a restart with nothing
// changed): reading the manifest and checking every file, rendering and
// writing nothing.
func BenchmarkPublishRestart(b *testing.B) {
	arts := benchArticles(b, 2000)
	dir := b.TempDir()
	site := testSite()
	site.MaxItems = DefaultMaxItems
	bundle := mustBuild(b, site, arts)
	if _, err := WriteDir(b.Context(), dir, bundle, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st, err := WriteDir(b.Context(), dir, bundle, WriteOptions{})
		if err != nil || st.Written != 0 || st.Rendered != 0 {
			b.Fatalf("WriteDir(unchanged) = %+v, %v; want nothing rendered or written", st, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(arts)), "µs/article")
}

// BenchmarkDirStoreRewrite measures rewriting the manifest whole, which a
// folder of 100,000 article pages does once the changes appended since the
// last rewrite outnumber its entries.
func BenchmarkDirStoreRewrite(b *testing.B) {
	full := new(Record)
	for i := range 100000 {
		full.Set(fmt.Sprintf("articles/2026/%02d/article-number-%06d/index.html", i%12, i), Entry{ID: "Q2jVx1y0bW3nA9sLkZpR5tUe", Size: 8000 + int64(i%977), GzipSize: 3000 + int64(i%311), Source: "CT-F_UJgS_Vc_Pq8FBr3"})
	}
	s, err := OpenDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.rewriteRecord(full); err != nil {
			b.Fatal(err)
		}
	}
}
