package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlagSet returns a flag set that reports errors instead of exiting, with
// a usage text that starts with synopsis and ends with examples.
func newFlagSet(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(fs.Output(), "\nExamples:\n%s", examples)
		}
	}
	return fs
}

// parseFlags parses args and rejects stray arguments. -h gives flag.ErrHelp
// (exit 0) after printing the usage on stdout.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	if err := parseOnce(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", errUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}

// parseOnce runs fs.Parse and prints the usage once: for -h on stdout
// alone (it is what was asked for), after a bad flag on the flag set's
// output (stderr), below the flag package's message. The flag package
// itself would print it for both on its output, so -h wrote it to
// stderr before this printed it to stdout.
func parseOnce(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		out := fs.Output()
		fs.SetOutput(stdout)
		fs.Usage()
		fs.SetOutput(out)
		return flag.ErrHelp
	case err != nil:
		fs.Usage()
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}
