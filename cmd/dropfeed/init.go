package main

import (
	"context"
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
		{ConfigFileName, initConfig(filepath.Base(abs), now)},
		{filepath.Join("content", day+"-welcome-to-dropfeed.md"), strings.ReplaceAll(initMarkdown, "DATE", now.Format(time.RFC3339))},
		{filepath.Join("content", day+"-plain-text-articles.txt"), strings.ReplaceAll(initText, "DATE", now.Add(-time.Minute).Format(time.RFC3339))},
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

// initConfig returns the commented config file init writes.
func initConfig(name string, now time.Time) string {
	title := strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ").Replace(name))
	if title == "" || title == "." || title == string(filepath.Separator) {
		title = "News"
	}
	return strings.NewReplacer("TITLE", strconv.Quote(title), "YEAR", strconv.Quote(now.Format("2006"))).Replace(`# dropfeed site configuration, written by "dropfeed init".
# Every key is optional. A flag (see "dropfeed serve -h") or an environment
# variable DROPFEED_<FLAG> (DROPFEED_BASE_URL, DROPFEED_ADDR, ...) overrides
# the key here. Relative paths are relative to this file's folder.

# The site's name and description, shown in feed readers and on the index page.
title: TITLE
# description: Local news from the valley, as feeds
# author: The newsroom            # the feeds' author; default: the title
language: en
# time_zone: Europe/Berlin        # for dates written without an offset; default UTC

# The folder of article files: .md (Markdown) and .txt (plain text).
content: content

# Where "dropfeed build" writes the static files; "serve" keeps them current too.
out: public

# The public URL of the site. "serve" uses http://<addr>/ while this is unset;
# "build" needs it (or -base-url).
# base_url: https://news.example.com/

# Identity: every article's id is tag:<id_authority>,<id_date>:<path>.
# Set both once, BEFORE you publish, and never change them afterwards:
# a changed id makes every feed reader show every article again.
# id_authority defaults to the host of base_url.
# id_authority: news.example.com
id_date: YEAR

# Items in each feed (0 = all).
max_items: 20

# Where "dropfeed serve" listens.
addr: 127.0.0.1:8080

# Files and folders that are never articles (globs, matched against the path
# and the name). Names starting with "_" or "." are always skipped.
ignore:
  - "drafts/*"
`)
}

const initMarkdown = `---
title: "Welcome to dropfeed"
date: DATE
author: dropfeed
tags: [meta]
summary: This site's feeds are made from a folder of files. Here is how to write one.
---

Every file in the **content** folder that ends in ` + "`.md`" + ` or ` + "`.txt`" + ` is an article.
Save a file, and the feeds and this page follow within a second.

## Writing a Markdown article

Start the file with front matter between two ` + "`---`" + ` lines:

- ` + "`title`" + ` and ` + "`date`" + ` (with a time and an offset, as above);
- optionally ` + "`author`" + `, ` + "`tags`" + `, ` + "`summary`" + ` and ` + "`draft: true`" + ` to keep it unpublished.

Then write the text in [Markdown](https://commonmark.org/help/). The quickest
start is ` + "`dropfeed new \"Title\"`" + `, which writes a file like this one.

Before you publish, run ` + "`dropfeed check`" + `: it lists what readers would stumble over.
`

const initText = `Plain-text articles work too
Date: DATE
Author: dropfeed
Tags: meta

A plain-text article is the title on the first line, then header lines such
as Date, Author and Tags, a blank line, and the text.

Paragraphs are separated by blank lines. The lines of one paragraph are
joined, so you can wrap them as you like.

A last line "Source: NAME" becomes a closing credit.

Source: dropfeed init
`
