package feed

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// Builder builds bundles for one site, reusing the rendered items and pages
// of articles that did not change since its previous build, so that a
// rebuild after one file changed renders one article, not all. With
// [Builder.Next] it also keeps its groups of articles (by tag, by section,
// by URL path) between builds, so that a rebuild costs time in proportion
// to what changed, not to the number of articles.
//
// A Builder also dates every document it serves (the feeds, the index, the
// article pages) with the time its bytes last changed, in whole seconds:
// [File].ModTime, which [Server] sends as Last-Modified. Unchanged bytes keep
// their time; new bytes get a later second than any their path had, so that
// If-Modified-Since never hides a change; [Builder.Save] and
// [Builder.Restore] carry the times across restarts. (modtime.go tells the
// rules and why they hold.)
//
// A Builder is not safe for concurrent use; the bundles it returns are.
type Builder struct {
	site  Site
	src   fs.FS // the content folder: bodies not kept and media files; nil: neither
	items map[itemKey]*item
	pages *pageCache

	primed bool               // the fields below hold the previous build
	vis    []*content.Article // the previous build's articles, newest first
	bySlug slugList           // the same, by slug, with the time each page last changed
	main   *group
	groups map[string]*group // tag and section groups, by prefix
	tags   []string          // the prefixes of the tag groups, sorted
	index  *File             // the index page and what it was made from
	idxKey string
	// restored holds the feed sets an earlier run saved, until the first
	// build takes what still matches.
	restored map[string]*group

	// For the archive layout (archive.go): the bytes of an empty feed and
	// those each article version adds, in each format, and the layouts
	// of the last build by prefix.
	empty [3]int
	sizes *sizeCache
	// eager makes a first layout cut every page (see layoutSet): the
	// reference the tests hold the lazy layout to.
	eager bool
	sets  map[string]*archiveSet

	// When each document last changed (see modtime.go).
	clock         func() time.Time  // time.Now; tests set it
	now           int64             // the clock when the current build began, Unix seconds
	mods          map[string]docMod // the feed and index files, by path
	floor         int64             // no document without a record was dated later (Unix seconds)
	left          map[string]leftPage
	restoredPages []SavedPage // in slug order, until the first build takes them
	restoredFrom  *Saved      // what Restore took, until a build
	contentKey    string
	renderKey     string     // what pages depend on beyond the site and the article
	pageKey       string     // the key of this Builder's pages, made on first use
	rekeyed       bool       // the render key changed since the last build
	last          *deltaLink // the link of the last bundle returned
	extras        extras     // the documents besides feeds, index and pages (extras.go)
}

// group is one feed set's articles, newest first, and what was last
// rendered from them.
type group struct {
	prefix  string // "", "tags/<slug>/" or "sections/<name>/", unescaped
	key     string // the tag slug or the section name
	section bool
	arts    []*content.Article
	dirty   bool      // arts changed since spec was made
	partial bool      // rendered with a body that could not be read
	spec    *feedSpec // the current documents; nil until made
	sig     string    // the signature files were rendered from
	files   []*File   // the current documents' files, one per format
	// arch is the archive documents' layout, with archives; nil before
	// the first, or without archives.
	arch *archiveSet
}

// itemKey identifies an article version: the same file with the same bytes,
// id and dates renders the same item.
type itemKey struct {
	path, hash, id     string
	published, updated int64
	media              uint64 // the media files it references, as they are on disk
}

func keyFor(a *content.Article) itemKey {
	return itemKey{a.Path, a.Hash, a.ID, a.Published.Unix(), a.Updated.Unix(), a.MediaStamp}
}

// SetSource names the content folder the articles were read from (such as
// [content.Folder.FS]): the bodies that are not kept in memory are read from
// it ([content.Body.Read]), and the media files articles reference (their
// image, the images in their body) are enclosed, served and copied from it.
// Nil (the default) renders only the bodies kept in memory, and no media.
func (bl *Builder) SetSource(fsys fs.FS) { bl.src = fsys }

