package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawResponse is what a raw HTTP/1.1 exchange returned.
type rawResponse struct {
	status int
	header http.Header
	body   string
	err    error // the connection failed (reset, closed) before a whole response
}

// rawRequest sends request (the request line and headers, without the final
// blank line) on a new connection to addr and reads one response. Go's
// client would clean the path; this sends the bytes as they are.
func rawRequest(t *testing.T, addr, request string) rawResponse {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c, request+"\r\nConnection: close\r\n\r\n"); err != nil {
		return rawResponse{err: err}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return rawResponse{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawResponse{resp.StatusCode, resp.Header, string(b), err}
}

// short cuts s for a failure message.
func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestServeHardening sends hostile requests to the real server over raw
// connections: paths that try to leave the bundle (dot segments, encoded
// dots and slashes, double slashes, backslashes, NUL), requests for the
// content sources, dotfiles, the state file and folders, other methods and
// oversized headers. None returns a byte from outside the bundle or any
// internal error text; escapes end in a 404 or a redirect to a clean path
// that is a 404.
func TestServeHardening(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	dir := filepath.Join(top, "content")
	const secret = "SECRET-BYTES-OUTSIDE"
	writeBytes(t, filepath.Join(top, "secret.md"), []byte("# "+secret+"\n"))
	writeBytes(t, filepath.Join(top, "secret.jpg"), []byte(secret))
	writeBytes(t, filepath.Join(top, "etc", "passwd"), []byte(secret))
	writeBytes(t, filepath.Join(dir, "2026-01-01-good.md"), []byte("---\ntitle: Good\ndate: 2026-01-01\nimage: ../secret.jpg\n---\nSOURCE-ONLY-MARKER is in the page too, but never the source file.\n\n![x](../../secret.jpg)\n"))
	writeBytes(t, filepath.Join(dir, "news", "2026-01-02-story.txt"), []byte("Story\nDate: 2026-01-02\n\nText.\n"))
	writeBytes(t, filepath.Join(dir, ".hidden.md"), []byte("# "+secret+"\n"))
	writeBytes(t, filepath.Join(dir, "_draft.md"), []byte("# "+secret+"\n"))
	state := filepath.Join(top, "state", "state.db")
	d := startServe(t, "-content", dir, "-state", state)
	d.waitReady()
	addr := strings.TrimSuffix(strings.TrimPrefix(d.base, "http://"), "/")
	host := "Host: " + addr

	leaks := func(t *testing.T, what string, r rawResponse) {
		t.Helper()
		for _, bad := range []string{secret, "SOURCE-ONLY-MARKER is in the page too, but never the source file.\n\n![x]", "no such file", "permission denied", "open ", "stat ", top, "goroutine", ".go:"} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s: the body holds %q:\n%.300s", short(what), bad, r.body)
			}
		}
		// 400 and 431 come from net/http before any handler runs.
		if r.status != http.StatusBadRequest && r.status != http.StatusRequestHeaderFieldsTooLarge && r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d without X-Content-Type-Options: nosniff", short(what), r.status)
		}
	}

	escapes := []string{
		"/../../../etc/passwd",
		"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
		"/articles/..%2f..%2f..%2fsecret.md",
		"/articles/%2e%2e/%2e%2e/secret.jpg",
		"//etc/passwd",
		"///secret.md",
		"/articles//2026-01-01-good/",
		"/./rss.xml/..",
		"/articles/2026-01-01-good/../../../secret.jpg",
		"/articles/2026-01-01-good/..%2f..%2f..%2fsecret.jpg",
		"/articles\\..\\..\\secret.md",
		"/articles/%5c..%5c..%5csecret.md",
		"/..\\secret.md",
		"/rss.xml%00",
		"/%00",
		"/articles/2026-01-01-good%00/",
		"/articles/2026-01-01-good/%00../../secret.jpg",
		"/articles/2026-01-01-good/secret.jpg",
		"/articles/secret.jpg",
		"/secret.jpg",
	}
	// safe checks that GET target ends, after at most three redirects to
	// clean paths, in a 404 (or 400), or in a file of the bundle when ok
	// allows it.
	safe := func(t *testing.T, target string, ok func(clean string) bool) {
		t.Helper()
		path := target
		for hop := 0; ; hop++ {
			r := rawRequest(t, addr, "GET "+path+" HTTP/1.1\r\n"+host)
			if r.err != nil {
				t.Fatalf("GET %s: %v", short(path), r.err)
			}
			leaks(t, path, r)
			switch r.status {
			case http.StatusNotFound, http.StatusBadRequest:
				if r.status == http.StatusNotFound && r.body != "404 page not found\n" {
					t.Errorf("GET %s body = %q, want the generic 404 text", short(path), r.body)
				}
				return
			case http.StatusOK:
				if hop == 0 || !ok(path) {
					t.Errorf("GET %s (from %s) = 200, want 404", short(path), short(target))
				}
				return
			case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
				loc, err := url.Parse(r.header.Get("Location"))
				if err != nil || loc.Host != "" || !strings.HasPrefix(loc.Path, "/") || strings.HasPrefix(loc.Path, "//") ||
					strings.Contains(loc.Path, "/..") || strings.Contains(loc.Path, "/./") || strings.ContainsAny(loc.Path, "\\\x00") {
					t.Fatalf("GET %s = %d to %q, want a redirect to a clean path on this host", short(path), r.status, r.header.Get("Location"))
				}
				if hop == 3 {
					t.Fatalf("GET %s: more than three redirects", short(target))
				}
				path = loc.EscapedPath()
			default:
				t.Fatalf("GET %s = %d, want 404, 400 or a redirect to a clean path", short(path), r.status)
			}
		}
	}
	inBundle := func(clean string) bool {
		return clean == "/" || clean == "/rss.xml" || clean == "/articles/2026-01-01-good/"
	}
	for _, target := range escapes {
		t.Run("escape "+target, func(t *testing.T) { safe(t, target, inBundle) })
	}
	// The absolute form of the request target, which proxies send.
	r := rawRequest(t, addr, "GET http://"+addr+"/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n"+host)
	leaks(t, "absolute-form escape", r)
	if r.status != http.StatusNotFound && r.status != http.StatusMovedPermanently && r.status != http.StatusBadRequest {
		t.Errorf("GET http://…/%%2e%%2e/… = %d, want 404, 400 or a redirect", r.status)
	}

	private := []string{
		"/2026-01-01-good.md", "/articles/2026-01-01-good.md", "/articles/2026-01-01-good/index.md",
		"/articles/2026-01-01-good/2026-01-01-good.md", "/news/2026-01-02-story.txt", "/articles/news/2026-01-02-story.txt",
		"/.hidden.md", "/articles/.hidden/", "/_draft.md", "/articles/_draft/",
		"/.dropfeed-manifest", "/.dropfeed-writing", "/.git/config", "/.env", "/state.db", "/state/state.db", "/.dropfeed/state.db",
		"/articles/", "/articles/news/", "/tags/", "/news/", "/articles/2026-01-01-good/.", "/dropfeed.yaml",
	}
	for _, target := range private {
		t.Run("private "+target, func(t *testing.T) {
			safe(t, target, func(clean string) bool { return clean == "/articles/2026-01-01-good/" || clean == "/" })
		})
	}

	for _, target := range []string{"/rss.xml", "/", "/articles/2026-01-01-good/", "/healthz", "/metrics"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
			r := rawRequest(t, addr, method+" "+target+" HTTP/1.1\r\n"+host+"\r\nContent-Length: 0")
			leaks(t, method+" "+target, r)
			if allow := r.header.Get("Allow"); r.status != http.StatusMethodNotAllowed || !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") || strings.Contains(allow, method) {
				t.Errorf("%s %s = %d Allow %q, want 405 with Allow: GET, HEAD", method, target, r.status, allow)
			}
		}
	}

	for _, target := range []string{"/", "/articles/2026-01-01-good/"} {
		r := rawRequest(t, addr, "GET "+target+" HTTP/1.1\r\n"+host)
		csp := r.header.Get("Content-Security-Policy")
		if r.status != http.StatusOK || r.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("GET %s = %d, nosniff %q, CSP %q; want 200 with nosniff and a CSP with default-src 'none' and no scripts", target, r.status, r.header.Get("X-Content-Type-Options"), csp)
		}
	}

	for _, target := range []string{"/healthz", "/metrics", "/rss.xml", "/feed.json"} {
		r := rawRequest(t, addr, "GET "+target+" HTTP/1.1\r\n"+host)
		if r.status != http.StatusOK || r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s = %d, nosniff %q; want 200 with nosniff", target, r.status, r.header.Get("X-Content-Type-Options"))
		}
	}
	// Oversized headers are refused with 431; the server then closes the
	// connection, which may reset it before the client reads the answer.
	for what, req := range map[string]string{
		"a 64 KB header": "GET /rss.xml HTTP/1.1\r\n" + host + "\r\nX-Big: " + strings.Repeat("a", 64<<10),
		"a 64 KB path":   "GET /" + strings.Repeat("a", 64<<10) + " HTTP/1.1\r\n" + host,
	} {
		r := rawRequest(t, addr, req)
		if r.err == nil && r.status != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("GET with %s = %d, want 431", what, r.status)
		}
		if r.err == nil {
			leaks(t, what, r)
		}
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("the state file is not where the test put it: %v", err)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// TestServeConnectionCap: with -max-connections 2, two idle keep-alive
// connections fill the server; a third client is answered as soon as one of
// them closes.
func TestServeConnectionCap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeBytes(t, filepath.Join(dir, "a.md"), []byte("---\ntitle: A\ndate: 2026-01-01\n---\nBody.\n"))
	d := startServe(t, "-content", dir, "-max-connections", "2")
	d.waitReady()
	if err := connectionCap(t, d.base, 2); err != nil {
		t.Fatal(err)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code after SIGTERM = %d, want 0", code)
	}
}

