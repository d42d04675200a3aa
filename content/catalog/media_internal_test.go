package catalog

import (
	"fmt"
	"maps"
	"testing"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestMediaLookAll: the media files looked at on every core before a start
// stamps its articles give each article the stamp that looking at them one
// by one gives, for files that exist, files that do not and a folder where
// a file is expected; the state recorded is the same.
func TestMediaLookAll(t *testing.T) {
	fsys := fstest.MapFS{"img/dir.jpg/x": {Data: []byte("not a file")}}
	var arts []*content.Article
	for i := range 300 {
		a := &content.Article{Path: fmt.Sprintf("a%03d.md", i)}
		for j := range i % 4 {
			p := fmt.Sprintf("img/%03d-%d.jpg", (i*7+j)%200, j)
			a.Media = append(a.Media, p)
			if (i+j)%3 != 0 {
				fsys[p] = &fstest.MapFile{Data: make([]byte, i+j), ModTime: time.Unix(int64(1e9+i), 0)}
			}
		}
		if i%50 == 0 {
			a.Media = append(a.Media, "img/dir.jpg")
		}
		arts = append(arts, a)
	}
	all, one := newMedia(), newMedia()
	all.lookAll(fsys, arts)
	stamped := 0
	for _, a := range arts {
		got, want := all.stamp(fsys, a), one.stamp(fsys, a)
		if got != want {
			t.Fatalf("%s: stamp %x after lookAll, %x looking one by one", a.Path, got, want)
		}
		if got != 0 {
			stamped++
		}
	}
	if !maps.Equal(all.state, one.state) {
		t.Errorf("lookAll recorded %d states, one by one %d, or different ones", len(all.state), len(one.state))
	}
	if stamped < 100 || stamped == len(arts) {
		t.Errorf("%d of %d articles stamped: the test no longer mixes files there and gone", stamped, len(arts))
	}
}