// SetRenderKey names what the articles' pages depend on besides the site
// settings, the program and each article's version: the options the
// articles were parsed with (e.g. [content.CacheKey]), which change a body
// without changing its file. An output that recorded a page under another
// key renders it again. The next bundle's [Delta] is [Delta.All].
func (bl *Builder) SetRenderKey(key string) {
	if key != bl.renderKey {
		bl.renderKey, bl.pageKey, bl.rekeyed = key, "", true
	}
}

// NewBuilder checks and normalizes the site settings.
func NewBuilder(site Site) (*Builder, error) {
	// Clean before validating, so a title of characters XML cannot carry
	// is refused rather than written empty.
	site.Title = content.CleanText(site.Title)
	site.Description = content.CleanText(site.Description)
	site.Author = content.CleanText(site.Author)
	site.Language = content.CleanText(site.Language)
	if err := site.Validate(); err != nil {
		return nil, err
	}
	nb, err := NormalizeBaseURL(site.BaseURL)
	if err != nil {
		return nil, err
	}
	site.BaseURL = nb
	return &Builder{site: site, items: make(map[itemKey]*item), pages: newPageCache(pageCacheSize),
		clock: time.Now, mods: make(map[string]docMod), sizes: newSizeCache()}, nil
}

// Build makes a bundle from articles as [content.Select] returns them. It
// fails only on an invalid site or an internal encoding error; what the
// articles hold cannot make it fail.
func Build(site Site, articles []*content.Article) (*Bundle, error) {
	bl, err := NewBuilder(site)
	if err != nil {
		return nil, err
	}
	return bl.Build(articles)
}

// Build makes a bundle from articles (in any order: it sorts them newest
// first). Items and feeds rendered by the previous build are reused where
// their articles did not change.
func (bl *Builder) Build(articles []*content.Article) (*Bundle, error) {
	articles = slices.Clone(articles)
	content.SortNewest(articles)
	bl.primed = false
	return bl.Next(articles, nil, nil)
}

// Next makes the bundle that follows the previous one when the articles
// in entered were added to it and those in left were taken out (as
// [content.Selection.Update] reports them); visible is the whole new list,
// newest first, which the bundle keeps (the caller must not modify it).
// The first call, or one after a failed build, groups every article anew.
func (bl *Builder) Next(visible, entered, left []*content.Article) (*Bundle, error) {
	bl.now = bl.clock().Unix()
	all := !bl.primed || bl.rekeyed
	if !bl.primed || len(entered)+len(left) > max(64, len(visible)/16) {
		bl.regroup(visible)
	} else {
		for _, a := range left {
			bl.move(a, false)
		}
		for _, a := range entered {
			bl.move(a, true)
		}
		bl.forgetLeft()
		bl.main.arts, bl.main.dirty = visible, true
	}
	bl.vis = visible
	bl.restoredFrom = nil
	b, err := bl.assemble()
	bl.primed = err == nil
	if err != nil {
		return nil, err
	}
	d := Delta{all: true}
	if !all {
		d = deltaOf(entered, left)
	}
	bl.chain(b, d)
	return b, nil
}

// chain links a new bundle after the last one returned, with its delta.
func (bl *Builder) chain(b *Bundle, d Delta) {
	l := &deltaLink{delta: d}
	if bl.last != nil {
		bl.last.next.Store(l)
	}
	bl.last, bl.rekeyed = l, false
	b.link = l
	if bl.pageKey == "" {
		bl.pageKey = pageKeyOf(&bl.site, bl.renderKey)
	}
	b.pageKey = bl.pageKey
}

