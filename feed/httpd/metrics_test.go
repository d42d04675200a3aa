package httpd

import "testing"

func TestRoute(t *testing.T) {
	tests := []struct {
		name, path, base, want string
	}{
		{"rss", "/rss.xml", "/", routeRSS},
		{"atom", "/atom.xml", "/", routeAtom},
		{"json", "/feed.json", "/", routeJSON},
		{"index", "/", "/", routeIndex},
		{"index file", "/index.html", "/", routeIndex},
		{"article", "/articles/2026/launch/", "/", routeArticle},
		{"article without slash", "/articles/launch", "/", routeArticle},
		{"articles folder", "/articles/", "/", routeOther},
		{"healthz", "/healthz", "/", routeHealthz},
		{"metrics", "/metrics", "/", routeMetrics},
		{"unknown", "/wp-login.php", "/", routeOther},
		{"under a base path", "/news/rss.xml", "/news/", routeRSS},
		{"article under a base path", "/news/articles/a/", "/news/", routeArticle},
		{"outside the base path", "/rss.xml", "/news/", routeOther},
		{"healthz with a base path", "/healthz", "/news/", routeHealthz},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := route(tc.path, tc.base); got != tc.want {
				t.Errorf("route(%q, %q) = %q, want %q", tc.path, tc.base, got, tc.want)
			}
		})
	}
}
