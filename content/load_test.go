package content_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

const mixedTree = `
-- news/2024-05-06-launch.md --
# Launch

We launched.
-- news/harbour.txt --
Harbour reopens
Date: 2024-05-01 09:00

The harbour reopened.
-- news/bad-date.txt --
Bad date
Author: Jane Roe
Date: 2024-02-30

Text.
-- posts/unclosed.md --
---
title: Never closed
-- posts/wrong-type.md --
---
title: Wrong
date: 2024-01-01
tags: {a: 1}
---
Text.
-- posts/empty.md --
-- posts/binary.txt --
Title` + "\x00" + `
-- posts/ok.markdown --
---
title: Fine
---
Text.
-- notes/readme.html --
<p>not an article</p>
-- notes/photo.png --
PNG
`

// parseErrors flattens a joined error into its *ParseErrors, failing the test
// on anything else.
func parseErrors(t *testing.T, err error) []*content.ParseError {
	t.Helper()
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*content.ParseError
	for _, e := range errs {
		pe, ok := errors.AsType[*content.ParseError](e)
		if !ok {
			t.Errorf("error %v (%T) is not a *content.ParseError", e, e)
			continue
		}
		out = append(out, pe)
	}
	return out
}

func articlePaths(arts []*content.Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Path
	}
	return out
}

func TestLoad(t *testing.T) {
	fsys := treeFS(t, mixedTree, mtime)
	arts, err := content.Load(t.Context(), fsys, testOptions())

	wantPaths := []string{"news/2024-05-06-launch.md", "news/harbour.txt", "posts/ok.markdown"}
	if got := articlePaths(arts); !slices.Equal(got, wantPaths) {
		t.Errorf("Load() articles = %q, want %q", got, wantPaths)
	}
	for _, a := range arts {
		checkInvariants(t, a)
	}
	if err == nil {
		t.Fatal("Load() error = nil, want the bad files")
	}
	for _, target := range []error{content.ErrBadDate, content.ErrUnclosedFrontMatter, content.ErrFrontMatter, content.ErrEmpty, content.ErrBinary} {
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(Load() error, %v) = false, want true", target)
		}
	}
	if _, ok := errors.AsType[*content.ParseError](err); !ok {
		t.Errorf("errors.AsType[*ParseError](Load() error) failed on %v", err)
	}

	type loc struct {
		path string
		line int
		err  error
	}
	want := []loc{
		{"news/bad-date.txt", 3, content.ErrBadDate},
		{"posts/binary.txt", 1, content.ErrBinary},
		{"posts/empty.md", 0, content.ErrEmpty},
		{"posts/unclosed.md", 1, content.ErrUnclosedFrontMatter},
		{"posts/wrong-type.md", 4, content.ErrFrontMatter},
	}
	pes := parseErrors(t, err)
	slices.SortFunc(pes, func(a, b *content.ParseError) int { return strings.Compare(a.Path, b.Path) })
	if len(pes) != len(want) {
		t.Fatalf("Load() errors = %v, want %d of them", err, len(want))
	}
	for i, pe := range pes {
		if pe.Path != want[i].path || pe.Line != want[i].line || !errors.Is(pe, want[i].err) {
			t.Errorf("Load() error %d = %s (line %d), want %s:%d: %v", i, pe, pe.Line, want[i].path, want[i].line, want[i].err)
		}
		if wantWarn := want[i].err == content.ErrEmpty; content.IsWarning(pe) != wantWarn {
			t.Errorf("IsWarning(%v) = %v, want %v", pe, !wantWarn, wantWarn)
		}
	}
}

func TestLoadEmptyAndMissingRoot(t *testing.T) {
	arts, err := content.Load(t.Context(), fstest.MapFS{}, testOptions())
	if len(arts) != 0 || err != nil {
		t.Errorf("Load(empty FS) = %v, %v, want no articles and no error", arts, err)
	}
	sub, err := fs.Sub(fstest.MapFS{"x/a.md": {Data: []byte("# A\n")}}, "missing")
	if err != nil {
		t.Fatal(err)
	}
	arts, err = content.Load(t.Context(), sub, testOptions())
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing root) = %v, %v, want an fs.ErrNotExist error", arts, err)
	}
}

