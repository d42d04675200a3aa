package main

import (
	"bufio"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/state"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/watch"
	"golang.org/x/sync/errgroup"
)

const shutdownTimeout = 5 * time.Second

// Files that look unfinished (open for writing, empty, front matter not
// closed) are checked again every deferRecheck, and published as they are
// after maxDefer (WATCHING.md R8).
const (
	deferRecheck = 100 * time.Millisecond
	maxDefer     = content.DefaultMaxDefer
)

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

	if fi, err := os.Stat(cfg.Content); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("open content folder: %w", err)
	} else if err == nil && !fi.IsDir() {
		return fmt.Errorf("open content folder: %s is not a folder", cfg.Content)
	} else if err == nil {
		// A folder we may not list is fatal at startup; a missing one is
		// waited for.
		if err := canList(cfg.Content); err != nil {
			return fmt.Errorf("read content folder: %w", err)
		}
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
		cfg:   cfg,
		site:  cfg.site(base),
		opts:  cfg.contentOptions(base),
		srv:   srv,
		log:   log,
		watch: watch.Config{Root: cfg.Content, Quiet: cfg.Quiet, Mode: watch.Mode(*mode), PollInterval: *pollInterval, Rescan: *rescanInterval},
	}
	d.metrics = newMetrics()
	if outDir != nil {
		d.out = newStaticOutput(outDir, log)
	}
	basePath := "/"
	if u, err := url.Parse(base); err == nil {
		basePath = u.Path
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
	servers := map[net.Listener]*http.Server{ln: newHTTPServer(d.metrics.instrument(mux, basePath), log)}
	lf.listening(stderr, log, "listening", "http://"+ln.Addr().String()+"/")
	local := "http://" + ln.Addr().String() + basePath
	sum := startSummary{content: cfg.Content, open: local, metrics: "http://" + ln.Addr().String() + "/metrics", health: "http://" + ln.Addr().String() + "/healthz",
		feeds: []string{base + feed.RSSName, base + feed.AtomName, base + feed.JSONName}}
	if admin != nil {
		amux := http.NewServeMux()
		amux.HandleFunc("GET /healthz", d.healthz)
		amux.Handle("GET /metrics", d.metrics.handler())
		servers[admin] = newHTTPServer(d.metrics.instrument(amux, "/"), log)
		lf.listening(stderr, log, "admin listening", "http://"+admin.Addr().String()+"/")
		sum.metrics, sum.health = "http://"+admin.Addr().String()+"/metrics", "http://"+admin.Addr().String()+"/healthz"
	}
	d.ready = func(articles, errors int) {
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

// canList checks that dir can be opened and listed.
func canList(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.ReadDir(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
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

// daemon owns the article index and the rebuild loop; only run's goroutine
// touches its index and root. HTTP handlers read status through an atomic.
type daemon struct {
	cfg   *Config
	site  feed.Site
	opts  content.Options
	srv   *feed.Server
	log   *slog.Logger
	watch watch.Config
	// reload reads the config file and flags again (SIGHUP): the new config
	// and base URL.
	reload func() (*Config, string, error)
	// metrics records builds and requests; nil records nothing.
	metrics *metrics
	// ready, when set, is called once, after the first successful build.
	ready func(articles, errors int)

	root    *os.Root
	idx     *content.Index
	state   *state.Store
	saved   *feed.Saved        // the feeds the last run rendered, for the first builder
	sel     *content.Selection // the stamped articles and which are shown; nil after a reload
	builder *feed.Builder      // keeps rendered items between rebuilds; nil after a reload
	pub     *publisher         // WebSub pings; nil without a hub
	out     *feed.Background   // writes the static output beside the loop; nil without -out
	status  atomic.Pointer[status]
}

// status is what /healthz reports; replaced whole after each build.
type status struct {
	Ready      bool   `json:"ready"`
	Generation uint64 `json:"generation"`
	Articles   int    `json:"articles"`
	Errors     int    `json:"errors"`
	LastBuild  string `json:"last_build,omitempty"`
	// Outputs says how far each output beside the server has got; the
	// static folder ("out") is current when its generation equals the
	// served one.
	Outputs map[string]outputStatus `json:"outputs,omitempty"`
}

func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	st := d.status.Load()
	if st == nil {
		st = &status{}
	}
	if d.out != nil {
		cp := *st
		cp.Outputs = map[string]outputStatus{"out": outputStatusOf(d.out.Status())}
		st = &cp
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Dropfeed-Generation", fmt.Sprint(st.Generation))
	if !st.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(st)
}

// run watches the content folder and rebuilds until ctx is done.
func (d *daemon) run(ctx context.Context) error {
	st, err := openState(ctx, d.cfg, false, func(w string) { d.log.Warn(w) })
	if err != nil {
		return err
	}
	d.state = st
	d.saved = readSaved(d.savedPath())
	defer func() {
		if d.root != nil {
			d.root.Close()
		}
		d.state.Close()
		if d.builder != nil {
			if err := writeSaved(d.savedPath(), d.builder.Save()); err != nil {
				d.log.Warn("save the rendered feeds for the next start", "err", err)
			}
		}
	}()
	ignore := d.cfg.Ignore // the watcher's goroutine must not read d.cfg, which a reload replaces
	d.watch.Ignore = func(rel string, isDir bool) bool { return content.Ignored(rel, isDir, ignore) }
	d.watch.Logger = d.log
	w, err := watch.New(d.watch)
	if err != nil {
		return fmt.Errorf("watch content folder: %w", err)
	}
	batches := make(chan watch.Batch)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.Run(gctx, batches) })
	if d.site.Hub != "" {
		d.pub = newPublisher(d.site.Hub, d.log)
		g.Go(func() error { return d.pub.run(gctx) })
	}
	if d.out != nil {
		g.Go(func() error { return d.out.Run(gctx) })
	}
	g.Go(func() error {
		if d.out != nil {
			// Once the loop stops, the static output is brought up to the
			// last bundle served (a write in progress is finished first).
			defer d.out.Close(context.WithoutCancel(gctx))
		}
		d.apply(gctx, watch.Batch{Rescan: true}, "start")
		due := time.NewTimer(time.Hour)
		defer due.Stop()
		d.schedule(due)
		// recheck re-reads the files deferred as unfinished; it is armed
		// only while there are some, so an idle daemon has no ticker.
		recheck := time.NewTimer(deferRecheck)
		defer recheck.Stop()
		rechecking := true
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-hup:
				d.reloadConfig(gctx)
			case b := <-batches:
				d.apply(gctx, b, "")
			case <-due.C:
				d.rebuild(gctx, content.Changes{}, "scheduled", time.Now())
			case <-recheck.C:
				rechecking = false
				if paths := d.deferred(); len(paths) > 0 {
					d.apply(gctx, watch.Batch{Paths: paths}, "deferred")
				}
			}
			d.schedule(due)
			if !rechecking && len(d.deferred()) > 0 {
				recheck.Reset(deferRecheck)
				rechecking = true
			}
		}
	})
	return g.Wait()
}

