package feed

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content"
	"github.com/mmcdole/gofeed/atom"
	gojson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// TestArchiveLayout checks the layout's invariant over many sizes: the
// archive documents and the current documents hold every article exactly
// once, the current ones at least one and at most the window, never a chain
// of one archive, and one article more changes nothing but the current
// documents and, when the window overflows, adds pages after the others.
func TestArchiveLayout(t *testing.T) {
	unbounded := func(lo, hi int) int { return 0 }
	for _, page := range []int{1, 2, 3, 10, 50} {
		windows := []int{2 * page, 2*page + 1, 3*page + 2} // MaxItems is 2*page or 2*page+1, Retain adds
		if page == 1 {
			windows = append(windows, 1)
		}
		for _, window := range windows {
			var prev []span
			for n := 0; n <= 300; n++ {
				cur, docs := layoutArchive(n, window, page, 1, unbounded)
				checkSpans(t, n, cur, docs)
				if n > 0 && (n-cur < 1 || n-cur > window) && len(docs) > 0 {
					t.Errorf("page %d window %d n %d: current holds %d articles, want 1..%d", page, window, n, n-cur, window)
				}
				if len(docs) == 1 {
					t.Errorf("page %d window %d n %d: a chain of one archive", page, window, n)
				}
				if n <= window && len(docs) > 0 {
					t.Errorf("page %d window %d n %d: archives for a feed that fits its window", page, window, n)
				}
				for _, d := range docs {
					if d.hi-d.lo != page {
						t.Errorf("page %d window %d n %d: archive %s holds %d articles, want a whole page", page, window, n, d.name(), d.hi-d.lo)
					}
				}
				if len(docs) < len(prev) || !slices.Equal(docs[:len(prev)], prev) {
					t.Errorf("page %d window %d n %d: archives %v after %v: an older one changed", page, window, n, docs, prev)
				}
				prev = docs
			}
		}
	}
	// A budget: each document within it (or of one article), the current
	// one cut first.
	sizes := []int{}
	for i := range 400 {
		sizes = append(sizes, 100+(i*7919)%900)
	}
	need := func(lo, hi int) int {
		s := 50
		for _, z := range sizes[lo:hi] {
			s += z
		}
		return s
	}
	for _, budget := range []int{1, 600, 3000, 20000} {
		for _, window := range []int{20, 400} {
			for n := 0; n <= 400; n += 13 {
				cur, docs := layoutArchive(n, window, 10, budget, need)
				checkSpans(t, n, cur, docs)
				if n > 0 && cur < n-1 && need(cur, n) > budget {
					t.Errorf("budget %d n %d: the current documents need %d bytes", budget, n, need(cur, n))
				}
				for _, d := range docs {
					if d.hi-d.lo > 1 && need(d.lo, d.hi) > budget {
						t.Errorf("budget %d n %d: archive %s needs %d bytes", budget, n, d.name(), need(d.lo, d.hi))
					}
				}
				if len(docs) == 1 && docs[0].hi-docs[0].lo > 1 {
					t.Errorf("budget %d n %d: a chain of one archive", budget, n)
				}
			}
		}
	}
}

// checkSpans fails unless docs cover [0, cur) in order, each once, with
// distinct names, and cur is in [0, n].
func checkSpans(t *testing.T, n, cur int, docs []span) {
	t.Helper()
	if cur < 0 || cur > n || (n > 0 && cur == n) {
		t.Fatalf("n %d: current documents start at %d", n, cur)
	}
	at := 0
	names := make(map[string]bool)
	for _, d := range docs {
		if d.lo != at || d.hi <= d.lo || names[d.name()] {
			t.Fatalf("n %d: archives %v do not cover [0, %d) once each", n, docs, cur)
		}
		names[d.name()] = true
		at = d.hi
	}
	if at != cur {
		t.Fatalf("n %d: archives %v end at %d, current starts at %d", n, docs, at, cur)
	}
}