func TestLoadCancelled(t *testing.T) {
	fsys := treeFS(t, mixedTree, mtime)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	arts, err := content.Load(ctx, fsys, testOptions())
	if !errors.Is(err, context.Canceled) || arts != nil {
		t.Errorf("Load(cancelled) = %d articles, %v, want none and %v", len(arts), err, context.Canceled)
	}
}

func TestLoadWorkers(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "-- a/d%d/p%d.md --\n# Post %d\n\nText.\n", i%7, i, i)
	}
	fsys := treeFS(t, b.String(), mtime)
	var first []string
	for _, workers := range []int{0, 1, 3, 64} {
		opts := testOptions()
		opts.Workers = workers
		arts, err := content.Load(t.Context(), fsys, opts)
		if err != nil || len(arts) != 200 {
			t.Fatalf("Load(Workers %d) = %d articles, %v, want 200, nil", workers, len(arts), err)
		}
		got := articlePaths(arts)
		if !slices.IsSorted(got) {
			t.Errorf("Load(Workers %d) articles not sorted by path", workers)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("Load(Workers %d) articles differ from Workers 0", workers)
		}
	}
}

func TestIgnored(t *testing.T) {
	patterns := []string{"drafts/*", "*.draft.md", "archive", "news/old/", "private"}
	tests := []struct {
		rel   string
		isDir bool
		want  bool
	}{
		{".", true, false},
		{"a.md", false, false},
		{"a.txt", false, false},
		{"news/a.markdown", false, false},
		{"news", true, false},
		{".hidden.md", false, true},
		{"news/.hidden/a.md", false, true},
		{".git", true, true},
		{"_partial.md", false, true},
		{"_drafts", true, true},
		{"news/_drafts/a.md", false, true},
		{"a.md.swp", false, true},
		{".a.md.swp", false, true},
		{"a.swx", false, true},
		{"a.md~", false, true},
		{"#a.md#", false, true},
		{"news/4913", false, true},
		{"a.md___jb_tmp___", false, true},
		{"a___jb_old___.md", false, true},
		{"a.md.tmp", false, true},
		{"photo.png", false, true},
		{"README", false, true},
		{"node_modules", true, true},
		{"node_modules/a.md", false, true},
		{"x/node_modules/y/a.md", false, true},
		{"drafts/a.md", false, true},
		{"drafts", true, false},
		{"news/a.draft.md", false, true},
		{"archive", true, true},
		{"news/archive", true, true},
		{"news/archive/2020/a.md", false, true},
		{"archive.md", false, false},
		{"news/old", true, true},
		{"news/old/a.md", false, true},
		{"news/older/a.md", false, false},
		{"private/x/y.txt", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			if got := content.Ignored(tc.rel, tc.isDir, patterns); got != tc.want {
				t.Errorf("Ignored(%q, %v, %q) = %v, want %v", tc.rel, tc.isDir, patterns, got, tc.want)
			}
		})
	}
}

func TestLoadIgnored(t *testing.T) {
	const tree = `
-- keep.md --
# Keep
-- news/keep.txt --
Keep
-- .hidden.md --
# Hidden
-- .git/x.md --
# Git
-- news/.drafts/x.md --
# Hidden folder
-- _x.md --
# Underscore
-- _drafts/y.md --
# Underscore folder
-- keep.md.swp --
vim
-- keep.md~ --
backup
-- #keep.md# --
emacs
-- 4913 --
vim probe
-- keep.md___jb_tmp___ --
IntelliJ
-- image.png --
PNG
-- drafts/wip.md --
# Glob on the path
-- news/x.draft.md --
# Glob on the base name
-- archive/2020/old.md --
# Ignored folder
-- node_modules/pkg/README.md --
# Not content
`
	opts := testOptions()
	opts.Ignore = []string{"drafts/*", "*.draft.md", "archive"}
	arts, err := content.Load(t.Context(), treeFS(t, tree, mtime), opts)
	if err != nil {
		t.Errorf("Load() error: %v", err)
	}
	if got, want := articlePaths(arts), []string{"keep.md", "news/keep.txt"}; !slices.Equal(got, want) {
		t.Errorf("Load() articles = %q, want %q", got, want)
	}
}

