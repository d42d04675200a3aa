package feed

import (
	"iter"
	"slices"
	"sort"

	"github.com/dropfeed/dropfeed/content"
)

// slugList is the list of a bundle's articles by slug (unescaped), each with
// the time its page last changed (Unix seconds). A bundle served keeps the
// list it was built with while the Builder makes the next one, so a change
// may not modify it in place; the list is held in chunks of at most
// slugChunkMax articles, and a change copies the chunk it touches and the
// list of chunks, not every article: at 100,000 articles an insertion or a
// removal copied two slices of 100,000 (1.6 MB) and now copies about 6 KB;
// at 1,000,000 it copied 16 MB.
//
// The zero value is an empty list. Chunks are never empty and never
// modified once in a list.
type slugList struct {
	chunks []*slugChunk
	n      int
}

// slugChunk is a run of the list: arts sorted by slug, since beside them.
type slugChunk struct {
	arts  []*content.Article
	since []int64
}

// slugChunkMax is the largest chunk: a change copies one chunk (16 bytes an
// article) and the list of chunks (8 bytes a chunk), about the same at
// 100,000 articles.
const slugChunkMax = 512

// slugPos is a place in a slugList: chunk c, index i within it.
type slugPos struct{ c, i int }

// newSlugList makes the list of arts, sorted by slug, with their times.
func newSlugList(arts []*content.Article, since []int64) slugList {
	l := slugList{n: len(arts)}
	const fill = slugChunkMax / 2 // room to grow before a chunk splits
	for start := 0; start < len(arts); start += fill {
		end := min(start+fill, len(arts))
		l.chunks = append(l.chunks, &slugChunk{arts: arts[start:end:end], since: since[start:end:end]})
	}
	return l
}

// Len returns the number of articles in the list.
func (l slugList) Len() int { return l.n }

// find returns where the article with slug is, or where it would go.
func (l slugList) find(slug string) (slugPos, bool) {
	if len(l.chunks) == 0 {
		return slugPos{}, false
	}
	// The first chunk whose last slug is not before slug; past the end, the
	// last chunk's end.
	c := sort.Search(len(l.chunks), func(c int) bool {
		arts := l.chunks[c].arts
		return arts[len(arts)-1].Slug >= slug
	})
	if c == len(l.chunks) {
		c--
		return slugPos{c, len(l.chunks[c].arts)}, false
	}
	i, found := slices.BinarySearchFunc(l.chunks[c].arts, slug, cmpSlug)
	return slugPos{c, i}, found
}

// at returns the article at p and its page time.
func (l slugList) at(p slugPos) (*content.Article, int64) {
	ch := l.chunks[p.c]
	return ch.arts[p.i], ch.since[p.i]
}

// article returns the article at p.
func (l slugList) article(p slugPos) *content.Article { return l.chunks[p.c].arts[p.i] }

// index returns where a is, looking at every article.
func (l slugList) index(a *content.Article) (slugPos, bool) {
	for c, ch := range l.chunks {
		if i := slices.Index(ch.arts, a); i >= 0 {
			return slugPos{c, i}, true
		}
	}
	return slugPos{}, false
}

// all yields the articles in slug order, with their page times.
func (l slugList) all() iter.Seq2[*content.Article, int64] {
	return func(yield func(*content.Article, int64) bool) {
		for _, ch := range l.chunks {
			for i, a := range ch.arts {
				if !yield(a, ch.since[i]) {
					return
				}
			}
		}
	}
}

// articles returns the articles in slug order, in a new slice.
func (l slugList) articles() []*content.Article {
	out := make([]*content.Article, 0, l.n)
	for _, ch := range l.chunks {
		out = append(out, ch.arts...)
	}
	return out
}

// times returns the page times in slug order, in a new slice.
func (l slugList) times() []int64 {
	out := make([]int64, 0, l.n)
	for _, ch := range l.chunks {
		out = append(out, ch.since...)
	}
	return out
}

// insert returns the list with a (page time t) at p, as find gave it; l is
// left as it was.
func (l slugList) insert(p slugPos, a *content.Article, t int64) slugList {
	if len(l.chunks) == 0 {
		return slugList{chunks: []*slugChunk{{arts: []*content.Article{a}, since: []int64{t}}}, n: 1}
	}
	old := l.chunks[p.c]
	ch := &slugChunk{arts: slices.Insert(slices.Clip(old.arts), p.i, a), since: slices.Insert(slices.Clip(old.since), p.i, t)}
	if len(ch.arts) <= slugChunkMax {
		return slugList{chunks: replaceChunks(l.chunks, p.c, ch), n: l.n + 1}
	}
	h := len(ch.arts) / 2
	lo := &slugChunk{arts: ch.arts[:h:h], since: ch.since[:h:h]}
	hi := &slugChunk{arts: ch.arts[h:], since: ch.since[h:]}
	return slugList{chunks: replaceChunks(l.chunks, p.c, lo, hi), n: l.n + 1}
}

// remove returns the list without the article at p; l is left as it was.
func (l slugList) remove(p slugPos) slugList {
	old := l.chunks[p.c]
	if len(old.arts) == 1 {
		return slugList{chunks: replaceChunks(l.chunks, p.c), n: l.n - 1}
	}
	ch := &slugChunk{
		arts:  slices.Delete(slices.Clone(old.arts), p.i, p.i+1),
		since: slices.Delete(slices.Clone(old.since), p.i, p.i+1),
	}
	return slugList{chunks: replaceChunks(l.chunks, p.c, ch), n: l.n - 1}
}

// replaceChunks returns a new list of chunks: chunks with its chunk c
// replaced by with (none, one or two).
func replaceChunks(chunks []*slugChunk, c int, with ...*slugChunk) []*slugChunk {
	out := make([]*slugChunk, 0, len(chunks)-1+len(with))
	out = append(out, chunks[:c]...)
	out = append(out, with...)
	return append(out, chunks[c+1:]...)
}
