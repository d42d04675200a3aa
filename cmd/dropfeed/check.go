package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	var strict bool
	fs := newFlagSet("check", "Usage: dropfeed check [flags]\n\ncheck reads every article file and prints one line per problem,\nPATH:LINE: error|warning: MESSAGE (paths relative to the content folder),\nthen a summary. It exits 1 when there is an error (or, with -strict, a warning).",
		"  dropfeed check -content articles\n  dropfeed check -strict\n", stderr)
	c.register(fs)
	fs.BoolVar(&strict, "strict", false, "exit 1 on warnings too")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	cfg, err := loadConfig(fs, &c)
	if err != nil {
		return err
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
	x := content.NewIndex(fsys, cfg.contentOptions(base))
	changes, err := x.Rescan(ctx)
	if err != nil {
		return fmt.Errorf("read content folder: %w", err)
	}
	nerr := reportErrors(stdout, changes.Errors)
	nwarn := len(changes.Errors) - nerr
	st, err := openState(ctx, cfg, true, func(w string) { fmt.Fprintf(stdout, "warning: %s\n", w) })
	if err != nil {
		return err
	}
	defer st.Close()
	arts, err := st.Apply(x.Articles(), time.Now())
	if err != nil {
		return fmt.Errorf("read state: %w", err)
	}
	for _, a := range arts {
		for _, w := range a.Warnings {
			fmt.Fprintf(stdout, "%s\n", warnLine(w))
			nwarn++
		}
	}
	_, warns := content.Select(arts, time.Now())
	for _, w := range warns {
		fmt.Fprintf(stdout, "%s\n", warnLine(w))
		nwarn++
	}
	fmt.Fprintf(stdout, "%d files, %d articles, %d errors, %d warnings\n", x.Len(), len(arts), nerr, nwarn)
	if nerr > 0 || (strict && nwarn > 0) {
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

func warnLine(w content.Warning) string {
	return location(w.Path, w.Line) + ": warning: " + w.Msg
}

func location(path string, line int) string {
	if line > 0 {
		return path + ":" + strconv.Itoa(line)
	}
	return path
}