// corpusArticles returns the oldest n of the articles of a generated corpus
// of 2,000 (loaded once per run) published a second before the corpus's own
// time: so that no item is dated in the future of a validator run today,
// and without the undated files whose modification time the corpus sets to
// that time (all the same second: W DuplicateUpdated in Atom, whatever the
// archives). The articles are shared: a test changes copies.
func corpusArticles(t *testing.T, n int) []*content.Article {
	t.Helper()
	corpusOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dropfeed-archive-corpus-")
		if err != nil {
			corpusErr = err
			return
		}
		defer os.RemoveAll(dir)
		opt := corpus.DefaultOptions()
		opt.N = 2000
		if _, corpusErr = corpus.Write(t.Context(), dir, opt, 0); corpusErr != nil {
			return
		}
		arts := loadArticles(t, os.DirFS(dir), testOptions())
		corpusArts, _ = content.Select(arts, opt.Now.Add(-time.Second))
	})
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	if corpusArts == nil {
		t.Fatal("the corpus did not load")
	}
	arts := corpusArts
	if n < len(arts) {
		arts = arts[len(arts)-n:] // the oldest n
	}
	return slices.Clone(arts)
}

var (
	corpusOnce sync.Once
	corpusArts []*content.Article
	corpusErr  error
)

// archiveSite is the site of the archive tests: tag feeds on.
func archiveSite() Site {
	s := testSite()
	s.BaseURL = "https://example.com/news/"
	s.NoTagFeeds = false
	s.MaxItems = DefaultMaxItems
	return s
}

// chainDoc is one document reached walking a chain.
type chainDoc struct {
	path string
	body []byte
	ids  []string
}