// regroup sorts the articles into their groups from scratch, keeping what
// was rendered before so that unchanged feed sets are not rendered again.
func (bl *Builder) regroup(visible []*content.Article) {
	old := bl.groups
	if bl.restored != nil {
		old, bl.restored = bl.restored, nil
	} else if bl.main != nil {
		old = maps.Clone(old)
		if old == nil {
			old = make(map[string]*group)
		}
		old[""] = bl.main
	}
	carry := func(g *group) *group {
		if o, ok := old[g.prefix]; ok {
			g.sig, g.files, g.arch = o.sig, o.files, o.arch
		}
		g.dirty = true
		return g
	}
	// The tags are grouped beside the list by slug: both go through every
	// article (a start's regroup at 100,000 articles takes 0.2 s).
	var tags []*tagGroup
	var grouped sync.WaitGroup
	if !bl.site.NoTagFeeds {
		grouped.Go(func() { tags = groupTags(visible) })
	}
	slugs := slices.Clone(visible)
	slices.SortFunc(slugs, func(a, b *content.Article) int { return cmp.Compare(a.Slug, b.Slug) })
	bl.bySlug = newSlugList(slugs, bl.carrySince(bl.bySlug, slugs))
	grouped.Wait()
	bl.main = carry(&group{arts: visible})
	bl.groups = make(map[string]*group)
	bl.tags = nil
	if !bl.site.NoTagFeeds {
		for _, t := range tags {
			g := carry(&group{prefix: tagPrefix(t.slug), key: t.slug, arts: t.articles})
			bl.groups[g.prefix] = g
			bl.tags = append(bl.tags, g.prefix)
		}
	}
	for _, sec := range bl.site.Sections {
		g := carry(&group{prefix: sectionPrefix(sec), key: sec, section: true})
		for _, a := range visible {
			if strings.HasPrefix(a.Path, sec+"/") {
				g.arts = append(g.arts, a)
			}
		}
		bl.groups[g.prefix] = g
	}
}

func tagPrefix(slug string) string    { return "tags/" + slug + "/" }
func sectionPrefix(sec string) string { return "sections/" + sec + "/" }

// move adds an article to its groups (in) or takes it out of them.
func (bl *Builder) move(a *content.Article, in bool) {
	bl.placeSlug(a, in)
	if !bl.site.NoTagFeeds {
		for _, slug := range tagSlugs(a) {
			prefix := tagPrefix(slug)
			g, ok := bl.groups[prefix]
			if !ok {
				if !in {
					continue
				}
				g = &group{prefix: prefix, key: slug}
				bl.groups[prefix] = g
				i, _ := slices.BinarySearch(bl.tags, prefix)
				bl.tags = slices.Insert(bl.tags, i, prefix)
			}
			g.arts, g.dirty = place(g.arts, a, in, content.CompareNewest), true
			if len(g.arts) == 0 {
				delete(bl.groups, prefix)
				if i, found := slices.BinarySearch(bl.tags, prefix); found {
					bl.tags = slices.Delete(bl.tags, i, i+1)
				}
			}
		}
	}
	for _, sec := range bl.site.Sections {
		if strings.HasPrefix(a.Path, sec+"/") {
			g := bl.groups[sectionPrefix(sec)]
			g.arts, g.dirty = place(g.arts, a, in, content.CompareNewest), true
		}
	}
}

// place inserts a into the sorted list (in) or removes it. A new slice is
// made when the list may be shared with a bundle already returned.
func place(list []*content.Article, a *content.Article, in bool, order func(x, y *content.Article) int) []*content.Article {
	i, found := slices.BinarySearchFunc(list, a, order)
	if in {
		out := make([]*content.Article, 0, len(list)+1)
		out = append(append(append(out, list[:i]...), a), list[i:]...)
		return out
	}
	if !found || list[i] != a {
		i = slices.Index(list, a) // not where its order says: look everywhere
		if i < 0 {
			return list
		}
	}
	out := make([]*content.Article, 0, len(list)-1)
	return append(append(out, list[:i]...), list[i+1:]...)
}

// tagSlugs returns the slugs of an article's tags, each once.
func tagSlugs(a *content.Article) []string {
	var out []string
	for _, t := range a.Tags {
		if slug := TagSlug(t); slug != "" && !slices.Contains(out, slug) {
			out = append(out, slug)
		}
	}
	return out
}

