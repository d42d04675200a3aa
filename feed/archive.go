package feed

import (
	"cmp"
	"container/list"
	"context"
	"encoding/base64"
	"hash/fnv"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

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
// oldest, and its name: "<page>" for the first part of a page, and
// "<page>-<part>" for the parts a page is cut into beyond it.
type span struct {
	lo, hi int
	// part is 0 for a page not cut yet (see layout.lazy): the span holds
	// the whole page, and names its first document.
	page, part int
	// halved marks the two documents a lone archive document is cut into
	// (see layoutArchive), which an earlier layout cannot hand on as the
	// page's parts.
	halved bool
}

// lazy reports whether the span is a whole page not cut yet.
func (d span) lazy() bool { return d.part == 0 }

// name is the document's URL path element under archive/.
func (d span) name() string {
	n := strconv.Itoa(d.page)
	if d.part > 1 {
		n += "-" + strconv.Itoa(d.part)
	}
	return n
}

// sameName reports whether d and e have the same name, without making the
// names: a part of 0 or 1 adds nothing to the page number, a larger one
// adds "-" and itself.
func (d span) sameName(e span) bool {
	return d.page == e.page && max(d.part, 1) == max(e.part, 1)
}

// layout places n articles (counted from the oldest) into archive documents
// and the current documents, as the invariant above says.
type layout struct {
	n, window, page, budget int
	// need returns the bytes of a document holding articles [lo, hi) in its
	// largest format.
	need func(lo, hi int) int
	// reuse, when not nil, returns the documents an earlier layout made of
	// the page [lo, end), when they hold the same articles: the budget
	// cut them as it would cut them now, without measuring anything. last
	// is set for the newest page, which must be cut (see lazy).
	reuse func(lo, end int, last bool) ([]archDoc, bool)
	// lazy, when not nil, reports whether page k (counted from 1) may be
	// left uncut: one span of the whole page with part 0, cut when one of
	// its documents is asked for. It is not asked of the newest page, whose
	// last document the current ones name, nor of a lone page.
	lazy func(k int) bool
	// start, when not nil, returns where an earlier layout started the
	// current documents after base, when they hold the same articles.
	start func(base int) (int, bool)

	base int // set by run: where the current documents start without the budget
}

// layoutArchive is the layout of n articles with nothing to reuse: it
// returns where the current documents start and the archive documents,
// oldest first.
func layoutArchive(n, window, page, budget int, need func(lo, hi int) int) (cur int, docs []span) {
	l := layout{n: n, window: window, page: page, budget: budget, need: need}
	return l.run()
}

func (l *layout) run() (cur int, docs []span) {
	n, page, budget := l.n, l.page, l.budget
	pages := 0
	if n > l.window {
		pages = (n - l.window + page - 1) / page
		if pages == 1 {
			pages = 0
			if n > 2*page {
				pages = 2
			}
		}
	}
	base := pages * page
	l.base = base
	cur, ok := base, false
	if l.start != nil {
		cur, ok = l.start(base)
	}
	if !ok {
		for cur = base; cur < n-1 && l.need(cur, n) > budget; cur++ {
		}
	}
	last := (cur+page-1)/page - 1 // the newest page, whose last document the current ones link
	for k := 0; k*page < cur; k++ {
		lo, end := k*page, min((k+1)*page, cur)
		if l.reuse != nil {
			if parts, ok := l.reuse(lo, end, k == last); ok {
				for _, d := range parts {
					docs = append(docs, d.span)
				}
				continue
			}
		}
		if k < last && l.lazy != nil && l.lazy(k+1) {
			docs = append(docs, span{lo: lo, hi: end, page: k + 1})
			continue
		}
		docs = append(docs, cutPage(lo, end, k+1, func(lo, hi int) bool { return l.need(lo, hi) <= budget })...)
	}
	if len(docs) == 1 && docs[0].hi-docs[0].lo > 1 {
		// Only the budget archived articles, fewer than a page: two
		// documents, not a chain of one.
		d := docs[0]
		mid := (d.lo + d.hi) / 2
		docs = []span{{lo: d.lo, hi: mid, page: d.page, part: 1, halved: true}, {lo: mid, hi: d.hi, page: d.page, part: 2, halved: true}}
	}
	return cur, docs
}

// cutPage cuts page number page, the articles [lo, end), into documents,
// oldest first, each as long as fits allows (and at least one article).
func cutPage(lo, end, page int, fits func(lo, hi int) bool) []span {
	var docs []span
	for part := 1; lo < end; part++ {
		hi := lo + 1
		for hi < end && fits(lo, hi+1) {
			hi++
		}
		docs = append(docs, span{lo: lo, hi: hi, page: page, part: part})
		lo = hi
	}
	return docs
}

// sizeSlack is added to the measured overhead of a document for the links
// an archive document has beyond those of the current one.
const sizeSlack = 1024

// # Archive documents on demand
//
// A large folder has many archive documents: at 10,000 articles with 64
// tags, some 14,000 files and half a gigabyte in all formats. They are never
// all held: a Builder keeps, per feed set, where each document starts and
// ends, a hash of the versions of its articles and when its bytes last
// changed ([archiveSet]); a [Bundle] renders a document when asked
// (serving, or the [Publisher] writing one whose source changed) and keeps
// the latest in the bounded cache of the article pages.
//
// A new layout hands on from the previous one every page whose articles are
// the same (the same versions at the same positions), so that a change
// measures only the articles of the pages it touches. Measuring an article
// (the bytes it adds to a document in each format) renders it; the sizes
// are kept per article version, and across restarts with the page times
// ([SavedPage].Sizes).
//
// A first layout (a start without a saved record, or a feed set new to
// the Builder) measures only the current documents and the newest page: it
// leaves every older page whole (a lazy span), since nothing has been
// served of it that its times must follow. Serving a document cuts its page
// and the one before it (whose last document it links) in a view
// ([archiveSet.lookup]); [Bundle.CutArchives], the [Publisher], the next
// layout and [Builder.Save] cut them all, once ([archiveSet.flatten]). The
// documents of a page cut late take the page's times, and their keys are
// made then: the bytes, names and times are those of a layout that cut
// every page at once (TestArchiveLazy).

// archDoc is one archive document as laid out: its articles and name, the
// hash of their versions, and when its bytes last changed.
type archDoc struct {
	span
	sum  versionSum    // the versions of its articles
	keys [3]versionSum // what its bytes are made from, per format (archiveSet.keyOf)
	mods [3]int64      // when its bytes last changed, per format (Unix seconds)
}

// versionSum is a 128-bit hash of the versions of a list of articles.
type versionSum [16]byte

// sumOf hashes the versions of articles (the fields of [itemKey]).
func sumOf(arts []*content.Article) versionSum {
	h := fnv.New128a()
	var buf []byte
	for _, a := range arts {
		k := keyFor(a)
		buf = append(buf[:0], k.path...)
		buf = append(append(buf, 0), k.hash...)
		buf = append(append(buf, 0), k.id...)
		buf = strconv.AppendInt(append(buf, 0), k.published, 36)
		buf = strconv.AppendInt(append(buf, '.'), k.updated, 36)
		buf = strconv.AppendUint(append(buf, '.'), k.media, 36)
		h.Write(append(buf, 0))
	}
	var s versionSum
	h.Sum(s[:0])
	return s
}

// archiveSet is the archive documents of one feed set as one build laid
// them out. It is immutable once made: bundles share it.
type archiveSet struct {
	head *feedSpec          // the current documents: their titles, id and self URLs, without articles
	arts []*content.Article // the feed set's articles, newest first; nil for a set restored from a saved record
	docs []archDoc          // oldest first
	// base is where the current documents start without the budget (a
	// whole number of pages), cur where they start, and tailSum the hash
	// of the articles from base on, which the budget decides cur from.
	base, cur int
	tailSum   versionSum
	// headKey is what every document takes from the feed set: its place
	// and titles.
	headKey string

	mu     sync.Mutex
	sizes  *sizeCache     // the Builder's: its bundles measure into it
	sz     *sizing        // the feed set's sizes without items, once measured
	splits map[int][]span // the pages cut since the layout left them whole, by number
	flatMu sync.Mutex     // held while the pages are cut for flat
	flat   *archiveSet    // every page cut (see flatten), once made without a stand-in
}

// sizing is what the layout of a feed set adds to the sizes of its items:
// the bytes of a document without items (and sizeSlack) per format, and
// of an empty feed, which [measure] takes from an item's one-item feed.
type sizing struct {
	over, empty [3]int
}

// measurer returns the sizes of articles, and whether a size is a
// stand-in's (a body that could not be read).
type measurer func(arts []*content.Article) (sizes [][3]int32, partial bool)

// prefix is where the feed set's files live.
func (s *archiveSet) prefix() string { return s.head.prefix }

// lookup finds the document with a name: in the set itself when its page
// and the page before it are cut, else in a view of the pages around it,
// cut now (see cut). It returns i < 0 when there is no such document.
func (s *archiveSet) lookup(site *Site, src fs.FS, name string) (v *archiveSet, i int) {
	page, part := name, "1"
	if p, q, ok := strings.Cut(name, "-"); ok {
		page, part = p, q
	}
	pg, err1 := strconv.Atoi(page)
	pt, err2 := strconv.Atoi(part)
	if err1 != nil || err2 != nil {
		return nil, -1
	}
	a, _ := slices.BinarySearchFunc(s.docs, pg, func(d archDoc, pg int) int { return cmp.Compare(d.page, pg) })
	e := a
	for e < len(s.docs) && s.docs[e].page == pg {
		e++
	}
	if a == e {
		return nil, -1
	}
	find := func(v *archiveSet, from, to int) (*archiveSet, int) {
		for i := from; i < to; i++ {
			if d := v.docs[i]; d.part == pt && d.name() == name { // not "01", "1-1"
				return v, i
			}
		}
		return nil, -1
	}
	if !s.docs[a].lazy() && (a == 0 || !s.docs[a-1].lazy()) {
		return find(s, a, e)
	}
	s.mu.Lock()
	f := s.flat
	s.mu.Unlock()
	if f != nil {
		return f.lookup(site, src, name)
	}
	m := measureWith(site, src, s.sizing(site).empty, s.sizes)
	v = &archiveSet{head: s.head, arts: s.arts, sizes: s.sizes, base: s.base, cur: s.cur, tailSum: s.tailSum, headKey: s.headKey}
	if a > 0 {
		if s.docs[a-1].lazy() {
			spans, _, _ := s.cut(site, s.docs[a-1].span, m)
			v.docs = append(v.docs, s.partsOf(s.docs[a-1], spans[len(spans)-1:])...)
		} else {
			v.docs = append(v.docs, s.docs[a-1])
		}
	}
	from := len(v.docs)
	if s.docs[a].lazy() {
		spans, _, _ := s.cut(site, s.docs[a].span, m)
		v.docs = append(v.docs, s.partsOf(s.docs[a], spans)...)
	} else {
		v.docs = append(v.docs, s.docs[a:e]...)
	}
	to := len(v.docs)
	if e < len(s.docs) {
		v.docs = append(v.docs, s.docs[e]) // a lazy span names its first document
	}
	if s.docs[a].lazy() {
		for i := from; i < to; i++ {
			for k := range formats {
				v.docs[i].keys[k] = v.keyOf(i, k)
			}
		}
	}
	return find(v, from, to)
}

// self returns the URLs of document i in each format.
func (s *archiveSet) self(site *Site, i int) map[string]string {
	return site.newSpec(s.prefix()+archiveDir+s.docs[i].name()+"/", "", "", "").self
}

// newest returns the newest article of document i.
func (s *archiveSet) newest(i int) *content.Article { return s.arts[len(s.arts)-s.docs[i].hi] }

// path returns the path of document i in format k (an index into formats).
func (s *archiveSet) path(i, k int) string {
	return s.prefix() + archiveDir + s.docs[i].name() + "/" + formats[k].name
}

// keyOf names what document i is rendered from in format k besides the
// site and the program: its articles, its name and its neighbours' (its
// links: JSON Feed links only the older one), and the feed set's titles.
// Equal keys give equal bytes. The set has no lazy span before i (see
// keyAt).
func (s *archiveSet) keyOf(i, k int) versionSum {
	prev, next := "", ""
	if i > 0 {
		prev = s.docs[i-1].name()
	}
	if i < len(s.docs)-1 && formats[k].key != "json" {
		next = s.docs[i+1].name()
	}
	return docKey(s.docs[i], prev, next, s.headKey)
}

// docKey is the key of a document between documents named prev and next.
func docKey(d archDoc, prev, next, headKey string) versionSum {
	h := fnv.New128a()
	h.Write(d.sum[:])
	for _, v := range []string{d.name(), prev, next, headKey} {
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	var sum versionSum
	h.Sum(sum[:0])
	return sum
}

// sourceKey is what the [Publisher] records of archive document i in format
// k: equal keys give equal files.
func (s *archiveSet) sourceKey(pageKey string, i, k int) string {
	sum := s.docs[i].keys[k]
	return pageKey + " archive " + base64.RawURLEncoding.EncodeToString(sum[:]) + " " + formats[k].key
}

// spec returns the feed set of archive document i, with its items made.
// partial reports whether a body could not be read.
// items, when not nil, shares the items made with other renderings.
func (s *archiveSet) spec(site *Site, src fs.FS, i int, items *itemCache) (sp *feedSpec, partial bool) {
	d := s.docs[i]
	h := s.head
	sp = site.newSpec(h.prefix+archiveDir+d.name()+"/", h.title, h.description, h.home)
	sp.name, sp.id = h.name, h.id
	n := len(s.arts)
	sp.arts = s.arts[n-d.hi : n-d.lo]
	sp.items = make([]*item, len(sp.arts))
	for j, a := range sp.arts {
		sp.items[j] = items.get(site, a, src)
		partial = partial || sp.items[j].partial
	}
	sp.hist = &history{archive: true, current: h.self}
	if i > 0 {
		sp.hist.prev = s.self(site, i-1)
	}
	if i < len(s.docs)-1 {
		sp.hist.next = s.self(site, i+1)
	}
	return sp, partial
}

// itemCache is a bounded LRU of items by article version, safe for
// concurrent use. An article is in the main chain and in the chain of each
// of its tags, so a publish that writes their documents in the order of
// their articles makes most items once.
type itemCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // of *item, the latest used first
	items map[*content.Article]*list.Element
}

func newItemCache(max int) *itemCache {
	return &itemCache{max: max, ll: list.New(), items: make(map[*content.Article]*list.Element)}
}

// get returns the item of an article, made once while it stays in the
// cache; a nil cache makes it every time. Items of a body that could not
// be read are not kept.
func (c *itemCache) get(site *Site, a *content.Article, src fs.FS) *item {
	if c == nil {
		return newItem(site, a, src)
	}
	c.mu.Lock()
	if e, ok := c.items[a]; ok {
		c.ll.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(*item)
	}
	c.mu.Unlock()
	it := newItem(site, a, src)
	if it.partial {
		return it
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[a]; ok { // made meanwhile by another rendering
		return e.Value.(*item)
	}
	c.items[a] = c.ll.PushFront(it)
	for c.ll.Len() > c.max {
		e := c.ll.Back()
		c.ll.Remove(e)
		delete(c.items, e.Value.(*item).a)
	}
	return it
}

// currentHistory returns the history of the current documents: a link to
// the newest archive document, or nil without archives.
func (s *archiveSet) currentHistory(site *Site) *history {
	if s == nil || len(s.docs) == 0 {
		return nil
	}
	return &history{prev: s.self(site, len(s.docs)-1)}
}

// measureEmpty returns the bytes of an empty feed in each format.
func measureEmpty(site *Site) [3]int {
	var empty [3]int
	sp := site.newSpec("", "x", "x", site.BaseURL)
	for k, f := range formats {
		if b, err := f.render(site, sp); err == nil {
			empty[k] = len(b)
		}
	}
	return empty
}

// measure returns the bytes an item adds to a feed document in each format.
func measure(site *Site, empty [3]int, it *item) [3]int32 {
	var size [3]int32
	sp := site.newSpec("", "x", "x", site.BaseURL)
	sp.items = []*item{it}
	for k, f := range formats {
		if b, err := f.render(site, sp); err == nil {
			size[k] = int32(max(1, len(b)-empty[k]))
		}
	}
	return size
}

// sizeCache holds the sizes of article versions (see measure), safe for
// concurrent use: a Builder's layouts and its bundles' cuts share one.
type sizeCache struct {
	mu sync.Mutex
	m  map[*content.Article][3]int32
}

func newSizeCache() *sizeCache { return &sizeCache{m: make(map[*content.Article][3]int32)} }

func (c *sizeCache) get(a *content.Article) ([3]int32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[a]
	return s, ok
}

func (c *sizeCache) put(a *content.Article, s [3]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[a] = s
}

// sizeOf returns the size of a, zero when not measured.
func (c *sizeCache) sizeOf(a *content.Article) [3]int32 {
	s, _ := c.get(a)
	return s
}

func (c *sizeCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// keepOnly drops the sizes of the article versions not in arts.
func (c *sizeCache) keepOnly(arts []*content.Article) {
	c.mu.Lock()
	defer c.mu.Unlock()
	keep := make(map[*content.Article][3]int32, len(arts))
	for _, a := range arts {
		if s, ok := c.m[a]; ok {
			keep[a] = s
		}
	}
	c.m = keep
}

// sizesOf returns the sizes of arts, measuring on every core those the
// cache lacks, and keeping them. stand reports a body that could not be
// read: the size is then a stand-in's, and not kept.
func sizesOf(site *Site, src fs.FS, empty [3]int, cache *sizeCache, arts []*content.Article) (sizes [][3]int32, stand bool) {
	sizes = make([][3]int32, len(arts))
	var todo []int
	for i, a := range arts {
		var ok bool
		if sizes[i], ok = cache.get(a); !ok {
			todo = append(todo, i)
		}
	}
	partial := make([]bool, len(todo))
	parallel(len(todo), func(j int) {
		i := todo[j]
		it := newItem(site, arts[i], src)
		sizes[i], partial[j] = measure(site, empty, it), it.partial
		if !it.partial {
			cache.put(arts[i], sizes[i])
		}
	})
	return sizes, slices.Contains(partial, true)
}

// measureWith returns the measurer of a [Bundle], which keeps the sizes it
// measures in the Builder's cache.
func measureWith(site *Site, src fs.FS, empty [3]int, cache *sizeCache) measurer {
	return func(arts []*content.Article) ([][3]int32, bool) {
		return sizesOf(site, src, empty, cache, arts)
	}
}

// measurer returns the Builder's measurer, which sets *partial when it used
// a stand-in's size.
func (bl *Builder) measurer(partial *bool) measurer {
	if bl.empty == [3]int{} {
		bl.empty = measureEmpty(&bl.site)
	}
	return func(arts []*content.Article) ([][3]int32, bool) {
		sizes, stand := sizesOf(&bl.site, bl.src, bl.empty, bl.sizes, arts)
		if stand {
			*partial = true
		}
		return sizes, stand
	}
}

// parallel calls fn for 0..n-1 on every core.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// sizing returns what the feed set adds to its items' sizes, measured once.
func (s *archiveSet) sizing(site *Site) sizing {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sz == nil {
		sz := &sizing{empty: measureEmpty(site)}
		sp := *s.head
		for k, f := range formats {
			if b, err := f.render(site, &sp); err == nil {
				sz.over[k] = len(b) + sizeSlack
			}
		}
		s.sz = sz
	}
	return *s.sz
}

// need returns the bytes of a document holding arts (newest first) in its
// largest format, from their sizes.
func (sz sizing) need(sizes [][3]int32) int {
	m := 0
	for k := range formats {
		t := sz.over[k]
		for _, s := range sizes {
			t += int(s[k])
		}
		m = max(m, t)
	}
	return m
}

// cut returns the documents the page of lazy span d is cut into, cut once
// (not kept when a size was a stand-in's: partial). ok is false for a set
// restored without its articles, which cannot cut what it did not.
func (s *archiveSet) cut(site *Site, d span, m measurer) (spans []span, partial, ok bool) {
	s.mu.Lock()
	spans, ok = s.splits[d.page]
	s.mu.Unlock()
	if ok {
		return spans, false, true
	}
	if s.arts == nil {
		return nil, false, false
	}
	n := len(s.arts)
	sizes, partial := m(s.arts[n-d.hi : n-d.lo])
	sz := s.sizing(site)
	budget := site.budget()
	spans = cutPage(d.lo, d.hi, d.page, func(lo, hi int) bool {
		// sizes is newest first: article j (from the oldest) is at d.hi-1-j.
		return sz.need(sizes[d.hi-hi:d.hi-lo]) <= budget
	})
	if !partial {
		s.mu.Lock()
		if s.splits == nil {
			s.splits = make(map[int][]span)
		}
		s.splits[d.page] = spans
		s.mu.Unlock()
	}
	return spans, partial, true
}

// partsOf returns the documents of lazy span d cut as spans: their
// articles' hash, and the span's times.
func (s *archiveSet) partsOf(d archDoc, spans []span) []archDoc {
	n := len(s.arts)
	out := make([]archDoc, len(spans))
	for j, sp := range spans {
		out[j] = archDoc{span: sp, sum: d.sum, mods: d.mods}
		if sp.lo != d.lo || sp.hi != d.hi { // not the whole page
			out[j].sum = sumOf(s.arts[n-sp.hi : n-sp.lo])
		}
	}
	return out
}

// lastName returns the name of the last document of the page of span d,
// cutting it when it is lazy; ok is false when that cannot be known.
func (s *archiveSet) lastName(site *Site, d span, m measurer) (name string, ok bool) {
	if !d.lazy() {
		return d.name(), true
	}
	spans, _, ok := s.cut(site, d, m)
	if !ok {
		return "", false
	}
	return spans[len(spans)-1].name(), true
}

// keyAt is keyOf for a layout that may have lazy spans: the name before a
// document is that of the last document of the page before.
func (s *archiveSet) keyAt(site *Site, i, k int, m measurer) versionSum {
	prev := ""
	if i > 0 {
		prev, _ = s.lastName(site, s.docs[i-1].span, m) // a new layout has its articles
	}
	next := ""
	if i < len(s.docs)-1 && formats[k].key != "json" {
		next = s.docs[i+1].name()
	}
	return docKey(s.docs[i], prev, next, s.headKey)
}

// flatten returns the set with every page cut: the set itself when its
// layout cut them all, else a copy made once (unless a body could not be
// read). The documents of a page cut now take the page's times.
func (s *archiveSet) flatten(site *Site, src fs.FS) *archiveSet {
	f, _ := s.flattenAll(context.Background(), site, src)
	return f
}

// cutSoFar returns the set with every page cut when that takes no
// rendering (the sizes of the articles of its whole pages are known), else
// the set itself (nil for nil).
func (s *archiveSet) cutSoFar(site *Site, src fs.FS) *archiveSet {
	if s == nil {
		return nil
	}
	n := len(s.arts)
	for _, d := range s.docs {
		if !d.lazy() {
			continue
		}
		if s.arts == nil {
			return s
		}
		for _, a := range s.arts[n-d.hi : n-d.lo] {
			if _, ok := s.sizes.get(a); !ok {
				return s
			}
		}
	}
	return s.flatten(site, src)
}

// flattenAll is flatten, which also reports whether a size it used was a
// stand-in's, or ctx was done before every page was cut (the copy is then
// not kept). One call cuts at a time; the others wait for it and take its
// copy.
func (s *archiveSet) flattenAll(ctx context.Context, site *Site, src fs.FS) (f *archiveSet, partial bool) {
	var lazy []int
	for i, d := range s.docs {
		if d.lazy() {
			lazy = append(lazy, i)
		}
	}
	if len(lazy) == 0 {
		return s, false
	}
	s.flatMu.Lock()
	defer s.flatMu.Unlock()
	if s.flat != nil {
		return s.flat, false
	}
	m := measureWith(site, src, s.sizing(site).empty, s.sizes)
	cuts := make([][]span, len(s.docs))
	var stand atomic.Bool
	parallel(len(lazy), func(j int) {
		if ctx.Err() != nil {
			stand.Store(true)
			return
		}
		spans, p, _ := s.cut(site, s.docs[lazy[j]].span, m)
		cuts[lazy[j]] = spans
		if p {
			stand.Store(true)
		}
	})
	if ctx.Err() != nil {
		return s, true
	}
	f = &archiveSet{head: s.head, arts: s.arts, sizes: s.sizes, base: s.base, cur: s.cur, tailSum: s.tailSum, headKey: s.headKey}
	var made []int
	for i, d := range s.docs {
		if !d.lazy() {
			f.docs = append(f.docs, d)
			continue
		}
		for _, p := range s.partsOf(d, cuts[i]) {
			made = append(made, len(f.docs))
			f.docs = append(f.docs, p)
		}
	}
	for _, i := range made {
		for k := range formats {
			f.docs[i].keys[k] = f.keyOf(i, k)
		}
	}
	if stand.Load() {
		return f, true
	}
	s.mu.Lock() // written under both locks, read under either
	s.flat = f
	s.mu.Unlock()
	return f, false
}

// layoutSet lays out a group's articles as archive documents and current
// documents, handing on what it can of the group's previous layout, and
// dates each document. It reports whether a size it used was a stand-in's
// (a body that could not be read): the layout is then made again next time.
//
// A first layout (no old one) cuts only the newest page, whose last
// document the current ones link: the others are cut when a document of
// theirs is asked for (see [archiveSet.lookup]), or all at once before the
// layout is saved or handed on (see [archiveSet.flatten]).
func (bl *Builder) layoutSet(g *group) (set *archiveSet, partial bool) {
	site := &bl.site
	old := g.arch
	if old == nil {
		// A group made anew for a feed set the last build had (its last
		// article taken out, another put in): that layout's times stand.
		old = bl.sets[g.prefix]
	}
	if old != nil {
		old.mu.Lock()
		f := old.flat
		old.mu.Unlock()
		if f != nil {
			old = f // its pages all cut: the new layout hands them on cut
		}
	}
	n := len(g.arts)
	set = &archiveSet{head: bl.specOf(g), arts: g.arts, sizes: bl.sizes}
	set.headKey = set.head.prefix + "\x00" + set.head.title + "\x00" + set.head.description + "\x00" + set.head.name
	m := bl.measurer(&partial)
	oldest := func(arts []*content.Article, i int) *content.Article { return arts[len(arts)-1-i] }
	// same reports whether the articles [lo, hi) are those of the old
	// layout at the same positions, by identity (cheap) or by hash.
	same := func(lo, hi int, sum versionSum) bool {
		if old.arts != nil && len(old.arts) >= hi {
			eq := true
			for i := lo; i < hi && eq; i++ {
				eq = oldest(g.arts, i) == oldest(old.arts, i)
			}
			if eq {
				return true
			}
		}
		return sumOf(g.arts[n-hi:n-lo]) == sum
	}
	need := func(lo, hi int) int {
		sizes, _ := m(g.arts[n-hi : n-lo])
		return set.sizing(site).need(sizes)
	}
	l := layout{n: n, window: len(pick(site, g.arts)), page: site.archivePage(), budget: site.budget(), need: need}
	// oldPage returns the old documents of page number page; pages are
	// asked for in order.
	c := 0
	oldPage := func(page int) []archDoc {
		for c < len(old.docs) && old.docs[c].page < page {
			c++
		}
		e := c
		for e < len(old.docs) && old.docs[e].page == page {
			e++
		}
		return old.docs[c:e]
	}
	if old == nil && !bl.eager {
		l.lazy = func(int) bool { return true }
	}
	// The pages handed on, by number (from 1).
	var reused []bool
	var tail versionSum
	if old != nil {
		l.reuse = func(lo, end int, last bool) ([]archDoc, bool) {
			page := lo/l.page + 1
			ds := oldPage(page)
			if len(ds) == 0 || ds[0].lo != lo || ds[len(ds)-1].hi != end || ds[0].halved || last && ds[0].lazy() {
				return nil, false
			}
			for _, d := range ds {
				if !same(d.lo, d.hi, d.sum) {
					return nil, false
				}
			}
			for len(reused) <= page {
				reused = append(reused, false)
			}
			reused[page] = true
			return ds, true
		}
		l.start = func(base int) (int, bool) {
			// The budget moves the start past base as it did before when
			// the articles from base on are the same.
			tail = sumOf(g.arts[:n-base])
			if old.base != base || tail != old.tailSum || old.cur < base || old.cur >= n {
				return 0, false
			}
			return old.cur, true
		}
	}
	cur, spans := l.run()
	set.base, set.cur = l.base, cur
	if old == nil {
		tail = sumOf(g.arts[:n-l.base])
	}
	set.tailSum = tail
	if len(spans) > 0 {
		set.docs = make([]archDoc, len(spans))
	}
	j := 0 // the old documents, by position: a page handed on keeps its spans
	for i, d := range spans {
		var sum versionSum
		for old != nil && j < len(old.docs) && old.docs[j].lo < d.lo {
			j++
		}
		if d.page < len(reused) && reused[d.page] && j < len(old.docs) && old.docs[j].lo == d.lo && old.docs[j].hi == d.hi {
			sum = old.docs[j].sum
		} else {
			sum = sumOf(g.arts[n-d.hi : n-d.lo])
		}
		set.docs[i] = archDoc{span: d, sum: sum}
	}
	bl.dateDocs(old, set, m)
	return set, partial
}

// dateDocs keys and dates the documents of a new layout from those of the
// old one by the rules of modtime.go: a document keeps its time in a format
// when its key there is the same, and the times of documents gone raise the
// floor. Keys are handed on, not hashed again, when the document holds the
// same articles between documents of the same names.
//
// Lazy spans have times but no keys. One handed on (the same articles) keeps
// its times when the documents before and after it have the same names;
// else it is cut now, and its documents are dated one by one against the
// old page's, cut too (from the old articles). A page an earlier run left
// whole cannot be cut once its articles changed (their old versions are
// gone): its documents are dated anew, after every time they had.
func (bl *Builder) dateDocs(old, set *archiveSet, m measurer) {
	site := &bl.site
	var prev []archDoc
	if old != nil {
		prev = old.docs
	}
	headSame := old != nil && old.headKey == set.headKey
	wasWhole := make(map[int]versionSum) // the pages the layout left whole, by number: their articles' hash
	// before returns the name of the document before entry i of docs, from
	// set s ("" for none); ok is false when it cannot be known.
	before := func(s *archiveSet, docs []archDoc, i int) (string, bool) {
		if i == 0 {
			return "", true
		}
		return s.lastName(site, docs[i-1].span, m)
	}
	sameBefore := func(docs []archDoc, i int, olds []archDoc, j int) bool {
		if i == 0 || j == 0 {
			return i == 0 && j == 0
		}
		x, y := docs[i-1], olds[j-1]
		if x.page == y.page && y.lazy() && (x.lazy() && x.sum == y.sum || !x.lazy() && wasWhole[x.page] == y.sum) {
			return true // the same articles, cut alike
		}
		if !x.lazy() && !y.lazy() {
			return x.sameName(y.span) // a cut document's name is its own (see lastName)
		}
		a, ok1 := before(set, docs, i)
		b, ok2 := before(old, olds, j)
		return ok1 && ok2 && a == b
	}
	after := func(docs []archDoc, i int) string {
		if i+1 < len(docs) {
			return docs[i+1].name() // a lazy span names its first document
		}
		return ""
	}
	// sameAfter is after(docs, i) == after(olds, j), without making the
	// names: a layout of 100,000 documents compares them at each change.
	sameAfter := func(docs []archDoc, i int, olds []archDoc, j int) bool {
		if i+1 >= len(docs) || j+1 >= len(olds) {
			return i+1 >= len(docs) && j+1 >= len(olds)
		}
		return docs[i+1].sameName(olds[j+1].span)
	}

	// The new lazy spans: dated whole, or cut.
	handed := make(map[int]bool) // old lazy spans handed on, by page
	for _, d := range set.docs {
		if d.lazy() {
			wasWhole[d.page] = d.sum
		}
	}
	docs := set.docs
	if len(wasWhole) > 0 {
		docs = make([]archDoc, 0, len(set.docs)+len(set.docs)/8)
	}
	for i, d := range set.docs {
		if len(wasWhole) == 0 {
			break // every page cut: the documents as they are
		}
		if !d.lazy() {
			docs = append(docs, d)
			continue
		}
		if old == nil {
			for k := range formats {
				d.mods[k] = bl.fresh()
			}
			docs = append(docs, d)
			continue
		}
		// Handed on from the old layout's lazy span of the same page.
		j, _ := slices.BinarySearchFunc(prev, d.page, func(p archDoc, page int) int { return cmp.Compare(p.page, page) })
		if j < len(prev) && prev[j].lazy() && prev[j].page == d.page && prev[j].sum == d.sum && headSame &&
			sameBefore(docs, len(docs), prev, j) && sameAfter(set.docs, i, prev, j) {
			d.mods = prev[j].mods
			handed[d.page] = true
			old.mu.Lock()
			if cut, ok := old.splits[d.page]; ok {
				if set.splits == nil {
					set.splits = make(map[int][]span)
				}
				set.splits[d.page] = cut // no lock: the set is not shared yet
			}
			old.mu.Unlock()
			docs = append(docs, d)
			continue
		}
		spans, _, _ := set.cut(site, d.span, m)
		docs = append(docs, set.partsOf(archDoc{}, spans)...)
	}
	set.docs = docs

	// The old lazy spans of pages cut now, cut when their articles are at
	// hand, keyed as they were served.
	olds := prev
	if old != nil && old.arts != nil && slices.ContainsFunc(prev, func(p archDoc) bool { return p.lazy() && !handed[p.page] }) {
		olds = nil
		var made []int
		for _, p := range prev {
			if !p.lazy() || handed[p.page] {
				olds = append(olds, p)
				continue
			}
			spans, _, _ := old.cut(site, p.span, m)
			for _, q := range old.partsOf(p, spans) {
				made = append(made, len(olds))
				olds = append(olds, q)
			}
		}
		for _, j := range made {
			name, ok := before(old, olds, j)
			for k := range formats {
				next := ""
				if formats[k].key != "json" {
					next = after(olds, j)
				}
				if ok {
					olds[j].keys[k] = docKey(olds[j], name, next, old.headKey)
				}
			}
		}
	}

	less := func(a, b span) bool { return a.page < b.page || a.page == b.page && a.part < b.part }
	sameName := func(a, b span) bool { return a.page == b.page && a.part == b.part }
	j := 0
	for i := range set.docs {
		d := &set.docs[i]
		for j < len(olds) && less(olds[j].span, d.span) {
			bl.forgetDoc(olds[j])
			j++
		}
		if d.lazy() {
			if j < len(olds) && sameName(olds[j].span, d.span) && handed[d.page] {
				j++ // dated above
			}
			continue
		}
		if j < len(olds) && sameName(olds[j].span, d.span) {
			p := olds[j]
			if p.sum == d.sum && headSame && p.keys != [3]versionSum{} &&
				sameBefore(set.docs, i, olds, j) && sameAfter(set.docs, i, olds, j) {
				d.keys, d.mods = p.keys, p.mods
			} else {
				for k := range formats {
					d.keys[k] = set.keyAt(site, i, k, m)
					d.mods[k] = bl.next(p.mods[k], d.keys[k] == p.keys[k])
				}
			}
			j++
			continue
		}
		for k := range formats {
			d.keys[k], d.mods[k] = set.keyAt(site, i, k, m), bl.fresh()
		}
	}
	for ; j < len(olds); j++ {
		bl.forgetDoc(olds[j])
	}
}

// forgetDoc notes that the record of an archive document is dropped.
func (bl *Builder) forgetDoc(d archDoc) {
	for _, t := range d.mods {
		bl.forget(t)
	}
}

// forgetSets takes the layouts of this build (by prefix): the times of the
// documents of feed sets gone raise the floor. It also drops the sizes of
// article versions no longer published, once they are many.
func (bl *Builder) forgetSets(sets map[string]*archiveSet) {
	for prefix, old := range bl.sets {
		if _, ok := sets[prefix]; !ok {
			for _, d := range old.docs {
				bl.forgetDoc(d)
			}
		}
	}
	bl.sets = sets
	if bl.sizes.len() > len(bl.vis)+len(bl.vis)/4+64 {
		bl.sizes.keepOnly(bl.vis)
	}
}

// archiveFile returns archive document i of a set in format k, rendered,
// from the cache when it can.
func (b *Bundle) archiveFile(set *archiveSet, i, k int) (*File, error) {
	// The time is part of the cache key: a document changed and then put
	// back as it was has the same source, but a later time.
	key := set.sourceKey(b.pageKey, i, k) + " " + strconv.FormatInt(set.docs[i].mods[k], 10)
	if f := b.pages.get(key); f != nil {
		return f, nil
	}
	f, partial, err := b.renderArchive(set, i, k)
	if err == nil && !partial {
		b.pages.put(key, f)
	}
	return f, err
}

// renderArchive renders archive document i of a set in format k. partial
// reports a body that could not be read: a stand-in, which the next
// rendering will replace under the same time, so it gets none.
func (b *Bundle) renderArchive(set *archiveSet, i, k int) (f *File, partial bool, err error) {
	sp, partial := set.spec(&b.site, b.src, i, nil)
	f, err = renderFormat(&b.site, sp, k)
	if err != nil {
		return nil, false, err
	}
	if !partial {
		f.ModTime = unixTime(set.docs[i].mods[k])
	}
	return f, partial, nil
}

// has reports whether the bundle has a feed, index, discovery or archive
// document at rel.
func (b *Bundle) has(rel string) bool {
	if _, ok := b.files[rel]; ok {
		return true
	}
	_, _, _, ok := b.lookupArchive(rel)
	return ok
}

// lookupArchive finds the archive document at rel:
// "<prefix>archive/<name>/<format file>".
func (b *Bundle) lookupArchive(rel string) (set *archiveSet, i, k int, ok bool) {
	at := strings.LastIndex(rel, archiveDir)
	if at < 0 || len(b.archives) == 0 {
		return nil, 0, 0, false
	}
	set = b.archives[rel[:at]]
	name, file, found := strings.Cut(rel[at+len(archiveDir):], "/")
	if set == nil || !found {
		return nil, 0, 0, false
	}
	if k = slices.IndexFunc(formats, func(f formatOf) bool { return f.name == file }); k < 0 {
		return nil, 0, 0, false
	}
	if set, i = set.lookup(&b.site, b.src, name); i < 0 {
		return nil, 0, 0, false
	}
	return set, i, k, true
}

// isArchivePath reports whether rel has the form of an archive document's
// path: "<prefix>archive/<page>[-<part>]/<format file>".
func isArchivePath(rel string) bool {
	at := strings.LastIndex(rel, archiveDir)
	if at < 0 {
		return false
	}
	name, file, ok := strings.Cut(rel[at+len(archiveDir):], "/")
	if !ok || name == "" || !slices.ContainsFunc(formats, func(f formatOf) bool { return f.name == file }) {
		return false
	}
	return strings.Trim(name, "0123456789-") == ""
}

// archiveSets returns the bundle's layouts with archive documents, sorted
// by prefix, every page cut (see flatten).
func (b *Bundle) archiveSets() []*archiveSet {
	out := make([]*archiveSet, 0, len(b.archives))
	for _, p := range slices.Sorted(maps.Keys(b.archives)) {
		out = append(out, b.archives[p].flatten(&b.site, b.src))
	}
	return out
}

// CutArchives cuts every archive page a first layout left whole (see
// layoutSet), measuring their articles on every core, so that a save or a
// publish finds them cut. It returns the number of pages it found whole
// and not cut yet (cut now, or by a concurrent call it waited for), and
// stops early once ctx is done. It is safe to call beside serving (a serve start calls it in
// the background once ready).
func (b *Bundle) CutArchives(ctx context.Context) (pages int) {
	for _, p := range slices.Sorted(maps.Keys(b.archives)) {
		if ctx.Err() != nil {
			return pages
		}
		set := b.archives[p]
		set.mu.Lock()
		done := set.flat != nil
		set.mu.Unlock()
		if done {
			continue
		}
		for _, d := range set.docs {
			if d.lazy() {
				pages++
			}
		}
		set.flattenAll(ctx, &b.site, b.src)
	}
	return pages
}
