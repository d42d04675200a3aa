package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var strict, noPages bool
	fs := newFlagSet("build", "Usage: dropfeed build [flags]\n\nbuild writes rss.xml, atom.xml, feed.json, index.html and one page per article\n(each with a .gz copy) into the output folder. Bad article files are reported\nand skipped.",
		"  dropfeed build -content articles -out public -base-url https://news.example.com/\n  dropfeed build -config site/dropfeed.yaml -strict\n", stderr)
	c.register(fs)
	c.registerPublish(fs)
	fs.BoolVar(&strict, "strict", false, "exit 1 when any article file has an error")
	pages := fs.Bool("pages", true, "write the article pages (false: feeds and index only)")
	var lf logFlags
	lf.register(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(fs, &c)
	if err != nil {
		return err
	}
	noPages = !*pages
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	log.Debug("config", "path", cfg.file, "content", cfg.Content, "out", cfg.Out, "base_url", cfg.BaseURL, "state", cfg.State)
	if cfg.Out == "" {
		return fmt.Errorf("%w: build: -out (or out: in the config file) is required", errUsage)
	}
	bp, err := openPublish(cfg)
	if err != nil {
		return err
	}
	if cfg.BaseURL == "" {
		return fmt.Errorf("%w: build: -base-url (or base_url: in the config file) is required", errUsage)
	}
	start := time.Now()
	// A progress bar on a terminal, for builds that take more than a second.
	prog := diag.StartProgress(stderr, !lf.json() && diag.IsTerminal(stderr), diag.ProgressDelay)
	defer prog.Finish()
	// Diagnostics are log records, or lines the progress bar makes room for.
	rep := diag.NewText(prog, diag.DefaultLimit)
	if lf.json() {
		rep = diag.NewLog(log, diag.DefaultLimit)
	}
	cc := cfg.catalogConfig(ctx, catalog.Batch, cfg.BaseURL)
	if prog.Enabled {
		prog.SetPhase("parsing", 0)
		cc.OnRead = prog.Read
	}
	cat, err := catalog.Open(ctx, cc)
	if err != nil {
		return err
	}
	defer cat.Close()
	// Held while build writes (opened after the content folder, so that a
	// build that cannot read its content creates no output folder): a build
	// into the folder a running serve keeps is refused at once, never
	// interleaved with it.
	out, err := feed.OpenDir(cfg.Out)
	if err != nil {
		return err
	}
	defer out.Close()
	delta, err := cat.Rescan(ctx)
	if err != nil {
		return err
	}
	prog.SetPhase("building", 0)
	// Every error, and the first few warnings of each kind: what was
	// repaired to publish an article (control characters removed,
	// Windows-1252 decoded), plain text without a date, duplicates.
	nerr := rep.Report(append(diag.FromErrors(delta.Errors), diag.FromWarnings(delta.Warnings)...)).Errors
	bl, err := newBuilder(cfg.site(cfg.BaseURL), cat, cc.Options, nil)
	if err != nil {
		return err
	}
	visible := cat.Visible()
	b, err := bl.Next(visible, delta.Entered, delta.Left)
	if err != nil {
		return err
	}
	prog.SetPhase("writing", 0)
	pub := feed.NewPublisher(out, feed.WriteOptions{NoPages: noPages})
	if err := pub.Publish(ctx, b); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	// The state's records were written beside the build: a write that
	// failed is a warning, as it is for serve (the ids and dates published
	// may not persist).
	rep.Report(diag.FromWarnings(cat.Flush()))
	ws := pub.Stats()
	prog.Finish()
	if lf.json() {
		log.Info("built", "count", len(visible), "path", cfg.Out, "duration", time.Since(start).Round(time.Millisecond),
			"written", ws.Written, "unchanged", ws.Unchanged, "removed", ws.Removed, "errors", nerr)
	} else {
		fmt.Fprintf(stderr, "built %d articles into %s in %s (%d files written, %d unchanged, %d removed, %d errors)\n",
			len(visible), cfg.Out, time.Since(start).Round(time.Millisecond), ws.Written, ws.Unchanged, ws.Removed, nerr)
	}
	if bp != nil {
		// After the folder, from the same bundle: the bucket gets what the
		// folder holds.
		if err := publishOnce(ctx, bp, b, log, lf.json(), stderr); err != nil {
			return err
		}
	}
	if strict && nerr > 0 {
		return errSilentFail
	}
	return nil
}
