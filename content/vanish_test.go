package content_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/dropfeed/dropfeed/content"
)

// vanishFS lists the files in gone but cannot stat or open them, as when
// they are deleted between the listing of their folder and their reading.
type vanishFS struct {
	fstest.MapFS
	gone map[string]bool
}

func (v vanishFS) Open(name string) (fs.File, error) {
	if v.gone[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return v.MapFS.Open(name)
}

func (v vanishFS) Stat(name string) (fs.FileInfo, error) {
	if v.gone[name] {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return v.MapFS.Stat(name)
}

// openOnly lets the stat through and fails only the open.
type openOnly struct{ vanishFS }

func (o openOnly) Stat(name string) (fs.FileInfo, error) { return o.MapFS.Stat(name) }

// TestVanishedBetweenListAndRead: a file deleted after its folder was
// listed is simply not an article (no error: it is gone), and costs no other
// file, whether it vanishes before the stat or between stat and open, with
// or without the readiness checks serve uses.
func TestVanishedBetweenListAndRead(t *testing.T) {
	tree := treeFS(t, `
-- keep.md --
# Kept
-- news/gone.txt --
Gone
-- news/stays.txt --
Stays
`, mtime)
	gone := map[string]bool{"news/gone.txt": true}
	for _, tc := range []struct {
		name      string
		fsys      fs.FS
		readiness bool
	}{
		{"before the stat", vanishFS{tree, gone}, false},
		{"between stat and open", openOnly{vanishFS{tree, gone}}, false},
		{"before the stat, readiness", vanishFS{tree, gone}, true},
		{"between stat and open, readiness", openOnly{vanishFS{tree, gone}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := content.NewIndex(tc.fsys, testOptions())
			if tc.readiness {
				x.SetReadiness(&content.Readiness{})
			}
			ch, err := x.Rescan(context.Background())
			if err != nil {
				t.Fatalf("Rescan() error: %v", err)
			}
			if len(ch.Errors) != 0 {
				t.Errorf("Rescan() errors = %v, want none for a file that is gone", ch.Errors)
			}
			var got []string
			for _, a := range x.Articles() {
				got = append(got, a.Path)
			}
			if len(got) != 2 || got[0] != "keep.md" || got[1] != "news/stays.txt" {
				t.Errorf("Articles() = %q, want keep.md and news/stays.txt", got)
			}
		})
	}
}
