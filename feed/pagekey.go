package feed

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/dropfeed/dropfeed/content"
)

// pageKeyOf names everything an article page depends on besides the
// article: the program that renders it, the site settings and the caller's
// render key. Pages recorded under another key are rendered again.
func pageKeyOf(site *Site, renderKey string) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "page v1\x00%s\x00%#v\x00%s", programStamp(), *site, renderKey))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// programStamp names the running program's build: its module version and
// revision, and for a build from a modified or unversioned tree (where the
// revision does not name the code) the executable's size and time too, so
// that rebuilding the program with other templates is noticed.
var programStamp = sync.OnceValue(func() string {
	stamp := content.BuildStamp()
	bi, ok := debug.ReadBuildInfo()
	exact := ok && bi.Main.Version != "" && bi.Main.Version != "(devel)"
	if ok && !exact {
		rev, modified := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		exact = rev != "" && !modified
	}
	if !exact {
		if exe, err := os.Executable(); err == nil {
			if fi, err := os.Stat(exe); err == nil {
				stamp += " exe=" + strconv.FormatInt(fi.Size(), 10) + "." + strconv.FormatInt(fi.ModTime().UnixNano(), 10)
			}
		}
	}
	return stamp
})

// sourceKey names what an article's page is rendered from: the article's
// version and the bundle's page key. Equal keys give equal pages.
func (b *Bundle) sourceKey(a *content.Article) string {
	k := keyFor(a)
	var sb strings.Builder
	sb.Grow(len(b.pageKey) + len(k.path) + len(k.hash) + len(k.id) + len(a.Slug) + 40)
	for _, s := range []string{b.pageKey, k.path, k.hash, k.id, a.Slug} {
		sb.WriteString(s)
		sb.WriteByte(0)
	}
	sb.WriteString(strconv.FormatInt(k.published, 36) + "." + strconv.FormatInt(k.updated, 36) + "." + strconv.FormatUint(k.media, 36))
	sum := sha256.Sum256([]byte(sb.String()))
	return base64.RawURLEncoding.EncodeToString(sum[:15])
}
