package feed

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// serverTree has article names that need escaping in URLs.
const serverTree = fixturesTree + `
-- notes/field notes é.txt --
Field notes from the marsh
Date: 2026-09-06 06:00:00 +0100

A grey heron waited at the reed edge.
-- what?#now.md --
---
title: Odd name
date: 2026-09-07T00:00:00Z
---
A name with a question mark and a hash.
`

// newTestServer returns a server over the server tree built for site two
// hours ago (so that its files' times are in the past, as served files'
// times are).
func newTestServer(t testing.TB, site Site, cfg ServerConfig) (*Server, *Bundle) {
	t.Helper()
	b := buildTxtarAt(t, site, serverTree, time.Now().Add(-2*time.Hour))
	s := NewServer(cfg)
	if gen := s.Swap(b); gen != 1 {
		t.Fatalf("Server.Swap() = %d, want 1", gen)
	}
	return s, b
}

// serve runs one request through h and returns the response.
func serve(t testing.TB, h http.Handler, method, target string, header ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readBody(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip.NewReader() error: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// servedPaths maps request paths to the bundle path they serve and its content type.
var servedPaths = []struct{ path, rel, ctype string }{
	{"/", "", TypeHTML},
	{"/index.html", IndexName, TypeHTML},
	{"/rss.xml", RSSName, TypeRSS},
	{"/atom.xml", AtomName, TypeAtom},
	{"/feed.json", JSONName, TypeJSON},
	{"/articles/2026-10-05-bakery/", "articles/2026-10-05-bakery/", TypeHTML},
	{"/articles/2026-10-05-bakery/index.html", "articles/2026-10-05-bakery/", TypeHTML},
	{"/articles/sport/2026-10-02-rowing-club/", "articles/sport/2026-10-02-rowing-club/", TypeHTML},
	{"/articles/notes/field%20notes%20%C3%A9/", "articles/notes/field notes é/", TypeHTML},
	{"/articles/what%3F%23now/", "articles/what?#now/", TypeHTML},
}

func TestServerGet(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	for _, tc := range servedPaths {
		t.Run(tc.path, func(t *testing.T) {
			resp := serve(t, s, http.MethodGet, tc.path)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s status = %d, want 200\n%s", tc.path, resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("GET %s Content-Type = %q, want %q", tc.path, got, tc.ctype)
			}
			f, ok := b.Lookup(tc.rel)
			if !ok {
				t.Fatalf("Lookup(%q) = not found", tc.rel)
			}
			if !bytes.Equal(body, f.Body) {
				t.Errorf("GET %s body differs from Lookup(%q).Body", tc.path, tc.rel)
			}
			for k, want := range map[string]string{
				"ETag":                   f.ETag,
				"Last-Modified":          f.ModTime.UTC().Format(http.TimeFormat),
				"Cache-Control":          "public, max-age=60",
				"Vary":                   varyOf(tc.ctype),
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(f.Body)),
				"Content-Encoding":       "",
				"X-Dropfeed-Generation":  "1",
			} {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("GET %s %s = %q, want %q", tc.path, k, got, want)
				}
			}
			if !strings.HasPrefix(f.ETag, `"`) || strings.HasPrefix(f.ETag, "W/") {
				t.Errorf("ETag = %s, want a strong, quoted ETag", f.ETag)
			}
		})
	}
}

func TestServerHead(t *testing.T) {
	s, _ := newTestServer(t, testSite(), ServerConfig{})
	for _, tc := range servedPaths {
		for _, ae := range []string{"", "gzip"} {
			t.Run(tc.path+" "+ae, func(t *testing.T) {
				get := serve(t, s, http.MethodGet, tc.path, "Accept-Encoding", ae)
				head := serve(t, s, http.MethodHead, tc.path, "Accept-Encoding", ae)
				if body := readBody(t, head); head.StatusCode != http.StatusOK || len(body) != 0 {
					t.Errorf("HEAD %s = %d with %d bytes, want 200 and no body", tc.path, head.StatusCode, len(body))
				}
				for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "ETag", "Last-Modified", "Cache-Control", "Vary", "X-Content-Type-Options"} {
					if g, h := get.Header.Get(k), head.Header.Get(k); g != h {
						t.Errorf("HEAD %s %s = %q, want %q as GET", tc.path, k, h, g)
					}
				}
			})
		}
	}
}

