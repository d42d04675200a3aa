package content_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestIndexArticlesOrder checks Articles and Errors, which the index keeps
// up to date incrementally, against a recomputation from scratch after each
// of many random edits, removals, breakages and folder removals, applied
// one path at a time and by rescans.
func TestIndexArticlesOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	fsys := fstest.MapFS{}
	x := content.NewIndex(fsys, testOptions())
	good := make(map[string]bool) // path -> has a good version (last good counts)
	bad := make(map[string]bool)  // path -> currently failing
	mt := mtime
	name := func() string { return fmt.Sprintf("d%d/f%03d.md", rng.IntN(5), rng.IntN(200)) }
	for step := range 3000 {
		mt = mt.Add(time.Second)
		var paths []string
		switch op := rng.IntN(10); {
		case op < 5: // write a good file
			p := name()
			fsys[p] = &fstest.MapFile{Data: fmt.Appendf(nil, "---\ntitle: T%d\n---\nBody %d.\n", step, step), ModTime: mt}
			good[p], bad[p] = true, false
			paths = []string{p}
		case op < 7: // break a file: its last good version stays
			p := name()
			fsys[p] = &fstest.MapFile{Data: []byte("---\ntitle: [\n---\n"), ModTime: mt}
			bad[p] = true
			paths = []string{p}
		case op < 9: // remove a file
			p := name()
			delete(fsys, p)
			delete(good, p)
			delete(bad, p)
			paths = []string{p}
		default: // remove a folder
			d := fmt.Sprintf("d%d", rng.IntN(5))
			for p := range fsys {
				if len(p) > len(d) && p[:len(d)+1] == d+"/" {
					delete(fsys, p)
					delete(good, p)
					delete(bad, p)
				}
			}
			paths = []string{d}
		}
		if step%97 == 0 {
			if _, err := x.Rescan(t.Context()); err != nil {
				t.Fatal(err)
			}
		} else {
			x.Update(t.Context(), paths)
		}
		var want []string
		for p, ok := range good {
			if ok {
				want = append(want, p)
			}
		}
		slices.Sort(want)
		var got []string
		for _, a := range x.Articles() {
			got = append(got, a.Path)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: Articles() = %d paths, want %d\n got %v\nwant %v", step, len(got), len(want), got, want)
		}
		nbad := 0
		for _, b := range bad {
			if b {
				nbad++
			}
		}
		if n := len(x.Errors()); n != nbad || x.ErrorCount() != nbad {
			t.Fatalf("step %d: %d errors (ErrorCount %d), want %d", step, n, x.ErrorCount(), nbad)
		}
	}
}
