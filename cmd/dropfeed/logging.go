package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// logFlags are the logging flags of the commands that log: -log-format and -v.
type logFlags struct {
	format  string
	verbose bool
	level   slog.LevelVar
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.format, "log-format", "text", "log `format`: text or json")
	fs.BoolVar(&l.verbose, "v", false, "log debug messages")
}

// json reports whether logs are JSON records, one per line.
func (l *logFlags) json() bool { return l.format == "json" }

// logger builds the program's one log handler, writing to w.
func (l *logFlags) logger(w io.Writer) (*slog.Logger, error) {
	l.level.Set(slog.LevelInfo)
	if l.verbose {
		l.level.Set(slog.LevelDebug)
	}
	opts := &slog.HandlerOptions{Level: &l.level}
	switch l.format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("%w: -log-format: %q is not text or json", errUsage, l.format)
}

// listening announces a listening address: the plain line
// "NAME on http://HOST:PORT/" that scripts wait for, or a JSON record with
// msg NAME and the url when logs are JSON.
func (l *logFlags) listening(w io.Writer, log *slog.Logger, name, url string) {
	if l.json() {
		log.Info(name, "url", url)
		return
	}
	fmt.Fprintf(w, "%s on %s\n", name, url)
}

// startSummary is what serve says once its first build is done.
type startSummary struct {
	content  string   // the content folder
	articles int      // articles published
	errors   int      // files that fail to parse
	open     string   // the local URL of the index page
	feeds    []string // the feeds' URLs
	metrics  string   // the URL of /metrics
	health   string   // the URL of /healthz
}

// summary prints the start summary: a few lines for people, or one record
// when logs are JSON.
func (l *logFlags) summary(w io.Writer, log *slog.Logger, s startSummary) {
	if l.json() {
		log.Info("ready", "path", s.content, "count", s.articles, "errors", s.errors,
			"url", s.open, "feeds", s.feeds, "metrics", s.metrics, "healthz", s.health)
		return
	}
	errs := ""
	if s.errors > 0 {
		errs = fmt.Sprintf(", %d file(s) with errors", s.errors)
	}
	// One write, so that no log line of another goroutine lands inside.
	var b strings.Builder
	fmt.Fprintf(&b, "serving %d article(s) from %s%s\n", s.articles, s.content, errs)
	fmt.Fprintf(&b, "  open     %s\n", s.open)
	for i, f := range s.feeds {
		label := ""
		if i == 0 {
			label = "feeds"
		}
		fmt.Fprintf(&b, "  %-8s %s\n", label, f)
	}
	fmt.Fprintf(&b, "  metrics  %s  health %s\n", s.metrics, s.health)
	b.WriteString("  watching for changes; Ctrl-C stops\n")
	io.WriteString(w, b.String())
}