// schedule sets the timer to the next future article's publication time.
func (d *daemon) schedule(t *time.Timer) {
	t.Stop()
	if d.sel == nil {
		return
	}
	if at, ok := d.sel.NextDue(); ok {
		t.Reset(time.Until(at) + 10*time.Millisecond)
	}
}

// deferred returns the files waiting to look finished.
func (d *daemon) deferred() []string {
	if d.idx == nil {
		return nil
	}
	return d.idx.Deferred()
}

// apply reconciles a batch with the index and rebuilds when articles changed.
func (d *daemon) apply(ctx context.Context, b watch.Batch, why string) {
	start := time.Now()
	fi, err := os.Stat(d.cfg.Content)
	if err != nil {
		// The folder is gone (unmounted share, half-done deploy): keep serving
		// the last good feeds rather than publish an empty one.
		if d.srv.Bundle() == nil {
			d.log.Warn("content folder missing; waiting for it", "path", d.cfg.Content, "err", err)
		} else {
			d.log.Warn("content folder missing; serving the last good build", "path", d.cfg.Content, "err", err)
		}
		if d.root != nil {
			d.root.Close()
			d.root = nil
		}
		return
	}
	replaced := d.root == nil
	if d.root != nil {
		// The folder was replaced (deleted and made again, or a symlink
		// flipped) before the watcher said so: the open root still reads the
		// old one, where every path is gone. Rescan the new one instead.
		if rfi, err := d.root.Stat("."); err != nil || !os.SameFile(fi, rfi) {
			replaced = true
			if !b.Rescan {
				d.log.Info("content folder replaced; rescanning", "path", d.cfg.Content)
				b = watch.Batch{Rescan: true}
			}
		}
	}
	// A rescan of the same folder keeps its root open: the bundles being
	// served and written read media files through it.
	if replaced {
		if err := d.reopen(); err != nil {
			d.log.Error("open content folder", "path", d.cfg.Content, "err", err)
			return
		}
	}
	var ch content.Changes
	if b.Rescan {
		var err error
		ch, err = d.idx.Rescan(ctx)
		if err != nil {
			d.log.Error("rescan content folder; serving the last good build", "err", err)
			return
		}
		if why == "" {
			why = "rescan"
		}
	} else {
		ch = d.idx.Update(ctx, b.Paths)
		if why == "" {
			why = "change"
		}
	}
	for _, err := range ch.Errors {
		if content.IsWarning(err) {
			d.log.Warn("skipped", "err", err)
		} else {
			d.log.Error("article", "err", err)
		}
	}
	d.logArticleWarnings(ch)
	if len(ch.Deferred) > 0 {
		d.log.Debug("waiting for files that look unfinished", "count", len(ch.Deferred), "path", ch.Deferred[0])
	}
	for _, p := range ch.Overdue {
		d.log.Warn("file still looked unfinished; published as it is", "path", p, "duration", maxDefer)
	}
	d.metrics.setParseErrors(d.idx.ErrorCount())
	// After a reload (no selection yet) the feeds are built anew even when
	// no file changed: the site settings may have.
	if ch.Empty() && d.srv.Bundle() != nil && d.sel != nil {
		d.log.Debug("no article changed", "count", len(b.Paths), "duration", time.Since(start))
		return
	}
	d.rebuild(ctx, ch, why, start)
}

