package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needTool returns the path of a program the test needs. When it is missing
// the test skips with the reason, except under CI=true, where it fails (see
// unavailable).
func needTool(t *testing.T, name string, candidates ...string) string {
	t.Helper()
	for _, c := range append([]string{name}, candidates...) {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	unavailable(t, fmt.Sprintf("%s is not installed (Debian: apt-get install %s)", name, name))
	return ""
}

// unavailable skips the test because something it needs is missing here
// (a tool, a kernel feature, a privilege), saying what in msg, except under
// CI=true, where it fails: CI provides everything the tests need (.ci/run),
// so something missing there is a broken gate, not a laptop.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI must provide it", msg)
	}
	t.Skip(msg)
}

// TestNginxServesBuild serves a real build with Debian's nginx and the site
// config in docs/nginx.conf, on loopback, and checks what a feed reader and
// a browser get: the content types, the precompressed .gz files
// (gzip_static), 304 Not Modified, the article redirect, and that the
// manifest stays private.
func TestNginxServesBuild(t *testing.T) {
	t.Parallel()
	nginx := needTool(t, "nginx", "/usr/sbin/nginx")

	tmp := t.TempDir()
	out := filepath.Join(tmp, "public")
	src := filepath.Join("..", "..", "example", "articles")
	if code, _, stderr := runCLI(t, "build", "-content", src, "-out", out, "-base-url", "https://news.example.com/"); code != 0 {
		t.Fatalf("build = exit %d:\n%s", code, stderr)
	}
	// nginx's workers run as nobody when the test runs as root: the test's
	// folders (made 0700) are opened to others, and the files dropfeed wrote
	// must be readable as they are, as in production.
	for _, d := range []string{filepath.Dir(tmp), tmp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	site, err := os.ReadFile(filepath.Join("..", "..", "docs", "nginx.conf"))
	if err != nil {
		t.Fatal(err)
	}
	base := startNginx(t, nginx, tmp, string(site), out)

	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	get := func(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}
	article := firstArticlePath(t, out)

	t.Run("content types", func(t *testing.T) {
		tests := []struct{ path, file, ctype string }{
			{"rss.xml", "rss.xml", "application/rss+xml; charset=utf-8"},
			{"atom.xml", "atom.xml", "application/atom+xml; charset=utf-8"},
			{"feed.json", "feed.json", "application/feed+json; charset=utf-8"},
			{"", "index.html", "text/html; charset=utf-8"},
			{article, article + "index.html", "text/html; charset=utf-8"},
		}
		for _, tc := range tests {
			t.Run(tc.file, func(t *testing.T) {
				resp, body := get(t, tc.path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /%s = %s, want 200", tc.path, resp.Status)
				}
				if got := resp.Header.Get("Content-Type"); got != tc.ctype {
					t.Errorf("GET /%s Content-Type = %q, want %q", tc.path, got, tc.ctype)
				}
				if want := mustRead(t, filepath.Join(out, tc.file)); !bytes.Equal(body, want) {
					t.Errorf("GET /%s body differs from the built file", tc.path)
				}
				if cc := resp.Header.Get("Cache-Control"); cc != "max-age=60" {
					t.Errorf("GET /%s Cache-Control = %q, want max-age=60", tc.path, cc)
				}
				if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("GET /%s lacks X-Content-Type-Options: nosniff", tc.path)
				}
			})
		}
	})

	// A browser's navigation gets the feed's bytes as application/xml,
	// which it renders with the feed's stylesheet; a feed reader the feed
	// type; the stylesheet and the discovery documents are there.
	t.Run("feeds for browsers", func(t *testing.T) {
		const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
		for _, tc := range []struct{ path, accept, ctype string }{
			{"rss.xml", browser, "application/xml; charset=utf-8"},
			{"atom.xml", browser, "application/xml; charset=utf-8"},
			{"rss.xml", "application/rss+xml, text/html;q=0.1", "application/rss+xml; charset=utf-8"},
			{"atom.xml", "*/*", "application/atom+xml; charset=utf-8"},
			{"feed.css", "", "text/css; charset=utf-8"},
			{"feeds.opml", "", "text/x-opml; charset=utf-8"},
			{"robots.txt", "", "text/plain; charset=utf-8"},
		} {
			resp, body := get(t, tc.path, "Accept", tc.accept)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.ctype {
				t.Errorf("GET /%s (Accept %q) = %s %q, want 200 %q", tc.path, tc.accept, resp.Status, resp.Header.Get("Content-Type"), tc.ctype)
				continue
			}
			if want := mustRead(t, filepath.Join(out, tc.path)); !bytes.Equal(body, want) {
				t.Errorf("GET /%s (Accept %q) body differs from the built file", tc.path, tc.accept)
			}
			if tc.ctype == "application/xml; charset=utf-8" && (!strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src 'self'") || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
				t.Errorf("GET /%s as a page: CSP %q, nosniff %q; want both", tc.path, resp.Header.Get("Content-Security-Policy"), resp.Header.Get("X-Content-Type-Options"))
			}
		}
	})

	t.Run("gzip_static", func(t *testing.T) {
		for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "index.html"} {
			t.Run(name, func(t *testing.T) {
				path := name
				if name == "index.html" {
					path = ""
				}
				resp, body := get(t, path, "Accept-Encoding", "gzip")
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("GET /%s with Accept-Encoding: gzip has Content-Encoding %q", path, resp.Header.Get("Content-Encoding"))
				}
				// The very bytes of the .gz file dropfeed wrote: nginx did
				// not compress on the fly.
				if want := mustRead(t, filepath.Join(out, name+".gz")); !bytes.Equal(body, want) {
					t.Errorf("GET /%s gzip body is not %s.gz", path, name)
				}
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil || !bytes.Equal(plain, mustRead(t, filepath.Join(out, name))) {
					t.Errorf("GET /%s gunzipped differs from %s (err %v)", path, name, err)
				}
				if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("GET /%s lacks Vary: Accept-Encoding", path)
				}
			})
		}
	})

	t.Run("304 Not Modified", func(t *testing.T) {
		first, _ := get(t, "rss.xml")
		etag, lm := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
		if etag == "" || lm == "" {
			t.Fatalf("GET /rss.xml: ETag %q, Last-Modified %q; want both", etag, lm)
		}
		tests := []struct {
			name, header, value string
			want                int
		}{
			{"If-None-Match", "If-None-Match", etag, http.StatusNotModified},
			{"If-Modified-Since", "If-Modified-Since", lm, http.StatusNotModified},
			{"stale ETag", "If-None-Match", `"stale"`, http.StatusOK},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := get(t, "rss.xml", tc.header, tc.value)
				if resp.StatusCode != tc.want {
					t.Errorf("GET /rss.xml with %s = %d, want %d", tc.header, resp.StatusCode, tc.want)
				}
				if tc.want == http.StatusNotModified && len(body) != 0 {
					t.Errorf("304 with a body of %d bytes", len(body))
				}
			})
		}
	})

	t.Run("paths", func(t *testing.T) {
		tests := []struct {
			name, path string
			want       int
			location   string
		}{
			{"article without slash", strings.TrimSuffix(article, "/"), http.StatusMovedPermanently, "/" + article},
			{"manifest is private", ".dropfeed-manifest", http.StatusNotFound, ""},
			{"missing", "no-such-page", http.StatusNotFound, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				resp, _ := get(t, tc.path)
				if resp.StatusCode != tc.want || resp.Header.Get("Location") != tc.location {
					t.Errorf("GET /%s = %d, Location %q; want %d, %q", tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.want, tc.location)
				}
			})
		}
	})
}

