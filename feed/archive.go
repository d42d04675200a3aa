package feed

import (
	"strconv"

	"github.com/dropfeed/dropfeed/content"
)

// # Archived feeds (RFC 5005)
//
// With archives on (the default; [Site].NoArchives turns them off), no
// article falls out of a feed set: the current documents (rss.xml, atom.xml,
// feed.json) hold the newest items, and the older ones live in archive
// documents at <prefix>archive/<name>/, chained from the current documents
// by prev-archive (RSS and Atom) and next_url (JSON Feed).
//
// Invariant. Number a feed set's N articles by age, 0 the oldest. With a
// page size of Q articles (half of MaxItems, at least 1; [archivePageAll]
// when MaxItems is 0) and the window W (what MaxItems and Retain keep: N
// when MaxItems is 0):
//
//   - A = ceil((N-W)/Q) pages are archived when N > W, none otherwise; a
//     single page becomes two (none when two would leave no article
//     current), since a chain of one archive has no prev-archive or
//     next-archive link and validators warn of it.
//   - The current documents start at s = A*Q, moved later while they exceed
//     the byte budget ([Site].MaxFeedBytes, measured on the largest of the
//     three formats), keeping at least the newest article.
//   - Page k (counted from 1) is the articles [(k-1)*Q, min(k*Q, s)): every
//     article before s is in exactly one page, every article from s on is in
//     the current documents, so walking the chain from the current documents
//     reaches each article exactly once. A page that exceeds the budget is
//     cut, oldest first, into documents k, k-2, k-3 ... each within it.
//
// A page's articles are fixed by their positions counted from the oldest,
// which new articles never shift: publishing one changes the current
// documents only, and when the window overflows, adds a page (and the link
// to it in the page before). An edit changes the document holding the
// article, and a deletion or a back-dated article shifts the pages after it.
// Since A never shrinks when articles are added, a document's URL never
// names other articles than the ones its page is counted to hold.
//
// An article edited after it was archived stays in its archive document:
// the current documents are not a change log (RFC 5005 §4.1 allows either).

// DefaultMaxFeedBytes is the budget of a feed document when none is set.
const DefaultMaxFeedBytes = 512 << 10

// archivePageAll is the page size when MaxItems is 0 (no cap but the budget).
const archivePageAll = 50

// archiveDir is the folder of a feed set's archive documents, under its prefix.
const archiveDir = "archive/"

// historyNS is the XML namespace of RFC 5005's fh: elements.
const historyNS = "http://purl.org/syndication/history/1.0"

// history is a feed document's place in its archive chain; nil for a feed
// set without archives.
type history struct {
	archive             bool              // an archive document (fh:archive), not a current one
	prev, next, current map[string]string // by format key ("rss", "atom", "json"); nil: no such link
}

// key is what the history adds to a document's signature.
func (h *history) key() string {
	if h == nil {
		return ""
	}
	return strconv.FormatBool(h.archive) + "\x00" + h.prev["rss"] + "\x00" + h.next["rss"] + "\x00" + h.current["rss"]
}

// links returns the RFC 5005 links of the document in one format, as (rel,
// href) pairs, newer ones first.
func (h *history) links(key string) [][2]string {
	if h == nil {
		return nil
	}
	var out [][2]string
	if h.current != nil {
		out = append(out, [2]string{"current", h.current[key]})
	}
	if h.next != nil {
		out = append(out, [2]string{"next-archive", h.next[key]})
	}
	if h.prev != nil {
		out = append(out, [2]string{"prev-archive", h.prev[key]})
	}
	return out
}

// nextURL returns JSON Feed's next_url: the next older document.
func (h *history) nextURL() string {
	if h == nil || h.prev == nil {
		return ""
	}
	return h.prev["json"]
}

// isArchive reports whether the document is an archive document.
func (h *history) isArchive() bool { return h != nil && h.archive }

// archives reports whether the site keeps archived feeds.
func (s *Site) archives() bool { return !s.NoArchives }

// budget returns the byte budget of a feed document.
func (s *Site) budget() int {
	if s.MaxFeedBytes > 0 {
		return s.MaxFeedBytes
	}
	return DefaultMaxFeedBytes
}

// archivePage returns the number of articles of an archive page.
func (s *Site) archivePage() int {
	if s.MaxItems == 0 {
		return archivePageAll
	}
	return max(1, s.MaxItems/2)
}

// span is one archive document: the articles [lo, hi), counted from the
// oldest, and its name.
type span struct {
	lo, hi int
	name   string
}