// logArticleWarnings logs what was repaired to publish the articles added or
// changed (control characters removed, Windows-1252 decoded), once per version.
func (d *daemon) logArticleWarnings(ch content.Changes) {
	for _, l := range [][]string{ch.Added, ch.Changed} {
		for _, p := range l {
			a, ok := d.idx.Article(p)
			if !ok {
				continue
			}
			for _, w := range a.Warnings {
				d.log.Warn(w.Msg, "path", w.Path, "line", w.Line)
			}
		}
	}
}

// cacheChanges queues the parse cache entries of what an index update
// changed, for the state store to write with its next update.
func (d *daemon) cacheChanges(ch content.Changes) {
	for _, l := range [][]string{ch.Added, ch.Changed, ch.Removed} {
		for _, p := range l {
			e, _ := d.idx.CacheEntry(p) // nil (removed) when there is none
			d.state.Cache(p, e)
		}
	}
}

// changed returns what an index update changed, as the paths of the
// articles gone and the articles added or changed, read from the index as
// it is now (a path can be both removed and added within one update).
func (d *daemon) changed(ch content.Changes) (removed []string, changed []*content.Article) {
	seen := make(map[string]bool, ch.Len())
	for _, l := range [][]string{ch.Added, ch.Changed, ch.Removed} {
		for _, p := range l {
			if seen[p] {
				continue
			}
			seen[p] = true
			if a, ok := d.idx.Article(p); ok {
				changed = append(changed, a)
			} else {
				removed = append(removed, p)
			}
		}
	}
	return removed, changed
}