// startNginx runs nginx in the foreground with site (a server block) inside
// a minimal main config under prefix, with its listen and root lines made to
// point at a free loopback port and root. It stops nginx, by the PID it
// started, when the test ends, and returns the base URL.
func startNginx(t *testing.T, nginx, prefix, site, root string) string {
	t.Helper()
	listenRE := regexp.MustCompile(`(?m)^(\s*)listen\s+[^;]+;\s*$`)
	if !listenRE.MatchString(site) || !strings.Contains(site, "root /srv/dropfeed/public;") {
		t.Fatal("docs/nginx.conf has no listen or no root /srv/dropfeed/public line to point at the test's")
	}
	var lastErr string
	for attempt := range 3 {
		port := freePort(t)
		first := true
		conf := listenRE.ReplaceAllStringFunc(site, func(l string) string {
			indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
			if first {
				first = false
				return fmt.Sprintf("%slisten 127.0.0.1:%d;", indent, port)
			}
			return indent + "# " + strings.TrimSpace(l) + " (the test listens on loopback only)"
		})
		conf = strings.Replace(conf, "root /srv/dropfeed/public;", "root "+root+";", 1)
		userLine := ""
		if os.Geteuid() == 0 {
			group := "nogroup"
			if _, err := user.LookupGroup(group); err != nil {
				group = "nobody"
			}
			userLine = "user nobody " + group + ";"
		}
		mime := "types { text/html html; }"
		if _, err := os.Stat("/etc/nginx/mime.types"); err == nil {
			mime = "include /etc/nginx/mime.types;"
		}
		main := fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log info;
events { worker_connections 64; }
http {
    %[3]s
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path %[2]s/client_body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%[4]s
}
`, userLine, prefix, mime, conf)
		confFile := filepath.Join(prefix, "nginx.conf")
		if err := os.WriteFile(confFile, []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
		errLog := filepath.Join(prefix, "error.log")
		cmd := exec.Command(nginx, "-p", prefix, "-e", errLog, "-c", confFile, "-g", "daemon off;")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stderr, &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start nginx: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		base := fmt.Sprintf("http://127.0.0.1:%d/", port)
		up := false
		deadline := time.Now().Add(15 * time.Second)
		for !up && time.Now().Before(deadline) {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
			if err == nil {
				c.Close()
				up = true
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if up {
			t.Cleanup(func() { stopNginx(t, cmd, exited, errLog) })
			return base
		}
		log, _ := os.ReadFile(errLog)
		lastErr = stderr.String() + string(log)
		if cmd.ProcessState == nil {
			stopNginx(t, cmd, exited, errLog)
		}
		if !strings.Contains(lastErr, "Address already in use") {
			break
		}
		t.Logf("attempt %d: port %d was taken; trying another", attempt+1, port)
	}
	t.Fatalf("nginx did not start:\n%s", lastErr)
	return ""
}

// stopNginx stops the nginx master the test started, by its PID: SIGQUIT
// (graceful), then SIGKILL if it has not exited within 10 seconds.
func stopNginx(t *testing.T, cmd *exec.Cmd, exited <-chan error, errLog string) {
	t.Helper()
	if cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
	if t.Failed() {
		log, _ := os.ReadFile(errLog)
		t.Logf("nginx error log:\n%s", log)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// firstArticlePath returns the URL path (relative, ending in "/") of one
// article page in a build's output.
func firstArticlePath(t *testing.T, out string) string {
	t.Helper()
	var found string
	errFound := errors.New("found")
	err := filepath.WalkDir(filepath.Join(out, "articles"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "index.html" {
			rel, _ := filepath.Rel(out, filepath.Dir(p))
			found = filepath.ToSlash(rel) + "/"
			return errFound
		}
		return err
	})
	if found == "" {
		t.Fatalf("no article page in %s (%v)", out, err)
	}
	return found
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
