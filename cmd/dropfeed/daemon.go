package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/feed/httpd"
	"github.com/dropfeed/dropfeed/feed/websub"
	"github.com/dropfeed/dropfeed/watch"
	"golang.org/x/sync/errgroup"
)

// deferRecheck is how often the files that look unfinished (open for
// writing, empty, front matter not closed) are checked again, until they are
// published as they are after content.DefaultMaxDefer.
const deferRecheck = 100 * time.Millisecond

// daemon is serve's rebuild loop: a batch of changed paths → the catalog's
// Update → the builder's Next → the outputs (the HTTP server, the static
// folder, the WebSub hub). One goroutine, the loop's, owns the catalog and
// the builder; HTTP handlers read the status through an atomic.
type daemon struct {
	cfg     *Config   // replaced whole by a reload
	site    feed.Site // from cfg and the base URL
	log     *slog.Logger
	rep     *diag.Reporter // d.log's, for diagnostics
	srv     *feed.Server
	metrics *httpd.Metrics // nil records nothing
	watch   watch.Config
	// reload reads the config file and flags again (SIGHUP): the new config
	// and base URL.
	reload func() (*Config, string, error)
	// ready, when set, is called once, after the first successful build.
	ready func(articles, errors int)
	// settled, when set, is called once, after the archive pages the first
	// build left whole were cut (or the cut was given up).
	settled func()
	// busy and rest, when set, are called as each step begins and once it
	// is over (see httpd.MemLimit).
	busy, rest func()
	w          *watch.Watcher

	cat     *catalog.Catalog
	builder *feed.Builder      // nil until the first build, and after a reload
	saved   *feed.Saved        // the feeds the last run rendered, for the first builder
	savedc  <-chan *feed.Saved // when not nil, brings saved: read since the catalog held the state file
	hub     *websub.Pinger     // WebSub pings of the hub configured, if any; nil in loop tests
	out     *feed.Background   // writes the static output beside the loop; nil without -out
	pub     *feed.Background   // publishes it to a bucket beside the loop, then pings; nil without -publish
	health  httpd.Health       // /healthz

	cutting atomic.Bool    // a bundle's archive pages are being cut (see rebuild)
	bg      sync.WaitGroup // that cut, waited for before the stop saves
}

// run watches the content folder and rebuilds until ctx is done; it closes
// the catalog when it returns.
func (d *daemon) run(ctx context.Context) error {
	d.rep = diag.NewLog(d.log, diag.DefaultLimit)
	if d.savedc != nil {
		d.saved = <-d.savedc // read beside the catalog's seeding (see runServe)
	} else {
		d.saved = feed.ReadSaved(d.savedPath())
	}
	d.preload()
	defer func() {
		d.bg.Wait()
		sv := d.saved // nothing built: what the last run saved, as it was
		if d.builder != nil {
			sv = d.builder.Save()
		}
		if err := feed.WriteSaved(d.savedPath(), sv); err != nil {
			d.log.Warn("save the rendered feeds for the next start", "err", err)
		}
		if err := d.cat.Close(); err != nil {
			d.log.Error("close state; the ids and dates of the last changes may not persist", "err", err)
		}
	}()
	d.watch.Ignore = d.cat.Ignored // articles, and the media files they may reference
	d.watch.Logger = d.log
	var err error
	if d.w, err = watch.New(d.watch); err != nil {
		return fmt.Errorf("watch content folder: %w", err)
	}
	batches := make(chan watch.Batch)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.w.Run(gctx, batches) })
	if d.hub != nil {
		d.hub.SetHub(d.site.Hub)
		g.Go(func() error { return d.hub.Run(gctx) })
	}
	outs := slices.DeleteFunc([]*feed.Background{d.out, d.pub}, func(o *feed.Background) bool { return o == nil })
	for _, o := range outs {
		g.Go(func() error { return o.Run(gctx) })
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	g.Go(func() error {
		// Once the loop stops, the static output and the bucket are brought
		// up to the last bundle served (a write in progress is finished
		// first), within outputStopGrace in all: a write still going then
		// (the first of a large folder) stops between two files, and the
		// next start completes it.
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), outputStopGrace)
			defer cancel()
			for _, o := range slices.Backward(outs) {
				_ = o.Close(ctx) // reported by the output
			}
		}()
		return d.loop(gctx, batches, hup)
	})
	return g.Wait()
}

// outputStopGrace bounds the static output's and the bucket's last writes
// when serve stops: within the 15 s the shipped systemd unit allows a stop
// (docs/dropfeed.service), with the 5 s of the HTTP servers' drain beside.
var outputStopGrace = 8 * time.Second

