package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
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
	metrics *metrics // nil records nothing
	watch   watch.Config
	// reload reads the config file and flags again (SIGHUP): the new config
	// and base URL.
	reload func() (*Config, string, error)
	// ready, when set, is called once, after the first successful build.
	ready func(articles, errors int)
	// ignore holds the ignore patterns the watcher's goroutine reads; a
	// reload replaces them.
	ignore atomic.Pointer[[]string]
	w      *watch.Watcher

	cat     *catalog.Catalog
	builder *feed.Builder    // nil until the first build, and after a reload
	saved   *feed.Saved      // the feeds the last run rendered, for the first builder
	hub     *hubPinger       // WebSub pings; nil without a hub
	out     *feed.Background // writes the static output beside the loop; nil without -out
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
	cat, err := catalog.Open(ctx, d.cfg.catalogConfig(ctx, catalog.Daemon, d.site.BaseURL))
	if err != nil {
		return err
	}
	d.cat = cat
	d.rep = diag.NewLog(d.log, diag.DefaultLimit)
	d.saved = feed.ReadSaved(d.savedPath())
	defer func() {
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
	d.ignore.Store(&d.cfg.Ignore)
	// Articles, and the media files they may reference.
	d.watch.Ignore = func(rel string, isDir bool) bool {
		p := *d.ignore.Load()
		return content.Ignored(rel, isDir, p) && (isDir || content.IgnoredMedia(rel, false, p))
	}
	d.watch.Logger = d.log
	if d.w, err = watch.New(d.watch); err != nil {
		return fmt.Errorf("watch content folder: %w", err)
	}
	batches := make(chan watch.Batch)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return d.w.Run(gctx, batches) })
	d.setHub(gctx, d.site.Hub)
	if d.out != nil {
		g.Go(func() error { return d.out.Run(gctx) })
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	g.Go(func() error {
		defer d.setHub(gctx, "")
		if d.out != nil {
			// Once the loop stops, the static output is brought up to the
			// last bundle served (a write in progress is finished first).
			defer d.out.Close(context.WithoutCancel(gctx))
		}
		return d.loop(gctx, batches, hup)
	})
	return g.Wait()
}

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
	d.metrics.setParseErrors(d.cat.ErrorCount())
	if delta.Empty() && !delta.First && d.srv.Bundle() != nil {
		d.log.Debug("no article changed", "duration", time.Since(start))
		return
	}
	d.rebuild(ctx, delta, why, start)
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
	if d.builder == nil {
		bl, err := feed.NewBuilder(d.site)
		if err != nil {
			d.log.Error("build failed; serving the last good build", "err", err)
			d.metrics.rebuildFailed()
			return
		}
		key := content.CacheKey(d.cfg.contentOptions(d.site.BaseURL))
		bl.SetContentKey(key)
		bl.SetRenderKey(key)
		if d.saved != nil {
			bl.Restore(d.saved) // feeds saved by the last run, where they still match
			d.saved = nil
		}
		bl.SetSource(d.cat.FS())
		d.builder = bl
	}
	visible := d.cat.Visible()
	b, err := d.builder.Next(visible, delta.Entered, delta.Left)
	if err != nil {
		d.log.Error("build failed; serving the last good build", "err", err)
		d.metrics.rebuildFailed()
		return
	}
	prev := d.srv.Bundle()
	gen := d.srv.Swap(b)
	d.hub.notify(changedFeeds(prev, b))
	if d.out != nil {
		d.out.Publish(ctx, b) // written beside the loop; /healthz says when
	}
	nerr := d.cat.ErrorCount()
	d.status.Store(&status{Ready: true, Generation: gen, Articles: len(visible), Errors: nerr, LastBuild: time.Now().UTC().Format(time.RFC3339)})
	d.metrics.rebuilt(len(visible), nerr, time.Since(start))
	if prev == nil && d.ready != nil {
		d.ready(len(visible), nerr)
		d.ready = nil
	}
	d.log.Info("rebuild", "why", why, "generation", gen, "added", len(delta.Added), "changed", len(delta.Changed),
		"removed", len(delta.Removed), "errors", nerr, "count", len(visible), "duration", time.Since(start).Round(time.Microsecond))
}

// savedPath is where serve keeps the feeds it rendered between runs: beside
// the state file.
func (d *daemon) savedPath() string { return d.cfg.State + ".feeds" }

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
