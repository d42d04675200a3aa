package httpd

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/websub"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are a server's Prometheus metrics, in a registry of their own:
// the site's articles and rebuilds, the WebSub pings, the HTTP requests by
// route, the Go runtime and the process. The methods are safe on a nil
// *Metrics, which records nothing.
type Metrics struct {
	reg         *prometheus.Registry
	articles    prometheus.Gauge
	parseErrors prometheus.Gauge
	rebuilds    *prometheus.CounterVec
	duration    prometheus.Histogram
	lastSuccess prometheus.Gauge
	requests    *prometheus.CounterVec
	websub      *prometheus.CounterVec
	published   *prometheus.CounterVec
	pubFailures prometheus.Counter
	readers     *readerMetrics // subscribers.go
	// basePath is the path the site is served under ("/" or "/news/"),
	// which the route labels are found beneath; a reload may move it.
	basePath atomic.Pointer[string]
}

// The route label values: requests are counted by route, never by raw path,
// so the number of series stays fixed however many articles there are.
const (
	routeRSS     = "rss"
	routeAtom    = "atom"
	routeJSON    = "json"
	routeIndex   = "index"
	routeArticle = "article"
	routeHealthz = "healthz"
	routeMetrics = "metrics"
	routeOther   = "other"
)

// NewMetrics returns the metrics of a site served under the base URL base,
// by the program of that version.
func NewMetrics(version, base string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		articles: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dropfeed_articles", Help: "Articles published by the last successful build.",
		}),
		parseErrors: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dropfeed_parse_errors", Help: "Article files that currently fail to parse.",
		}),
		rebuilds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_rebuilds_total", Help: "Rebuilds of the feeds, by result (ok or error).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "dropfeed_rebuild_duration_seconds", Help: "Time from a change to its rebuild being served and written.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 8), // 1ms .. 16s
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "dropfeed_last_successful_build_timestamp_seconds", Help: "Unix time of the last successful build.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_http_requests_total", Help: "HTTP requests, by route and status code.",
		}, []string{"route", "code"}),
		websub: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_websub_pings_total",
			Help: "Attempts to tell the WebSub hub that a feed changed, by result: ok, retry (failed, tried again later) or failed (given up).",
		}, []string{"result"}),
	}
	m.published = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "dropfeed_publish_objects_total", Help: "Objects uploaded to or deleted from the bucket, by op (upload, delete).",
	}, []string{"op"})
	m.pubFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dropfeed_publish_failures_total", Help: "Publishes to the bucket that failed (each is tried again).",
	})
	m.published.WithLabelValues("upload")
	m.published.WithLabelValues("delete")
	m.readers = newReaderMetrics()
	m.reg.MustRegister(m.readers.collectors()...)
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dropfeed_build_info", Help: "Always 1; the version label says which dropfeed runs.",
	}, []string{"version"})
	info.WithLabelValues(version).Set(1)
	m.rebuilds.WithLabelValues("ok")
	m.rebuilds.WithLabelValues("error")
	for _, r := range []string{websub.OK, websub.Retry, websub.Failed} {
		m.websub.WithLabelValues(r)
	}
	m.reg.MustRegister(m.articles, m.parseErrors, m.rebuilds, m.duration, m.lastSuccess, m.requests, m.websub, m.published, m.pubFailures, info,
		// go_gc_heap_live_bytes, the heap the last GC found live, besides
		// the default go_* metrics: a leak shows there without forcing a GC.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.SetBase(base)
	return m
}

// SetBase sets the base URL the site is served under.
func (m *Metrics) SetBase(base string) {
	if m == nil {
		return
	}
	p := "/"
	if u, err := url.Parse(base); err == nil && u.Path != "" {
		p = u.Path
	}
	m.basePath.Store(&p)
}

// Base returns the path the site is served under.
func (m *Metrics) Base() string { return *m.basePath.Load() }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Rebuilt records a successful rebuild.
func (m *Metrics) Rebuilt(articles, parseErrors int, took time.Duration) {
	if m == nil {
		return
	}
	m.rebuilds.WithLabelValues("ok").Inc()
	m.duration.Observe(took.Seconds())
	m.articles.Set(float64(articles))
	m.parseErrors.Set(float64(parseErrors))
	m.lastSuccess.Set(float64(time.Now().UnixNano()) / 1e9)
}

// RebuildFailed records a rebuild that left the previous build serving.
func (m *Metrics) RebuildFailed() {
	if m == nil {
		return
	}
	m.rebuilds.WithLabelValues("error").Inc()
}

// WebSubPinged records one attempt to ping the WebSub hub.
func (m *Metrics) WebSubPinged(result string) {
	if m == nil {
		return
	}
	m.websub.WithLabelValues(result).Inc()
}

// Published records one publish to a bucket: the objects it uploaded and
// deleted, and whether it failed.
func (m *Metrics) Published(uploaded, deleted int, failed bool) {
	if m == nil {
		return
	}
	m.published.WithLabelValues("upload").Add(float64(uploaded))
	m.published.WithLabelValues("delete").Add(float64(deleted))
	if failed {
		m.pubFailures.Inc()
	}
}

// SetParseErrors records the number of files that fail to parse, which can
// change without a rebuild (a new file that is bad from the start).
func (m *Metrics) SetParseErrors(n int) {
	if m == nil {
		return
	}
	m.parseErrors.Set(float64(n))
}

// Instrument counts the requests h answers by route and status code.
func (m *Metrics) Instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		code := rec.code
		if code == 0 {
			code = http.StatusOK
		}
		m.requests.WithLabelValues(route(r.URL.Path, m.Base()), strconv.Itoa(code)).Inc()
		m.readers.observe(r, m.Base(), code)
	})
}

// route maps a request path to its route label.
func route(p, base string) string {
	switch p {
	case "/healthz":
		return routeHealthz
	case "/metrics":
		return routeMetrics
	}
	rel, ok := strings.CutPrefix(p, base)
	if !ok {
		return routeOther
	}
	switch {
	case rel == feed.RSSName:
		return routeRSS
	case rel == feed.AtomName:
		return routeAtom
	case rel == feed.JSONName:
		return routeJSON
	case rel == "" || rel == feed.IndexName:
		return routeIndex
	case strings.HasPrefix(rel, "articles/") && len(rel) > len("articles/"):
		return routeArticle
	}
	return routeOther
}

// statusRecorder remembers the status code a handler sent.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