func TestServerConditional(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	f, _ := b.Lookup(RSSName)
	_, gzTag := f.Gzip()
	lastMod := f.ModTime.UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name     string
		header   []string
		want     int
		wantETag string
	}{
		{"plain etag", []string{"If-None-Match", f.ETag}, 304, f.ETag},
		{"weak form of plain etag", []string{"If-None-Match", "W/" + f.ETag}, 304, f.ETag},
		{"etag in a list", []string{"If-None-Match", `"other", ` + f.ETag}, 304, f.ETag},
		{"star", []string{"If-None-Match", "*"}, 304, f.ETag},
		{"other etag", []string{"If-None-Match", `"other"`}, 200, f.ETag},
		{"gzip etag", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304, gzTag},
		{"plain etag does not validate gzip", []string{"If-None-Match", f.ETag, "Accept-Encoding", "gzip"}, 200, gzTag},
		{"gzip etag does not validate plain", []string{"If-None-Match", gzTag}, 200, f.ETag},
		{"modified since: same time", []string{"If-Modified-Since", lastMod}, 304, f.ETag},
		{"modified since: later", []string{"If-Modified-Since", f.ModTime.Add(time.Hour).UTC().Format(http.TimeFormat)}, 304, f.ETag},
		{"modified since: earlier", []string{"If-Modified-Since", f.ModTime.Add(-time.Second).UTC().Format(http.TimeFormat)}, 200, f.ETag},
		{"modified since: after the server's now (not a date it sent)", []string{"If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, 200, f.ETag},
		{"modified since: not a date", []string{"If-Modified-Since", "yesterday"}, 200, f.ETag},
		{"if-none-match wins over if-modified-since: match", []string{"If-None-Match", f.ETag, "If-Modified-Since", f.ModTime.Add(-time.Hour).UTC().Format(http.TimeFormat)}, 304, f.ETag},
		{"range after a matching if-none-match", []string{"If-None-Match", f.ETag, "Range", "bytes=0-9"}, 304, f.ETag},
		{"range after a matching if-modified-since", []string{"If-Modified-Since", lastMod, "Range", "bytes=0-9"}, 304, f.ETag},
		{"if-none-match wins over if-modified-since", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, 200, f.ETag},
		{"gzip modified since", []string{"If-Modified-Since", lastMod, "Accept-Encoding", "gzip"}, 304, gzTag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp := serve(t, s, method, "/rss.xml", tc.header...)
				body := readBody(t, resp)
				if resp.StatusCode != tc.want {
					t.Errorf("%s /rss.xml %q status = %d, want %d", method, tc.header, resp.StatusCode, tc.want)
				}
				if got := resp.Header.Get("ETag"); got != tc.wantETag {
					t.Errorf("%s /rss.xml %q ETag = %s, want %s", method, tc.header, got, tc.wantETag)
				}
				if resp.StatusCode == http.StatusNotModified && len(body) != 0 {
					t.Errorf("%s /rss.xml %q: 304 with a %d-byte body", method, tc.header, len(body))
				}
			}
		})
	}
}

