package content_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestRootFSNames: through RootFS, a file whose name is not UTF-8 is an
// article like any other, with its bytes percent-encoded in its id; names
// with spaces, newlines and URL delimiters work too; a link out of the
// folder is still refused. (Linux only: macOS file systems refuse names
// that are not UTF-8.)
func TestRootFSNames(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	names := []string{"caf\xe9.md", "news/r\xe9sum\xe9.txt", "a b.md", "new\nline.md", "a&b#c%d?e.md"}
	for _, n := range names {
		p := filepath.Join(site, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("Title\nDate: 2026-01-02\n\nText.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.md"), []byte("# Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.md", filepath.Join(site, "out\xff.md")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	arts, err := content.Load(context.Background(), content.RootFS(root), testOptions())
	var got []string
	for _, a := range arts {
		got = append(got, a.Path)
		if a.Path == "caf\xe9.md" && a.ID != "tag:example.com,2024:caf%E9" {
			t.Errorf("id of caf\\xe9.md = %q, want the byte percent-encoded", a.ID)
		}
	}
	if strings.Join(got, "|") != "a b.md|a&b#c%d?e.md|caf\xe9.md|new\nline.md|news/r\xe9sum\xe9.txt" {
		t.Errorf("Load(RootFS) articles = %q, want every name", got)
	}
	pes := parseErrors(t, err)
	if len(pes) != 1 || pes[0].Path != "out\xff.md" || !errors.Is(pes[0], content.ErrOutsideRoot) {
		t.Errorf("Load(RootFS) errors = %v, want only out\\xff.md: %v", err, content.ErrOutsideRoot)
	}

	// An Index given the name by a watcher reads it too.
	x := content.NewIndex(content.RootFS(root), testOptions())
	if ch := x.Update(context.Background(), []string{"caf\xe9.md"}); len(ch.Added) != 1 {
		t.Errorf("Index.Update(caf\\xe9.md) = %+v, want it added", ch)
	}
	for _, bad := range []string{"", "/x.md", "a/../b.md", "./x.md", "x\x00.md", "a//b.md"} {
		if _, err := fs.Stat(content.RootFS(root), bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Stat(RootFS, %q) error = %v, want %v", bad, err, fs.ErrInvalid)
		}
	}
}

// TestRootFSDisk: through RootFS, which opens files with openat2 beneath
// the folder, every awkward entry of the disk tree gives what os.Root's own
// file system gives (links out refused, FIFOs not read and never blocking,
// loops failing), and the articles are the same.
func TestRootFSDisk(t *testing.T) {
	dir := diskTree(t)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	unblock := unblockFIFO(filepath.Join(dir, "pipe.md"))
	for _, p := range []string{"real.md", "inside.md", "story-link.txt", "news/story.txt", "news/up/real.md",
		"news/again/story.txt", "escape.md", "abs.md", "pipe.md", "news", "dangling.md", "empty.txt",
		"loop.md", "ping.md", "news/up/news/up/escape.md", "missing.md"} {
		var got, want *content.Article
		var gotErr, wantErr error
		waitDone(t, 10*time.Second, "ParseFile("+p+")", func() {
			got, gotErr = content.ParseFile(content.RootFS(root), p, testOptions())
			want, wantErr = content.ParseFile(root.FS(), p, testOptions())
		}, unblock)
		switch {
		case (gotErr == nil) != (wantErr == nil):
			t.Errorf("ParseFile(RootFS, %s) error = %v, through os.Root.FS %v", p, gotErr, wantErr)
		case gotErr != nil:
			for _, sentinel := range []error{content.ErrOutsideRoot, content.ErrNotRegular, fs.ErrNotExist, content.ErrEmpty} {
				if errors.Is(gotErr, sentinel) != errors.Is(wantErr, sentinel) {
					t.Errorf("ParseFile(RootFS, %s) error = %v, through os.Root.FS %v", p, gotErr, wantErr)
				}
			}
		case dumpArticle(got) != dumpArticle(want):
			t.Errorf("ParseFile(RootFS, %s) differs from os.Root.FS:\n%s", p, lineDiff(dumpArticle(want), dumpArticle(got)))
		}
	}

	// A body whose file became a FIFO renders as the summary, without
	// blocking.
	a, err := content.ParseFile(content.RootFS(root), "real.md", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "real.md"), filepath.Join(dir, "real.old")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "pipe.md"), filepath.Join(dir, "real.md")); err != nil {
		t.Fatal(err)
	}
	waitDone(t, 10*time.Second, "Body.HTML() of a FIFO", func() {
		if got, complete := a.Body.Read(content.RootFS(root)); got.HTML() != "<p>Text.</p>\n" || complete {
			t.Errorf("Read of a body whose file is now a FIFO = %q, complete %t, want the summary", got.HTML(), complete)
		}
	}, unblockFIFO(filepath.Join(dir, "real.md")))
}

// TestRootFSReadDir: RootFS lists a folder as os.Root does, with the same
// names, types and Info (size, mode, time, inode), for every awkward entry
// and in a large folder, whose entries are stat'ed on two goroutines.
func TestRootFSReadDir(t *testing.T) {
	dir := diskTree(t)
	big := filepath.Join(dir, "big")
	if err := os.Mkdir(big, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 150 {
		if err := os.WriteFile(filepath.Join(big, fmt.Sprintf("%03d.md", i)), []byte(strings.Repeat("x", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "setuid.md"), []byte("# S\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "setuid.md"), 0o4755|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, d := range []string{".", "news", "big"} {
		got, err := fs.ReadDir(content.RootFS(root), d)
		if err != nil {
			t.Fatalf("ReadDir(RootFS, %s): %v", d, err)
		}
		want, err := fs.ReadDir(root.FS(), d)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("ReadDir(RootFS, %s): %d entries, want %d", d, len(got), len(want))
		}
		for i := range got {
			g, w := got[i], want[i]
			gi, err1 := g.Info()
			wi, err2 := w.Info()
			if err1 != nil || err2 != nil {
				t.Fatalf("Info of %s: %v, %v", g.Name(), err1, err2)
			}
			gs, wsys := gi.Sys().(*syscall.Stat_t), wi.Sys().(*syscall.Stat_t)
			if g.Name() != w.Name() || g.Type() != w.Type() || g.IsDir() != w.IsDir() || gi.Name() != wi.Name() ||
				gi.Size() != wi.Size() || gi.Mode() != wi.Mode() || !gi.ModTime().Equal(wi.ModTime()) ||
				gs == nil || wsys == nil || gs.Ino != wsys.Ino || gs.Dev != wsys.Dev {
				t.Errorf("ReadDir(RootFS, %s)[%d] = %v (%v %v %v), want %v (%v %v %v)", d, i,
					g, gi.Size(), gi.Mode(), gi.ModTime(), w, wi.Size(), wi.Mode(), wi.ModTime())
			}
		}
	}
}

// TestFreshListing: a listing made fresh (no stat of each file; the stat is
// the one the file is read with) gives the index what a listing with stats
// gives, with readiness checks (serve) and without (build): the same
// articles, errors and changes, links followed inside the folder and refused
// out of it, a FIFO left alone; and stats good enough that a rescan reads
// again only the files that fail. A walk that stat'ed nothing and kept no
// stat would read every file again; one that opened the FIFO would hang.
func TestFreshListing(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	files := map[string]string{
		"a/one.md":       "---\ntitle: One\ndate: 2026-01-02\ntags: [x, y]\n---\n\nText one.\n",
		"a/two.txt":      "Two\nDate: 2026-01-03\n\nText two.\n\nSource: Desk\n",
		"b/sub/three.md": "---\ntitle: [unclosed\n---\n\nBad front matter.\n",
		"b/four.md":      "---\ntitle: Four\ndate: 2026-01-04\n---\n\nText four.\n",
		"notes.md~":      "an editor's backup: ignored\n",
	}
	for p, text := range files {
		full := filepath.Join(site, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.md"), []byte("# Secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"link.md": "a/one.md", "out.md": "../secret.md"} {
		if err := os.Symlink(target, filepath.Join(site, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(site, "pipe.md"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(site)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	type result struct {
		arts, errs, added string
	}
	scan := func(ready, fresh bool) (*content.Index, result) {
		x := content.NewIndex(content.RootFS(root), testOptions())
		if ready {
			x.SetReadiness(&content.Readiness{})
		}
		ch, err := x.RescanListed(t.Context(), x.List(t.Context(), fresh))
		if err != nil {
			t.Fatal(err)
		}
		var r result
		for _, a := range x.Articles() {
			r.arts += fmt.Sprintf("%s %s %x %s %s\n", a.Path, a.ID, a.Hash, a.Published.Format(time.RFC3339), a.Title)
		}
		for _, e := range ch.Errors {
			r.errs += e.Error() + "\n"
		}
		r.added = strings.Join(ch.Added, " ")
		return x, r
	}
	for _, ready := range []bool{false, true} {
		t.Run(fmt.Sprint("readiness=", ready), func(t *testing.T) {
			x, fresh := scan(ready, true)
			_, listed := scan(ready, false)
			if fresh != listed {
				t.Errorf("fresh listing:\n%+v\nlisting with stats:\n%+v", fresh, listed)
			}
			if !strings.Contains(fresh.arts, "link.md ") || strings.Contains(fresh.arts, "out.md ") || strings.Contains(fresh.arts, "pipe.md") {
				t.Errorf("fresh listing: articles\n%s\nwant link.md, and neither out.md nor pipe.md", fresh.arts)
			}
			if len(strings.Split(strings.TrimSpace(fresh.arts), "\n")) != 4 || !strings.Contains(fresh.errs, "three.md") {
				t.Errorf("fresh listing: articles\n%s\nerrors\n%s\nwant 4 articles and three.md failing", fresh.arts, fresh.errs)
			}
			reads := 0
			x.OnRead(func(done, n int) {
				if done == 0 {
					reads = n
				}
			})
			if _, err := x.Rescan(t.Context()); err != nil {
				t.Fatal(err)
			}
			if reads != x.ErrorCount() {
				t.Errorf("a rescan after a fresh listing read %d files, want %d (the files that fail)", reads, x.ErrorCount())
			}
		})
	}
}
