package feed

import (
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/html"

	"github.com/dropfeed/dropfeed/content"
)

// MediaType returns the content type of a media file name, or "" when
// dropfeed does not serve files of that kind (see [content.MediaType]).
func MediaType(name string) string { return content.MediaType(name) }

// Asset is a media file of the content folder that an article references by
// a relative path: it is served, and copied to the static output, at URLPath.
type Asset struct {
	URLPath string // relative to the base URL, unescaped: "articles/<slug>/<ref>"
	File    string // relative to the content folder
	Type    string
	Size    int64
}

// assetFor maps a reference written in article a (relative to the article)
// to the asset it names, when that is a media file inside the content folder.
func assetFor(fsys fs.FS, a *content.Article, ref string) (Asset, bool) {
	if fsys == nil || ref == "" {
		return Asset{}, false
	}
	u, err := url.Parse(ref)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
		return Asset{}, false
	}
	typ := MediaType(u.Path)
	if typ == "" {
		return Asset{}, false
	}
	file := path.Clean(path.Join(path.Dir(a.Path), u.Path))
	urlPath := path.Clean(path.Join("articles", a.Slug, u.Path))
	if !fs.ValidPath(file) || !fs.ValidPath(urlPath) || !strings.HasPrefix(urlPath, "articles/") || hiddenOrUnderscore(file) {
		return Asset{}, false
	}
	fi, err := fs.Stat(fsys, file)
	if err != nil || !fi.Mode().IsRegular() {
		return Asset{}, false
	}
	return Asset{URLPath: urlPath, File: file, Type: typ, Size: fi.Size()}, true
}

// hiddenOrUnderscore reports a path with a component that starts with "." or "_".
func hiddenOrUnderscore(p string) bool {
	for elem := range strings.SplitSeq(p, "/") {
		if strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_") {
			return true
		}
	}
	return false
}

// mediaRefs returns the relative src and poster references of img, video,
// audio and source elements in an HTML fragment.
func mediaRefs(fragment string) []string {
	var refs []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return refs
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		switch string(name) {
		case "img", "video", "audio", "source":
		default:
			continue
		}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			if ks := string(k); ks == "src" || ks == "poster" {
				refs = append(refs, string(v))
			}
		}
	}
}

// enclosureLength formats a size for RSS and Atom enclosures.
func enclosureLength(n int64) string { return strconv.FormatInt(n, 10) }
