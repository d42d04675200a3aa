package feed

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata (go test ./feed -update)")

// goldenPath names the golden file of one scenario's feed: testdata/<scenario>.<feed file name>.
func goldenPath(scenario, name string) string {
	return filepath.Join("testdata", scenario+"."+name)
}

// TestGolden checks every feed of every scenario byte for byte against its
// golden file, and that building again, from articles loaded again and handed
// over in reverse order, gives the same bytes and ETags. (Not the same
// ModTime: that is when a Builder saw the bytes change, modtime_test.go.)
func TestGolden(t *testing.T) {
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			first := mustBuild(t, sc.site, sc.arts(t))
			again := sc.arts(t)
			slices.Reverse(again)
			second := mustBuild(t, sc.site, again)
			for _, name := range feedNames {
				got := feedBody(t, first, name)
				if other := feedBody(t, second, name); !bytes.Equal(got, other) {
					t.Errorf("Build(%s) %s differs between two builds of the same articles:\n%s", sc.name, name, lineDiff(other, got))
				}
				f1, _ := first.Lookup(name)
				f2, _ := second.Lookup(name)
				_, gz1 := f1.Gzip()
				_, gz2 := f2.Gzip()
				if f1.ETag != f2.ETag || gz1 != gz2 {
					t.Errorf("Build(%s) %s ETag, gzip ETag = %s %s, then %s %s, want equal",
						sc.name, name, f1.ETag, gz1, f2.ETag, gz2)
				}
				path := goldenPath(sc.name, name)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("read golden file: %v (run go test ./feed -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("Build(%s) %s = differs from %s (go test ./feed -update rewrites it; review the diff):\n%s",
						sc.name, name, path, lineDiff(got, want))
				}
			}
		})
	}
}

// TestGoldenScenarios pins what each scenario must exercise, so that the
// goldens cannot silently lose the cases they exist for.
func TestGoldenScenarios(t *testing.T) {
	count := map[string]int{"example": 6, "fixtures": 6, "quirks": 8, "empty": 0}
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			arts := sc.arts(t)
			if got, want := len(arts), count[sc.name]; got != want {
				t.Errorf("scenario %s: len(articles) = %d, want %d", sc.name, got, want)
			}
		})
	}
	arts := loadArticles(t, txtarFS(t, quirksTree), testOptions())
	var offset, linked, noAuthor, escaped bool
	for _, a := range arts {
		if _, off := a.Published.Zone(); off == 5*3600+45*60 {
			offset = true
		}
		linked = linked || a.Link != ""
		noAuthor = noAuthor || len(a.Authors) == 0
		escaped = escaped || a.EscapedSlug() != a.Slug
	}
	if !offset || !linked || !noAuthor || !escaped {
		t.Errorf("quirks tree: +05:45 offset, link, no author, escaped slug = %v %v %v %v, want all true", offset, linked, noAuthor, escaped)
	}
}

// TestBuildOrder checks that Build orders items newest first with ties by id,
// whatever order it is handed the articles in.
func TestBuildOrder(t *testing.T) {
	arts := loadArticles(t, txtarFS(t, fixturesTree), testOptions())
	want := make([]string, len(arts))
	for i, a := range arts {
		want[i] = a.ID
	}
	if !slices.IsSortedFunc(arts, func(a, b *content.Article) int {
		if c := b.Published.Compare(a.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}) {
		t.Fatalf("content.Select() order = %v, want newest first, ties by id", want)
	}
	for _, tc := range []struct {
		name    string
		reorder func([]*content.Article)
	}{
		{"as selected", func([]*content.Article) {}},
		{"reversed", slices.Reverse[[]*content.Article]},
		{"rotated", func(a []*content.Article) {
			first := a[0]
			copy(a, a[1:])
			a[len(a)-1] = first
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(arts)
			tc.reorder(in)
			b := mustBuild(t, testSite(), in)
			var got []string
			for _, a := range b.Articles() {
				got = append(got, a.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Build(%s).Articles() ids = %v, want %v", tc.name, got, want)
			}
			if got := itemIDs(t, feedBody(t, b, RSSName)); !slices.Equal(got, want) {
				t.Errorf("Build(%s) RSS guids = %v, want %v", tc.name, got, want)
			}
		})
	}
}

// lineDiff describes the first line where got and want differ.
func lineDiff(got, want []byte) string {
	g, w := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := range max(len(g), len(w)) {
		var gl, wl []byte
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if !bytes.Equal(gl, wl) || (i >= len(g)) != (i >= len(w)) {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "(no line differs)"
}