// assemble makes the bundle from the groups, rendering the feed sets whose
// items changed.
func (bl *Builder) assemble() (*Bundle, error) {
	site := bl.site
	b := &Bundle{
		site:     site,
		files:    make(map[string]*File, 3*(len(bl.groups)+1)+1),
		articles: bl.vis,
		bySlug:   bl.bySlug,
		pages:    bl.pages,
		src:      bl.src,
	}
	b.base, b.baseEsc = basePaths(site.BaseURL)
	itemOf := func(a *content.Article) *item {
		k := keyFor(a)
		it, ok := bl.items[k]
		if !ok {
			it = newItem(&site, a, bl.src)
			if !it.partial {
				bl.items[k] = it
			}
		}
		return it
	}
	all := bl.ordered()

	// Make the specs of the groups that changed (and with archives, lay
	// them out again); render those whose current items did. Feeds whose
	// signature matches those rendered before (or saved by an earlier run)
	// need no items.
	var todo []*group
	laidOut := make(map[*group]bool)
	prepare := func(g *group) (render bool) {
		if !g.dirty && g.spec != nil && !g.partial {
			return false
		}
		g.spec, g.dirty = bl.specOf(g), false
		g.spec.arts = pick(&site, g.arts)
		if site.archives() {
			set, partial := bl.layoutSet(g)
			g.arch = set
			laidOut[g] = partial
			g.spec.arts = g.arts[: len(g.arts)-set.cur : len(g.arts)-set.cur]
			g.spec.hist = set.currentHistory(&site)
		}
		sig := g.spec.signature() + "\x00" + g.spec.hist.key()
		if sig != g.sig || g.files == nil || laidOut[g] {
			g.sig, g.files = sig, nil
			return true
		}
		return false
	}
	// The main set first: the sitemaps need only the articles and the
	// main feed's newest time, and are rendered meanwhile, beside the other
	// sets' layouts and the feeds (a start lays out every set).
	renderMain := prepare(bl.main)
	b.updated = newestArticle(bl.main.spec.arts)
	sitemaps := bl.startSitemaps(b)
	defer sitemaps()
	for _, g := range all[:len(all)-1] {
		if prepare(g) {
			todo = append(todo, g)
		}
	}
	if renderMain {
		todo = append(todo, bl.main) // last, as in all
	}
	for _, g := range todo {
		g.spec.makeItems(itemOf)
	}
	files := make([]*File, len(todo)*len(formats))
	errs := make([]error, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(errs)) {
		wg.Go(func() {
			for w := range work {
				files[w], errs[w] = renderFormat(&site, todo[w/len(formats)].spec, w%len(formats))
			}
		})
	}
	for w := range errs {
		work <- w
	}
	close(work)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, g := range todo {
			g.sig, g.files = "", nil
		}
		return nil, err
	}
	for i, g := range todo {
		g.files = files[i*len(formats) : (i+1)*len(formats)]
		// A body that could not be read from its file is tried again next
		// time: an empty signature matches no rendering.
		g.partial = laidOut[g] || slices.ContainsFunc(g.spec.items, func(it *item) bool { return it.partial })
		if g.partial {
			g.sig = ""
		}
	}
	live := 0
	sets := make(map[string]*archiveSet)
	for _, g := range all {
		for _, f := range g.files {
			bl.stamp(f) // the files rendered now, or restored
			b.files[f.Path] = f
			b.feeds = append(b.feeds, f)
		}
		live += len(g.spec.items)
		if g.arch != nil {
			sets[g.prefix] = g.arch
			if len(g.arch.docs) > 0 {
				if b.archives == nil {
					b.archives = make(map[string]*archiveSet)
				}
				b.archives[g.prefix] = g.arch
			}
		}
	}
	bl.forgetSets(sets)
	bl.forgetItems(all, live)

	main := bl.main.spec
	specs := make([]*feedSpec, 0, len(all)-1)
	for _, g := range all[:len(all)-1] {
		specs = append(specs, g.spec)
	}
	more := specs
	if len(more) > maxMoreFeeds {
		more = more[:maxMoreFeeds]
	}
	var key strings.Builder
	key.WriteString(bl.main.sig)
	for _, sp := range more {
		key.WriteString("\x00" + sp.prefix + "\x00" + sp.name + "\x00" + sp.title)
	}
	if bl.index == nil || key.String() != bl.idxKey {
		main.makeItems(itemOf)
		idx, err := renderIndex(&site, main, more)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", IndexName, err)
		}
		bl.index, bl.idxKey = newFile(IndexName, TypeHTML, idx, time.Time{}), key.String()
	}
	bl.stamp(bl.index)
	b.files[IndexName] = bl.index
	extra, err := bl.addExtras(b, main, specs, sitemaps())
	if err != nil {
		return nil, fmt.Errorf("render the extra documents: %w", err)
	}
	tail := append(extra, bl.index)
	bl.pruneMods(b.files)
	// The extra documents and the index before the main feeds, so that the
	// main feeds are written last.
	n := len(b.feeds)
	b.feeds = append(b.feeds[:n-3], append(tail, b.feeds[n-3:]...)...)
	return b, nil
}

