// Command gencorpus writes a deterministic corpus of synthetic news
// articles, plain text and Markdown, for dropfeed's tests and benchmarks.
// It is a thin wrapper around package bench/corpus, which documents the
// shape of the corpus.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
)

const usage = `Usage: gencorpus -out DIR [flags]

Writes N synthetic news articles (.txt and .md) into DIR, which must not exist
or be empty, and sets their modification times. The same flags give the same
files, names and times, whatever -j is; a corpus of N articles is the first N
of any larger one made with the same flags. A summary line goes to stderr.

Examples:
  gencorpus -out corpus-1k
  gencorpus -n 100000 -out /dev/shm/corpus-100k
  gencorpus -n 500 -format md -quirks=false -now 2025-01-01T00:00:00Z -out md-500

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if _, usage := errors.AsType[usageError](err); usage {
		os.Exit(2)
	}
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line; it has already been reported.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func run(ctx context.Context, args []string, stderr io.Writer) error {
	def := corpus.DefaultOptions()
	fs := flag.NewFlagSet("gencorpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	var (
		opt    = def
		out    = fs.String("out", "", "output `directory`; created, and refused if not empty (required)")
		format = fs.String("format", def.Format, "mixed, text or md")
		now    = fs.String("now", def.Now.Format(time.RFC3339), "reference `time` (RFC 3339): dates fall in the two years before it, mtimes never after it")
		jobs   = fs.Int("j", runtime.GOMAXPROCS(0), "parallel writers; the output does not depend on it")
	)
	fs.IntVar(&opt.N, "n", def.N, "number of articles")
	fs.Int64Var(&opt.Seed, "seed", def.Seed, "random seed")
	fs.Float64Var(&opt.MDShare, "md-share", def.MDShare, "share of Markdown articles with -format mixed, in [0, 1]")
	fs.BoolVar(&opt.Quirks, "quirks", def.Quirks, "add real-world irregularities: CRLF, byte order marks, no final newline")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err} // the flag package has printed it
	}
	bad := func(format string, a ...any) error {
		err := fmt.Errorf(format, a...)
		fmt.Fprintf(stderr, "gencorpus: %v\nRun gencorpus -h for help.\n", err)
		return usageError{err}
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *out == "":
		return bad("-out is required")
	case opt.N < 0:
		return bad("-n is %d, want >= 0", opt.N)
	case *format != "mixed" && *format != "text" && *format != "md":
		return bad("-format is %q, want mixed, text or md", *format)
	case !(opt.MDShare >= 0 && opt.MDShare <= 1):
		return bad("-md-share is %v, want a number in [0, 1]", opt.MDShare)
	}
	t, err := time.Parse(time.RFC3339, *now)
	if err != nil {
		return bad("parse -now: %v", err)
	}
	opt.Now, opt.Format = t, *format
	if opt.Format == "mixed" && opt.MDShare == 0 {
		opt.Format = "text" // in Options, a zero MDShare means the default
	}

	start := time.Now()
	st, err := corpus.Write(ctx, *out, opt, *jobs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "gencorpus: %d files (%d text, %d markdown, %d drafts, %d future), %.1f MB in %.2fs to %s\n",
		st.Files, st.Text, st.Markdown, st.Drafts, st.Future, float64(st.Bytes)/1e6, time.Since(start).Seconds(), *out)
	return nil
}
