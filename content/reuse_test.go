package content

import (
	"reflect"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
)

// TestLazyParseKeepsNothing: an article parsed lazily (as an Index parses
// every file) holds no part of the bytes it was parsed from, so the worker
// that read them may read the next file into the same buffer: scribbling
// over the bytes after the parse changes nothing of the article or of its
// error.
func TestLazyParseKeepsNothing(t *testing.T) {
	type file struct {
		p    string
		data []byte
	}
	var files []file
	opt := corpus.DefaultOptions()
	for i := range 400 {
		f := corpus.Generate(i, opt)
		files = append(files, file{f.Path, f.Data})
	}
	for p, s := range map[string]string{
		"explicit.md":  "---\ntitle: Explicit\nid: https://example.com/kept-id\nslug: kept-slug\nauthor: [\"A Name\"]\ntags: [one, Two]\nlink: https://example.com/x\nimage: pics/a.png\nsummary: A given summary.\n---\nBody ![c](charts/c.webp)\n",
		"cp1252.txt":   "Caf\xe9 title\nDate: 2024-01-02\n\nCaf\xe9 body.\n\nSource: Desk\n",
		"controls.txt": "Title\x01 here\n\nBody\x02 text.\n",
		"undated.txt":  "Undated title\nImage: photo.jpg\nTags: a, b\n\nPhoto caption. (Photo/Desk)\n\nText.\n\nSource: Wire\n",
		"bad-date.md":  "---\ntitle: Bad\ndate: 2024-13-45\n---\nBody\n",
		"bad-key.md":   "---\ntitle: [unclosed\n---\nBody\n",
	} {
		files = append(files, file{p, []byte(s)})
	}
	opts := DefaultOptions()
	mod := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range files {
		buf := append([]byte(nil), f.data...)
		got, gotErr := parse(f.p, buf, mod, opts, true)
		for i := range buf {
			buf[i] = 'x'
		}
		want, wantErr := parse(f.p, append([]byte(nil), f.data...), mod, opts, true)
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("%s: the error changed with the bytes after the parse: %v, want %v", f.p, gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: the article changed with the bytes after the parse:\n got %+v\nwant %+v", f.p, got, want)
		}
	}
}
