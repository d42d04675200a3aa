package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/dropfeed/dropfeed/content"
)

func runNew(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("new", "Usage: dropfeed new [flags] TITLE\n\nnew creates an article file in the content folder of the config: named\nYYYY-MM-DD-slug.md (or .txt), dated now with the local offset, not a draft.\nIt prints the file's path.",
		"  dropfeed new \"Bridge closes for repairs\"\n  dropfeed new -format txt \"Library opens on Sundays\"\n  $EDITOR \"$(dropfeed new 'Harvest fair')\"\n", stderr)
	fs.StringVar(&c.config, "config", "", "config `file` (default: "+ConfigFileName+" in the working directory, if present)")
	fs.StringVar(&c.content, "content", "", "content `folder` (default: content, beside the config file)")
	format := fs.String("format", "md", "file `format`: md (Markdown with front matter) or txt (plain text)")
	words, err := parseInterspersed(fs, args, stdout)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(fs, &c)
	if err != nil {
		return err
	}
	if *format != "md" && *format != "txt" {
		return fmt.Errorf("%w: -format: %q is not md or txt", errUsage, *format)
	}
	title := strings.Join(strings.Fields(strings.Join(words, " ")), " ")
	if title == "" {
		return fmt.Errorf("%w: new: give the article's title, e.g. dropfeed new \"Bridge closes for repairs\"", errUsage)
	}
	if strings.ContainsFunc(title, unicode.IsControl) {
		return fmt.Errorf("%w: new: the title has a control character", errUsage)
	}
	if fi, err := os.Stat(cfg.Content); err != nil || !fi.IsDir() {
		return fmt.Errorf("content folder %s does not exist: create it, or run \"dropfeed init\" first", cfg.Content)
	}
	f := content.FormatMarkdown
	if *format == "txt" {
		f = content.FormatText
	}
	path, err := content.Create(cfg.Content, title, f, time.Now().Truncate(time.Second))
	if err != nil {
		return err
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, path); err == nil && filepath.IsLocal(rel) {
			path = rel
		}
	}
	fmt.Fprintln(stdout, path)
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("new TITLE -format txt"); after "--" everything is
// positional. -h prints the usage on stdout and gives flag.ErrHelp.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout io.Writer) ([]string, error) {
	var tail []string
	if i := slices.Index(args, "--"); i >= 0 {
		args, tail = args[:i], args[i+1:]
	}
	var pos []string
	for {
		if err := parseOnce(fs, args, stdout); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	return append(pos, tail...), nil
}