// reopen opens (again) the content folder, confined to itself.
func (d *daemon) reopen() error {
	root, err := os.OpenRoot(d.cfg.Content)
	if err != nil {
		return err
	}
	if d.root != nil {
		d.root.Close()
	}
	d.root = root
	if d.idx == nil {
		d.idx = content.NewIndex(content.RootFS(root), d.opts)
		d.idx.SetReadiness(&content.Readiness{MaxDefer: maxDefer})
		// The articles the previous run parsed, so that files that did not
		// change since are not read and parsed again.
		bad := 0
		err := d.state.ReadCache(content.CacheKey(d.opts), func(p string, e []byte) {
			if d.idx.Seed(p, e) != nil {
				bad++
			}
		})
		if err != nil || bad > 0 {
			d.log.Warn("some cached articles could not be read; their files are parsed again", "count", bad, "err", err)
		}
	} else {
		d.idx.SetFS(content.RootFS(root))
	}
	return nil
}

// rebuild builds a bundle from the index, swaps it in and writes the static
// output. A failure leaves the previous bundle serving.
func (d *daemon) rebuild(ctx context.Context, ch content.Changes, why string, start time.Time) {
	if d.idx == nil {
		return
	}
	now := time.Now()
	d.cacheChanges(ch)
	var sc content.SelectionChange
	if d.sel == nil {
		// The first build (or one after a reload): every article.
		all, err := d.state.Apply(d.idx.Articles(), now)
		if err != nil {
			d.log.Error("update state; ids and dates of new files may not persist", "err", err)
		}
		// Reading every record and cached article mapped the whole state
		// file in; let it go.
		if err := d.state.Remap(); err != nil {
			d.log.Error("reopen state; ids and dates of new files will not persist", "err", err)
		}
		d.sel = content.NewSelection()
		sc = d.sel.Update(nil, all, now)
	} else {
		// Only what changed: each step below costs time in proportion to
		// the change, not to the number of articles.
		removed, changed := d.changed(ch)
		stamped, err := d.state.Update(removed, changed, now)
		if err != nil {
			d.log.Error("update state; ids and dates of new files may not persist", "err", err)
		}
		sc = d.sel.Update(removed, stamped, now)
	}
	for _, w := range sc.Warnings {
		d.log.Warn(w.Msg, "path", w.Path)
	}
	visible := d.sel.Visible()
	if d.builder == nil {
		bl, err := feed.NewBuilder(d.site)
		if err != nil {
			d.log.Error("build failed; serving the last good build", "err", err)
			d.metrics.rebuildFailed()
			return
		}
		if d.saved != nil {
			bl.Restore(d.saved) // feeds saved by the last run, where they still match
			d.saved = nil
		}
		bl.SetRenderKey(content.CacheKey(d.opts))
		d.builder = bl
	}
	if d.root != nil {
		d.builder.SetAssets(d.root.FS())
	}
	b, err := d.builder.Next(visible, sc.Entered, sc.Left)
	if err != nil {
		d.log.Error("build failed; serving the last good build", "err", err)
		d.metrics.rebuildFailed()
		return
	}
	prev := d.srv.Bundle()
	gen := d.srv.Swap(b)
	if d.pub != nil {
		d.pub.notify(changedFeeds(prev, b))
	}
	if d.out != nil {
		d.out.Publish(ctx, b) // written beside the loop; /healthz says when
	}
	nerr := d.idx.ErrorCount()
	d.status.Store(&status{Ready: true, Generation: gen, Articles: len(visible), Errors: nerr, LastBuild: time.Now().UTC().Format(time.RFC3339)})
	d.metrics.rebuilt(len(visible), nerr, time.Since(start))
	if prev == nil && d.ready != nil {
		d.ready(len(visible), nerr)
		d.ready = nil
	}
	d.log.Info("rebuild", "why", why, "generation", gen, "added", len(ch.Added), "changed", len(ch.Changed),
		"removed", len(ch.Removed), "errors", nerr, "count", len(visible), "duration", time.Since(start).Round(time.Microsecond))
}

