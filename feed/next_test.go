package feed

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestNextMatchesBuild drives one Builder through random changes with Next,
// as the daemon does (articles added, edited, retagged, moved between
// sections, deleted, future ones falling due), and checks after each step
// that the bundle holds exactly the files, bytes and pages a fresh Build of
// the same articles holds. Under -race it runs 2 of its 10 seeds, one with
// Retain and one without: every step renders in parallel, in Next and in
// the fresh Build, so they exercise the builder's concurrency as much as
// all ten; the other eight add random cases, not concurrency, at ten times
// the cost there (the run without -race has them).
func TestNextMatchesBuild(t *testing.T) {
	seeds := uint64(10)
	if raceEnabled {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel() // each seed has its own Builder and articles
			s := randomSite()
			if seed%2 == 1 {
				s.Retain = 90 * time.Minute
			}
			randomSteps(t, s, seed, 30, func(step int, _, got *Bundle) {
				want := mustBuild(t, s, got.Articles())
				sameBundle(t, fmt.Sprintf("step %d", step), got, want)
			})
		})
	}
}

// randomSite is the site randomSteps builds: tag and section feeds on,
// three items a feed.
func randomSite() Site {
	site := testSite()
	site.NoTagFeeds = false
	site.Sections = []string{"news", "sport"}
	site.MaxItems = 3
	return site
}

// randomSteps drives one Builder of site through random changes with Next
// (randomArticles, with a Selection as the daemon has), and calls check
// with each bundle and the one before it.
func randomSteps(t *testing.T, site Site, seed uint64, steps int, check func(step int, prev, b *Bundle)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	sel := content.NewSelection()
	now := testNow
	gen := &randomArticles{rng: rng}
	var prev *Bundle
	for step := range steps {
		n := 1 + rng.IntN(3)
		if step == 0 || rng.IntN(15) == 0 {
			n = 70 // enough to regroup
		}
		removed, set := gen.step(t, n, now)
		now = now.Add(time.Duration(rng.IntN(40)) * time.Minute)
		ch := sel.Update(removed, set, now)
		b, err := bl.Next(sel.Visible(), ch.Entered, ch.Left)
		if err != nil {
			t.Fatal(err)
		}
		check(step, prev, b)
		prev = b
	}
}

// randomArticles makes random changes to a folder of articles: 40 paths in
// three top-level folders, with tags that differ only in case among them.
type randomArticles struct {
	rng     *rand.Rand
	version int
}

// step writes n files (or, one in five, removes one), dated around now, and
// returns the paths removed and the articles parsed from the files written.
func (g *randomArticles) step(t testing.TB, n int, now time.Time) (removed []string, set []*content.Article) {
	t.Helper()
	tags := []string{"Go", "go", "Rust", "Feeds", "web dev", "Web Dev"}
	rng := g.rng
	for range n {
		p := fmt.Sprintf("%s/a%d.md", []string{"news", "sport", "misc"}[rng.IntN(3)], rng.IntN(40))
		if rng.IntN(5) == 0 {
			removed = append(removed, p)
			set = slices.DeleteFunc(set, func(a *content.Article) bool { return a.Path == p })
			continue
		}
		g.version++
		var ts []string
		for range rng.IntN(3) {
			ts = append(ts, fmt.Sprintf("%q", tags[rng.IntN(len(tags))]))
		}
		date := now.Add(time.Duration(rng.IntN(600)-500) * time.Minute).Format(time.RFC3339)
		md := fmt.Sprintf("---\ntitle: Article %d\ndate: %s\ntags: [%s]\n---\nBody %d of %s.\n", g.version, date, joinComma(ts), g.version, p)
		a, err := content.Parse(p, []byte(md), testModTime, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		set = append(set, a)
	}
	return removed, set
}

func joinComma(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}

// sameBundle fails unless two bundles hold the same files in the same
// order, with the same bytes, and the same article pages.
func sameBundle(t *testing.T, at string, got, want *Bundle) {
	t.Helper()
	var gp, wp []string
	for _, f := range got.Feeds() {
		gp = append(gp, f.Path)
	}
	for _, f := range want.Feeds() {
		wp = append(wp, f.Path)
	}
	if !slices.Equal(gp, wp) {
		t.Fatalf("%s: feeds\n got %v\nwant %v", at, gp, wp)
	}
	for _, f := range want.Feeds() {
		g, ok := got.Lookup(f.Path)
		// Not ModTime: when the bytes last changed is what a fresh build
		// cannot know (modtime_test.go checks it).
		if !ok || !bytes.Equal(g.Body, f.Body) || !sameGzip(g, f) || g.ETag != f.ETag || g.Link != f.Link {
			t.Fatalf("%s: %s differs from a fresh build\n got %s\nwant %s", at, f.Path, g.Body, f.Body)
		}
	}
	if ga, wa := got.Archives(), want.Archives(); !slices.Equal(ga, wa) {
		t.Fatalf("%s: archive documents\n got %v\nwant %v", at, ga, wa)
	}
	for _, p := range want.Archives() {
		g, gok := got.Lookup(p)
		f, wok := want.Lookup(p)
		if !gok || !wok || !bytes.Equal(g.Body, f.Body) || !sameGzip(g, f) || g.ETag != f.ETag || g.Link != f.Link {
			t.Fatalf("%s: %s differs from a fresh build\n got %s\nwant %s", at, p, g.Body, f.Body)
		}
	}
	if !slices.Equal(got.Articles(), want.Articles()) || got.Len() != want.Len() {
		t.Fatalf("%s: articles differ", at)
	}
	for i, a := range want.Articles() {
		if i%7 != 0 { // every page found; a sample of them compared
			if !got.HasArticle(a.Slug) {
				t.Fatalf("%s: no page for %s", at, a.Slug)
			}
			continue
		}
		if !got.HasArticle(a.Slug) {
			t.Fatalf("%s: no page for %s", at, a.Slug)
		}
		g, _ := got.Lookup("articles/" + a.Slug + "/")
		w, _ := want.Lookup("articles/" + a.Slug + "/")
		if !bytes.Equal(g.Body, w.Body) {
			t.Fatalf("%s: page of %s differs", at, a.Slug)
		}
	}
	if got.HasArticle("misc/none") {
		t.Fatalf("%s: a page for an article that does not exist", at)
	}
}

// sameGzip reports whether two files have the same gzip copy and gzip ETag.
func sameGzip(a, b *File) bool {
	ga, ta := a.Gzip()
	gb, tb := b.Gzip()
	return bytes.Equal(ga, gb) && ta == tb
}