// layoutArchive places n articles (counted from the oldest) into archive
// documents and the current documents, as the invariant above says:
// window is W, page Q, need(lo, hi) the bytes of a document holding
// articles [lo, hi) in its largest format. It returns where the current
// documents start and the archive documents, oldest first.
func layoutArchive(n, window, page, budget int, need func(lo, hi int) int) (cur int, docs []span) {
	pages := 0
	if n > window {
		pages = (n - window + page - 1) / page
		if pages == 1 {
			pages = 0
			if n > 2*page {
				pages = 2
			}
		}
	}
	cur = pages * page
	for cur < n-1 && need(cur, n) > budget {
		cur++
	}
	for k := 0; k*page < cur; k++ {
		lo, end := k*page, min((k+1)*page, cur)
		for part := 1; lo < end; part++ {
			hi := lo + 1
			for hi < end && need(lo, hi+1) <= budget {
				hi++
			}
			name := strconv.Itoa(k + 1)
			if part > 1 {
				name += "-" + strconv.Itoa(part)
			}
			docs = append(docs, span{lo, hi, name})
			lo = hi
		}
	}
	if len(docs) == 1 && docs[0].hi-docs[0].lo > 1 {
		// Only the budget archived articles, fewer than a page: two
		// documents, not a chain of one.
		d := docs[0]
		mid := (d.lo + d.hi) / 2
		docs = []span{{d.lo, mid, d.name}, {mid, d.hi, d.name + "-2"}}
	}
	return cur, docs
}

// sizeSlack is added to the measured overhead of a document for the links
// an archive document has beyond those of the current one.
const sizeSlack = 1024

// measure sets the bytes each format adds for an item (it.size), once.
func (bl *Builder) measure(it *item) {
	if it.size[0] != 0 {
		return
	}
	if bl.empty[0] == 0 {
		sp := bl.site.newSpec("", "x", "x", bl.site.BaseURL)
		for k, f := range formats {
			b, err := f.render(&bl.site, sp)
			if err == nil {
				bl.empty[k] = len(b)
			}
		}
	}
	sp := bl.site.newSpec("", "x", "x", bl.site.BaseURL)
	sp.items = []*item{it}
	for k, f := range formats {
		b, err := f.render(&bl.site, sp)
		if err == nil {
			it.size[k] = int32(max(1, len(b)-bl.empty[k]))
		}
	}
}

// archiveDocs lays out a group's articles as archive documents and current
// documents, and returns their feed sets (archives oldest first, then the
// current one, which becomes g.spec). Items are made for every article.
func (bl *Builder) archiveDocs(g *group, itemOf func(*content.Article) *item) []*feedSpec {
	site := &bl.site
	n := len(g.arts)
	items := make([]*item, n) // oldest first
	for i, a := range g.arts {
		items[n-1-i] = itemOf(a)
	}
	// Prefix sums of the item sizes per format, and each format's overhead
	// measured on the group's own empty document.
	sums := make([][]int, len(formats))
	over := make([]int, len(formats))
	empty := bl.specOf(g)
	for k, f := range formats {
		sums[k] = make([]int, n+1)
		if b, err := f.render(site, empty); err == nil {
			over[k] = len(b) + sizeSlack
		}
	}
	for i, it := range items {
		bl.measure(it)
		for k := range formats {
			sums[k][i+1] = sums[k][i] + int(it.size[k])
		}
	}
	need := func(lo, hi int) int {
		m := 0
		for k := range formats {
			m = max(m, over[k]+sums[k][hi]-sums[k][lo])
		}
		return m
	}
	window := len(pick(site, g.arts))
	cur, spans := layoutArchive(n, window, site.archivePage(), site.budget(), need)
	g.current = n - cur

	specs := make([]*feedSpec, 0, len(spans)+1)
	for _, d := range spans {
		sp := bl.specOf(g)
		doc := site.newSpec(g.prefix+archiveDir+d.name+"/", sp.title, sp.description, sp.home)
		doc.name, doc.id = sp.name, sp.id
		doc.items = reversed(items[d.lo:d.hi])
		doc.arts = make([]*content.Article, len(doc.items))
		for i, it := range doc.items {
			doc.arts[i] = it.a
		}
		specs = append(specs, doc)
	}
	main := bl.specOf(g)
	main.arts = g.arts[: n-cur : n-cur]
	main.items = reversed(items[cur:])
	specs = append(specs, main)
	if len(specs) == 1 {
		return specs
	}
	for i, sp := range specs {
		h := &history{archive: i < len(specs)-1}
		if i > 0 {
			h.prev = specs[i-1].self
		}
		if i < len(specs)-2 {
			h.next = specs[i+1].self
		}
		if h.archive {
			h.current = main.self
		}
		sp.hist = h
	}
	return specs
}

// reversed returns a new slice of items in the opposite order.
func reversed(items []*item) []*item {
	out := make([]*item, len(items))
	for i, it := range items {
		out[len(items)-1-i] = it
	}
	return out
}
