package httpd

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkInstrumented is the work dropfeed's server adds around its feed
// handler per request: the server's own handler, the metrics by route and
// code, the readers' metrics, over a handler that only answers. The writer
// is reused across requests, as net/http reuses a connection's.
func BenchmarkInstrumented(b *testing.B) {
	m := NewMetrics("test", "https://news.example.com/")
	body := []byte("<rss/>")
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	})
	h := NewServer(m.Instrument(inner), slog.New(slog.DiscardHandler)).Handler
	for _, tc := range []struct{ name, path, ua, inm string }{
		{"feed", "/rss.xml", "", ""},
		{"feed-conditional-reader", "/rss.xml", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 123 subscribers; like FeedFetcher-Google)", `"x"`},
		{"article", "/articles/a/", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", ""},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.ua != "" {
				r.Header.Set("User-Agent", tc.ua)
			}
			if tc.inm != "" {
				r.Header.Set("If-None-Match", tc.inm)
			}
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing but its header.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
