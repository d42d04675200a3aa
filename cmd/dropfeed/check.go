package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
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
	base := cfg.BaseURL
	if base == "" {
		base = "http://localhost/"
	}
	cc := cfg.catalogConfig(ctx, catalog.ReadOnly, base)
	cat, err := catalog.Open(ctx, cc)
	if err != nil {
		return err
	}
	defer cat.Close()
	delta, err := cat.Rescan(ctx)
	if err != nil {
		return err
	}
	doc := &diag.Document{Content: cfg.Content}
	if abs, err := filepath.Abs(cfg.Content); err == nil {
		doc.Content = abs
	}
	doc.Add(diag.FromErrors(delta.Errors)...)
	doc.Add(diag.FromWarnings(cat.Lint(delta))...)
	doc.Files, doc.Articles = cat.Files(), len(cat.Articles())
	write := doc.WriteText
	if *format == "json" {
		write = doc.WriteJSON
	}
	if err := write(stdout); err != nil {
		return err
	}
	if cfg.Language == "" {
		// Not a problem of an article file: a note beside the report.
		fmt.Fprintf(stderr, "note: no %s is written: the Google News sitemap needs the language setting (e.g. language: en)\n", feed.NewsSitemapName)
	}
	if doc.Errors > 0 || (strict && doc.Warnings > 0) {
		return errSilentFail
	}
	return nil
}
