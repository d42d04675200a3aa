package content

import (
	"slices"
	"testing"
)

func TestMediaRefs(t *testing.T) {
	for _, tc := range []struct {
		name, path, text string
		want             []string
	}{
		{"markdown image", "news/a.md", "![A chart](chart.png)", []string{"news/chart.png"}},
		{"title and query", "a.md", `![x](img/p.JPG "The title") ![y](q.webp?v=2#top)`, []string{"img/p.JPG", "q.webp"}},
		{"front matter and html", "n/a.md", "---\nimage: ../top.avif\n---\n<video src='v.mp4' poster=\"v.jpg\"></video>", []string{"top.avif", "n/v.mp4", "n/v.jpg"}},
		{"plain-text header", "b.txt", "Title\nImage: photos/p.jpeg\n\nText.", []string{"photos/p.jpeg"}},
		{"reference definition", "a.md", "![x][1]\n\n[1]: pics/one.png\n[2]: <pics/one two.png>", []string{"pics/one.png", "two.png", "pics/one two.png"}},
		{"escaped", "a.md", "![x](my%20pic.gif)", []string{"my pic.gif"}},
		{"each once", "a.md", "![a](p.png) ![b](./p.png)", []string{"p.png"}},
		{"absolute, rooted, data and outside are not files", "a.md",
			"![](https://x.example/p.png) ![](/p.png) ![](data:image/p.png) ![](../../out.png) ![](#p.png)", nil},
		{"not media", "a.md", "see notes.txt, archive.zip, x.pngs and a.svg", nil},
		{"a sentence ending in a name", "a.md", "The file is pic.png.", []string{"pic.png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mediaRefs(tc.path, tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("mediaRefs(%q, %q) = %q, want %q", tc.path, tc.text, got, tc.want)
			}
		})
	}
}

func TestIgnoredMedia(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"a/pic.png", false}, {"a/PIC.JPG", false}, {"a/notes.md", true}, {"a/.hidden.png", true},
		{"_drafts/p.png", true}, {"node_modules/x/p.png", true}, {"skip/p.png", true}, {"p.png~", true}, {"a/p.svg", true},
	} {
		if got := IgnoredMedia(tc.rel, false, []string{"skip"}); got != tc.want {
			t.Errorf("IgnoredMedia(%q) = %t, want %t", tc.rel, got, tc.want)
		}
	}
}
