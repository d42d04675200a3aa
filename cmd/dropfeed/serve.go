package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/watch"
	"golang.org/x/sync/errgroup"
)

const shutdownTimeout = 5 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("serve", "Usage: dropfeed serve [flags]\n\nserve publishes the feeds, the index and the article pages over HTTP and\nrebuilds them when article files change. With -out it also keeps the static\nfiles current. It prints \"listening on http://HOST:PORT/\" once it listens.",
		"  dropfeed serve -content articles\n  dropfeed serve -addr 127.0.0.1:0 -base-url https://news.example.com/ -out public\n", stderr)
	c.register(fs)
	addr := fs.String("addr", "", "listen `address` (default 127.0.0.1:8080)")
	maxAge := fs.Duration("max-age", 0, "Cache-Control max-age of responses (default 1m0s)")
	quiet := fs.Duration("quiet", 0, "quiet window that coalesces bursts of file changes (default 50ms)")
	mode := fs.String("watch", "auto", "watching `mode`: auto, events or poll")
	pollInterval := fs.Duration("poll-interval", time.Second, "rescan period in poll mode")
	rescanInterval := fs.Duration("rescan-interval", 5*time.Minute, "period of the safety rescan in event mode (negative: never)")
	maxConns := fs.Int("max-connections", 0, "connections held open at once; more wait to be accepted (default 1024)")
	adminAddr := fs.String("admin-addr", "", "serve /metrics and /healthz on this separate `address` too (default: /metrics on -addr)")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(fs, &c)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	if *maxAge > 0 {
		cfg.CacheMaxAge = *maxAge
	}
	if *quiet > 0 {
		cfg.Quiet = *quiet
	}
	switch watch.Mode(*mode) {
	case watch.ModeAuto, watch.ModeEvents, watch.ModePoll:
	default:
		return fmt.Errorf("%w: -watch: %q is not auto, events or poll", errUsage, *mode)
	}
	if cfg.Out != "" && outInsideContent(cfg.Content, cfg.Out) {
		return fmt.Errorf("%w: the output folder %s is inside the content folder %s", errConfig, cfg.Out, cfg.Content)
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	ml := startMemLimit(log)
	defer ml.stop()

	// A folder that is not one, or that we may not list, is fatal at
	// startup; a missing one is waited for.
	if f, err := content.OpenFolder(cfg.Content); err == nil {
		f.Close()
	} else if !errors.Is(err, content.ErrFolderMissing) {
		return err
	}

	if *maxConns > 0 {
		cfg.MaxConnections = *maxConns
	}
	// The output folder is held for as long as serve runs: a second writer
	// (another serve, a build) is refused rather than interleaved.
	var outDir *feed.DirStore
	if cfg.Out != "" {
		if outDir, err = feed.OpenDir(cfg.Out); err != nil {
			return err
		}
		defer outDir.Close()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	ln = limitListener(ln, cfg.MaxConnections)
	base, err := feed.NormalizeBaseURL(baseURLFor(cfg, ln.Addr()))
	if err != nil {
		ln.Close()
		return err
	}
	srv := feed.NewServer(feed.ServerConfig{MaxAge: cfg.CacheMaxAge, Logger: log})
	baseFromAddr := cfg.BaseURL == ""
	d := &daemon{
		reload: func() (*Config, string, error) {
			nc, err := loadConfig(fs, &c)
			if err != nil {
				return nil, "", err
			}
			nb := base
			if !baseFromAddr || nc.BaseURL != "" {
				if nb, err = feed.NormalizeBaseURL(baseURLFor(nc, ln.Addr())); err != nil {
					return nil, "", err
				}
			}
			return nc, nb, nil
		},
		cfg:     cfg,
		site:    cfg.site(base),
		srv:     srv,
		log:     log,
		metrics: newMetrics(base),
		watch:   watch.Config{Root: cfg.Content, Quiet: cfg.Quiet, Mode: watch.Mode(*mode), PollInterval: *pollInterval, Rescan: *rescanInterval},
	}
	if outDir != nil {
		d.out = newStaticOutput(outDir, log)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.Handle("/", srv)
	var admin net.Listener
	if *adminAddr != "" {
		if admin, err = net.Listen("tcp", *adminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", *adminAddr, err)
		}
		admin = limitListener(admin, cfg.MaxConnections)
	} else {
		mux.Handle("GET /metrics", d.metrics.handler())
	}
	servers := map[net.Listener]*http.Server{ln: newHTTPServer(d.metrics.instrument(mux), log)}
	lf.listening(stderr, log, "listening", "http://"+ln.Addr().String()+"/")
	local := "http://" + ln.Addr().String() + d.metrics.base()
	sum := startSummary{content: cfg.Content, open: local, metrics: "http://" + ln.Addr().String() + "/metrics", health: "http://" + ln.Addr().String() + "/healthz",
		feeds: []string{base + feed.RSSName, base + feed.AtomName, base + feed.JSONName}}
	if admin != nil {
		amux := http.NewServeMux()
		amux.HandleFunc("GET /healthz", d.healthz)
		amux.Handle("GET /metrics", d.metrics.handler())
		servers[admin] = newHTTPServer(d.metrics.instrument(amux), log)
		lf.listening(stderr, log, "admin listening", "http://"+admin.Addr().String()+"/")
		sum.metrics, sum.health = "http://"+admin.Addr().String()+"/metrics", "http://"+admin.Addr().String()+"/healthz"
	}
	d.ready = func(articles, errors int) {
		ml.serving()
		sum.articles, sum.errors = articles, errors
		lf.summary(stderr, log, sum)
	}
	log.Debug("serving", "path", cfg.Content, "base_url", base, "out", cfg.Out, "feeds", strings.Join(sum.feeds, " "))

	g, gctx := errgroup.WithContext(ctx)
	for l, hs := range servers {
		g.Go(func() error {
			if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serve http: %w", err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := hs.Shutdown(sctx); err != nil {
				return fmt.Errorf("shut down http: %w", err)
			}
			return nil
		})
	}
	g.Go(func() error { return d.run(gctx) })
	err = g.Wait()
	log.Info("stopped")
	return err
}

// newHTTPServer returns a server for h with every timeout set.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           nosniff(h),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// nosniff sets X-Content-Type-Options: nosniff on every response of h, the
// JSON of /healthz and the text of /metrics and of redirects included.
func nosniff(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}
