package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/httpd"
	"github.com/dropfeed/dropfeed/feed/websub"
	"github.com/dropfeed/dropfeed/watch"
	"golang.org/x/sync/errgroup"
)

// serveFlags are the flags only serve has. Those with a config key override
// it, at the start and at every reload.
type serveFlags struct {
	addr, admin, mode string
	maxAge, quiet     time.Duration
	poll, rescan      time.Duration
	maxConns          int
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "", "listen `address` (default 127.0.0.1:8080)")
	fs.DurationVar(&f.maxAge, "max-age", 0, "Cache-Control max-age of responses (default 1m0s)")
	fs.DurationVar(&f.quiet, "quiet", 0, "quiet window that coalesces bursts of file changes (default 50ms)")
	fs.StringVar(&f.mode, "watch", "auto", "watching `mode`: auto, events or poll")
	fs.DurationVar(&f.poll, "poll-interval", time.Second, "rescan period in poll mode")
	fs.DurationVar(&f.rescan, "rescan-interval", 5*time.Minute, "period of the safety rescan in event mode (negative: never)")
	fs.IntVar(&f.maxConns, "max-connections", 0, "connections held open at once; more wait to be accepted (default 1024)")
	fs.StringVar(&f.admin, "admin-addr", "", "serve /metrics and /healthz on this separate `address` too (default: /metrics on -addr)")
}

