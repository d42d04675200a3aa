package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/content/state"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var strict bool
	fs := newFlagSet("check", "Usage: dropfeed check [flags]\n\ncheck reads every article file and prints one line per problem,\nPATH:LINE[:COLUMN]: error|warning: MESSAGE (paths relative to the content\nfolder), then a summary. Besides errors it warns about what readers will\ndislike: a long first paragraph and no summary, an image without alt text,\na very long title, a duplicate id or URL. It exits 1 when there is an error\n(with -strict, a warning too); warnings alone never fail without -strict.",
		"  dropfeed check -content articles\n  dropfeed check -strict\n  dropfeed check -format json | jq '.diagnostics[]'\n", stderr)
	c.register(fs)
	fs.BoolVar(&strict, "strict", false, "exit 1 on warnings too")
	format := fs.String("format", "text", "output `format`: text, or json (one object with the counts and a diagnostics list)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(fs, &c)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return fmt.Errorf("%w: -format: %q is not text or json", errUsage, *format)
	}
	root, fsys, err := openContent(cfg.Content)
	if err != nil {
		return err
	}
	defer root.Close()
	base := cfg.BaseURL
	if base == "" {
		base = "http://localhost/"
	}
	opts := cfg.contentOptions(base)
	x := content.NewIndex(fsys, opts)
	changes, err := x.Rescan(ctx)
	if err != nil {
		return fmt.Errorf("read content folder: %w", err)
	}
	doc := &diag.Document{Content: cfg.Content}
	if abs, err := filepath.Abs(cfg.Content); err == nil {
		doc.Content = abs
	}
	doc.Add(diag.FromErrors(changes.Errors)...)
	arts := x.Articles()
	st, err := openState(ctx, cfg, true, func(w string) { doc.Add(diag.Site(diag.Warning, w)) })
	switch {
	case errors.Is(err, state.ErrLocked):
		// A running serve holds the state: check the files as they are,
		// with the ids and dates they give themselves.
		fmt.Fprintf(stderr, "note: %s is in use by a running dropfeed; checking without it\n", cfg.State)
	case err != nil:
		return err
	default:
		defer st.Close()
		if arts, err = st.Apply(arts, time.Now()); err != nil {
			return fmt.Errorf("read state: %w", err)
		}
	}
	_, dups := content.Select(arts, time.Now())
	byPath := make(map[string][]content.Warning, len(dups))
	for _, w := range dups {
		byPath[w.Path] = append(byPath[w.Path], w)
	}
	for _, a := range arts {
		doc.Add(diag.FromWarnings(a.Warnings)...)
		// A file gone or changed since it was parsed is not linted: the
		// next check sees it.
		doc.Add(diag.FromWarnings(content.LintFile(fsys, a, opts, byPath[a.Path]))...)
	}
	doc.Files, doc.Articles = x.Len(), len(arts)
	write := doc.WriteText
	if *format == "json" {
		write = doc.WriteJSON
	}
	if err := write(stdout); err != nil {
		return err
	}
	if doc.Errors > 0 || (strict && doc.Warnings > 0) {
		return errSilentFail
	}
	return nil
}
