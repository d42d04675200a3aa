package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
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
	cat, err := catalog.Open(ctx, cfg.catalogConfig(ctx, catalog.ReadOnly, base))
	if err != nil {
		return err
	}
	defer cat.Close()
	delta, err := cat.Rescan(ctx)
	if err != nil {
		return err
	}
	rep := &checkReport{Content: cfg.Content}
	if abs, err := filepath.Abs(cfg.Content); err == nil {
		rep.Content = abs
	}
	for _, err := range delta.Errors {
		rep.addErr(err)
	}
	arts := cat.Articles()
	sources := make(map[string]*source)
	for _, a := range arts {
		src, diags := lintFile(cat.FS(), a, cfg.UnsafeHTML)
		sources[a.Path] = src
		for _, d := range diags {
			rep.add(d)
		}
	}
	for _, w := range delta.Warnings {
		rep.add(selectWarning(w, func(p string) *source { return sources[p] }))
	}
	rep.Files, rep.Articles = cat.Files(), len(arts)
	rep.sort()
	if err := rep.write(stdout, *format); err != nil {
		return err
	}
	if rep.Errors > 0 || (strict && rep.Warnings > 0) {
		return errSilentFail
	}
	return nil
}

// diagLine formats an error as "path:line: severity: message".
func diagLine(err error, severity string) string {
	var pe *content.ParseError
	if errors.As(err, &pe) {
		return location(pe.Path, pe.Line) + ": " + severity + ": " + pe.Err.Error()
	}
	return severity + ": " + err.Error()
}

// diagWarning formats a warning as "path:line: warning: message", or
// "warning: message" for one about the site as a whole.
func diagWarning(w content.Warning) string {
	if w.Path == "" {
		return "warning: " + w.Msg
	}
	return location(w.Path, w.Line) + ": warning: " + w.Msg
}

func location(path string, line int) string {
	if line > 0 {
		return path + ":" + strconv.Itoa(line)
	}
	return path
}
