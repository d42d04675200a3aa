// Command dropfeed keeps RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds of a folder
// of article files: as static files ("dropfeed build") and over HTTP, rebuilt
// live when files change ("dropfeed serve"). "dropfeed check" reports what is
// wrong with the articles. Run "dropfeed -h" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