func TestServerMethodNotAllowed(t *testing.T) {
	s, _ := newTestServer(t, testSite(), ServerConfig{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "PROPFIND"} {
		for _, path := range []string{"/rss.xml", "/", "/nope"} {
			resp := serve(t, s, method, path)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s = %d Allow %q, want 405 Allow \"GET, HEAD\"", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
}

func TestServerNotFound(t *testing.T) {
	s, _ := newTestServer(t, testSite(), ServerConfig{})
	for _, path := range []string{
		"/nope", "/RSS.XML", "/rss.xml/", "/rss.xml.gz", "/index.html/", "/articles", "/articles/", "/articles/nope/",
		"/articles/2026-10-05-bakery/other.html", "/articles/2026-10-05-bakery//",
		"/../x", "/../rss.xml", "/%2e%2e/", "/%2e%2e/rss.xml", "/./rss.xml", "//rss.xml", "/articles//2026-10-05-bakery/",
		"/articles/2026-10-05-bakery/../../rss.xml", "/articles/sport/../2026-10-05-bakery/",
		`/articles\2026-10-05-bakery/`, "/rss.xml%5C", "/rss.xml%00", "/articles/2026-10-05-bakery%00/",
		"/.dropfeed-manifest", "/rss.xml?x=1/../",
	} {
		t.Run(path, func(t *testing.T) {
			// NewRequest parses the target as a server does (url.ParseRequestURI):
			// dot segments and double slashes reach the handler untouched.
			r := httptest.NewRequest(http.MethodGet, path, nil)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if path == "/rss.xml?x=1/../" {
				if w.Code != http.StatusOK {
					t.Errorf("GET %s = %d, want 200 (the query is not the path)", path, w.Code)
				}
				return
			}
			if w.Code != http.StatusNotFound {
				t.Errorf("GET %s (URL.Path %q) = %d, want 404", path, r.URL.Path, w.Code)
			}
			if strings.Contains(w.Body.String(), "<rss") || strings.Contains(w.Body.String(), "<!doctype") {
				t.Errorf("GET %s: 404 body holds a page: %.80q", path, w.Body.String())
			}
		})
	}
}

func TestServerRedirect(t *testing.T) {
	s, _ := newTestServer(t, testSite(), ServerConfig{})
	for _, tc := range []struct{ path, want string }{
		{"/articles/2026-10-05-bakery", "/articles/2026-10-05-bakery/"},
		{"/articles/sport/2026-10-02-rowing-club", "/articles/sport/2026-10-02-rowing-club/"},
		{"/articles/notes/field%20notes%20%C3%A9", "/articles/notes/field%20notes%20%C3%A9/"},
		{"/articles/what%3F%23now", "/articles/what%3F%23now/"},
		{"/articles/2026-10-05-bakery?utm=x", "/articles/2026-10-05-bakery/?utm=x"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := serve(t, s, http.MethodGet, tc.path)
			if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != tc.want {
				t.Errorf("GET %s = %d Location %q, want 301 %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
			// The target serves the page.
			if got := serve(t, s, http.MethodGet, tc.want).StatusCode; got != http.StatusOK {
				t.Errorf("GET %s (the redirect target) = %d, want 200", tc.want, got)
			}
		})
	}
	if got := serve(t, s, http.MethodGet, "/articles/nope").StatusCode; got != http.StatusNotFound {
		t.Errorf("GET /articles/nope = %d, want 404", got)
	}
}

func TestServerGzip(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	f, _ := b.Lookup(AtomName)
	_, gzTag := f.Gzip()
	for _, tc := range []struct {
		ae   string
		gzip bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8", true},
		{"gzip;q=0.001", true},
		{"*", true},
		{"", false},
		{"identity", false},
		{"deflate, br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0, *", false},
		{"*;q=0", false},
		{"*, gzip;q=0", false},
		{"*;q=0, gzip", true},
	} {
		t.Run(tc.ae, func(t *testing.T) {
			resp := serve(t, s, http.MethodGet, "/atom.xml", "Accept-Encoding", tc.ae)
			body := readBody(t, resp)
			if got := resp.Header.Get("Vary"); got != "Accept, Accept-Encoding" {
				t.Errorf("Accept-Encoding %q: Vary = %q, want Accept, Accept-Encoding", tc.ae, got)
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tc.gzip {
				t.Fatalf("Accept-Encoding %q: Content-Encoding = %q, want gzip %v", tc.ae, resp.Header.Get("Content-Encoding"), tc.gzip)
			}
			if !tc.gzip {
				if !bytes.Equal(body, f.Body) || resp.Header.Get("ETag") != f.ETag {
					t.Errorf("Accept-Encoding %q: want the plain body and ETag", tc.ae)
				}
				return
			}
			if got := gunzip(t, body); !bytes.Equal(got, f.Body) {
				t.Errorf("Accept-Encoding %q: gunzipped body differs from the plain body", tc.ae)
			}
			if resp.Header.Get("ETag") != gzTag || gzTag == f.ETag {
				t.Errorf("Accept-Encoding %q: ETag = %s, want the gzip ETag %s (distinct from %s)", tc.ae, resp.Header.Get("ETag"), gzTag, f.ETag)
			}
		})
	}
}

func TestServerCacheControl(t *testing.T) {
	for _, tc := range []struct {
		maxAge time.Duration
		want   string
	}{
		{0, "public, max-age=60"},
		{5 * time.Minute, "public, max-age=300"},
		{-1, "no-cache"},
	} {
		s, _ := newTestServer(t, testSite(), ServerConfig{MaxAge: tc.maxAge})
		for _, path := range []string{"/rss.xml", "/", "/articles/2026-10-05-bakery/"} {
			if got := serve(t, s, http.MethodGet, path).Header.Get("Cache-Control"); got != tc.want {
				t.Errorf("ServerConfig{MaxAge: %v}: GET %s Cache-Control = %q, want %q", tc.maxAge, path, got, tc.want)
			}
		}
	}
}

func TestServerNotReady(t *testing.T) {
	s := NewServer(ServerConfig{})
	if s.Bundle() != nil || s.Generation() != 0 {
		t.Errorf("NewServer(): Bundle(), Generation() = %v, %d; want nil, 0", s.Bundle(), s.Generation())
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		for _, path := range []string{"/", "/rss.xml", "/nope"} {
			resp := serve(t, s, method, path)
			if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
				t.Errorf("%s %s before Swap = %d Retry-After %q, want 503 with Retry-After", method, path, resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		}
	}
}

func TestServerBasePath(t *testing.T) {
	site := testSite()
	site.BaseURL = "https://x.example/news/"
	s, b := newTestServer(t, site, ServerConfig{})
	rss, _ := b.Lookup(RSSName)
	for _, tc := range []struct {
		path     string
		want     int
		location string
	}{
		{"/news/rss.xml", 200, ""},
		{"/news/atom.xml", 200, ""},
		{"/news/feed.json", 200, ""},
		{"/news/", 200, ""},
		{"/news/index.html", 200, ""},
		{"/news/articles/2026-10-05-bakery/", 200, ""},
		{"/news", 301, "/news/"},
		{"/news?x=1", 301, "/news/?x=1"},
		{"/news/articles/2026-10-05-bakery", 301, "/news/articles/2026-10-05-bakery/"},
		{"/rss.xml", 404, ""},
		{"/", 404, ""},
		{"/articles/2026-10-05-bakery/", 404, ""},
		{"/newsrss.xml", 404, ""},
		{"/newsletter/rss.xml", 404, ""},
		{"/news/news/rss.xml", 404, ""},
		{"/NEWS/rss.xml", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := serve(t, s, http.MethodGet, tc.path)
			if resp.StatusCode != tc.want || resp.Header.Get("Location") != tc.location {
				t.Errorf("GET %s = %d Location %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want, tc.location)
			}
		})
	}
	if body := readBody(t, serve(t, s, http.MethodGet, "/news/rss.xml")); !bytes.Equal(body, rss.Body) || !bytes.Contains(body, []byte(`href="https://x.example/news/rss.xml" rel="self"`)) {
		t.Errorf("GET /news/rss.xml: want the bundle's RSS with self link under /news/")
	}
}

func TestServerSwap(t *testing.T) {
	s, b1 := newTestServer(t, testSite(), ServerConfig{})
	first := readBody(t, serve(t, s, http.MethodGet, "/rss.xml"))
	site := testSite()
	site.Title = "Renamed Times"
	b2 := buildTxtar(t, site, serverTree)
	if gen := s.Swap(b2); gen != 2 || s.Generation() != 2 || s.Bundle() != b2 {
		t.Fatalf("Swap(b2) = %d, Generation() = %d, Bundle() = %p; want 2, 2, %p", gen, s.Generation(), s.Bundle(), b2)
	}
	resp := serve(t, s, http.MethodGet, "/rss.xml")
	second := readBody(t, resp)
	if bytes.Equal(first, second) || !bytes.Contains(second, []byte("Renamed Times")) {
		t.Errorf("GET /rss.xml after Swap: body unchanged, want the new bundle's")
	}
	if got := resp.Header.Get("X-Dropfeed-Generation"); got != "2" {
		t.Errorf("GET /rss.xml after Swap: X-Dropfeed-Generation = %q, want 2", got)
	}
	f1, _ := b1.Lookup(RSSName)
	if got := serve(t, s, http.MethodGet, "/rss.xml", "If-None-Match", f1.ETag).StatusCode; got != http.StatusOK {
		t.Errorf("GET /rss.xml with the old ETag after Swap = %d, want 200", got)
	}
}

// TestServerSwapConcurrent serves while swapping: every response's
// generation header must name the bundle whose bytes it carries.
func TestServerSwapConcurrent(t *testing.T) {
	const n = 40
	bundles := make([]*Bundle, n)
	genOf := make(map[string]string, n) // RSS ETag -> generation that serves it
	for i := range bundles {
		site := testSite()
		site.Title = "Times " + strconv.Itoa(i)
		bundles[i] = mustBuild(t, site, nil)
		f, _ := bundles[i].Lookup(RSSName)
		genOf[f.ETag] = strconv.Itoa(i + 1)
	}
	s := NewServer(ServerConfig{})
	s.Swap(bundles[0])
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				resp := serve(t, s, http.MethodGet, "/rss.xml")
				etag, gen := resp.Header.Get("ETag"), resp.Header.Get("X-Dropfeed-Generation")
				if want := genOf[etag]; gen != want {
					t.Errorf("response with ETag %s: X-Dropfeed-Generation = %s, want %s", etag, gen, want)
					return
				}
			}
		})
	}
	for _, b := range bundles[1:] {
		s.Swap(b)
		time.Sleep(100 * time.Microsecond)
	}
	close(done)
	wg.Wait()
}

// TestServerHTTP runs the server behind a real listener and client.
func TestServerHTTP(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := ts.Client()
	rss, _ := b.Lookup(RSSName)

	// The default transport asks for gzip and decompresses transparently.
	resp, err := c.Get(ts.URL + "/rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	resp.Body.Close()
	if resp.StatusCode != 200 || !resp.Uncompressed || !bytes.Equal(body, rss.Body) || resp.Header.Get("Content-Type") != TypeRSS {
		t.Errorf("GET /rss.xml = %d, uncompressed %v, %d bytes, %q; want 200, true, the RSS bytes, %q",
			resp.StatusCode, resp.Uncompressed, len(body), resp.Header.Get("Content-Type"), TypeRSS)
	}

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, ts.URL+"/rss.xml", nil)
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("If-None-Match", rss.ETag)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET /rss.xml = %d, want 304", resp.StatusCode)
	}

	resp, err = c.Head(ts.URL + "/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != TypeJSON {
		t.Errorf("HEAD /feed.json = %d %q, want 200 %q", resp.StatusCode, resp.Header.Get("Content-Type"), TypeJSON)
	}

	resp, err = c.Post(ts.URL+"/rss.xml", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /rss.xml = %d, want 405", resp.StatusCode)
	}

	// The client follows the redirect to the article page.
	resp, err = c.Get(ts.URL + "/articles/notes/field%20notes%20%C3%A9")
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/articles/notes/field notes é/" || !bytes.Contains(body, []byte("Field notes from the marsh")) {
		t.Errorf("GET /articles/notes/field%%20notes%%20%%C3%%A9 = %d at %q, want 200 at the page", resp.StatusCode, resp.Request.URL.Path)
	}

	resp, err = c.Get(ts.URL + "/%2e%2e/%2e%2e/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /%%2e%%2e/%%2e%%2e/etc/passwd = %d, want 404", resp.StatusCode)
	}
}

