package feed

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// ServerConfig configures a [Server]. The zero value is usable.
type ServerConfig struct {
	// MaxAge is the Cache-Control max-age; zero means 60 seconds, negative sends no-cache.
	MaxAge time.Duration
	// Logger receives one line per failed request; nil discards.
	Logger *slog.Logger
}

// DefaultMaxAge is the Cache-Control max-age used when none is configured.
const DefaultMaxAge = 60 * time.Second

// Server is an [http.Handler] over the current [Bundle]. [Server.Swap] replaces
// the bundle atomically; requests in flight finish with the bundle they began
// with. Paths are served under the base URL's path.
type Server struct {
	cur          atomic.Pointer[Bundle]
	gen          atomic.Uint64
	cacheControl string
	log          *slog.Logger
}

// NewServer returns a server with no bundle yet: it answers 503 until the
// first [Server.Swap].
func NewServer(cfg ServerConfig) *Server {
	s := &Server{log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case cfg.MaxAge < 0:
		s.cacheControl = "no-cache"
	case cfg.MaxAge == 0:
		s.cacheControl = "public, max-age=" + strconv.Itoa(int(DefaultMaxAge/time.Second))
	default:
		s.cacheControl = "public, max-age=" + strconv.Itoa(int(cfg.MaxAge/time.Second))
	}
	return s
}

// Swap makes b the served bundle and returns the new generation number.
func (s *Server) Swap(b *Bundle) uint64 {
	s.cur.Store(b)
	return s.gen.Add(1)
}

// Bundle returns the bundle being served, or nil before the first Swap.
func (s *Server) Bundle() *Bundle { return s.cur.Load() }

// Generation returns the number of bundles swapped in so far.
func (s *Server) Generation() uint64 { return s.gen.Load() }

// ServeHTTP serves the feeds, the index and article pages with strong ETags,
// conditional requests, HEAD and precompressed gzip.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Dropfeed-Generation", strconv.FormatUint(s.gen.Load(), 10))
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b := s.cur.Load()
	if b == nil {
		h.Set("Retry-After", "1")
		http.Error(w, "503 not ready: the first build is still running", http.StatusServiceUnavailable)
		return
	}
	base := b.basePath()
	p := r.URL.Path
	if p+"/" == base {
		redirect(w, r, base)
		return
	}
	rel, ok := strings.CutPrefix(p, base)
	if !ok || !cleanPath(rel) {
		http.NotFound(w, r)
		return
	}
	f, ok := b.Lookup(rel)
	if !ok {
		if slug, isArt := strings.CutPrefix(rel, "articles/"); isArt && !strings.HasSuffix(slug, "/") && b.HasArticle(slug) {
			redirect(w, r, base+"articles/"+escapeSlugPath(slug)+"/")
			return
		}
		http.NotFound(w, r)
		return
	}
	s.serveFile(w, r, f)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f *File) {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Cache-Control", s.cacheControl)
	h.Set("Vary", "Accept-Encoding")
	if f.ContentType == TypeHTML {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; media-src 'self' https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	}
	body, tag := f.Body, f.ETag
	if acceptsGzip(r.Header.Get("Accept-Encoding")) && len(f.Gzip) < len(f.Body) {
		body, tag = f.Gzip, f.GzipETag
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", tag)
	http.ServeContent(w, r, "", f.ModTime, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.TrimSpace(name) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		if strings.HasPrefix(q, "q=0") && strings.Trim(strings.TrimPrefix(q, "q=0"), ".0") == "" {
			return false
		}
		return true
	}
	return false
}

// cleanPath rejects paths with dot segments, empty segments, backslashes or NUL.
func cleanPath(rel string) bool {
	if strings.ContainsAny(rel, "\\\x00") {
		return false
	}
	for seg := range strings.SplitSeq(strings.TrimSuffix(rel, "/"), "/") {
		if seg == "." || seg == ".." || (seg == "" && rel != "") {
			return false
		}
	}
	return true
}

func redirect(w http.ResponseWriter, r *http.Request, to string) {
	if q := r.URL.RawQuery; q != "" {
		to += "?" + q
	}
	http.Redirect(w, r, to, http.StatusMovedPermanently)
}

func escapeSlugPath(slug string) string {
	parts := strings.Split(slug, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// basePath returns the base URL's path, ending in "/".
func (b *Bundle) basePath() string { return b.base }