// connectionCap checks that the server at base holds at most n connections
// open: with n idle keep-alive connections open, one more client is not
// answered, and it is as soon as one of them closes. It returns the error
// of a server that answers the client early, and fails t on the others.
func connectionCap(t *testing.T, base string, n int) error {
	t.Helper()
	http.DefaultClient.CloseIdleConnections() // its idle connection would hold a slot
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	keepAlive := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /rss.xml HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return c // open and idle
	}
	open := make([]net.Conn, n)
	for i := range open {
		open[i] = keepAlive()
		defer open[i].Close()
	}
	extra := make(chan int, 1)
	go func() {
		c, err := net.Dial("tcp", addr) // the kernel's backlog accepts it
		if err != nil {
			extra <- -1
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(60 * time.Second))
		fmt.Fprintf(c, "GET /atom.xml HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			extra <- -2
			return
		}
		resp.Body.Close()
		extra <- resp.StatusCode
	}()
	// Only a broken cap fails this: a slow machine makes it pass.
	select {
	case code := <-extra:
		return fmt.Errorf("one more connection was answered (%d) while %d of %d were open", code, n, n)
	case <-time.After(300 * time.Millisecond):
	}
	open[0].Close()
	select {
	case code := <-extra:
		if code != http.StatusOK {
			t.Fatalf("one more connection got %d once a slot was free, want 200", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("one more connection was not answered after one of the open ones closed")
	}
	return nil
}
