package feed

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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
	cur          atomic.Pointer[served]
	swapMu       sync.Mutex               // serializes Swap, so generations follow the order of the swaps
	cacheControl atomic.Pointer[[]string] // the Cache-Control header value, shared by every response
	log          *slog.Logger
}

// served is a bundle with its generation number, published together so a
// response never pairs one bundle's bytes with another's generation.
type served struct {
	b      *Bundle
	gen    uint64
	genHdr []string // gen, formatted once for the X-Dropfeed-Generation header
}

// NewServer returns a server with no bundle yet: it answers 503 until the
// first [Server.Swap].
func NewServer(cfg ServerConfig) *Server {
	s := &Server{log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.SetMaxAge(cfg.MaxAge)
	return s
}

// SetMaxAge sets the Cache-Control max-age of the responses that follow, as
// [ServerConfig.MaxAge] does.
func (s *Server) SetMaxAge(maxAge time.Duration) {
	cc := "no-cache"
	switch {
	case maxAge == 0:
		cc = "public, max-age=" + strconv.Itoa(int(DefaultMaxAge/time.Second))
	case maxAge > 0:
		cc = "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
	}
	s.cacheControl.Store(&[]string{cc})
}

// Swap makes b the served bundle and returns the new generation number.
func (s *Server) Swap(b *Bundle) uint64 {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	gen := s.Generation() + 1
	s.cur.Store(&served{b: b, gen: gen, genHdr: []string{strconv.FormatUint(gen, 10)}})
	return gen
}

// Preload serves b, a bundle of the feeds an earlier run saved
// ([Builder.Restored]), until the first [Server.Swap], and reports whether it
// did: not once a Swap came first. The generation stays 0 (the
// X-Dropfeed-Generation header says 0: no build of this process yet), and a
// path b does not have is answered 503 with Retry-After, not 404: the build
// under way may have it.
func (s *Server) Preload(b *Bundle) bool {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	if s.cur.Load() != nil {
		return false
	}
	s.cur.Store(&served{b: b, genHdr: hdrZero})
	return true
}

// Bundle returns the bundle being served (one given to [Server.Preload]
// included), or nil before the first Swap or Preload.
func (s *Server) Bundle() *Bundle {
	if cur := s.cur.Load(); cur != nil {
		return cur.b
	}
	return nil
}

// Generation returns the number of bundles swapped in so far.
func (s *Server) Generation() uint64 {
	if cur := s.cur.Load(); cur != nil {
		return cur.gen
	}
	return 0
}

// ServeHTTP serves the feeds, the index and article pages with strong ETags,
// conditional requests, HEAD and precompressed gzip.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	cur := s.cur.Load()
	h["X-Content-Type-Options"] = hdrNosniff
	if cur != nil {
		h["X-Dropfeed-Generation"] = cur.genHdr
	} else {
		h["X-Dropfeed-Generation"] = hdrZero
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if cur == nil {
		h.Set("Retry-After", "1")
		http.Error(w, "503 not ready: the first build is still running", http.StatusServiceUnavailable)
		return
	}
	b := cur.b
	base := b.basePath()
	p := r.URL.Path
	if p+"/" == base {
		redirect(w, r, b.baseEsc)
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
			redirect(w, r, b.baseEsc+"articles/"+escapeSlugPath(slug)+"/")
			return
		}
		if as, ok := b.LookupAsset(rel); ok {
			s.serveAsset(w, r, b, as)
			return
		}
		if target, ok := b.Alias(rel); ok {
			redirect(w, r, b.baseEsc+escapeSlugPath(target))
			return
		}
		if b.restored {
			h.Set("Retry-After", "1")
			http.Error(w, "503 not ready: serving the feeds of the last run until the first build", http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
		return
	}
	s.serveFile(w, r, f)
}

// Header values every response shares. They are never modified.
var (
	hdrNosniff  = []string{"nosniff"}
	hdrZero     = []string{"0"}
	hdrVary     = []string{"Accept-Encoding"}
	hdrGzip     = []string{"gzip"}
	hdrCSP      = []string{"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; media-src 'self' https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
	hdrReferrer = []string{"strict-origin-when-cross-origin"}
)

// serveFile writes a prebuilt file with its precomputed headers: 200, or
// 304 for a matching If-None-Match (or, without one, If-Modified-Since), no
// body for HEAD. Range requests, rare for feeds, go through
// [http.ServeContent].
//
// Last-Modified is the file's ModTime, sent only when it is not later than
// the response's Date (taken here first, so net/http's Date is no earlier):
// a file changed twice within a second is dated a second ahead (see
// [Builder]), and goes without Last-Modified until the clock gets there.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f *File) {
	now := time.Now()
	h := w.Header()
	fh := f.headers()
	h["Cache-Control"] = *s.cacheControl.Load()
	h["Vary"] = hdrVary
	ctype := fh.ctype
	if f.ContentType == TypeRSS || f.ContentType == TypeAtom {
		ctype = feedTypeFor(h, r, ctype) // style.go: a browser gets a type it renders
	}
	var mod time.Time // the Last-Modified sent, or zero
	if !f.ModTime.IsZero() && !fh.modSecond.After(now) {
		mod = fh.modSecond
		h["Last-Modified"] = fh.lastMod
	}
	if fh.link != nil {
		h["Link"] = fh.link
	}
	if f.ContentType == TypeHTML {
		h["Content-Security-Policy"] = hdrCSP
		h["Referrer-Policy"] = hdrReferrer
	}
	body, tag, length := f.Body, fh.etag, fh.length
	if gz, _ := f.Gzip(); len(gz) < len(f.Body) && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, tag, length = gz, fh.gzEtag, fh.gzLength
		h["Content-Encoding"] = hdrGzip
	}
	h["Etag"] = tag
	if notModified(r, tag[0], f.ModTime, now) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if _, ranged := r.Header["Range"]; ranged {
		h["Content-Type"] = ctype
		serveRange(w, r, mod, bytes.NewReader(body))
		return
	}
	h["Content-Type"] = ctype
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// notModified applies RFC 9110 §13.2.2 to a document whose bytes changed at
// mod (zero: unknown): If-None-Match (weak comparison) when present, else
// If-Modified-Since, which is ignored when it is later than now (it is then
// no date this server sent: RFC 9110 §13.1.3 reads it by the server's clock)
// or when mod is unknown.
func notModified(r *http.Request, etag string, mod, now time.Time) bool {
	if inm := r.Header["If-None-Match"]; len(inm) > 0 {
		for _, v := range inm {
			for tok := range strings.SplitSeq(v, ",") {
				tok = strings.TrimSpace(tok)
				if tok == "*" || strings.TrimPrefix(tok, "W/") == etag {
					return true
				}
			}
		}
		return false
	}
	ims := r.Header.Get("If-Modified-Since")
	if ims == "" || mod.IsZero() {
		return false
	}
	t, err := http.ParseTime(ims)
	return err == nil && !t.After(now) && !mod.Truncate(time.Second).After(t)
}

// serveRange answers a Range request through [http.ServeContent], once
// notModified has said the response is not a 304: the validators it reads
// are taken out, so that it does not decide that again by other rules; mod
// is the Last-Modified sent (zero: none), which If-Range may name.
func serveRange(w http.ResponseWriter, r *http.Request, mod time.Time, content io.ReadSeeker) {
	if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		r = r.Clone(r.Context())
		r.Header.Del("If-None-Match")
		r.Header.Del("If-Modified-Since")
	}
	http.ServeContent(w, r, "", mod, content)
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip (RFC 9110
// §12.5.3): an explicit "gzip" entry decides by its q-value, else a "*"
// entry does; q=0 means "not acceptable".
func acceptsGzip(ae string) bool {
	gzipQ, starQ := -1, -1 // -1: not listed; else 0 (refused) or 1 (accepted)
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") && zeroQ(strings.TrimSpace(v)) {
				q = 0
			}
		}
		switch {
		case strings.EqualFold(name, "gzip") || strings.EqualFold(name, "x-gzip"):
			gzipQ = max(gzipQ, q)
		case name == "*":
			starQ = max(starQ, q)
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}

// zeroQ reports whether a q-value is zero ("0", "0.", "0.000").
func zeroQ(v string) bool {
	rest, ok := strings.CutPrefix(v, "0")
	return ok && strings.Trim(strings.TrimPrefix(rest, "."), "0") == ""
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

// serveAsset serves a media file from the content folder. Its bytes are not
// hashed, so its validators come from the file's status: the ETag from its
// size, modification time and status change time (which no tool sets: cp -p,
// rsync -a and tar keep the size and modification time of new bytes, never
// the change time), and Last-Modified from the later of the two times. A file
// can change again within the second its time names, so Last-Modified is sent
// only once that second is over, by assetTimeMargin (the time is taken before
// the file is opened): a later version then has a later second. Where the
// system does not give the status change time, the modification time alone
// stands.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, b *Bundle, as Asset) {
	now := time.Now()
	f, err := b.OpenAsset(as)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	rs, ok := f.(io.ReadSeeker)
	if err != nil || !ok || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.Type)
	h["Cache-Control"] = *s.cacheControl.Load()
	changed := statusChangeTime(fi)
	etag := fmt.Sprintf(`"m%x-%x-%x"`, fi.Size(), fi.ModTime().UnixNano(), unixNano(changed))
	h.Set("ETag", etag)
	mod := fi.ModTime()
	if changed.After(mod) {
		mod = changed
	}
	mod = mod.Truncate(time.Second)
	if !mod.Before(now.Add(-assetTimeMargin).Truncate(time.Second)) {
		mod = time.Time{} // not over yet, or ahead of the clock
	}
	if notModified(r, etag, mod, now) {
		if !mod.IsZero() {
			h.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	serveRange(w, r, mod, rs)
}

// assetTimeMargin is how far the clock must be past the second of a media
// file's time before that time is sent as Last-Modified. File systems stamp
// times from a coarse clock, a tick (a few milliseconds) behind the one
// time.Now reads, so a file written just after a response read the clock may
// still be stamped with the second that response named.
const assetTimeMargin = time.Second

// unixNano returns t in Unix nanoseconds; the zero time is 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
