package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("init", "Usage: dropfeed init [DIR]\n\ninit makes DIR (default: the working directory) a dropfeed site: a commented\n"+ConfigFileName+", a content folder with one Markdown and one plain-text\narticle, and a .gitignore. It never overwrites a file. Then run\n\"dropfeed serve\" in DIR.",
		"  dropfeed init news && cd news && dropfeed serve\n", stderr)
	pos, err := parseInterspersed(fs, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("%w: init: unexpected argument %q", errUsage, pos[1])
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFileName)); err == nil {
		return fmt.Errorf("%s already has a %s: nothing written", dir, ConfigFileName)
	}
	now := time.Now().Truncate(time.Second)
	day := now.Format("2006-01-02")
	files := []struct{ name, data string }{
		{ConfigFileName, fill("dropfeed.yaml", strings.NewReplacer("TITLE", strconv.Quote(initTitle(filepath.Base(abs))), "YEAR", strconv.Quote(now.Format("2006"))))},
		{filepath.Join("content", day+"-welcome-to-dropfeed.md"), fill("welcome.md", strings.NewReplacer("DATE", now.Format(time.RFC3339)))},
		{filepath.Join("content", day+"-plain-text-articles.txt"), fill("plain.txt", strings.NewReplacer("DATE", now.Add(-time.Minute).Format(time.RFC3339)))},
		{".gitignore", "# written by dropfeed: the static output and dropfeed's state\n/public/\n/.dropfeed/\n"},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeNew(p, f.data); err != nil {
			if errors.Is(err, os.ErrExist) && f.name == ".gitignore" {
				continue // the folder is already a repository with its own
			}
			return err
		}
		fmt.Fprintf(stdout, "created %s\n", p)
	}
	cd := ""
	if dir != "." {
		cd = "  cd " + shellQuote(dir) + "\n"
	}
	fmt.Fprintf(stdout, "\nNext:\n%s  dropfeed serve                 # then open http://127.0.0.1:8080/\n  dropfeed new \"My first article\"  # in another terminal: it appears at once\n\nEdit %s to set the title and, before you publish, base_url and id_authority.\n", cd, ConfigFileName)
	return nil
}

// writeNew creates path with data; it fails with os.ErrExist rather than
// overwrite.
func writeNew(path, data string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// skeleton holds the files init writes, with TITLE, YEAR and DATE to fill.
//
//go:embed skeleton
var skeleton embed.FS

// fill returns the skeleton file name with its placeholders replaced.
func fill(name string, r *strings.Replacer) string {
	b, _ := skeleton.ReadFile("skeleton/" + name) // embedded; TestInit reads all three
	return r.Replace(string(b))
}

// initTitle returns a site title made of a folder name.
func initTitle(name string) string {
	title := strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(name))
	if title == "" || title == "." || title == string(filepath.Separator) {
		title = "News"
	}
	return title
}