func TestParseFile(t *testing.T) {
	fsys := treeFS(t, "-- a.md --\n# A\n-- dir/b.md/ --\n", mtime)
	fsys["big.md"] = &fstest.MapFile{Data: []byte("# Big\n" + strings.Repeat("x", 200)), ModTime: mtime}
	fsys["dir.md"] = &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: mtime}
	fsys["pipe.md"] = &fstest.MapFile{Mode: fs.ModeNamedPipe | 0o644, ModTime: mtime}
	opts := testOptions()
	opts.MaxSize = 100

	a, err := content.ParseFile(fsys, "a.md", opts)
	if err != nil || a.Title != "A" || !a.ModTime.Equal(mtime) || a.Size != 4 {
		t.Errorf("ParseFile(a.md) = %+v, %v, want title A, ModTime %v, Size 4", a, err, mtime)
	}
	tests := []struct {
		path string
		want error
	}{
		{"missing.md", fs.ErrNotExist},
		{"dir.md", content.ErrNotRegular},
		{"pipe.md", content.ErrNotRegular},
		{"big.md", content.ErrTooLarge},
	}
	for _, tc := range tests {
		_, err := content.ParseFile(fsys, tc.path, opts)
		pe, ok := errors.AsType[*content.ParseError](err)
		if !ok || !errors.Is(err, tc.want) || pe.Path != tc.path {
			t.Errorf("ParseFile(%q) error = %v, want a *ParseError for %q wrapping %v", tc.path, err, tc.path, tc.want)
		}
	}
}

func TestIsWarning(t *testing.T) {
	empty := &content.ParseError{Path: "a.md", Err: content.ErrEmpty}
	empty2 := &content.ParseError{Path: "b.md", Err: content.ErrEmpty}
	bad := &content.ParseError{Path: "c.md", Line: 2, Err: content.ErrBadDate}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"empty file", empty, true},
		{"bad date", bad, false},
		{"join of empty files", errors.Join(empty, empty2), true},
		{"join with a real error", errors.Join(empty, bad), false},
		{"wrapped empty", errorsWrap(empty), true},
	}
	for _, tc := range tests {
		if got := content.IsWarning(tc.err); got != tc.want {
			t.Errorf("IsWarning(%s: %v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

func errorsWrap(err error) error { return &wrapped{err} }

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestParseErrorText(t *testing.T) {
	tests := []struct {
		err  *content.ParseError
		want string
	}{
		{&content.ParseError{Path: "a/b.md", Line: 3, Err: content.ErrBadDate}, "a/b.md:3: content: bad date"},
		{&content.ParseError{Path: "a/b.md", Err: content.ErrEmpty}, "a/b.md: content: empty file"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("(%#v).Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
	w := content.Warning{Path: "a.txt", Line: 2, Msg: "removed 1 control character(s)"}
	if got, want := w.String(), "a.txt:2: removed 1 control character(s)"; got != want {
		t.Errorf("Warning.String() = %q, want %q", got, want)
	}
	if got, want := (content.Warning{Path: "a.md", Line: 2, Column: 5, Msg: "m"}).String(), "a.md:2:5: m"; got != want {
		t.Errorf("Warning.String() = %q, want %q", got, want)
	}
	if got, want := (content.Warning{Path: "a.txt", Msg: "m"}).String(), "a.txt: m"; got != want {
		t.Errorf("Warning.String() = %q, want %q", got, want)
	}
}

// waitDone fails the test when f does not return within d, so a regression
// that blocks (on a FIFO, a link loop) fails instead of hanging the run.
// unblock, when not nil, is called on timeout to release f.
func waitDone(t *testing.T, d time.Duration, what string, f func(), unblock func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		if unblock != nil {
			unblock()
		}
		t.Fatalf("%s did not return within %v", what, d)
	}
}
