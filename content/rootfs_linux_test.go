package content_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
