package content_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestFolder: a Folder reads the folder it opened; Check tells a folder
// made anew or gone; after Reopen, FS reads the new one, also through a
// view taken before; a folder never opened fails with ErrFolderMissing.
func TestFolder(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	writeTree(t, dir, map[string][]byte{"a.md": []byte("# Old\n")})

	if _, err := content.OpenFolder(filepath.Join(parent, "none")); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("OpenFolder(missing) = %v, want ErrFolderMissing", err)
	}
	if _, err := content.OpenFolder(filepath.Join(dir, "a.md")); err == nil || errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("OpenFolder(a file) = %v, want a not-a-folder error", err)
	}
	unopened := content.NewFolder(dir)
	if _, err := fs.ReadFile(unopened.FS(), "a.md"); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("ReadFile through a folder never opened = %v, want ErrFolderMissing", err)
	}

	f, err := content.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	view := f.FS()
	if b, err := fs.ReadFile(view, "a.md"); err != nil || string(b) != "# Old\n" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	if replaced, err := f.Check(); replaced || err != nil {
		t.Errorf("Check() of the folder as opened = %t, %v, want false, nil", replaced, err)
	}

	if err := os.Rename(dir, filepath.Join(parent, "old")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Check(); !errors.Is(err, content.ErrFolderMissing) {
		t.Errorf("Check() of a folder moved away = %v, want ErrFolderMissing", err)
	}
	writeTree(t, dir, map[string][]byte{"a.md": []byte("# New\n")})
	if replaced, err := f.Check(); !replaced || err != nil {
		t.Errorf("Check() of a folder made anew = %t, %v, want true, nil", replaced, err)
	}
	// Readers keep reading while the folder is opened again.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				if _, err := fs.ReadFile(view, "a.md"); err != nil {
					t.Errorf("ReadFile during Reopen: %v", err)
					return
				}
			}
		})
	}
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if b, err := fs.ReadFile(view, "a.md"); err != nil || string(b) != "# New\n" {
		t.Errorf("ReadFile after Reopen through the old view = %q, %v, want the new folder's file", b, err)
	}
	if replaced, err := f.Check(); replaced || err != nil {
		t.Errorf("Check() after Reopen = %t, %v, want false, nil", replaced, err)
	}
}