func TestServerRange(t *testing.T) {
	s, b := newTestServer(t, testSite(), ServerConfig{})
	f, _ := b.Lookup(RSSName)
	resp := serve(t, s, http.MethodGet, "/rss.xml", "Range", "bytes=0-9")
	if body := readBody(t, resp); resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, f.Body[:10]) {
		t.Errorf("GET /rss.xml Range bytes=0-9 = %d %q, want 206 %q", resp.StatusCode, body, f.Body[:10])
	}
}

// TestServerEscapedBasePath serves under a base path that needs escaping:
// redirects must carry it escaped.
func TestServerEscapedBasePath(t *testing.T) {
	site := testSite()
	site.BaseURL = "https://x.example/my%20news/"
	s, _ := newTestServer(t, site, ServerConfig{})
	for _, tc := range []struct {
		path     string
		want     int
		location string
	}{
		{"/my%20news/rss.xml", 200, ""},
		{"/my%20news/articles/notes/field%20notes%20%C3%A9/", 200, ""},
		{"/my%20news", 301, "/my%20news/"},
		{"/my%20news/articles/notes/field%20notes%20%C3%A9", 301, "/my%20news/articles/notes/field%20notes%20%C3%A9/"},
		{"/my-news/rss.xml", 404, ""},
	} {
		resp := serve(t, s, http.MethodGet, tc.path)
		if resp.StatusCode != tc.want || resp.Header.Get("Location") != tc.location {
			t.Errorf("GET %s = %d Location %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want, tc.location)
		}
	}
}

// TestGzipOnFirstUse: a build compresses nothing; a file's gzip copy is
// made when first asked for (by a response or Gzip), once for readers that
// ask at once, and is the deterministic gzip of its body.
func TestGzipOnFirstUse(t *testing.T) {
	b := buildTxtarAt(t, testSite(), serverTree, time.Now().Add(-2*time.Hour))
	for _, f := range b.files {
		if f.gzipDone() != nil {
			t.Errorf("%s: compressed by the build", f.Path)
		}
	}
	f, _ := b.Lookup(RSSName)
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() { got[i], _ = f.Gzip() })
	}
	wg.Wait()
	for i := range got {
		if &got[i][0] != &got[0][0] {
			t.Fatalf("readers asking at once got copies from more than one compression")
		}
	}
	body, tag := f.Gzip()
	if !bytes.Equal(body, gzipBytes(f.Body)) || tag != etagOf(body) || tag == f.ETag {
		t.Errorf("gzip copy of %s: %d bytes, ETag %s (body ETag %s); want the gzip of its body and its ETag", RSSName, len(body), tag, f.ETag)
	}
	s := NewServer(ServerConfig{})
	s.Swap(b)
	a, _ := b.Lookup(AtomName)
	resp := serve(t, s, http.MethodGet, "/"+AtomName)
	resp.Body.Close()
	if a.gzipDone() == nil {
		t.Errorf("%s served without its gzip copy made", AtomName)
	}
}