// loop is the daemon's one goroutine: it takes batches, the publication time
// of the next scheduled article, rechecks of unfinished files and reloads
// (a value on hup), one at a time.
func (d *daemon) loop(ctx context.Context, batches <-chan watch.Batch, hup <-chan os.Signal) error {
	d.step(ctx, "start", d.cat.Rescan)
	due := time.NewTimer(time.Hour)
	defer due.Stop()
	d.schedule(due)
	// recheck is armed only while some files look unfinished, so an idle
	// daemon has no ticker.
	recheck := time.NewTimer(deferRecheck)
	defer recheck.Stop()
	rechecking := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			d.reloadConfig(ctx)
		case b := <-batches:
			if b.Rescan {
				d.step(ctx, "rescan", d.cat.Rescan)
			} else {
				d.step(ctx, "change", func(ctx context.Context) (catalog.Delta, error) { return d.cat.Update(ctx, b.Paths) })
			}
		case <-due.C:
			d.step(ctx, "scheduled", func(ctx context.Context) (catalog.Delta, error) { return d.cat.Update(ctx, nil) })
		case <-recheck.C:
			rechecking = false
			if paths := d.cat.Deferred(); len(paths) > 0 {
				d.step(ctx, "deferred", func(ctx context.Context) (catalog.Delta, error) { return d.cat.Update(ctx, paths) })
			}
		}
		d.schedule(due)
		if !rechecking && len(d.cat.Deferred()) > 0 {
			recheck.Reset(deferRecheck)
			rechecking = true
		}
	}
}

// schedule sets the timer to the next future article's publication time.
func (d *daemon) schedule(t *time.Timer) {
	t.Stop()
	if at, ok := d.cat.NextDue(); ok {
		t.Reset(time.Until(at) + 10*time.Millisecond)
	}
}

// step brings the catalog up to date and, when the published articles
// changed, builds and publishes. A failure leaves the last good build serving.
func (d *daemon) step(ctx context.Context, why string, update func(context.Context) (catalog.Delta, error)) {
	start := time.Now()
	if d.busy != nil {
		d.busy()
		defer d.rest()
	}
	delta, err := update(ctx)
	switch {
	case errors.Is(err, content.ErrFolderMissing):
		// An unmounted share, a half-done deploy: keep serving the last good
		// feeds rather than publish an empty one.
		if d.srv.Bundle() == nil {
			d.log.Warn("content folder missing; waiting for it", "path", d.cfg.Content, "err", err)
		} else {
			d.log.Warn("content folder missing; serving the last good build", "path", d.cfg.Content, "err", err)
		}
		return
	case err != nil:
		if ctx.Err() == nil {
			d.log.Error("read content folder; serving the last good build", "path", d.cfg.Content, "err", err)
		}
		return
	}
	d.report(delta)
	d.metrics.SetParseErrors(d.cat.ErrorCount())
	if delta.Empty() && !delta.First && d.srv.Bundle() != nil {
		d.log.Debug("no article changed", "duration", time.Since(start))
		return
	}
	d.rebuild(ctx, delta, why, start)
	// The first update's state writes ran beside that build: their
	// failure is told now, not with the next change.
	if ws := d.cat.Flush(); len(ws) > 0 {
		d.rep.Report(diag.FromWarnings(ws))
	}
}

// report logs what an update found wrong: every error, and the first few
// warnings of each kind (the first scan of a thousand undated files logs a
// few lines; one file dropped later logs its own).
func (d *daemon) report(delta catalog.Delta) {
	d.rep.Report(append(diag.FromErrors(delta.Errors), diag.FromWarnings(delta.Warnings)...))
	if len(delta.Deferred) > 0 {
		d.log.Debug("waiting for files that look unfinished", "count", len(delta.Deferred), "path", delta.Deferred[0])
	}
}

