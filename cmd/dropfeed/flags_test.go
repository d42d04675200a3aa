package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpOnce: every command's -h (and -help, --help) prints its usage
// once, on stdout, and exits 0 with nothing on stderr; a bad flag still
// gets its message and the usage on stderr, and exit 2.
func TestHelpOnce(t *testing.T) {
	for _, cmd := range []string{"build", "serve", "check", "init", "new"} {
		for _, flag := range []string{"-h", "-help", "--help"} {
			t.Run(cmd+" "+flag, func(t *testing.T) {
				var stdout, stderr bytes.Buffer
				code := run(t.Context(), []string{cmd, flag}, &stdout, &stderr)
				if code != exitOK || stderr.Len() != 0 {
					t.Errorf("dropfeed %s %s = exit %d, stderr %q; want 0 and nothing", cmd, flag, code, stderr.String())
				}
				out := stdout.String()
				if n := strings.Count(out, "Usage: dropfeed "+cmd); n != 1 {
					t.Errorf("dropfeed %s %s printed the usage %d times on stdout, want once:\n%s", cmd, flag, n, out)
				}
				if !strings.Contains(out, "\nFlags:\n") || !strings.Contains(out, "\nExamples:\n") {
					t.Errorf("dropfeed %s %s: the usage lacks its flags or examples:\n%s", cmd, flag, out)
				}
			})
		}
		t.Run(cmd+" bad flag", func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), []string{cmd, "-nope"}, &stdout, &stderr)
			if code != exitUsage || stdout.Len() != 0 {
				t.Errorf("dropfeed %s -nope = exit %d, stdout %q; want 2 and nothing", cmd, code, stdout.String())
			}
			if e := stderr.String(); !strings.Contains(e, "flag provided but not defined: -nope") || strings.Count(e, "Usage: dropfeed "+cmd) != 1 {
				t.Errorf("dropfeed %s -nope: stderr lacks the message or the usage (once):\n%s", cmd, e)
			}
		})
	}
	for _, args := range [][]string{{"-h"}, {"help"}, {"--help"}} {
		var stdout, stderr bytes.Buffer
		if code := run(t.Context(), args, &stdout, &stderr); code != exitOK || stderr.Len() != 0 || strings.Count(stdout.String(), "Usage:") != 1 {
			t.Errorf("dropfeed %v = exit %d, %d usages on stdout, stderr %q; want 0, 1 and nothing", args, code, strings.Count(stdout.String(), "Usage:"), stderr.String())
		}
	}
}