// apply overrides the config with the flags that were set.
func (f *serveFlags) apply(cfg *Config) {
	if f.addr != "" {
		cfg.Addr = f.addr
	}
	if f.maxAge > 0 {
		cfg.CacheMaxAge = f.maxAge
	}
	if f.quiet > 0 {
		cfg.Quiet = f.quiet
	}
	if f.maxConns > 0 {
		cfg.MaxConnections = f.maxConns
	}
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var sf serveFlags
	var lf logFlags
	fs := newFlagSet("serve", "Usage: dropfeed serve [flags]\n\nserve publishes the feeds, the index and the article pages over HTTP and\nrebuilds them when article files change. With -out it also keeps the static\nfiles current. It prints \"listening on http://HOST:PORT/\" once it listens.",
		"  dropfeed serve -content articles\n  dropfeed serve -addr 127.0.0.1:0 -base-url https://news.example.com/ -out public\n", stderr)
	c.register(fs)
	c.registerPublish(fs)
	sf.register(fs)
	lf.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	load := func() (*Config, error) {
		cfg, err := loadConfig(fs, &c)
		if err == nil {
			sf.apply(cfg)
		}
		return cfg, err
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	if m := watch.Mode(sf.mode); m != watch.ModeAuto && m != watch.ModeEvents && m != watch.ModePoll {
		return fmt.Errorf("%w: -watch: %q is not auto, events or poll", errUsage, sf.mode)
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	// A soft memory limit, for a start and then for serving.
	ml := httpd.StartMemLimit(log)
	defer ml.Stop()
	// The outputs beside the server. The output folder is held for as long
	// as serve runs: a second writer (another serve, a build) is refused
	// rather than interleaved.
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
	if sf.admin != "" {
		if admin, err = httpd.Listen(sf.admin, cfg.MaxConnections); err != nil {
			return err
		}
		defer admin.Close()
	}
	// Without base_url, the site is served under http://<listen address>/.
	baseOf := func(cfg *Config) (string, error) {
		if cfg.BaseURL != "" {
			return feed.NormalizeBaseURL(cfg.BaseURL)
		}
		return feed.NormalizeBaseURL("http://" + ln.Addr().String() + "/")
	}
	base, err := baseOf(cfg)
	if err != nil {
		return err
	}
	d := &daemon{
		reload: func() (*Config, string, error) {
			nc, err := load()
			if err != nil {
				return nil, "", err
			}
			nb, err := baseOf(nc)
			return nc, nb, err
		},
		cfg: cfg, site: cfg.site(base), log: log,
		srv:     feed.NewServer(feed.ServerConfig{MaxAge: cfg.CacheMaxAge, Logger: log}),
		metrics: httpd.NewMetrics(version(), base),
		watch:   watch.Config{Root: cfg.Content, Quiet: cfg.Quiet, Mode: watch.Mode(sf.mode), PollInterval: sf.poll, Rescan: sf.rescan},
	}
	d.hub = websub.New(websub.Config{Log: log, Count: d.metrics.WebSubPinged})
	if outDir != nil {
		d.out = newStaticOutput(outDir, log, ml.Working)
		d.health.AddOutput("out", d.out.Status)
	}
	if bp != nil {
		d.pub = newBucketOutput(bp, log, d.metrics, d.hub, ml.Working)
		d.health.AddOutput("publish", d.pub.Status)
	}
	// The start's memory budget holds until the archive pages the first
	// build left whole are cut, beside serving (see daemon.rebuild).
	d.settled = ml.Serving
	d.busy, d.rest = ml.Busy, ml.Rest // the working budget while changes come
	sctx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	g, gctx := errgroup.WithContext(sctx)
	serving := false
	serve := func() {
		if !serving {
			serving = true
			servers := d.servers(ln, admin, &lf, stderr)
			g.Go(func() error { return httpd.Serve(gctx, servers) })
		}
	}
	// The articles: a content folder that is not one, or that may not be
	// listed, and a state file another serve keeps are fatal here, before
	// serve says it listens; a missing folder is waited for.
	// Once this process is the one that keeps the state file, serve
	// listens, and reads what the last run rendered (so that a serve
	// refused here leaves the running one's file alone): the feeds first,
	// served at once until the first build (daemon.preview), then the
	// list of pages, beside the reading of the state and the seeding of
	// the index (seconds at a million articles).
	var savedc chan *feed.Saved
	cc := cfg.catalogConfig(ctx, catalog.Daemon, base)
	cc.OnOpen = func() {
		savedc = make(chan *feed.Saved, 1)
		go func() {
			head, rest := feed.ReadSavedHead(cfg.State + savedSuffix)
			d.preview(head)
			savedc <- rest()
		}()
		serve()
	}
	cat, err := catalog.Open(ctx, cc)
	if err != nil {
		stopServing()
		_ = g.Wait()
		if savedc != nil {
			// Read, and marked taken, before the state file failed to
			// open: put back for the next start.
			if sv := <-savedc; sv != nil && !sv.Taken {
				_ = feed.WriteSaved(cfg.State+savedSuffix, sv)
			}
		}
		return err
	}
	d.cat, d.savedc = cat, savedc
	serve()
	g.Go(func() error { return d.run(gctx) })
	err = g.Wait()
	log.Info("stopped")
	return err
}

// servers returns the HTTP servers of the site, on ln, and of /metrics and
// /healthz on admin too when there is one, announces them, and sets the
// start summary printed once the first build is served.
func (d *daemon) servers(ln, admin net.Listener, lf *logFlags, stderr io.Writer) map[net.Listener]*http.Server {
	at := func(l net.Listener, path string) string { return "http://" + l.Addr().String() + path }
	base := d.site.BaseURL
	sum := startSummary{content: d.cfg.Content, open: at(ln, d.metrics.Base()), metrics: at(ln, "/metrics"), health: at(ln, "/healthz"),
		feeds: []string{base + feed.RSSName, base + feed.AtomName, base + feed.JSONName}}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", &d.health)
	mux.Handle("/", d.srv)
	servers := map[net.Listener]*http.Server{ln: httpd.NewServer(d.metrics.Instrument(mux), d.log)}
	lf.listening(stderr, d.log, "listening", at(ln, "/"))
	if admin == nil {
		mux.Handle("GET /metrics", d.metrics.Handler())
	} else {
		amux := http.NewServeMux()
		amux.Handle("GET /healthz", &d.health)
		amux.Handle("GET /metrics", d.metrics.Handler())
		servers[admin] = httpd.NewServer(d.metrics.Instrument(amux), d.log)
		lf.listening(stderr, d.log, "admin listening", at(admin, "/"))
		sum.metrics, sum.health = at(admin, "/metrics"), at(admin, "/healthz")
	}
	d.ready = func(articles, errors int) {
		sum.articles, sum.errors = articles, errors
		lf.summary(stderr, d.log, sum)
	}
	d.log.Debug("serving", "path", d.cfg.Content, "base_url", base, "out", d.cfg.Out, "publish", d.cfg.Publish)
	return servers
}

// newStaticOutput returns the writer of the static folder held by store:
// a Publisher run beside the rebuild loop, which logs each write, and
// calls working around each (see httpd.MemLimit.Working).
func newStaticOutput(store *feed.DirStore, log *slog.Logger, working func() func()) *feed.Background {
	dir := store.Dir()
	report := func(r feed.Report) {
		switch {
		case r.Cut:
			log.Warn("static output not finished at the stop; the next start completes it", "path", dir, "generation", r.Generation, "duration", r.Duration.Round(time.Millisecond))
			return
		case r.Err != nil:
			log.Error("write static output; the folder keeps the last good files", "path", dir, "generation", r.Generation, "err", r.Err)
			return
		}
		log.Debug("static output written", "path", dir, "generation", r.Generation, "skipped", r.Skipped, "duration", r.Duration.Round(time.Microsecond))
	}
	return feed.NewBackground(feed.NewPublisher(store, feed.WriteOptions{}), feed.BackgroundConfig{Report: report, Working: working})
}