// walkChain follows a feed set's chain in one format from its current
// document (at prefix) and returns the documents in the order reached,
// checking on the way what RFC 5005 asks of each: fh:archive in archive
// documents only, current links to the current document, next-archive
// back to the document it was reached from, no links in a chain of one.
func walkChain(t *testing.T, b *Bundle, prefix, name string) []chainDoc {
	t.Helper()
	site := b.Site()
	rel := func(u string) string {
		p, ok := strings.CutPrefix(u, site.BaseURL)
		if !ok {
			t.Fatalf("link %q is not under %s", u, site.BaseURL)
		}
		p, err := url.PathUnescape(p)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	var docs []chainDoc
	path, from := prefix+name, ""
	for path != "" {
		if len(docs) > 10000 {
			t.Fatalf("%s: the chain does not end", prefix+name)
		}
		f, ok := b.Lookup(path)
		if !ok {
			t.Fatalf("%s: a link leads to %s, which the bundle lacks", prefix+name, path)
		}
		d := chainDoc{path: path, body: f.Body}
		links := make(map[string]string)
		archive := false
		switch name {
		case RSSName:
			feed, err := (&rss.Parser{}).Parse(bytes.NewReader(f.Body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, it := range feed.Items {
				d.ids = append(d.ids, it.GUID.Value)
			}
			for _, l := range feed.Extensions["atom"]["link"] {
				links[l.Attrs["rel"]] = l.Attrs["href"]
			}
			archive = len(feed.Extensions["fh"]["archive"]) > 0
		case AtomName:
			feed, err := (&atom.Parser{}).Parse(bytes.NewReader(f.Body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, e := range feed.Entries {
				d.ids = append(d.ids, e.ID)
			}
			for _, l := range feed.Links {
				links[l.Rel] = l.Href
			}
			archive = len(feed.Extensions["fh"]["archive"]) > 0
		case JSONName:
			feed, err := (&gojson.Parser{}).Parse(bytes.NewReader(f.Body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			for _, it := range feed.Items {
				d.ids = append(d.ids, it.ID)
			}
			links["self"] = feed.FeedURL
			if feed.NextURL != "" {
				links["prev-archive"] = feed.NextURL
			}
			archive = len(docs) > 0
		}
		if rel(links["self"]) != path {
			t.Errorf("%s: self link %q", path, links["self"])
		}
		if archive != (len(docs) > 0) {
			t.Errorf("%s: fh:archive %v, want it in archive documents only", path, archive)
		}
		if name != JSONName {
			if want := len(docs) > 0; (links["current"] != "") != want || (want && rel(links["current"]) != prefix+name) {
				t.Errorf("%s: current link %q", path, links["current"])
			}
			if want := len(docs) > 1; (links["next-archive"] != "") != want || (want && rel(links["next-archive"]) != from) {
				t.Errorf("%s: next-archive link %q, want one to %s", path, links["next-archive"], from)
			}
		}
		docs = append(docs, d)
		from, path = path, ""
		if l := links["prev-archive"]; l != "" {
			path = rel(l)
		}
	}
	if len(docs) == 2 {
		t.Errorf("%s: a chain of one archive", prefix+name)
	}
	return docs
}

// itemID is the id every format gives an article's item.
func itemID(s Site, a *content.Article) string {
	if a.ID != "" {
		return a.ID
	}
	return s.URL(ArticlePath(a.EscapedSlug()))
}

// checkChains walks the chains of the main feeds and of the tag with the
// most articles in every format, and fails unless each reaches every
// article of its set exactly once. It returns every document reached.
func checkChains(t *testing.T, b *Bundle, arts []*content.Article) []chainDoc {
	t.Helper()
	site := b.Site()
	tags := groupTags(arts)
	big := slices.MaxFunc(tags, func(x, y *tagGroup) int { return len(x.articles) - len(y.articles) })
	sets := []struct {
		prefix string
		arts   []*content.Article
	}{{"", arts}, {tagPrefix(big.slug), big.articles}}
	var all []chainDoc
	for _, set := range sets {
		want := make(map[string]int)
		for _, a := range set.arts {
			want[itemID(site, a)]++
		}
		for _, name := range feedNames {
			docs := walkChain(t, b, set.prefix, name)
			got := make(map[string]int)
			for _, d := range docs {
				for _, id := range d.ids {
					got[id]++
				}
			}
			if !maps.Equal(got, want) {
				missing, twice := 0, 0
				for id, n := range want {
					if got[id] != n {
						missing++
					}
				}
				for _, n := range got {
					if n > 1 {
						twice++
					}
				}
				t.Errorf("%s%s: %d documents reach %d ids; %d articles not reached once, %d ids more than once (want %d articles)",
					set.prefix, name, len(docs), len(got), missing, twice, len(want))
			}
			if len(docs) < 3 {
				t.Errorf("%s%s: %d documents, want a chain of archives to test", set.prefix, name, len(docs))
			}
			all = append(all, docs...)
		}
	}
	return all
}

// TestArchiveChains walks the archive chains of a generated site of 2,000
// articles with the default settings, and of its oldest 600 with a small
// byte budget and no item cap: in RSS, Atom and JSON Feed, for the main feeds and a tag's, each
// chain reaches every article once, and every document is within the budget
// (or holds a single article). With DROPFEED_ARCHIVE_DUMP set to a folder,
// every document reached is written there, with a file "args" listing
// "file=url" pairs for a validator script.
func TestArchiveChains(t *testing.T) {
	for _, tc := range chainCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			b := mustBuild(t, tc.site, tc.arts)
			docs := checkChains(t, b, tc.arts)
			budget := tc.site.budget()
			for _, d := range docs {
				if len(d.body) > budget && len(d.ids) > 1 {
					t.Errorf("%s: %d bytes, %d items: over the budget of %d", d.path, len(d.body), len(d.ids), budget)
				}
			}
			if dir := os.Getenv("DROPFEED_ARCHIVE_DUMP"); dir != "" {
				dumpDocs(t, filepath.Join(dir, tc.name), b.Site(), docs)
			}
		})
	}
}

// dumpDocs writes documents for a validator run by hand.
func dumpDocs(t *testing.T, dir string, site Site, docs []chainDoc) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var args strings.Builder
	for i, d := range docs {
		name := filepath.Join(dir, fmt.Sprintf("%04d-%s", i, strings.ReplaceAll(d.path, "/", "_")))
		if err := os.WriteFile(name, d.body, 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&args, "%s=%s\n", name, site.URL(content.EscapePath(d.path)))
	}
	if err := os.WriteFile(filepath.Join(dir, "args"), []byte(args.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// changedFiles returns the paths of the feed files that differ between two
// bundles, and of those only one has.
func changedFiles(a, b *Bundle) []string {
	var out []string
	af, bf := allFiles(a), allFiles(b)
	for p, f := range bf {
		if g, ok := af[p]; !ok || !bytes.Equal(g.Body, f.Body) {
			out = append(out, p)
		}
	}
	for p := range af {
		if _, ok := bf[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// allFiles returns the feed, index and discovery files of a bundle and
// its archive documents, rendered, by path.
func allFiles(b *Bundle) map[string]*File {
	out := maps.Clone(b.files)
	for _, p := range b.Archives() {
		f, ok := b.Lookup(p)
		if !ok {
			panic("Archives lists " + p + ", Lookup does not find it")
		}
		out[p] = f
	}
	return out
}

// docOf returns the document a file belongs to: its path without the
// format's file name.
func docOf(p string) string { return p[:strings.LastIndexByte(p, '/')+1] }

// TestArchiveEditOld: editing an old article changes exactly one archive
// document of each feed set that holds it (in its three formats) and
// nothing else: not the current feeds, not the index page.
func TestArchiveEditOld(t *testing.T) {
	arts := corpusArticles(t, 600)
	bl, b1 := newBuilt(t, archiveSite(), arts)
	old := arts[len(arts)-25] // in the third page from the oldest
	edited := *old
	edited.Title += " (corrected)"
	edited.Hash += "-edited"
	arts2 := slices.Clone(arts)
	arts2[len(arts)-25] = &edited
	b2, err := bl.Build(arts2)
	if err != nil {
		t.Fatal(err)
	}
	changed := changedFiles(b1, b2)
	// The static output rewrites those files only (each with its gzip copy).
	dir := t.TempDir()
	store := openDir(t, dir)
	p := NewPublisher(store, WriteOptions{NoPages: true})
	mustPublish(t, p, b1)
	if st := mustPublish(t, p, b2); st.Written != 2*len(changed) {
		t.Errorf("the static output wrote %d files, want %d: the %d that changed and their gzip copies", st.Written, 2*len(changed), len(changed))
	}
	// Every archive document is on disk as the bundle renders it, and a
	// restart over the same folder writes nothing.
	for _, rel := range b2.Archives() {
		f, _ := b2.Lookup(rel)
		if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); err != nil || !bytes.Equal(got, f.Body) {
			t.Fatalf("%s on disk differs from the bundle's (%v)", rel, err)
		}
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store = openDir(t, dir)
	if st := mustPublish(t, NewPublisher(store, WriteOptions{NoPages: true}), b2); st.Written != 0 || st.Removed != 0 {
		t.Errorf("a restart over the same output wrote %d files and removed %d, want none", st.Written, st.Removed)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	// Back to the first version: the one archive document changes back,
	// and nothing else is written or removed.
	if st := mustPublish(t, NewPublisher(openDir(t, dir), WriteOptions{NoPages: true}), b1); st.Written != 2*len(changed) || st.Removed != 0 {
		t.Errorf("back to the first bundle: wrote %d files and removed %d, want %d and none", st.Written, st.Removed, 2*len(changed))
	}
	docs := make(map[string][]string) // by feed set prefix
	for _, p := range changed {
		d := docOf(p)
		set, _, ok := strings.Cut(d, archiveDir)
		if !ok {
			t.Errorf("%s changed: only archive documents should", p)
			continue
		}
		if !slices.Contains(docs[set], d) {
			docs[set] = append(docs[set], d)
		}
	}
	if len(docs[""]) != 1 {
		t.Errorf("main feeds: archive documents changed: %q, want one", docs[""])
	}
	for _, tag := range tagSlugs(old) {
		if len(docs[tagPrefix(tag)]) != 1 {
			t.Errorf("tag %s: archive documents changed: %q, want one", tag, docs[tagPrefix(tag)])
		}
	}
	for set, ds := range docs {
		if len(ds) != 1 {
			t.Errorf("feed set %q: %d archive documents changed (%q), want one", set, len(ds), ds)
		}
	}
	if len(changed) != 3*len(docs) {
		t.Errorf("changed files %q: want the three formats of %d documents", changed, len(docs))
	}
	for _, name := range feedNames {
		if !bytes.Equal(feedBody(t, b1, name), feedBody(t, b2, name)) {
			t.Errorf("%s changed", name)
		}
	}
}

// TestArchiveNewArticle publishes articles one at a time: each changes
// only the current feeds of the sets it is in, and when a window overflows
// it adds one archive page (with the link to it from the page before).
func TestArchiveNewArticle(t *testing.T) {
	arts := corpusArticles(t, 300)
	site := archiveSite()
	site.NoTagFeeds = true
	bl, prev := newBuilt(t, site, arts)
	newest := arts[0].Published
	added := 0
	for i := range 2 * site.archivePage() {
		a := parseArticle(t, fmt.Sprintf("new-%02d.md", i), fmt.Sprintf("---\ntitle: New %d\ndate: %s\n---\nBody %d.\n",
			i, newest.Add(time.Duration(i+1)*time.Hour).Format(time.RFC3339), i), testOptions())
		arts = append([]*content.Article{a}, arts...)
		b, err := bl.Next(arts, []*content.Article{a}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var other []string
		for _, p := range changedFiles(prev, b) {
			// The discovery documents list every article: a new one
			// changes them too.
			if p != RSSName && p != AtomName && p != JSONName && p != IndexName && p != SitemapName && p != NewsSitemapName {
				other = append(other, p)
			}
		}
		if len(other) > 0 {
			// A new page, and the link to it from the one before (in
			// RSS and Atom: JSON Feed's next_url links older documents).
			added++
			var pages []string
			for _, p := range other {
				if d := docOf(p); !slices.Contains(pages, d) {
					pages = append(pages, d)
				}
			}
			if len(other) != 5 || len(pages) != 2 || slices.Contains(other, pages[0]+JSONName) {
				t.Fatalf("article %d: changed %q, want the current feeds, one new archive and the link to it", i, other)
			}
			if _, ok := prev.Lookup(pages[1] + RSSName); ok {
				t.Errorf("article %d: %s changed, want it new", i, pages[1])
			}
			if _, ok := prev.Lookup(pages[0] + RSSName); !ok {
				t.Errorf("article %d: %s is new, want the page before the new one", i, pages[0])
			}
		}
		prev = b
	}
	if added != 2 {
		t.Errorf("%d pages added by %d articles, want 2", added, 2*site.archivePage())
	}
}

// TestArchiveFits: a feed set that fits its window and budget has no
// archive: no archive file, no fh: namespace, no next_url.
func TestArchiveFits(t *testing.T) {
	site := archiveSite()
	arts := corpusArticles(t, DefaultMaxItems)
	b := mustBuild(t, site, arts)
	for _, f := range b.Feeds() {
		if strings.Contains(f.Path, archiveDir) || bytes.Contains(f.Body, []byte(historyNS)) || bytes.Contains(f.Body, []byte(`"next_url"`)) {
			t.Errorf("%s: archive files or links in a feed that fits", f.Path)
		}
	}
	// One article more makes archives; with them off, none.
	arts = corpusArticles(t, DefaultMaxItems+1)
	if b := mustBuild(t, site, arts); !bytes.Contains(feedBody(t, b, RSSName), []byte(`rel="prev-archive"`)) {
		t.Errorf("rss.xml of %d articles with a window of %d has no prev-archive link", len(arts), DefaultMaxItems)
	}
	site.NoArchives = true
	if b := mustBuild(t, site, arts); slices.ContainsFunc(b.Feeds(), func(f *File) bool { return strings.Contains(f.Path, archiveDir) }) {
		t.Error("archive files with archives off")
	}
}

// TestArchiveRestore: a Builder that restores what another saved makes the
// same files (archives and current feeds, index page) without rendering
// any feed set again, and after one more article, the same as a Builder
// that never stopped.
func TestArchiveRestore(t *testing.T) {
	arts := corpusArticles(t, 300)
	site := archiveSite()
	bl, b1 := newBuilt(t, site, arts)
	bl2, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	if !bl2.Restore(bl.Save()) {
		t.Fatal("Restore() = false")
	}
	b2, err := bl2.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	if ch := changedFiles(b1, b2); len(ch) > 0 {
		t.Errorf("after a restore, changed: %q", ch)
	}
	if len(bl2.items) != 0 {
		t.Errorf("after a restore, %d items made, want none", len(bl2.items))
	}
	a := parseArticle(t, "late.md", "---\ntitle: Late\ndate: "+arts[0].Published.Add(time.Hour).Format(time.RFC3339)+"\ntags: [desk]\n---\nLate.\n", testOptions())
	more := append([]*content.Article{a}, arts...)
	b3, err := bl.Build(more)
	if err != nil {
		t.Fatal(err)
	}
	b4, err := bl2.Build(more)
	if err != nil {
		t.Fatal(err)
	}
	if ch := changedFiles(b3, b4); len(ch) > 0 {
		t.Errorf("one article after a restore: differs from a Builder that never stopped: %q", ch)
	}
}

// newBuilt returns a new Builder for site and its first bundle of arts.
func newBuilt(t *testing.T, site Site, arts []*content.Article) (*Builder, *Bundle) {
	t.Helper()
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	return bl, b
}

// TestArchivePublishAfterFailure: a publish cut short while it writes
// archive documents (of a longer history) leaves documents the next
// layout does not have; the next publish of the same Publisher, for a
// shorter history, removes them: the folder equals a fresh write.
func TestArchivePublishAfterFailure(t *testing.T) {
	arts := corpusArticles(t, 300)
	site := archiveSite()
	site.NoTagFeeds = true
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	// The oldest n articles; each bundle follows the last (a delta, not a
	// whole new build).
	last := 0
	build := func(n int) *Bundle {
		t.Helper()
		vis := arts[len(arts)-n:]
		var entered, left []*content.Article
		if n > last {
			entered = arts[len(arts)-n : len(arts)-last]
		} else {
			left = arts[len(arts)-last : len(arts)-n]
		}
		b, err := bl.Next(vis, entered, left)
		if last == 0 {
			b, err = bl.Build(vis)
		}
		if err != nil {
			t.Fatal(err)
		}
		last = n
		if n != 120 && b.Delta().All() {
			t.Fatal("a bundle with a delta of all: the test would not exercise what it means to")
		}
		return b
	}
	short, long, shorter := build(120), build(300), build(60)
	if len(long.Archives()) <= len(short.Archives()) || len(shorter.Archives()) >= len(short.Archives()) {
		t.Fatalf("archive documents %d, %d, %d: want more, then fewer", len(short.Archives()), len(long.Archives()), len(shorter.Archives()))
	}
	dir := t.TempDir()
	fst := &faultStore{DirStore: openDir(t, dir), n: 1 << 30}
	p := NewPublisher(fst, WriteOptions{Workers: 1, NoPages: true})
	mustPublish(t, p, short)
	fst.mu.Lock()
	fst.n = fst.calls + 2*len(long.Archives())/3 // within the long history's new documents
	fst.mu.Unlock()
	if err := p.Publish(t.Context(), long); !errors.Is(err, errInjected) {
		t.Fatalf("publish of the long history: %v, want the injected failure", err)
	}
	extra := 0
	for _, rel := range long.Archives() {
		if _, ok := shorter.Lookup(rel); !ok && fileExists(filepath.Join(dir, filepath.FromSlash(rel))) {
			extra++
		}
	}
	if extra == 0 {
		t.Fatal("the failed publish wrote no document that the shorter history lacks: the test proves nothing")
	}
	fst.mu.Lock()
	fst.n = 1 << 30
	fst.mu.Unlock()
	mustPublish(t, p, shorter)
	want := shorter.Archives()
	var got []string
	for rel := range tree(t, dir) {
		if isArchivePath(rel) {
			got = append(got, rel)
			f, _ := shorter.Lookup(rel)
			if f == nil || !bytes.Equal(readFile(t, filepath.Join(dir, filepath.FromSlash(rel))), f.Body) {
				t.Errorf("%s on disk is not the shorter history's", rel)
			}
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("archive documents on disk:\n%q\nwant\n%q", got, want)
	}
	for rel := range p.rec.Paths() {
		if isArchivePath(rel) && !slices.Contains(want, rel) {
			t.Errorf("the record still lists %s", rel)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// chainCase is a site and the articles of a build of the chain tests.
type chainCase struct {
	name string
	site Site
	arts []*content.Article
}

// chainCases are the builds of the chain tests: the corpus of 2,000
// articles on the archive site, and its newest 600 with no cap on the items
// and a budget of 48 KB, which cuts most pages into several documents.
func chainCases(t *testing.T) []chainCase {
	arts := corpusArticles(t, 2000)
	if len(arts) < 1900 {
		t.Fatalf("%d articles published, want nearly 2,000", len(arts))
	}
	small := archiveSite()
	small.MaxItems, small.MaxFeedBytes = 0, 48<<10
	return []chainCase{{"default", archiveSite(), arts}, {"budget", small, arts[len(arts)-600:]}}
}

// TestArchiveLazy builds a corpus with a first layout that cuts only the
// newest page of each feed set, and checks that it measured few articles,
// and that every archive document it serves (looked up in random order,
// the pages around it cut on demand, then again once all are cut) has the
// bytes, ETag and time of a layout that cut every page at once. The budget
// run cuts most pages into several documents.
func TestArchiveLazy(t *testing.T) {
	for _, tc := range chainCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{testModTime}
			build := func(eager bool) (*Builder, *Bundle) {
				bl := builderAt(t, tc.site, clock)
				bl.eager = eager
				b, err := bl.Build(tc.arts)
				if err != nil {
					t.Fatal(err)
				}
				return bl, b
			}
			lazyBl, lazy := build(false)
			_, eager := build(true)
			// Measured: the articles of the current documents and of the
			// two newest pages (the newest is cut, and the one before it
			// for the name its last document links), in some feed set.
			all := 0
			near := make(map[*content.Article]bool)
			for _, set := range lazyBl.sets { // with archive documents or not
				n, pages := len(set.arts), 0
				for _, d := range set.docs {
					if d.lazy() {
						all++
					}
					if d.part <= 1 {
						pages++
					}
				}
				from := 0
				if pages >= 2 {
					from = set.docs[slices.IndexFunc(set.docs, func(d archDoc) bool { return d.page == pages-1 })].lo
				}
				for _, a := range set.arts[:n-from] {
					near[a] = true
				}
			}
			for a := range lazyBl.sizes.m {
				if !near[a] && tc.site.MaxItems > 0 {
					t.Fatalf("a first layout measured %s, in no feed set's two newest pages", a.Path)
				}
			}
			if tc.site.MaxItems > 0 && (all == 0 || lazyBl.sizes.len() > len(tc.arts)/2) {
				t.Fatalf("a first layout left %d pages whole and measured %d of %d articles", all, lazyBl.sizes.len(), len(tc.arts))
			}
			// 200 documents of the main feed set and 200 others (each
			// is rendered twice in each layout: 40 under -race), in
			// random order.
			var paths, others []string
			for _, p := range eager.Archives() {
				if strings.HasPrefix(p, archiveDir) {
					paths = append(paths, p)
				} else {
					others = append(others, p)
				}
			}
			rng := rand.New(rand.NewPCG(7, 7))
			sample := 200
			if raceEnabled {
				sample = 40
			}
			for _, l := range []*[]string{&paths, &others} {
				rng.Shuffle(len(*l), func(i, j int) { (*l)[i], (*l)[j] = (*l)[j], (*l)[i] })
				*l = (*l)[:min(sample, len(*l))]
			}
			paths = append(paths, others...)
			rng.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
			check := func(when string) {
				for _, p := range paths {
					want, ok := eager.Lookup(p)
					if !ok {
						t.Fatalf("the eager layout lacks %s, which it lists", p)
					}
					got, ok := lazy.Lookup(p)
					switch {
					case !ok:
						t.Fatalf("%s: the lazy layout lacks %s", when, p)
					case !bytes.Equal(got.Body, want.Body) || got.ETag != want.ETag:
						t.Fatalf("%s: %s differs from the eager layout's", when, p)
					case !got.ModTime.Equal(want.ModTime):
						t.Fatalf("%s: %s dated %v, the eager layout's %v", when, p, got.ModTime, want.ModTime)
					}
				}
			}
			check("cut on demand")
			if got := lazy.Archives(); !slices.Equal(got, eager.Archives()) {
				t.Fatalf("the lazy layout lists %d archive documents, the eager one %d", len(got), len(eager.Archives()))
			}
			check("all cut")
		})
	}
}

// TestArchiveRestoreLazy saves a first layout with pages left whole (no
// document of theirs asked for), restores it, and checks the archive
// documents' bytes and times. Over the same articles every document keeps
// its bytes and time. After an edit of an archived article (the first build
// of another restart from the same record), the documents
// are those of a fresh build; each whose bytes changed is dated after its
// last time, and each other keeps it, except in the page of the edit and
// the page after it, in a feed set holding the article: the old documents
// of a page saved whole cannot be cut once its articles changed (their old
// versions are gone), so those move on even where their bytes did not.
func TestArchiveRestoreLazy(t *testing.T) {
	arts := corpusArticles(t, 600)
	site := archiveSite()
	clock := &testClock{testModTime}
	build := func(bl *Builder, arts []*content.Article) *Bundle {
		b, err := bl.Build(arts)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bl := builderAt(t, site, clock)
	b1 := build(bl, arts)
	path := filepath.Join(t.TempDir(), "state.db.feeds")
	if err := WriteSaved(path, bl.Save()); err != nil {
		t.Fatal(err)
	}
	sv := ReadSaved(path)
	whole := 0
	for _, set := range sv.Sets {
		if set.Archive != nil {
			for _, d := range set.Archive.Docs {
				if d.Part == 0 {
					whole++
				}
			}
		}
	}
	if whole == 0 {
		t.Fatal("the saved layout has no page left whole")
	}
	eager := builderAt(t, site, clock)
	eager.eager = true
	paths := build(eager, arts).Archives()
	served := func(b *Bundle) map[string]*File {
		out := make(map[string]*File, len(paths))
		for _, p := range paths {
			f, ok := b.Lookup(p)
			if !ok {
				t.Fatalf("%s: not served", p)
			}
			out[p] = f
		}
		return out
	}
	v1 := served(b1)

	bl2 := builderAt(t, site, clock)
	bl2.Restore(sv)
	clock.add(time.Hour)
	v2 := served(build(bl2, arts))
	for _, p := range paths {
		if v2[p].ETag != v1[p].ETag || !v2[p].ModTime.Equal(v1[p].ModTime) {
			t.Fatalf("restored over the same articles: %s %s %v, was %s %v", p, v2[p].ETag, v2[p].ModTime, v1[p].ETag, v1[p].ModTime)
		}
	}

	edited := *arts[len(arts)-25] // in the third page from the oldest
	edited.Title += " (corrected)"
	edited.Hash += "-edited"
	arts3 := slices.Clone(arts)
	arts3[len(arts)-25] = &edited
	// The edit as the first build of another restart from the same record.
	bl3 := builderAt(t, site, clock)
	bl3.Restore(sv)
	clock.add(time.Hour)
	v3 := served(build(bl3, arts3))
	fresh := builderAt(t, site, clock)
	if want := build(fresh, arts3).Archives(); !slices.Equal(want, paths) {
		t.Fatalf("the edit changed the archive documents' names")
	}
	want := served(build(fresh, arts3))
	// page returns the feed set prefix and page number of an archive path.
	page := func(p string) (string, int) {
		at := strings.LastIndex(p, archiveDir)
		name, _, _ := strings.Cut(p[at+len(archiveDir):], "/")
		name, _, _ = strings.Cut(name, "-")
		n, err := strconv.Atoi(name)
		if err != nil {
			t.Fatalf("%s: not an archive path", p)
		}
		return p[:at], n
	}
	editedPage := make(map[string]int) // by prefix
	for _, p := range paths {
		if !bytes.Equal(v3[p].Body, want[p].Body) {
			t.Fatalf("after the edit, %s differs from a fresh build's", p)
		}
		if v3[p].ETag != v2[p].ETag {
			if !v3[p].ModTime.After(v2[p].ModTime) {
				t.Fatalf("%s changed, dated %v, not after %v", p, v3[p].ModTime, v2[p].ModTime)
			}
			prefix, n := page(p)
			editedPage[prefix] = n
		}
	}
	if len(editedPage) < 2 {
		t.Fatalf("the edit changed the archive documents of %d feed sets, want the main one and the article's tags'", len(editedPage))
	}
	moved := 0
	for _, p := range paths {
		if v3[p].ETag != v2[p].ETag || v3[p].ModTime.Equal(v2[p].ModTime) {
			continue
		}
		prefix, n := page(p)
		if k, ok := editedPage[prefix]; !ok || n != k && n != k+1 {
			t.Errorf("%s: the same bytes, dated %v then %v, in no page of the edit or after it", p, v2[p].ModTime, v3[p].ModTime)
		}
		moved++
	}
	t.Logf("the edit changed documents of %d feed sets; %d documents kept their bytes and moved on", len(editedPage), moved)
}

// TestSpanSameName: two spans have the same name exactly when sameName
// says so, for lazy spans (part 0), first parts and later parts.
func TestSpanSameName(t *testing.T) {
	var spans []span
	for _, page := range []int{1, 2, 9, 10, 11, 12, 21, 99, 100, 101, 112, 1000, 1012} {
		for _, part := range []int{0, 1, 2, 3, 10, 11, 12} {
			spans = append(spans, span{page: page, part: part})
		}
	}
	for _, d := range spans {
		for _, e := range spans {
			if got, want := d.sameName(e), d.name() == e.name(); got != want {
				t.Errorf("%+v.sameName(%+v) = %v; names %q and %q", d, e, got, d.name(), e.name())
			}
		}
	}
}
