package httpd

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/dropfeed/dropfeed/feed"
	"github.com/prometheus/client_golang/prometheus"
)

// readerMetrics tell who reads the feeds: the subscriber counts that
// aggregators report in their User-Agent, and how many requests per feed
// are conditional and answered 304.
type readerMetrics struct {
	subscribers *prometheus.GaugeVec
	requests    *prometheus.CounterVec
	conditional *prometheus.CounterVec
	notModified *prometheus.CounterVec
}

func newReaderMetrics() *readerMetrics {
	return &readerMetrics{
		subscribers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dropfeed_feed_subscribers",
			Help: "Subscribers an aggregator last reported in its User-Agent for a feed, by aggregator and feed (path under the base URL).",
		}, []string{"aggregator", "feed"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_feed_requests_total", Help: "Requests answered 200 or 304 for a feed, by feed (path under the base URL).",
		}, []string{"feed"}),
		conditional: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_feed_conditional_requests_total", Help: "Of dropfeed_feed_requests_total, those with If-None-Match or If-Modified-Since.",
		}, []string{"feed"}),
		notModified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dropfeed_feed_not_modified_total", Help: "Of dropfeed_feed_requests_total, those answered 304 Not Modified.",
		}, []string{"feed"}),
	}
}

func (rm *readerMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{rm.subscribers, rm.requests, rm.conditional, rm.notModified}
}

// aggregators are the feed services that report their subscriber count in
// their User-Agent, as ("Feedly/1.0 (+http://www.feedly.com/fetcher.html;
// 123 subscribers; like FeedFetcher-Google)", "Mozilla/5.0 (compatible;
// inoreader.com; 45 subscribers)", "NewsBlur Feed Fetcher - 12 subscribers
// - https://www.newsblur.com/site/…", "Feedbin feed-id:42 - 7 subscribers"),
// each with the marker its User-Agent holds (lowercase) and its label. The
// list is fixed, so a client cannot add label values.
var aggregators = []struct{ marker, label string }{
	{"feedly", "feedly"},
	{"inoreader", "inoreader"},
	{"newsblur", "newsblur"},
	{"feedbin", "feedbin"},
	{"theoldreader", "theoldreader"},
	{"bazqux", "bazqux"},
	{"feedhq", "feedhq"},
	{"netvibes", "netvibes"},
	{"bloglovin", "bloglovin"},
	{"feedspot", "feedspot"},
	{"feed wrangler", "feedwrangler"},
	{"feedwrangler", "feedwrangler"},
	{"digg feed fetcher", "digg"},
	{"g2reader", "g2reader"},
}

// subscribersRE finds "<number> subscribers" (or readers) in a User-Agent.
var subscribersRE = regexp.MustCompile(`(?i)\b(\d{1,9})\s+(?:subscriber|reader)s?\b`)

// maxSubscribers bounds a reported count: a larger one is no real report.
const maxSubscribers = 100_000_000

// subscribersIn returns the aggregator a User-Agent names and the
// subscriber count it reports; ok is false when it is none of aggregators
// or reports no count.
func subscribersIn(ua string) (aggregator string, n int, ok bool) {
	lower := strings.ToLower(ua)
	for _, a := range aggregators {
		if !strings.Contains(lower, a.marker) {
			continue
		}
		m := subscribersRE.FindStringSubmatch(ua)
		if m == nil {
			return "", 0, false
		}
		n, err := strconv.Atoi(m[1])
		if err != nil || n > maxSubscribers {
			return "", 0, false
		}
		return a.label, n, true
	}
	return "", 0, false
}

// feedPath returns the path of a feed under the base URL ("rss.xml",
// "tags/city/atom.xml") for a request path, or "" when it names no feed.
func feedPath(p, base string) string {
	rel, ok := strings.CutPrefix(p, base)
	if !ok {
		return ""
	}
	name := rel[strings.LastIndexByte(rel, '/')+1:]
	switch name {
	case feed.RSSName, feed.AtomName, feed.JSONName:
		return rel
	}
	return ""
}

// observe records a request for a feed that was answered with code: only a
// feed the site has (200 or 304), so that the feed label holds the site's
// feeds and nothing a client made up.
func (rm *readerMetrics) observe(r *http.Request, base string, code int) {
	if rm == nil || (code != http.StatusOK && code != http.StatusNotModified) {
		return
	}
	f := feedPath(r.URL.Path, base)
	if f == "" {
		return
	}
	rm.requests.WithLabelValues(f).Inc()
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		rm.conditional.WithLabelValues(f).Inc()
	}
	if code == http.StatusNotModified {
		rm.notModified.WithLabelValues(f).Inc()
	}
	if agg, n, ok := subscribersIn(r.UserAgent()); ok {
		rm.subscribers.WithLabelValues(agg, f).Set(float64(n))
	}
}
