package feed

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// TestMedia: a local article image becomes an RSS enclosure and an Atom
// rel="enclosure" with its real length and type; it and the images the body
// references by relative path are served and copied; nothing else from the
// content folder is.
func TestMedia(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\nnot really an image")
	size := strconv.Itoa(len(png))
	fsys := fstest.MapFS{
		"news/post.md":       {Data: []byte("---\ntitle: With pictures\ndate: 2026-02-01T10:00:00Z\nimage: img/lead.png\n---\n\nText.\n\n![A chart](img/chart.jpg)\n\n![Remote](https://cdn.example.net/x.png)\n"), ModTime: testModTime},
		"news/img/lead.png":  {Data: png, ModTime: testModTime},
		"news/img/chart.jpg": {Data: []byte("jpeg bytes"), ModTime: testModTime},
		"news/img/other.png": {Data: []byte("never referenced"), ModTime: testModTime},
		"news/secret.txt":    {Data: []byte("Not media\n\nbody\n"), ModTime: testModTime},
	}
	arts := loadArticles(t, fsys, testOptions())
	bl, err := NewBuilder(testSite())
	if err != nil {
		t.Fatal(err)
	}
	bl.SetSource(fsys)
	b, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	img := "https://news.example.com/articles/news/post/img/lead.png"
	for name, want := range map[string]string{
		RSSName:  `<enclosure url="` + img + `" length="` + size + `" type="image/png">`,
		AtomName: `<link href="` + img + `" rel="enclosure" type="image/png" length="` + size + `">`,
		JSONName: `"image": "` + img + `"`,
	} {
		if body := string(feedBody(t, b, name)); !strings.Contains(body, want) {
			t.Errorf("%s lacks %s:\n%s", name, want, body)
		}
	}
	s := NewServer(ServerConfig{})
	s.Swap(b)
	cases := []struct {
		path, ctype string
		code        int
	}{
		{"/articles/news/post/img/lead.png", "image/png", http.StatusOK},
		{"/articles/news/post/img/chart.jpg", "image/jpeg", http.StatusOK},
		{"/articles/news/post/img/other.png", "", http.StatusNotFound},
		{"/articles/news/secret.txt", "", http.StatusNotFound},
		{"/articles/news/post/../secret.txt", "", http.StatusNotFound},
		{"/news/img/lead.png", "", http.StatusNotFound},
	}
	for _, tc := range cases {
		resp := serve(t, s, http.MethodGet, tc.path)
		if resp.StatusCode != tc.code || (tc.ctype != "" && resp.Header.Get("Content-Type") != tc.ctype) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.code, tc.ctype)
		}
	}
	out := t.TempDir()
	if _, err := WriteDir(t.Context(), out, b, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"articles/news/post/img/lead.png": string(png), "articles/news/post/img/chart.jpg": "jpeg bytes"} {
		got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
		if err != nil || string(got) != want {
			t.Errorf("WriteDir copied %s = %q, %v; want the file's bytes", rel, got, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "articles", "news", "post", "img", "other.png")); err == nil {
		t.Errorf("WriteDir copied a file no article references")
	}
	st, err := WriteDir(t.Context(), out, b, WriteOptions{})
	if err != nil || st.Written != 0 {
		t.Errorf("second WriteDir = %+v, %v; want nothing written", st, err)
	}
}
