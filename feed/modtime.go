package feed

import (
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// # Last-Modified
//
// A served document's Last-Modified is the time its bytes last changed, not a
// time taken from its articles: a feed whose newest article is deleted goes
// back to older bytes, and a Last-Modified taken from the newest item would go
// back with it, so that a reader sending only If-Modified-Since would be told
// "304 Not Modified" and keep the deleted article. (The feeds' own <updated>
// and <lastBuildDate> stay derived from the articles, so the bytes stay
// deterministic; only the HTTP header follows the clock.)
//
// HTTP dates have whole seconds, and a reader's If-Modified-Since is one of
// them, so two versions of a document must never share a second: a reader
// holding the first would be told the second is not modified. A Builder
// therefore dates each document version in whole seconds, by these rules:
//
//   - Unchanged bytes (the same ETag) keep their time.
//   - New bytes of a document get max(now, previous+1s): strictly later than
//     the version they replace, even when that one changed within the same
//     second. A burst of changes to one document within a second can thus
//     date it up to a few seconds ahead of the clock.
//   - A document the Builder has no record of (a new tag feed, a new article,
//     or one deleted and back) gets max(now, floor+1s), where floor is the
//     latest time of any document whose record the Builder dropped, and the
//     start time when the previous run did not stop cleanly (it may have
//     served anything up to its end, which nobody recorded).
//
// [Server] sends Last-Modified only when it is not later than the response's
// Date (RFC 9110 §8.8.2.1 forbids a later one), and sends none while a time is
// ahead of the clock; it still compares If-Modified-Since with that time,
// which is later than any date a reader got before, so the reader gets 200.
// Hence a Last-Modified never goes backwards, never hides a change, and
// unchanged bytes keep their ETag and Last-Modified.
//
// The records: each feed and index file's ETag and time, by path (a few per
// tag and section, like the feeds themselves). Article pages are rendered on
// demand, so their bytes are not at hand to compare; a page's bytes depend
// only on its article's version (the key the page is cached under: path,
// content hash, id, dates) and on what [Builder.savedKey] names (the program,
// the site settings, how the articles were parsed). So a page's time is its
// article's change time: one time per article (8 bytes, beside the list of
// articles by slug, dropped with the article), moved by the rules above when
// the version at that slug changes. No time the article carries would do: a
// file's modification time goes back under cp -p, rsync -a or touch, and
// dates in front matter go back when edited. Under another savedKey every
// page is dated as new, after every time the saved record holds (one
// "epoch" for all, not a time per page). All of it is kept across restarts
// in [Saved], and handed from one Builder to the next when the settings are
// reloaded.

// docMod is what a Builder remembers of a feed or index file: the ETag of
// its bytes and when they last changed, in Unix seconds.
type docMod struct {
	etag string
	mod  int64
}

// leftPage is the page record of an article taken out during a build, kept
// until the build ends in case the article comes back in a new version.
type leftPage struct {
	key   itemKey
	since int64
}

// next returns the time of a document version that follows one dated prev:
// prev itself when the bytes are the same, else a second after prev at least.
func (bl *Builder) next(prev int64, same bool) int64 {
	if same {
		return prev
	}
	return max(bl.now, prev+1)
}

// fresh returns the time of a document the Builder has no record of.
func (bl *Builder) fresh() int64 { return max(bl.now, bl.floor+1) }

// forget notes that the record of a document dated t is dropped.
func (bl *Builder) forget(t int64) { bl.floor = max(bl.floor, t) }

// stamp dates a feed or index file whose ModTime is not set yet, from the
// record of the file at its path, and records it.
func (bl *Builder) stamp(f *File) {
	if !f.ModTime.IsZero() {
		return
	}
	r, ok := bl.mods[f.Path]
	t := bl.fresh()
	if ok {
		t = bl.next(r.mod, r.etag == f.ETag)
	}
	bl.mods[f.Path] = docMod{etag: f.ETag, mod: t}
	f.ModTime = unixTime(t)
}

// pruneMods drops the records of files the bundle no longer has.
func (bl *Builder) pruneMods(files map[string]*File) {
	for p, r := range bl.mods {
		if _, ok := files[p]; !ok {
			bl.forget(r.mod)
			delete(bl.mods, p)
		}
	}
}

// carrySince returns the page times of the articles of slugs (sorted by
// slug), carried over from the previous list or from what
// [Builder.Restore] took back, for a build that groups every article anew.
func (bl *Builder) carrySince(prev slugList, slugs []*content.Article) []int64 {
	since := make([]int64, len(slugs))
	if rp := bl.restoredPages; rp != nil {
		bl.restoredPages = nil
		// Both in slug order: a walk beside the articles. The pages no
		// article has now raise the floor once every article is dated.
		var gone []int64
		j := 0
		for i, a := range slugs {
			for ; j < len(rp) && rp[j].Slug < a.Slug; j++ {
				gone = append(gone, rp[j].Since)
			}
			if j == len(rp) || rp[j].Slug != a.Slug {
				since[i] = bl.fresh()
				continue
			}
			p := &rp[j]
			j++
			same := p.Version == pageVersion(a)
			since[i] = bl.next(p.Since, same)
			if same && p.Sizes != [3]int32{} {
				bl.sizes.put(a, p.Sizes)
			}
		}
		for ; j < len(rp); j++ {
			gone = append(gone, rp[j].Since)
		}
		for _, t := range gone {
			bl.forget(t)
		}
		return since
	}
	oldSlugs, oldSince := prev.articles(), prev.times()
	j := 0
	for i, a := range slugs {
		for j < len(oldSlugs) && oldSlugs[j].Slug < a.Slug {
			bl.forget(oldSince[j])
			j++
		}
		if j < len(oldSlugs) && oldSlugs[j].Slug == a.Slug {
			since[i] = bl.next(oldSince[j], keyFor(oldSlugs[j]) == keyFor(a))
			j++
			continue
		}
		since[i] = bl.fresh()
	}
	for ; j < len(oldSlugs); j++ {
		bl.forget(oldSince[j])
	}
	return since
}

// placeSlug inserts a into the list of articles by slug (in) or removes it,
// with its page time. The list is made anew (see slugList): a bundle
// already returned may share it.
func (bl *Builder) placeSlug(a *content.Article, in bool) {
	p, found := bl.bySlug.find(a.Slug)
	if in {
		t := bl.fresh()
		if l, ok := bl.left[a.Slug]; ok {
			delete(bl.left, a.Slug)
			t = bl.next(l.since, l.key == keyFor(a))
		}
		bl.bySlug = bl.bySlug.insert(p, a, t)
		return
	}
	if !found || bl.bySlug.article(p) != a {
		if p, found = bl.bySlug.index(a); !found { // not where its slug says: look everywhere
			return
		}
	}
	if bl.left == nil {
		bl.left = make(map[string]leftPage)
	}
	_, since := bl.bySlug.at(p)
	bl.left[a.Slug] = leftPage{key: keyFor(a), since: since}
	bl.bySlug = bl.bySlug.remove(p)
}

// forgetLeft drops the page records of the articles taken out in a build
// that did not come back in it.
func (bl *Builder) forgetLeft() {
	for slug, l := range bl.left {
		bl.forget(l.since)
		delete(bl.left, slug)
	}
}

// pageVersion names an article version as its page sees it (the fields of
// its page cache key), compactly, for the saved record: a 128-bit hash, wide
// enough that two versions are never taken for one.
func pageVersion(a *content.Article) string {
	k := keyFor(a)
	h := fnv.New128a()
	for _, s := range []string{k.path, k.hash, k.id, strconv.FormatInt(k.published, 10), strconv.FormatInt(k.updated, 10)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return string(h.Sum(nil))
}

// unixTime returns the UTC time of Unix seconds t; 0 is the zero time.
func unixTime(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.Unix(t, 0).UTC()
}

// cmpSlug orders articles by slug, for searching a list sorted by slug.
func cmpSlug(a *content.Article, slug string) int { return strings.Compare(a.Slug, slug) }
