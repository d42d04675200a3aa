package feed

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/mmcdole/gofeed"
)

// TestMediaContent: an article's lead image is media:content medium="image"
// in RSS and Atom (with the file's type and size when it is a media file of
// the content folder), the same URL as JSON Feed's image, as gofeed and
// Python's feedparser read it; items without an image carry none.
func TestMediaContent(t *testing.T) {
	bl, err := NewBuilder(exampleSite())
	if err != nil {
		t.Fatal(err)
	}
	bl.SetSource(os.DirFS("../example/articles"))
	b, err := bl.Build(exampleArticles(t))
	if err != nil {
		t.Fatal(err)
	}
	var jf struct {
		Items []struct {
			ID    string `json:"id"`
			Image string `json:"image"`
		} `json:"items"`
	}
	if err := json.Unmarshal(feedBody(t, b, JSONName), &jf); err != nil {
		t.Fatal(err)
	}
	images := make(map[string]string) // id -> image
	for _, it := range jf.Items {
		images[it.ID] = it.Image
	}
	withImage := 0
	for _, name := range []string{RSSName, AtomName} {
		f, err := gofeed.NewParser().ParseString(string(feedBody(t, b, name)))
		if err != nil {
			t.Fatalf("gofeed %s: %v", name, err)
		}
		for _, it := range f.Items {
			want := images[it.GUID]
			var got []map[string]string
			for _, e := range it.Extensions["media"]["content"] {
				got = append(got, e.Attrs)
			}
			if want == "" {
				if len(got) != 0 {
					t.Errorf("%s item %s has media:content %v, want none (no image)", name, it.GUID, got)
				}
				continue
			}
			withImage++
			if len(got) != 1 || got[0]["url"] != want || got[0]["medium"] != "image" || got[0]["type"] != "image/jpeg" {
				t.Errorf("%s item %s media:content = %v, want url %s medium image type image/jpeg", name, it.GUID, got, want)
				continue
			}
			if fi, err := os.Stat(filepath.Join("..", "example", "articles", "science", "meadow.jpg")); err != nil || got[0]["fileSize"] != strconv.FormatInt(fi.Size(), 10) {
				t.Errorf("%s item %s media:content fileSize = %s, want the file's size (%v)", name, it.GUID, got[0]["fileSize"], err)
			}
		}
	}
	if withImage != 2 {
		t.Fatalf("%d RSS and Atom items with an image, want the example's one in each", withImage)
	}

	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import feedparser").Run() != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 with feedparser not found; CI must install Debian's python3-feedparser")
		}
		t.Skip("python3 with feedparser not found; install Debian's python3-feedparser")
	}
	dir := t.TempDir()
	for _, name := range []string{RSSName, AtomName} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, feedBody(t, b, name), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(t.Context(), py, "-c", `
import json, sys, feedparser
d = feedparser.parse(sys.argv[1])
print(json.dumps({"bozo": bool(d.bozo), "media": {e.id: [m.get("url") + " " + m.get("medium", "") for m in e.get("media_content", [])] for e in d.entries}}))
`, p).Output()
		if err != nil {
			t.Fatalf("feedparser %s: %v", name, err)
		}
		var got struct {
			Bozo  bool
			Media map[string][]string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("decode %q: %v", out, err)
		}
		if got.Bozo {
			t.Errorf("feedparser %s: bozo", name)
		}
		for id, img := range images {
			if m := got.Media[id]; (img == "") != (len(m) == 0) || (img != "" && (len(m) != 1 || m[0] != img+" image")) {
				t.Errorf("feedparser %s item %s media_content = %q, want %q", name, id, m, img)
			}
		}
	}
}

// TestFavicon: favicon.ico is the site's icon when that is an image file of
// the content folder, served with the file's type; a URL, a missing file or
// something not an image gives none.
func TestFavicon(t *testing.T) {
	png := "\x89PNG\r\n\x1a\nicon"
	fsys := txtarFS(t, serverTree)
	fsys["img/icon.png"] = &fstest.MapFile{Data: []byte(png), ModTime: testModTime}
	fsys["img/icon.ico"] = &fstest.MapFile{Data: []byte("ico"), ModTime: testModTime}
	fsys["notes.txt.md"] = &fstest.MapFile{Data: []byte("x"), ModTime: testModTime}
	for _, tc := range []struct{ icon, typ, body string }{
		{"img/icon.png", "image/png", png},
		{"./img/icon.ico", "image/x-icon", "ico"},
		{"https://cdn.example.com/icon.png", "", ""},
		{"/img/icon.png", "", ""},
		{"img/missing.png", "", ""},
		{"../img/icon.png", "", ""},
		{"notes.txt.md", "", ""},
	} {
		t.Run(tc.icon, func(t *testing.T) {
			site := testSite()
			site.Icon = tc.icon
			bl, err := NewBuilder(site)
			if err != nil {
				t.Fatal(err)
			}
			bl.SetSource(fsys)
			b, err := bl.Build(loadArticles(t, fsys, testOptions()))
			if err != nil {
				t.Fatal(err)
			}
			f, ok := b.Lookup(FaviconName)
			if tc.typ == "" {
				if ok {
					t.Errorf("icon %q: favicon.ico = %s, want none", tc.icon, f.ContentType)
				}
				return
			}
			if !ok || f.ContentType != tc.typ || string(f.Body) != tc.body {
				t.Fatalf("icon %q: favicon.ico found %v, want %s", tc.icon, ok, tc.typ)
			}
			s := NewServer(ServerConfig{})
			s.Swap(b)
			resp := serve(t, s, http.MethodGet, "/"+FaviconName)
			if body := readBody(t, resp); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.typ || string(body) != tc.body {
				t.Errorf("GET /favicon.ico = %d %s, want 200 %s with the icon", resp.StatusCode, resp.Header.Get("Content-Type"), tc.typ)
			}
		})
	}
}