// reloadConfig reads the config again (on SIGHUP), re-parses every file with
// the new settings and rebuilds. The listen address and the content folder
// stay as they were: changing them needs a restart.
func (d *daemon) reloadConfig(ctx context.Context) {
	if d.reload == nil {
		return
	}
	nc, base, err := d.reload()
	if err != nil {
		d.log.Error("reload config; keeping the old one", "err", err)
		return
	}
	if nc.Content != d.cfg.Content {
		d.log.Warn("the content folder changed in the config; restart dropfeed to watch the new one", "path", nc.Content)
		nc.Content = d.cfg.Content
	}
	if nc.Out != d.cfg.Out {
		d.log.Warn("the output folder changed in the config; restart dropfeed to write the new one", "path", nc.Out)
		nc.Out = d.cfg.Out
	}
	nc.Addr = d.cfg.Addr
	d.cfg, d.site, d.opts = nc, nc.site(base), nc.contentOptions(base)
	d.builder = nil // the site settings may have changed
	d.idx = nil     // settings such as the time zone change every parse
	d.sel = nil
	if d.root != nil {
		d.root.Close()
		d.root = nil
	}
	d.log.Info("config reloaded", "path", nc.file)
	d.apply(ctx, watch.Batch{Rescan: true}, "reload")
}

// savedPath is where serve keeps the feeds it rendered between runs: beside
// the state file.
func (d *daemon) savedPath() string { return d.cfg.State + ".feeds" }

// readSaved reads the feeds an earlier run saved; nil when there are none
// or they cannot be read (they are only a cache).
func readSaved(path string) *feed.Saved {
	// A run killed while it saved left its temporary file.
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), savedTempPattern(path))); len(stale) > 0 {
		for _, p := range stale {
			os.Remove(p)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	// A header, then each feed set as a message of its own: gob reads one
	// large message by growing its buffer step by step, copying it each time.
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var sv feed.Saved
	var n int
	if dec.Decode(&sv) != nil || dec.Decode(&n) != nil || n < 0 || n > 1<<20 {
		return nil
	}
	for range n {
		var set feed.SavedSet
		if dec.Decode(&set) != nil {
			return nil
		}
		sv.Sets = append(sv.Sets, set)
	}
	return &sv
}

// writeSaved saves the rendered feeds for the next run (temporary file,
// then rename); nil removes what an earlier run saved.
func writeSaved(path string, sv *feed.Saved) error {
	if sv == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), savedTempPattern(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	enc := gob.NewEncoder(w)
	sets := sv.Sets
	head := *sv
	head.Sets = nil
	err = enc.Encode(&head)
	if err == nil {
		err = enc.Encode(len(sets))
	}
	for i := 0; err == nil && i < len(sets); i++ {
		err = enc.Encode(&sets[i])
	}
	if err != nil {
		tmp.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// savedTempPattern names the temporary files writeSaved makes for path.
func savedTempPattern(path string) string { return "." + filepath.Base(path) + "-*.tmp" }

// newStaticOutput returns the writer of the static folder held by store:
// a Publisher run beside the rebuild loop, which logs each write.
func newStaticOutput(store *feed.DirStore, log *slog.Logger) *feed.Background {
	dir := store.Dir()
	report := func(r feed.Report) {
		if r.Err != nil {
			log.Error("write static output; the folder keeps the last good files", "path", dir, "generation", r.Generation, "err", r.Err)
			return
		}
		log.Debug("static output written", "path", dir, "generation", r.Generation, "skipped", r.Skipped, "duration", r.Duration.Round(time.Microsecond))
	}
	return feed.NewBackground(feed.NewPublisher(store, feed.WriteOptions{}), feed.BackgroundConfig{Report: report})
}

// outputStatus is what /healthz says of one output.
type outputStatus struct {
	Generation uint64 `json:"generation"`           // the newest bundle it holds
	Current    bool   `json:"current"`              // it holds the one served
	LastWrite  string `json:"last_write,omitempty"` // when it last completed a write
	Error      string `json:"error,omitempty"`      // why its last write failed, without paths
}

func outputStatusOf(st feed.OutputStatus) outputStatus {
	o := outputStatus{Generation: st.Generation, Current: st.Generation == st.Latest && st.Err == nil}
	if !st.Written.IsZero() {
		o.LastWrite = st.Written.UTC().Format(time.RFC3339)
	}
	if st.Err != nil {
		// The innermost error (e.g. "no space left on device"): the
		// wrapping names files, which a health check need not show.
		err := st.Err
		for {
			next := errors.Unwrap(err)
			if next == nil {
				break
			}
			err = next
		}
		o.Error = err.Error()
	}
	return o
}
