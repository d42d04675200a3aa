package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

const usage = `dropfeed keeps RSS, Atom and JSON feeds of a folder of article files.

Usage:
  dropfeed <command> [flags]

Commands:
  init      make a folder a dropfeed site: a config file and two articles
  new       create an article file, named and dated
  build     write the feeds and pages as static files
  serve     serve the feeds over HTTP and rebuild them when files change
  check     report errors and warnings in the article files
  version   print the version

Run "dropfeed <command> -h" for a command's flags. Every flag can also be
set by an environment variable: DROPFEED_ and its name in capitals, dashes
as underscores (DROPFEED_BASE_URL). A flag beats the variable, which beats
the config file.

Examples:
  dropfeed init news && cd news && dropfeed serve
  dropfeed new "Bridge closes for repairs"
  dropfeed build -content articles -out public -base-url https://news.example.com/
  dropfeed serve -config example/dropfeed.yaml
  dropfeed check -content articles -strict
`

// exit codes
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// errUsage marks errors in the command line; they exit 2.
var errUsage = errors.New("usage")

// run is the whole program: it parses args, runs one command and returns the
// exit code. Data goes to stdout, diagnostics to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "build":
		err = runBuild(ctx, rest, stdout, stderr)
	case "serve":
		err = runServe(ctx, rest, stdout, stderr)
	case "check":
		err = runCheck(ctx, rest, stdout, stderr)
	case "init":
		err = runInit(ctx, rest, stdout, stderr)
	case "new":
		err = runNew(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "dropfeed", version())
		return exitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "dropfeed: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "dropfeed:", err)
		return exitUsage
	case errors.Is(err, errSilentFail):
		return exitFail
	default:
		fmt.Fprintln(stderr, "dropfeed:", err)
		return exitFail
	}
}

// errSilentFail exits 1 after the command has already said why.
var errSilentFail = errors.New("failed")

// version returns the module version from the build information.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += "+" + s.Value[:12]
			}
		}
	}
	return v
}
