package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetrics scrapes /metrics of the real binary with Prometheus' text
// parser and watches the numbers follow the files: an article added, a bad
// file dropped in, requests by route (never by raw path) and status.
func TestMetrics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "2026-01-02-first.md"), "---\ntitle: First\n---\n\nThe first article.\n")
	d := proc{}.serve(t, "-addr", "127.0.0.1:0", "-state", filepath.Join(t.TempDir(), "state.db"), "-content", dir, "-quiet", "20ms")
	d.waitReady()
	metricsURL := d.base + "metrics"

	fams := scrape(t, metricsURL)
	for _, tc := range []struct {
		name   string
		labels map[string]string
		min    float64
		max    float64
	}{
		{"dropfeed_articles", nil, 1, 1},
		{"dropfeed_parse_errors", nil, 0, 0},
		{"dropfeed_rebuilds_total", map[string]string{"result": "ok"}, 1, 100},
		{"dropfeed_rebuilds_total", map[string]string{"result": "error"}, 0, 0},
		{"dropfeed_rebuild_duration_seconds", nil, 1, 100},
		{"dropfeed_last_successful_build_timestamp_seconds", nil, float64(time.Now().Add(-time.Hour).Unix()), float64(time.Now().Add(time.Hour).Unix())},
		{"dropfeed_build_info", nil, 1, 1},
	} {
		v, ok := sample(fams, tc.name, tc.labels)
		if !ok || v < tc.min || v > tc.max {
			t.Errorf("%s%v = %v (present %v), want in [%v, %v]", tc.name, tc.labels, v, ok, tc.min, tc.max)
		}
	}

	// Requests are counted by route and status.
	for _, p := range []string{"rss.xml", "rss.xml", "atom.xml", "feed.json", "", "articles/2026-01-02-first/", "no-such-file", "healthz"} {
		if _, _, err := d.get(p); err != nil {
			t.Fatal(err)
		}
	}
	fams = scrape(t, metricsURL)
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"rss", "200", 2}, {"atom", "200", 1}, {"json", "200", 1}, {"index", "200", 1},
		{"article", "200", 1}, {"other", "404", 1}, {"healthz", "200", 1},
	} {
		v, ok := sample(fams, "dropfeed_http_requests_total", map[string]string{"route": tc.route, "code": tc.code})
		if !ok || v < tc.want {
			t.Errorf("dropfeed_http_requests_total{route=%q,code=%q} = %v (present %v), want >= %v", tc.route, tc.code, v, ok, tc.want)
		}
	}
	for _, m := range fams["dropfeed_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && strings.Contains(l.GetValue(), "/") {
				t.Errorf("a route label holds a raw path: %q", l.GetValue())
			}
		}
	}

	// The numbers move as files change.
	lastOK, _ := sample(fams, "dropfeed_rebuilds_total", map[string]string{"result": "ok"})
	writeAtomic(t, filepath.Join(dir, "2026-01-03-second.md"), "---\ntitle: Second\n---\n\nThe second article.\n")
	waitFor(t, 10*time.Second, "dropfeed_articles to reach 2", func() bool {
		f := scrape(t, metricsURL)
		n, _ := sample(f, "dropfeed_articles", nil)
		ok, _ := sample(f, "dropfeed_rebuilds_total", map[string]string{"result": "ok"})
		return n == 2 && ok > lastOK
	})
	writeAtomic(t, filepath.Join(dir, "broken.md"), "---\ntitle: [unclosed\n---\n\nBody.\n")
	waitFor(t, 10*time.Second, "dropfeed_parse_errors to reach 1", func() bool {
		n, _ := sample(scrape(t, metricsURL), "dropfeed_parse_errors", nil)
		return n == 1
	})
	if code := d.stop(); code != 0 {
		t.Errorf("serve exit code after SIGTERM = %d, want 0", code)
	}
}

// TestAdminAddr: with -admin-addr, /metrics and /healthz are served there,
// /metrics leaves the public address, and /healthz stays on it.
func TestAdminAddr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "a.md"), "---\ntitle: A\ndate: 2026-01-02\n---\n\nBody.\n")
	d := proc{}.serve(t, "-addr", "127.0.0.1:0", "-admin-addr", "127.0.0.1:0", "-state", filepath.Join(t.TempDir(), "state.db"), "-content", dir)
	d.waitReady()
	admin := d.adminURL()
	if admin == d.base {
		t.Fatalf("admin URL = public URL = %s", admin)
	}
	tests := []struct {
		name, url string
		want      int
	}{
		{"metrics on the admin address", admin + "metrics", http.StatusOK},
		{"healthz on the admin address", admin + "healthz", http.StatusOK},
		{"healthz on the public address", d.base + "healthz", http.StatusOK},
		{"no metrics on the public address", d.base + "metrics", http.StatusNotFound},
		{"no feeds on the admin address", admin + "rss.xml", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.url, resp.StatusCode, tc.want)
			}
		})
	}
	fams := scrape(t, admin+"metrics")
	if v, ok := sample(fams, "dropfeed_http_requests_total", map[string]string{"route": "healthz", "code": "200"}); !ok || v < 2 {
		t.Errorf("healthz requests on both addresses = %v (present %v), want >= 2", v, ok)
	}
	if v, _ := sample(fams, "dropfeed_articles", nil); v != 1 {
		t.Errorf("dropfeed_articles = %v, want 1", v)
	}
}
