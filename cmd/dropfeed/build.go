package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var strict, noPages bool
	fs := newFlagSet("build", "Usage: dropfeed build [flags]\n\nbuild writes rss.xml, atom.xml, feed.json, index.html and one page per article\n(each with a .gz copy) into the output folder. Bad article files are reported\nand skipped.",
		"  dropfeed build -content articles -out public -base-url https://news.example.com/\n  dropfeed build -config site/dropfeed.yaml -strict\n", stderr)
	c.register(fs)
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
	if cfg.BaseURL == "" {
		return fmt.Errorf("%w: build: -base-url (or base_url: in the config file) is required", errUsage)
	}
	if outInsideContent(cfg.Content, cfg.Out) {
		return fmt.Errorf("%w: the output folder %s is inside the content folder %s", errConfig, cfg.Out, cfg.Content)
	}
	start := time.Now()
	root, fsys, err := openContent(cfg.Content)
	if err != nil {
		return err
	}
	defer root.Close()
	// Held while build writes: a build into the folder a running serve
	// keeps is refused at once, never interleaved with it.
	out, err := feed.OpenDir(cfg.Out)
	if err != nil {
		return err
	}
	defer out.Close()
	// A progress bar on a terminal, for builds that take more than a second.
	prog := startProgress(stderr, !lf.json() && isTerminal(stderr), progressDelay)
	defer prog.finish()
	if prog.enabled {
		prog.setPhase("scanning", 0)
		total := countFiles(fsys, cfg.Ignore)
		prog.setPhase("parsing", total)
		fsys = countingFS{fsys: fsys, p: prog}
	}
	x := content.NewIndex(fsys, cfg.contentOptions(cfg.BaseURL))
	changes, err := x.Rescan(ctx)
	if err != nil {
		return fmt.Errorf("read content folder: %w", err)
	}
	prog.setPhase("building", 0)
	var nerr int
	if lf.json() {
		nerr = logErrors(log, changes.Errors)
	} else {
		nerr = reportErrors(prog, changes.Errors)
	}
	// What was repaired to publish an article (control characters removed,
	// Windows-1252 decoded) is worth a warning too.
	for _, a := range x.Articles() {
		for _, w := range a.Warnings {
			if lf.json() {
				log.Warn(w.Msg, "path", w.Path, "line", w.Line)
			} else {
				fmt.Fprintf(prog, "%s: warning: %s\n", location(w.Path, w.Line), w.Msg)
			}
		}
	}
	st, err := openState(ctx, cfg, false, func(w string) {
		if lf.json() {
			log.Warn(w)
		} else {
			fmt.Fprintf(prog, "warning: %s\n", w)
		}
	})
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	arts, err := st.Apply(x.Articles(), now)
	if err != nil {
		return fmt.Errorf("update state: %w", err)
	}
	visible, warns := content.Select(arts, now)
	for _, w := range warns {
		if lf.json() {
			log.Warn(w.Msg, "path", w.Path)
		} else {
			fmt.Fprintf(prog, "%s: warning: %s\n", w.Path, w.Msg)
		}
	}
	bl, err := feed.NewBuilder(cfg.site(cfg.BaseURL))
	if err != nil {
		return err
	}
	bl.SetAssets(fsys)
	bl.SetRenderKey(content.CacheKey(cfg.contentOptions(cfg.BaseURL)))
	b, err := bl.Build(visible)
	if err != nil {
		return err
	}
	prog.setPhase("writing", 0)
	pub := feed.NewPublisher(out, feed.WriteOptions{NoPages: noPages})
	if err := pub.Publish(ctx, b); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	ws := pub.Stats()
	prog.finish()
	if lf.json() {
		log.Info("built", "count", len(visible), "path", cfg.Out, "duration", time.Since(start).Round(time.Millisecond),
			"written", ws.Written, "unchanged", ws.Unchanged, "removed", ws.Removed, "errors", nerr)
	} else {
		fmt.Fprintf(stderr, "built %d articles into %s in %s (%d files written, %d unchanged, %d removed, %d errors)\n",
			len(visible), cfg.Out, time.Since(start).Round(time.Millisecond), ws.Written, ws.Unchanged, ws.Removed, nerr)
	}
	if strict && nerr > 0 {
		return errSilentFail
	}
	return nil
}

// reportErrors prints each per-file error as "path:line: error: message" (a
// skipped empty file as a warning) and returns the number of errors.
func reportErrors(w io.Writer, errs []error) int {
	n := 0
	for _, err := range errs {
		if content.IsWarning(err) {
			fmt.Fprintf(w, "%s\n", diagLine(err, "warning"))
			continue
		}
		n++
		fmt.Fprintf(w, "%s\n", diagLine(err, "error"))
	}
	return n
}

// logErrors logs each per-file error (a skipped empty file as a warning) and
// returns the number of errors.
func logErrors(log *slog.Logger, errs []error) int {
	n := 0
	for _, err := range errs {
		path, line, msg := "", 0, err.Error()
		var pe *content.ParseError
		if errors.As(err, &pe) {
			path, line, msg = pe.Path, pe.Line, pe.Err.Error()
		}
		level := slog.LevelError
		if content.IsWarning(err) {
			level = slog.LevelWarn
		} else {
			n++
		}
		log.Log(context.Background(), level, msg, "path", path, "line", line)
	}
	return n
}
