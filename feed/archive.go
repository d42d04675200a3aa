package feed

import (
	"cmp"
	"container/list"
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
	lo, hi     int
	page, part int
	// halved marks the two documents a lone archive document is cut into
	// (see layoutArchive), which an earlier layout cannot hand on as the
	// page's parts.
	halved bool
}

// name is the document's URL path element under archive/.
func (d span) name() string {
	n := strconv.Itoa(d.page)
	if d.part > 1 {
		n += "-" + strconv.Itoa(d.part)
	}
	return n
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
	// cut them as it would cut them now, without measuring anything.
	reuse func(lo, end int) ([]archDoc, bool)
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
	for k := 0; k*page < cur; k++ {
		lo, end := k*page, min((k+1)*page, cur)
		if l.reuse != nil {
			if parts, ok := l.reuse(lo, end); ok {
				for _, d := range parts {
					docs = append(docs, d.span)
				}
				continue
			}
		}
		for part := 1; lo < end; part++ {
			hi := lo + 1
			for hi < end && l.need(lo, hi+1) <= budget {
				hi++
			}
			docs = append(docs, span{lo: lo, hi: hi, page: k + 1, part: part})
			lo = hi
		}
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
}

// prefix is where the feed set's files live.
func (s *archiveSet) prefix() string { return s.head.prefix }

// find returns the index of the document with a name, or -1.
func (s *archiveSet) find(name string) int {
	page, part := name, "1"
	if p, q, ok := strings.Cut(name, "-"); ok {
		page, part = p, q
	}
	pg, err1 := strconv.Atoi(page)
	pt, err2 := strconv.Atoi(part)
	if err1 != nil || err2 != nil {
		return -1
	}
	i, ok := slices.BinarySearchFunc(s.docs, [2]int{pg, pt}, func(d archDoc, t [2]int) int {
		return cmp.Or(cmp.Compare(d.page, t[0]), cmp.Compare(d.part, t[1]))
	})
	if !ok || s.docs[i].name() != name {
		return -1 // not as the name is written: "01", "1-1"
	}
	return i
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
// Equal keys give equal bytes.
func (s *archiveSet) keyOf(i, k int) versionSum {
	h := fnv.New128a()
	d := s.docs[i]
	h.Write(d.sum[:])
	prev, next := "", ""
	if i > 0 {
		prev = s.docs[i-1].name()
	}
	if i < len(s.docs)-1 && formats[k].key != "json" {
		next = s.docs[i+1].name()
	}
	for _, v := range []string{d.name(), prev, next, s.headKey} {
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

// measureEmpty sets the bytes of an empty feed in each format, once.
func (bl *Builder) measureEmpty() {
	if bl.empty[0] != 0 {
		return
	}
	sp := bl.site.newSpec("", "x", "x", bl.site.BaseURL)
	for k, f := range formats {
		if b, err := f.render(&bl.site, sp); err == nil {
			bl.empty[k] = len(b)
		}
	}
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

// measureAll measures, on every core, the articles of arts whose size is
// not known yet, and keeps their sizes. It returns the sizes of the
// articles whose body could not be read: those of a stand-in, not kept.
func (bl *Builder) measureAll(arts []*content.Article) map[*content.Article][3]int32 {
	var todo []*content.Article
	for _, a := range arts {
		if _, ok := bl.sizes[a]; !ok {
			todo = append(todo, a)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	bl.measureEmpty()
	sizes := make([][3]int32, len(todo))
	partial := make([]bool, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				it := newItem(&bl.site, todo[i], bl.src)
				sizes[i], partial[i] = measure(&bl.site, bl.empty, it), it.partial
			}
		})
	}
	wg.Wait()
	var stand map[*content.Article][3]int32
	for i, a := range todo {
		if !partial[i] {
			bl.sizes[a] = sizes[i]
			continue
		}
		if stand == nil {
			stand = make(map[*content.Article][3]int32)
		}
		stand[a] = sizes[i]
	}
	return stand
}

// layoutSet lays out a group's articles as archive documents and current
// documents, handing on what it can of the group's previous layout, and
// dates each document. It reports whether a size it used was a stand-in's
// (a body that could not be read): the layout is then made again next time.
func (bl *Builder) layoutSet(g *group) (set *archiveSet, partial bool) {
	site := &bl.site
	old := g.arch
	if old == nil {
		// A group made anew for a feed set the last build had (its last
		// article taken out, another put in): that layout's times stand.
		old = bl.sets[g.prefix]
	}
	n := len(g.arts)
	set = &archiveSet{head: bl.specOf(g), arts: g.arts}
	set.headKey = set.head.prefix + "\x00" + set.head.title + "\x00" + set.head.description + "\x00" + set.head.name
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

	// Sizes, measured only where the layout asks: top[k][j] is the bytes
	// of the newest j articles in format k, extended toward the oldest as
	// far as asked (geometrically), so that a change that hands on every
	// page looks at the current window only.
	var top [3][]int
	var over [3]int
	var stand map[*content.Article][3]int32
	extend := func(lo int) {
		if top[0] == nil {
			sp := bl.specOf(g)
			for k, f := range formats {
				top[k] = append(make([]int, 0, 64), 0)
				if b, err := f.render(site, sp); err == nil {
					over[k] = len(b) + sizeSlack
				}
			}
		}
		have := len(top[0]) - 1 // the newest have articles: [n-have, n)
		if n-have <= lo {
			return
		}
		to := min(lo, max(0, n-2*have)) // cover [to, n)
		arts := g.arts[have : n-to]
		for a, s := range bl.measureAll(arts) {
			if stand == nil {
				stand = make(map[*content.Article][3]int32)
			}
			stand[a] = s
			partial = true
		}
		for _, a := range arts {
			s, ok := bl.sizes[a]
			if !ok {
				s = stand[a]
			}
			for k := range formats {
				top[k] = append(top[k], top[k][len(top[k])-1]+int(s[k]))
			}
		}
	}
	need := func(lo, hi int) int {
		extend(lo)
		m := 0
		for k := range formats {
			m = max(m, over[k]+top[k][n-lo]-top[k][n-hi])
		}
		return m
	}
	l := layout{n: n, window: len(pick(site, g.arts)), page: site.archivePage(), budget: site.budget(), need: need}
	// The pages handed on, by number (from 1), and a cursor into the old
	// documents: pages are asked for in order.
	var reused []bool
	var tail versionSum
	if old != nil {
		c := 0
		l.reuse = func(lo, end int) ([]archDoc, bool) {
			page := lo/l.page + 1
			for c < len(old.docs) && old.docs[c].page < page {
				c++
			}
			e := c
			for e < len(old.docs) && old.docs[e].page == page {
				e++
			}
			ds := old.docs[c:e]
			if len(ds) == 0 || ds[0].lo != lo || ds[len(ds)-1].hi != end || ds[0].halved {
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
	bl.dateDocs(old, set)
	return set, partial
}

// dateDocs keys and dates the documents of a new layout from those of the
// old one by the rules of modtime.go: a document keeps its time in a format
// when its key there is the same, and the times of documents gone raise the
// floor. Keys are handed on, not hashed again, when the document holds the
// same articles between the same neighbours.
func (bl *Builder) dateDocs(old, set *archiveSet) {
	var prev []archDoc
	if old != nil {
		prev = old.docs
	}
	name := func(docs []archDoc, i int) span {
		if i < 0 || i >= len(docs) {
			return span{}
		}
		return docs[i].span
	}
	less := func(a, b span) bool { return a.page < b.page || a.page == b.page && a.part < b.part }
	sameName := func(a, b span) bool { return a.page == b.page && a.part == b.part }
	j := 0
	for i := range set.docs {
		d := &set.docs[i]
		for j < len(prev) && less(prev[j].span, d.span) {
			bl.forgetDoc(prev[j])
			j++
		}
		if j < len(prev) && sameName(prev[j].span, d.span) {
			p := prev[j]
			if p.sum == d.sum && old.headKey == set.headKey &&
				sameName(name(prev, j-1), name(set.docs, i-1)) && sameName(name(prev, j+1), name(set.docs, i+1)) {
				d.keys, d.mods = p.keys, p.mods
			} else {
				for k := range formats {
					d.keys[k] = set.keyOf(i, k)
					d.mods[k] = bl.next(p.mods[k], d.keys[k] == p.keys[k])
				}
			}
			j++
			continue
		}
		for k := range formats {
			d.keys[k], d.mods[k] = set.keyOf(i, k), bl.fresh()
		}
	}
	for ; j < len(prev); j++ {
		bl.forgetDoc(prev[j])
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
	if len(bl.sizes) > len(bl.vis)+len(bl.vis)/4+64 {
		keep := make(map[*content.Article][3]int32, len(bl.vis))
		for _, a := range bl.vis {
			if s, ok := bl.sizes[a]; ok {
				keep[a] = s
			}
		}
		bl.sizes = keep
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
	k = slices.IndexFunc(formats, func(f formatOf) bool { return f.name == file })
	if i = set.find(name); i < 0 || k < 0 {
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

// archiveSets returns the bundle's layouts with archive documents, by
// prefix.
func (b *Bundle) archiveSets() []*archiveSet {
	out := make([]*archiveSet, 0, len(b.archives))
	for _, p := range slices.Sorted(maps.Keys(b.archives)) {
		out = append(out, b.archives[p])
	}
	return out
}
