package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		args      []string // "OUT" is replaced with a fresh directory
		wantErr   string   // "usage", "help", "other" or "" for success
		wantFiles int
		stderr    string
	}{
		{name: "help", args: []string{"-h"}, wantErr: "help", stderr: "Examples:"},
		{name: "unknown flag", args: []string{"-x"}, wantErr: "usage", stderr: "-x"},
		{name: "stray argument", args: []string{"-out", "OUT", "more"}, wantErr: "usage", stderr: `unexpected argument "more"`},
		{name: "no -out", args: []string{"-n", "3"}, wantErr: "usage", stderr: "-out is required"},
		{name: "negative -n", args: []string{"-n", "-1", "-out", "OUT"}, wantErr: "usage", stderr: "-n is -1"},
		{name: "bad -format", args: []string{"-format", "rss", "-out", "OUT"}, wantErr: "usage", stderr: `-format is "rss"`},
		{name: "bad -md-share", args: []string{"-md-share", "1.5", "-out", "OUT"}, wantErr: "usage", stderr: "-md-share is 1.5"},
		{name: "bad -now", args: []string{"-now", "yesterday", "-out", "OUT"}, wantErr: "usage", stderr: "parse -now"},
		{name: "write", args: []string{"-n", "40", "-j", "3", "-out", "OUT"}, wantFiles: 40, stderr: "gencorpus: 40 files ("},
		{name: "text only", args: []string{"-n", "10", "-md-share", "0", "-out", "OUT"}, wantFiles: 10, stderr: "(10 text, 0 markdown"},
		{name: "markdown only", args: []string{"-n", "10", "-format", "md", "-quirks=false", "-now", "2025-01-01T00:00:00Z", "-out", "OUT"}, wantFiles: 10, stderr: "(0 text, 10 markdown"},
		{name: "existing file as -out", args: []string{"-n", "5", "-out", "FILE"}, wantErr: "other"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "corpus")
			file := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(file, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.NewReplacer("OUT", out, "FILE", file).Replace(a)
			}
			var stderr bytes.Buffer
			err := run(t.Context(), args, &stderr)
			_, usage := errors.AsType[usageError](err)
			var got string
			switch {
			case err == nil:
			case errors.Is(err, flag.ErrHelp):
				got = "help"
			case usage:
				got = "usage"
			default:
				got = "other"
			}
			if got != tc.wantErr {
				t.Fatalf("run(%q) = %v (%s), want %q; stderr:\n%s", args, err, got, tc.wantErr, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", args, stderr.String(), tc.stderr)
			}
			n := 0
			filepath.WalkDir(out, func(_ string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					n++
				}
				return nil
			})
			if n != tc.wantFiles {
				t.Errorf("run(%q) wrote %d files, want %d", args, n, tc.wantFiles)
			}
		})
	}
}