// basePaths returns the path of a base URL, as requests name it and
// escaped, "/" for none.
func basePaths(baseURL string) (path, escaped string) {
	if u, err := url.Parse(baseURL); err == nil && u.Path != "" {
		return u.Path, u.EscapedPath()
	}
	return "/", "/"
}

// ordered returns the groups in the order their files are listed: the tags
// by slug, the sections as the site lists them, the main feeds last.
func (bl *Builder) ordered() []*group {
	all := make([]*group, 0, len(bl.groups)+1)
	for _, p := range bl.tags {
		all = append(all, bl.groups[p])
	}
	for _, sec := range bl.site.Sections {
		all = append(all, bl.groups[sectionPrefix(sec)])
	}
	return append(all, bl.main)
}

// specOf returns a new feed set for a group, without its items.
func (bl *Builder) specOf(g *group) *feedSpec {
	site := &bl.site
	switch {
	case g.prefix == "":
		return site.newSpec("", site.Title, site.description(), site.feedID())
	case g.section:
		sec := g.key
		sp := site.newSpec(g.prefix, site.Title+": "+sec, "Articles in “"+sec+"” from "+site.Title, site.URL("sections/"+content.EscapePath(sec)+"/"))
		sp.name = "Section “" + sec + "”"
		return sp
	}
	name := tagName(g.arts[0], g.key)
	sp := site.newSpec(g.prefix, site.Title+": "+name, "Articles tagged “"+name+"” from "+site.Title, site.URL("tags/"+url.PathEscape(g.key)+"/"))
	sp.name = "Tag “" + name + "”"
	return sp
}

// tagName returns how an article spells the tag whose slug is given.
func tagName(a *content.Article, slug string) string {
	for _, t := range a.Tags {
		if TagSlug(t) == slug {
			return t
		}
	}
	return slug
}

// forgetItems drops the cached items no feed holds any more, once they
// outnumber those in use.
func (bl *Builder) forgetItems(all []*group, live int) {
	if len(bl.items) <= 2*live+256 {
		return
	}
	keep := make(map[itemKey]*item, live)
	for _, g := range all {
		for _, it := range g.spec.items {
			keep[keyFor(it.a)] = it
		}
	}
	bl.items = keep
}

// maxMoreFeeds caps the tag and section feeds the index page links.
const maxMoreFeeds = 200

// signature identifies what a feed set's files are rendered from: its
// titles and the versions of its items (the site is fixed per Builder).
func (sp *feedSpec) signature() string {
	var sb strings.Builder
	sb.WriteString(sp.title + "\x00" + sp.description + "\x00")
	for _, a := range sp.arts {
		k := keyFor(a)
		sb.WriteString(k.path + "\x00" + k.hash + "\x00" + k.id + "\x00")
		sb.WriteString(strconv.FormatInt(k.published, 36) + "." + strconv.FormatInt(k.updated, 36) + "." + strconv.FormatUint(k.media, 36) + "\x00")
	}
	return sb.String()
}

// formatOf is one feed format: its file name, content type and key.
type formatOf struct {
	name, ctype, key string
	render           func(*Site, *feedSpec) ([]byte, error)
}

