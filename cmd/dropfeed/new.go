package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
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
	now := time.Now().Truncate(time.Second)
	path, err := createArticle(cfg.Content, title, *format, now)
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

// createArticle writes a new article file for title into dir and returns
// its path. It never overwrites, and never makes a second file with the
// same URL: a name taken in any article format gets -2, -3, … before the
// extension.
func createArticle(dir, title, format string, now time.Time) (string, error) {
	base := now.Format("2006-01-02") + "-" + slugify(title)
	data := articleTemplate(title, format, now)
	for n := 1; n < 1000; n++ {
		name := base
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		if taken(filepath.Join(dir, name)) {
			continue
		}
		path := filepath.Join(dir, name+"."+format)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create article: %w", err)
		}
		_, err = f.WriteString(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return "", fmt.Errorf("write article: %w", err)
		}
		return path, nil
	}
	return "", fmt.Errorf("create article: every name %s-N.%s is taken", base, format)
}

// taken reports whether an article file stem.md, stem.markdown or stem.txt
// exists (any of them gives the article URL of stem).
func taken(stem string) bool {
	for _, ext := range []string{".md", ".markdown", ".txt"} {
		if _, err := os.Lstat(stem + ext); err == nil {
			return true
		}
	}
	return false
}

// articleTemplate returns the text of a new article: its title, the date
// with the local offset, and a line to replace.
func articleTemplate(title, format string, now time.Time) string {
	date := now.Format(time.RFC3339)
	const body = "Write the article here. The first paragraph is what feed readers show as\nthe summary, unless you add one.\n"
	if format == "txt" {
		return title + "\nDate: " + date + "\n\n" + body
	}
	return "---\ntitle: " + strconv.Quote(title) + "\ndate: " + date + "\ndraft: false\n---\n\n" + body
}

// maxSlug is the longest slug new makes, in bytes.
const maxSlug = 60

// slugify makes the file-name part of a title: accents removed, lower case,
// letters and digits of any script kept, every other run of characters one
// dash, at most maxSlug bytes cut at a dash. A title with nothing left gives
// "article".
func slugify(title string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	s, _, err := transform.String(t, title)
	if err != nil {
		s = title
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	slug := b.String()
	if len(slug) > maxSlug {
		cut := strings.LastIndexByte(slug[:maxSlug+1], '-')
		if cut <= 0 {
			cut = maxSlug
			for cut > 0 && !utf8.RuneStart(slug[cut]) {
				cut--
			}
		}
		slug = slug[:cut]
	}
	if slug == "" {
		return "article"
	}
	return slug
}
