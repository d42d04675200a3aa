package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/httpd"
	"github.com/dropfeed/dropfeed/feed/websub"
	"github.com/dropfeed/dropfeed/watch"
	"golang.org/x/sync/errgroup"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("serve", "Usage: dropfeed serve [flags]\n\nserve publishes the feeds, the index and the article pages over HTTP and\nrebuilds them when article files change. With -out it also keeps the static\nfiles current. It prints \"listening on http://HOST:PORT/\" once it listens.",
		"  dropfeed serve -content articles\n  dropfeed serve -addr 127.0.0.1:0 -base-url https://news.example.com/ -out public\n", stderr)
	c.register(fs)
	c.registerPublish(fs)
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
	bp, err := openPublish(cfg)
	if err != nil {
		return err
	}
	// Closed by the servers' shutdown, or here when serve fails first.
	ln, err := httpd.Listen(cfg.Addr, cfg.MaxConnections)
	if err != nil {
		return err
	}
	defer ln.Close()
	var admin net.Listener
	if *adminAddr != "" {
		if admin, err = httpd.Listen(*adminAddr, cfg.MaxConnections); err != nil {
			return err
		}
		defer admin.Close()
	}
	base, err := feed.NormalizeBaseURL(baseURLFor(cfg, ln.Addr()))
	if err != nil {
		return err
	}
	// The articles: a content folder that is not one, or that may not be
	// listed, and a state file another serve keeps are fatal here, before
	// serve says it listens; a missing folder is waited for.
	cat, err := catalog.Open(ctx, cfg.catalogConfig(ctx, catalog.Daemon, base))
	if err != nil {
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
		cat:     cat,
		site:    cfg.site(base),
		srv:     srv,
		log:     log,
		metrics: httpd.NewMetrics(version(), base),
		watch:   watch.Config{Root: cfg.Content, Quiet: cfg.Quiet, Mode: watch.Mode(*mode), PollInterval: *pollInterval, Rescan: *rescanInterval},
	}
	if outDir != nil {
		d.out = newStaticOutput(outDir, log)
		d.health.AddOutput("out", d.out.Status)
	}
	d.hub = websub.New(websub.Config{Log: log, Count: d.metrics.WebSubPinged})
	if bp != nil {
		d.pub = newBucketOutput(bp, log, d.metrics, d.hub)
		d.health.AddOutput("publish", d.pub.Status)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", &d.health)
	mux.Handle("/", srv)
	if admin == nil {
		mux.Handle("GET /metrics", d.metrics.Handler())
	}
	servers := map[net.Listener]*http.Server{ln: httpd.NewServer(d.metrics.Instrument(mux), log)}
	lf.listening(stderr, log, "listening", "http://"+ln.Addr().String()+"/")
	local := "http://" + ln.Addr().String() + d.metrics.Base()
	sum := startSummary{content: cfg.Content, open: local, metrics: "http://" + ln.Addr().String() + "/metrics", health: "http://" + ln.Addr().String() + "/healthz",
		feeds: []string{base + feed.RSSName, base + feed.AtomName, base + feed.JSONName}}
	if admin != nil {
		amux := http.NewServeMux()
		amux.Handle("GET /healthz", &d.health)
		amux.Handle("GET /metrics", d.metrics.Handler())
		servers[admin] = httpd.NewServer(d.metrics.Instrument(amux), log)
		lf.listening(stderr, log, "admin listening", "http://"+admin.Addr().String()+"/")
		sum.metrics, sum.health = "http://"+admin.Addr().String()+"/metrics", "http://"+admin.Addr().String()+"/healthz"
	}
	d.ready = func(articles, errors int) {
		sum.articles, sum.errors = articles, errors
		lf.summary(stderr, log, sum)
	}
	log.Debug("serving", "path", cfg.Content, "base_url", base, "out", cfg.Out, "feeds", strings.Join(sum.feeds, " "))

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return httpd.Serve(gctx, servers) })
	g.Go(func() error { return d.run(gctx) })
	err = g.Wait()
	log.Info("stopped")
	return err
}
