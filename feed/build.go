package feed

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dropfeed/dropfeed/content"
)

// Builder builds bundles for one site, reusing the rendered items and pages
// of articles that did not change since its previous build, so that a
// rebuild after one file changed renders one article, not all. A Builder is
// not safe for concurrent use; the bundles it returns are.
type Builder struct {
	site   Site
	assets fs.FS // the content folder, for media files; nil serves none
	items  map[itemKey]*item
	pages  *pageCache
	// sets keeps each feed set's rendered files with the signature of what
	// they were rendered from, so a rebuild re-renders only the feed sets
	// whose items changed.
	sets map[string]renderedSet
}

// renderedSet is one feed set's three files and the signature of its input.
type renderedSet struct {
	sig   string
	files []*File
}

// itemKey identifies an article version: the same file with the same bytes,
// id and dates renders the same item.
type itemKey struct {
	path, hash, id     string
	published, updated int64
}

func keyFor(a *content.Article) itemKey {
	return itemKey{a.Path, a.Hash, a.ID, a.Published.Unix(), a.Updated.Unix()}
}

// SetAssets names the content folder the articles come from, so that the
// media files they reference (their image, images in their body) are
// enclosed, served and copied. Nil (the default) turns that off.
func (bl *Builder) SetAssets(fsys fs.FS) { bl.assets = fsys }

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
	return &Builder{site: site, items: make(map[itemKey]*item), pages: newPageCache(pageCacheSize), sets: make(map[string]renderedSet)}, nil
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
// first). Items of articles seen in the previous build are reused.
func (bl *Builder) Build(articles []*content.Article) (*Bundle, error) {
	site := bl.site
	articles = slices.Clone(articles)
	content.SortNewest(articles)
	b := &Bundle{
		site:     site,
		files:    make(map[string]*File),
		articles: articles,
		bySlug:   make(map[string]*content.Article, len(articles)),
		pages:    bl.pages,
		assetFS:  bl.assets,
	}
	b.base, b.baseEsc = "/", "/"
	if u, err := url.Parse(site.BaseURL); err == nil && u.Path != "" {
		b.base, b.baseEsc = u.Path, u.EscapedPath()
	}
	for _, a := range articles {
		b.bySlug[a.Slug] = a
	}

	used := make(map[itemKey]*item)
	itemOf := func(a *content.Article) *item {
		k := keyFor(a)
		if it, ok := used[k]; ok {
			return it
		}
		it, ok := bl.items[k]
		if !ok {
			it = newItem(&site, a, bl.assets)
		}
		used[k] = it
		return it
	}

	main := site.newSpec("", site.Title, site.description(), site.feedID())
	main.items = pick(&site, articles, itemOf)
	var specs []*feedSpec
	if !site.NoTagFeeds {
		for _, t := range groupTags(articles) {
			sp := site.newSpec("tags/"+t.slug+"/", site.Title+": "+t.name, "Articles tagged “"+t.name+"” from "+site.Title, site.URL("tags/"+url.PathEscape(t.slug)+"/"))
			sp.name = "Tag “" + t.name + "”"
			sp.items = pick(&site, t.articles, itemOf)
			specs = append(specs, sp)
		}
	}
	for _, sec := range site.Sections {
		var arts []*content.Article
		for _, a := range articles {
			if strings.HasPrefix(a.Path, sec+"/") {
				arts = append(arts, a)
			}
		}
		sp := site.newSpec("sections/"+sec+"/", site.Title+": "+sec, "Articles in “"+sec+"” from "+site.Title, site.URL("sections/"+content.EscapePath(sec)+"/"))
		sp.name = "Section “" + sec + "”"
		sp.items = pick(&site, arts, itemOf)
		specs = append(specs, sp)
	}
	bl.items = used // forget items of articles gone or changed
	b.specs = specs
	b.updated = newest(main.items)

	sets := make(map[string]renderedSet, len(specs)+1)
	all := append(slices.Clone(specs), main)
	type job struct {
		sig   string
		files []*File
		errs  []error // one slot per format, each written by one goroutine
	}
	jobs := make([]job, len(all))
	var todo []int
	for i, sp := range all {
		jobs[i].sig = sp.signature()
		if old, ok := bl.sets[sp.prefix]; ok && old.sig == jobs[i].sig {
			jobs[i].files = old.files
			continue
		}
		todo = append(todo, i)
	}
	// Render what changed on every core: each feed set's three formats.
	work := make(chan [2]int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), 3*len(todo)) {
		wg.Go(func() {
			for w := range work {
				jobs[w[0]].files[w[1]], jobs[w[0]].errs[w[1]] = renderFormat(&site, all[w[0]], w[1])
			}
		})
	}
	for _, i := range todo {
		jobs[i].files = make([]*File, len(formats))
		jobs[i].errs = make([]error, len(formats))
	}
	for _, i := range todo {
		for k := range formats {
			work <- [2]int{i, k}
		}
	}
	close(work)
	wg.Wait()
	for i, sp := range all {
		j := jobs[i]
		if err := errors.Join(j.errs...); err != nil {
			return nil, err
		}
		for _, f := range j.files {
			b.files[f.Path] = f
			b.feeds = append(b.feeds, f)
		}
		sets[sp.prefix] = renderedSet{sig: j.sig, files: j.files}
	}
	bl.sets = sets
	more := specs
	if len(more) > maxMoreFeeds {
		more = more[:maxMoreFeeds]
	}
	idx, err := renderIndex(&site, main, more)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", IndexName, err)
	}
	index := newFile(IndexName, TypeHTML, idx, b.updated)
	b.files[IndexName] = index
	// The index before the main feeds, so that the main feeds are written last.
	n := len(b.feeds)
	b.feeds = append(b.feeds[:n-3], index, b.feeds[n-3], b.feeds[n-2], b.feeds[n-1])
	return b, nil
}

// maxMoreFeeds caps the tag and section feeds the index page links.
const maxMoreFeeds = 200

// signature identifies what a feed set's files are rendered from: its
// titles and the versions of its items (the site is fixed per Builder).
func (sp *feedSpec) signature() string {
	var sb strings.Builder
	sb.WriteString(sp.title + "\x00" + sp.description + "\x00")
	for _, it := range sp.items {
		k := keyFor(it.a)
		sb.WriteString(k.path + "\x00" + k.hash + "\x00" + k.id + "\x00")
		sb.WriteString(strconv.FormatInt(k.published, 36) + "." + strconv.FormatInt(k.updated, 36) + "\x00")
	}
	return sb.String()
}

// formats are the three feed formats, in the order their files are listed.
var formats = []struct {
	name, ctype, key string
	render           func(*Site, *feedSpec) ([]byte, error)
}{
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
	f := newFile(sp.prefix+r.name, r.ctype, body, newest(sp.items))
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
func pick(s *Site, newestFirst []*content.Article, itemOf func(*content.Article) *item) []*item {
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
	items := make([]*item, n)
	for i, a := range newestFirst[:n] {
		items[i] = itemOf(a)
	}
	return items
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
	for _, a := range newestFirst {
		seen := make(map[string]bool, len(a.Tags))
		for _, t := range a.Tags {
			t = cleanName(t)
			slug := TagSlug(t)
			if slug == "" || seen[slug] {
				continue
			}
			seen[slug] = true
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