// rebuild builds the next bundle and hands it to every output.
func (d *daemon) rebuild(ctx context.Context, delta catalog.Delta, why string, start time.Time) {
	var err error
	if d.builder == nil {
		if d.builder, err = newBuilder(d.site, d.cat, d.cfg.contentOptions(d.site.BaseURL), d.saved); err == nil {
			d.saved = nil // taken
		}
	}
	visible := d.cat.Visible()
	var b *feed.Bundle
	if err == nil {
		b, err = d.builder.Next(visible, delta.Entered, delta.Left)
	}
	if err != nil {
		d.log.Error("build failed; serving the last good build", "err", err)
		d.metrics.RebuildFailed()
		return
	}
	gen := d.srv.Swap(b)
	if d.cutting.CompareAndSwap(false, true) {
		// A first layout leaves archive pages whole, to be ready sooner:
		// they are cut beside the loop, so that a publish, or the save at
		// the stop, finds them cut.
		settled := d.settled
		d.settled = nil
		d.bg.Go(func() {
			defer d.cutting.Store(false)
			start := time.Now()
			// Logged after the first build even when it left no page whole,
			// so that a script can wait for the start to be over.
			if n := b.CutArchives(ctx); (n > 0 || settled != nil) && ctx.Err() == nil { // given up at the stop: the save keeps pages whole
				d.log.Info("archive pages cut", "pages", n, "duration", time.Since(start).Round(time.Millisecond))
			}
			if settled != nil {
				settled()
			}
		})
	}
	if d.hub != nil && d.pub == nil { // else pinged once the bucket holds the feeds
		_ = d.hub.Publish(ctx, b) // queued; pinged beside the loop
	}
	for _, o := range []*feed.Background{d.out, d.pub} {
		if o != nil {
			o.Publish(ctx, b) // written beside the loop; /healthz says when
		}
	}
	nerr := d.cat.ErrorCount()
	d.health.Built(gen, len(visible), nerr)
	d.metrics.Rebuilt(len(visible), nerr, time.Since(start))
	if d.ready != nil {
		d.ready(len(visible), nerr)
		d.ready = nil
	}
	d.log.Info("rebuild", "why", why, "generation", gen, "added", len(delta.Added), "changed", len(delta.Changed),
		"removed", len(delta.Removed), "errors", nerr, "count", len(visible), "duration", time.Since(start).Round(time.Microsecond))
}

// preview serves, until the first build, the feeds of sv, the head of the
// record the last run saved (see feed.ReadSavedHead), when a builder of
// this site would take them back: as soon as they are read, before the
// catalog holds the articles. It is safe beside the start, before the loop
// runs (see preload).
func (d *daemon) preview(sv *feed.Saved) {
	if sv == nil {
		return
	}
	if bl, err := restoredBuilder(d.site, d.cfg.contentOptions(d.site.BaseURL), sv); err == nil {
		d.serveRestored(bl)
	}
}

// preload makes the first builder with what the last run saved, and serves
// the feeds it takes back until the first build is done: a restart serves
// the last run's feeds (with their ETags and Last-Modified times) as soon as
// they are read, instead of nothing while every file is stat'ed and the
// feeds are built again (2 s at 100,000 articles). A file changed while
// serve was down is in the feeds once that build is done, as it would have
// been in a start that served nothing meanwhile; /healthz says 503 until
// then.
func (d *daemon) preload() {
	if d.saved == nil || d.builder != nil {
		return
	}
	bl, err := newBuilder(d.site, d.cat, d.cfg.contentOptions(d.site.BaseURL), d.saved)
	if err != nil {
		return // the first build says why
	}
	d.builder, d.saved = bl, nil
	if d.srv.Bundle() == nil { // else previewed already (see runServe)
		d.serveRestored(bl)
	}
}

// serveRestored serves, until the first build, the feeds a builder took
// back, unless something is served already.
func (d *daemon) serveRestored(bl *feed.Builder) {
	if b := bl.Restored(); b != nil && d.srv.Preload(b) {
		d.health.Preloaded()
		d.log.Info("serving the feeds of the last run until the first build", "files", len(b.Feeds()))
	}
}

// newBuilder returns a builder of site over the catalog's articles: bodies
// read from its folder, pages keyed by the parse options, and the feeds
// saved by a last run (if any) taken where they still match.
func newBuilder(site feed.Site, cat *catalog.Catalog, opts content.Options, saved *feed.Saved) (*feed.Builder, error) {
	bl, err := restoredBuilder(site, opts, saved)
	if err != nil {
		return nil, err
	}
	bl.SetSource(cat.FS())
	return bl, nil
}

// restoredBuilder returns a builder of site with pages keyed by the parse
// options, that took back what saved holds where it still matches.
func restoredBuilder(site feed.Site, opts content.Options, saved *feed.Saved) (*feed.Builder, error) {
	bl, err := feed.NewBuilder(site)
	if err != nil {
		return nil, err
	}
	key := content.CacheKey(opts)
	bl.SetContentKey(key)
	bl.SetRenderKey(key)
	if saved != nil {
		bl.Restore(saved)
	}
	return bl, nil
}

// savedPath is where serve keeps the feeds it rendered between runs: beside
// the state file.
func (d *daemon) savedPath() string { return d.cfg.State + savedSuffix }

// savedSuffix makes the path of the rendered feeds' file from the state
// file's.
const savedSuffix = ".feeds"