// formats are the three feed formats, in the order their files are listed.
var formats = []formatOf{
	{RSSName, TypeRSS, "rss", renderRSS},
	{AtomName, TypeAtom, "atom", renderAtom},
	{JSONName, TypeJSON, "json", renderJSON},
}

// renderFormat renders one feed set in one format (an index into formats).
func renderFormat(site *Site, sp *feedSpec, k int) (*File, error) {
	r := formats[k]
	body, err := r.render(site, sp)
	if err != nil {
		return nil, fmt.Errorf("render %s%s: %w", sp.prefix, r.name, err)
	}
	f := newFile(sp.prefix+r.name, r.ctype, body, time.Time{}) // dated by the Builder
	if site.Hub != "" {
		f.Link = "<" + site.Hub + `>; rel="hub", <` + sp.self[r.key] + `>; rel="self"`
	}
	return f, nil
}

// newSpec returns a feed set at prefix (unescaped) with its self URLs.
func (s *Site) newSpec(prefix, title, description, home string) *feedSpec {
	esc := content.EscapePath(strings.TrimSuffix(prefix, "/"))
	if esc != "" {
		esc += "/"
	}
	return &feedSpec{
		prefix: prefix, title: title, description: description, home: s.BaseURL,
		id: home,
		self: map[string]string{
			"rss": s.URL(esc + RSSName), "atom": s.URL(esc + AtomName), "json": s.URL(esc + JSONName),
		},
	}
}

// pick returns the items a feed holds: the newest MaxItems, and beyond that
// every article published within Retain of the newest one, so a burst of
// articles never pushes items out before hourly pollers saw them.
func pick(s *Site, newestFirst []*content.Article) []*content.Article {
	n := len(newestFirst)
	if s.MaxItems > 0 && n > s.MaxItems {
		n = s.MaxItems
		if s.Retain > 0 {
			cutoff := newestFirst[0].Published.Add(-s.Retain)
			for n < len(newestFirst) && !newestFirst[n].Published.Before(cutoff) {
				n++
			}
		}
	}
	return newestFirst[:n:n]
}

// makeItems makes the items of the feed set's articles, once.
func (sp *feedSpec) makeItems(itemOf func(*content.Article) *item) {
	if sp.items != nil || len(sp.arts) == 0 {
		return
	}
	sp.items = make([]*item, len(sp.arts))
	for i, a := range sp.arts {
		sp.items[i] = itemOf(a)
	}
}

// newestArticle returns the latest updated time among articles, as
// [newest] does for their items.
func newestArticle(arts []*content.Article) time.Time {
	t := emptyFeedTime
	for i, a := range arts {
		if _, u := itemTimes(a); i == 0 || u.After(t) {
			t = u
		}
	}
	return t
}

// tagGroup is the articles of one tag, newest first.
type tagGroup struct {
	slug, name string
	articles   []*content.Article
}

// TagSlug returns the URL path element of a tag: lowercase, white space and
// slashes as "-". Tags that differ only in case share a slug, and so a feed.
func TagSlug(tag string) string {
	s := strings.ToLower(strings.Join(strings.Fields(tag), "-"))
	s = strings.ReplaceAll(s, "/", "-")
	s = strings.ReplaceAll(s, "\\", "-")
	if s == "." || s == ".." {
		s = "-" + s
	}
	return s
}

// groupTags groups articles (newest first) by tag slug. A tag's name is its
// spelling in the newest article that has it.
func groupTags(newestFirst []*content.Article) []*tagGroup {
	by := make(map[string]*tagGroup)
	var seen []string
	for _, a := range newestFirst {
		seen = seen[:0]
		for _, t := range a.Tags {
			slug := TagSlug(t)
			if slug == "" || slices.Contains(seen, slug) {
				continue
			}
			seen = append(seen, slug)
			g, ok := by[slug]
			if !ok {
				g = &tagGroup{slug: slug, name: t}
				by[slug] = g
			}
			g.articles = append(g.articles, a)
		}
	}
	out := make([]*tagGroup, 0, len(by))
	for _, g := range by {
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b *tagGroup) int { return cmp.Compare(a.slug, b.slug) })
	return out
}
