package content_test

import (
	"context"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content"
)

// writeTree writes files (slash path → bytes) under dir.
func writeTree(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lazyFixtures returns the golden fixtures and a generated corpus of both
// formats with its quirks (CRLF, byte order marks, no final newline,
// titles from "# Heading" lines, missing summaries).
func lazyFixtures(t testing.TB) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	names, err := filepath.Glob("testdata/articles/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files["articles/"+filepath.Base(name)] = data
	}
	opt := corpus.DefaultOptions()
	n := 600
	if testing.Short() {
		n = 150
	}
	for i := range n {
		f := corpus.Generate(i, opt)
		files["gen/"+f.Path] = f.Data
	}
	// A title taken from the body, and text around it.
	files["heading/title.md"] = []byte("---\ndate: 2026-01-02\n---\n\nIntro.\n\n# The Title\n\nBody *text*.\n")
	files["heading/crlf.md"] = []byte("\ufeff# Title\r\n\r\nBody.\r\n")
	return files
}

// TestLazyBodyRendersAsKept: an article read from a file system (Load,
// ParseFile) renders exactly as one parsed from its bytes, which keeps its
// body: every field and the HTML, through RootFS and through any fs.FS.
func TestLazyBodyRendersAsKept(t *testing.T) {
	files := lazyFixtures(t)
	dir := t.TempDir()
	writeTree(t, dir, files)
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, tc := range []struct {
		name string
		fsys fs.FS
	}{
		{"RootFS", content.RootFS(root)},
		{"os.Root.FS", root.FS()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arts, err := content.Load(context.Background(), tc.fsys, testOptions())
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(arts) != len(files) {
				t.Fatalf("Load: %d articles, want %d", len(arts), len(files))
			}
			for _, a := range arts {
				fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(a.Path)))
				if err != nil {
					t.Fatal(err)
				}
				kept, err := content.Parse(a.Path, files[a.Path], fi.ModTime(), testOptions())
				if err != nil {
					t.Fatalf("Parse(%s): %v", a.Path, err)
				}
				if a.Body.Kept() {
					t.Errorf("%s: Load kept the body in memory", a.Path)
				}
				read := withBody(t, a, tc.fsys)
				if got, want := dumpArticle(read), dumpArticle(kept); got != want {
					t.Errorf("%s read lazily differs from parsed whole:\n%s", a.Path, lineDiff(want, got))
				}
				if got, want := read.Body.Text(), kept.Body.Text(); got != want {
					t.Errorf("%s: Body.Text() read lazily = %q, want %q", a.Path, shorten(got), shorten(want))
				}
			}
		})
	}
}

// TestLazyBodyFileChanged: a body read again from a file that changed,
// vanished or became something else since it was parsed renders as the
// article's summary, never as the file's new text; the same bytes at the
// path (written again, or in a folder made anew where the old one was and
// opened again by its Folder) render in full.
func TestLazyBodyFileChanged(t *testing.T) {
	const src = "---\ntitle: Kept\nsummary: The summary & more.\n---\n\nThe full body.\n"
	const fullHTML = "<p>The full body.</p>\n"
	const summaryHTML = "<p>The summary &amp; more.</p>\n"
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string)
		want   string
	}{
		{"unchanged", func(*testing.T, string) {}, fullHTML},
		{"same bytes, new inode", func(t *testing.T, dir string) {
			replace(t, dir, "a.md", []byte(src))
		}, fullHTML},
		{"new bytes", func(t *testing.T, dir string) {
			replace(t, dir, "a.md", []byte(strings.Replace(src, "full", "other", 1)))
		}, summaryHTML},
		{"another file renamed over it", func(t *testing.T, dir string) {
			if err := os.Rename(filepath.Join(dir, "b.md"), filepath.Join(dir, "a.md")); err != nil {
				t.Fatal(err)
			}
		}, summaryHTML},
		{"deleted", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "a.md")); err != nil {
				t.Fatal(err)
			}
		}, summaryHTML},
		{"now a folder", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "a.md")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "a.md"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, summaryHTML},
		{"now a link out of the folder", func(t *testing.T, dir string) {
			outside := filepath.Join(filepath.Dir(dir), "outside.md")
			if err := os.WriteFile(outside, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, "a.md")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "a.md")); err != nil {
				t.Fatal(err)
			}
		}, summaryHTML},
		{"folder made anew, same bytes", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, map[string][]byte{"a.md": []byte(src)})
		}, fullHTML},
		{"folder made anew, new bytes", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			writeTree(t, dir, map[string][]byte{"a.md": []byte(src + "\nMore.\n")})
		}, summaryHTML},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "site")
			writeTree(t, dir, map[string][]byte{"a.md": []byte(src), "b.md": []byte("---\ntitle: B\n---\n\nSecret of b.\n")})
			folder, err := content.OpenFolder(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer folder.Close()
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			a1 := mustParseFile(t, folder.FS(), "a.md")
			a2 := mustParseFile(t, root.FS(), "a.md")
			if got := a1.Body.HTML(); got != summaryHTML {
				t.Errorf("HTML() without reading the file = %q, want the summary %q", got, summaryHTML)
			}
			for _, v := range []struct {
				a    *content.Article
				fsys fs.FS
			}{{a1, folder.FS()}, {a2, root.FS()}} {
				if got := withBody(t, v.a, v.fsys).Body.HTML(); got != fullHTML {
					t.Fatalf("HTML() before the change = %q, want %q", got, fullHTML)
				}
			}
			tc.change(t, dir)
			if replaced, err := folder.Check(); err == nil && replaced {
				if err := folder.Reopen(); err != nil {
					t.Fatal(err)
				}
			}
			read, complete := a1.Body.Read(folder.FS())
			if got := read.HTML(); got != tc.want || complete != (tc.want == fullHTML) {
				t.Errorf("Folder: Read: HTML() = %q, complete %t, want %q", got, complete, tc.want)
			}
			want := tc.want
			if strings.HasPrefix(tc.name, "folder made anew") {
				// An os.Root keeps reading the folder it opened, which is gone.
				want = summaryHTML
			}
			if got := withBody(t, a2, root.FS()).Body.HTML(); got != want {
				t.Errorf("os.Root.FS: HTML() = %q, want %q", got, want)
			}
			if got, wantText := read.Text(), "The summary & more."; tc.want == summaryHTML && got != wantText {
				t.Errorf("Folder: Text() = %q, want the summary %q", got, wantText)
			}
		})
	}
}

// replace writes data to dir/name through a temporary file renamed over it.
func replace(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(dir, "."+path.Base(name)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// withBody returns a copy of a with its body read from fsys.
func withBody(t testing.TB, a *content.Article, fsys fs.FS) *content.Article {
	t.Helper()
	b := *a
	b.Body, _ = a.Body.Read(fsys)
	return &b
}

func mustParseFile(t *testing.T, fsys fs.FS, p string) *content.Article {
	t.Helper()
	a, err := content.ParseFile(fsys, p, testOptions())
	if err != nil {
		t.Fatalf("ParseFile(%s): %v", p, err)
	}
	return a
}
