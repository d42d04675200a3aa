package feed

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dropfeed/dropfeed/content"
)

// openDir opens a DirStore the test closes at its end.
func openDir(t testing.TB, dir string) *DirStore {
	t.Helper()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// mustPublish publishes b and returns the stats.
func mustPublish(t testing.TB, p *Publisher, b *Bundle) WriteStats {
	t.Helper()
	if err := p.Publish(t.Context(), b); err != nil {
		t.Fatalf("Publish() error: %v", err)
	}
	return p.Stats()
}

// versionDiff returns what Selection.Update reports between two lists of
// visible articles: the versions that entered and those that left. As the
// Selection does, it keeps the articles of prev whose version did not
// change: next is returned with them in place of their new copies, so that
// an article that leaves later is the one that entered.
func versionDiff(prev, next []*content.Article) (vis, entered, left []*content.Article) {
	had := make(map[itemKey]*content.Article, len(prev))
	for _, a := range prev {
		had[keyFor(a)] = a
	}
	has := make(map[itemKey]bool, len(next))
	vis = make([]*content.Article, len(next))
	for i, a := range next {
		has[keyFor(a)] = true
		if old, ok := had[keyFor(a)]; ok {
			vis[i] = old
		} else {
			vis[i] = a
			entered = append(entered, a)
		}
	}
	for _, a := range prev {
		if !has[keyFor(a)] {
			left = append(left, a)
		}
	}
	return vis, entered, left
}

// stepper builds the bundles of successive trees with one Builder, as the
// daemon does.
type stepper struct {
	t    testing.TB
	bl   *Builder
	vis  []*content.Article
	site Site
}

func newStepper(t testing.TB, site Site) *stepper {
	t.Helper()
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	return &stepper{t: t, bl: bl, site: site}
}

// next builds the bundle of a tree (txtar) after the previous one.
func (s *stepper) next(tree string) *Bundle {
	s.t.Helper()
	fsys := txtarFS(s.t, tree)
	return s.nextFS(fsys)
}

func (s *stepper) nextFS(fsys fs2) *Bundle {
	s.t.Helper()
	vis, entered, left := versionDiff(s.vis, loadArticles(s.t, fsys, testOptions()))
	s.bl.SetSource(fsys)
	b, err := s.bl.Next(vis, entered, left)
	if err != nil {
		s.t.Fatal(err)
	}
	s.vis = vis
	return b
}

type fs2 = fstest.MapFS

// TestPublisherDelta: a Publisher kept between bundles of one Builder
// renders and writes only the pages of articles that changed, and removes
// those of articles gone; bundles it skipped are taken into account.
func TestPublisherDelta(t *testing.T) {
	dir := t.TempDir()
	p := NewPublisher(openDir(t, dir), WriteOptions{})
	s := newStepper(t, testSite())
	first := s.next(serverTree)
	if st := mustPublish(t, p, first); st.Rendered != first.Len() || st.Written != 2*(first.Len()+topDocs) {
		t.Errorf("first Publish() = %+v, want every page rendered and %d files written", st, 2*(first.Len()+topDocs))
	}
	for _, f := range first.Feeds() {
		if f.gzipDone() != nil {
			t.Errorf("%s: the publish left its gzip copy in the bundle (made for the folder, kept for serving)", f.Path)
		}
	}
	ageTree(t, dir)
	before := tree(t, dir)
	page := "articles/2026-10-05-bakery/index.html"

	// Nothing changed: nothing rendered, nothing written.
	if st := mustPublish(t, p, s.next(serverTree)); st.Rendered != 0 || st.Written != 0 || st.Removed != 0 {
		t.Errorf("Publish(no change) = %+v, want nothing done", st)
	}

	// One article edited: its page and the feeds.
	st := mustPublish(t, p, s.next(editedTree))
	if st.Rendered != 1 || st.Written != 8 {
		t.Errorf("Publish(one article edited) = %+v, want Rendered 1, Written 8 (its page, three feeds)", st)
	}
	after := tree(t, dir)
	for rel, fi := range before {
		plain := strings.TrimSuffix(rel, ".gz")
		if rel == ManifestName || plain == page || plain == RSSName || plain == AtomName || plain == JSONName {
			continue
		}
		if !os.SameFile(fi, after[rel]) {
			t.Errorf("Publish(one article edited) rewrote %s", rel)
		}
	}
	if got := readFile(t, filepath.Join(dir, filepath.FromSlash(page))); !bytes.Contains(got, []byte("three times")) {
		t.Errorf("the edited page on disk lacks the edit")
	}

	// An article added, then removed.
	added := editedTree + "-- 2026-10-06-new.md --\n---\ntitle: New\ndate: 2026-10-06T00:00:00Z\n---\nNew.\n"
	if st := mustPublish(t, p, s.next(added)); st.Rendered != 1 {
		t.Errorf("Publish(one article added) = %+v, want Rendered 1", st)
	}
	newPage := filepath.Join(dir, "articles", "2026-10-06-new", "index.html")
	if _, err := os.Stat(newPage); err != nil {
		t.Errorf("the new article's page: %v", err)
	}
	if st := mustPublish(t, p, s.next(editedTree)); st.Removed != 2 || st.Rendered != 0 {
		t.Errorf("Publish(the article removed) = %+v, want Removed 2 (its page and .gz), Rendered 0", st)
	}
	if _, err := os.Stat(filepath.Dir(newPage)); err == nil {
		t.Errorf("the removed article's page folder is still there")
	}

	// Two bundles, the first never published: the second publish writes
	// what both changed.
	s.next(serverTree)
	last := s.next(serverTree + "-- 2026-10-07-later.md --\n---\ntitle: Later\ndate: 2026-10-07T00:00:00Z\n---\nLater.\n")
	if st := mustPublish(t, p, last); st.Rendered != 2 {
		t.Errorf("Publish(after a skipped bundle) = %+v, want Rendered 2 (the reverted page and the new one)", st)
	}
	sameAsFresh(t, dir, last)
}

// sameAsFresh checks that dir holds what a fresh WriteDir of b into an empty
// folder writes: the same files, byte for byte, and the same record.
func sameAsFresh(t testing.TB, dir string, b *Bundle) {
	t.Helper()
	fresh := t.TempDir()
	if _, err := WriteDir(context.Background(), fresh, b, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, want := visibleFiles(t, dir), visibleFiles(t, fresh)
	both := maps.Clone(got)
	maps.Copy(both, want)
	for rel := range both {
		if !bytes.Equal(got[rel], want[rel]) {
			_, inGot := got[rel]
			_, inWant := want[rel]
			t.Errorf("%s differs from a fresh write (in the folder %v, in the fresh one %v)", rel, inGot, inWant)
		}
	}
	if g, w := readRecord(t, dir), readRecord(t, fresh); !maps.Equal(g, w) {
		t.Errorf("the record differs from a fresh write's:\n got %v\nwant %v", g, w)
	}
	checkRecord(t, dir, true)
}

// visibleFiles returns the files under dir that are not hidden, with their bytes.
func visibleFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := make(map[string][]byte)
	for rel := range tree(t, dir) {
		if strings.Contains("/"+rel, "/.") {
			continue
		}
		out[rel] = readFile(t, filepath.Join(dir, filepath.FromSlash(rel)))
	}
	return out
}

// TestPublisherRandom publishes bundles of random changes (some skipped,
// as a Publisher that falls behind does) and checks after each publish
// that the folder equals a fresh write of the same bundle. The seeds
// publish with 1, 2 and 3 workers; under -race only the first two run: two
// workers race each other as three do, and the third seed adds random
// cases, not concurrency, at ten times the cost there (the run without
// -race has it).
func TestPublisherRandom(t *testing.T) {
	seeds := uint64(3)
	if raceEnabled {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel() // each seed has its own Builder, articles and folder
			dir := t.TempDir()
			p := NewPublisher(openDir(t, dir), WriteOptions{Workers: 1 + int(seed%3)})
			rng := rand.New(rand.NewPCG(seed, 11))
			randomSteps(t, randomSite(), seed, 16, func(step int, _, b *Bundle) {
				if step > 0 && rng.IntN(3) == 0 {
					return // skipped
				}
				mustPublish(t, p, b)
				sameAsFresh(t, dir, b)
			})
		})
	}
}

// TestPublisherRestart: a new Publisher over a folder a Publisher of an
// earlier run wrote renders no page and writes nothing when nothing
// changed; it renders the pages whose file was changed or removed by hand
// and puts them right, and it renders every page again under another
// render key (writing none, as the pages did not change).
func TestPublisherRestart(t *testing.T) {
	dir := t.TempDir()
	s := newStepper(t, testSite())
	b := s.next(serverTree)
	mustWrite(t, dir, b, WriteOptions{})

	again := newStepper(t, testSite()).next(serverTree)
	if st := mustWrite(t, dir, again, WriteOptions{}); st.Rendered != 0 || st.Written != 0 {
		t.Errorf("WriteDir(restart, unchanged) = %+v, want nothing rendered or written", st)
	}

	page := filepath.Join(dir, "articles", "2026-10-05-bakery", "index.html")
	if err := os.WriteFile(page, []byte("vandalised"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "atom.xml.gz")); err != nil {
		t.Fatal(err)
	}
	if st := mustWrite(t, dir, newStepper(t, testSite()).next(serverTree), WriteOptions{}); st.Rendered != 1 || st.Written != 4 {
		t.Errorf("WriteDir(restart, a page and a .gz damaged) = %+v, want Rendered 1, Written 4", st)
	}
	sameAsFresh(t, dir, b)

	keyed := newStepper(t, testSite())
	keyed.bl.SetRenderKey("other options")
	if st := mustWrite(t, dir, keyed.next(serverTree), WriteOptions{}); st.Rendered != b.Len() || st.Written != 0 {
		t.Errorf("WriteDir(another render key) = %+v, want Rendered %d, Written 0", st, b.Len())
	}
	if st := mustWrite(t, dir, keyed.next(serverTree), WriteOptions{}); st.Rendered != 0 {
		t.Errorf("WriteDir(the same render key again) = %+v, want Rendered 0", st)
	}
}

// TestPublisherMedia: media files are copied with their page, not again
// when their source did not change, again when it did (also at a restart
// that renders no page), and removed with the page that referenced them.
func TestPublisherMedia(t *testing.T) {
	fsys := fstest.MapFS{
		"news/post.md":      {Data: []byte("---\ntitle: With a picture\ndate: 2026-02-01T10:00:00Z\nimage: img/lead.png\n---\n\nText.\n"), ModTime: testModTime},
		"news/img/lead.png": {Data: []byte("png v1"), ModTime: testModTime},
		"news/other.md":     {Data: []byte("---\ntitle: Other\ndate: 2026-02-02T10:00:00Z\n---\n\nOther.\n"), ModTime: testModTime},
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "articles", "news", "post", "img", "lead.png")
	st := mustWrite(t, dir, newStepper(t, testSite()).nextFS(fsys), WriteOptions{})
	if got, err := os.ReadFile(img); err != nil || string(got) != "png v1" {
		t.Fatalf("the image copied = %q, %v; want %q", got, err, "png v1")
	}
	if st.Written != 2*(2+topDocs)+1 {
		t.Errorf("first WriteDir = %+v, want Written %d (two pages, the top documents, one image)", st, 2*(2+topDocs)+1)
	}
	fsys["news/img/lead.png"] = &fstest.MapFile{Data: []byte("png v2!"), ModTime: testModTime.Add(1)}
	st = mustWrite(t, dir, newStepper(t, testSite()).nextFS(fsys), WriteOptions{})
	if got, _ := os.ReadFile(img); string(got) != "png v2!" || st.Rendered != 0 {
		t.Errorf("restart after the image changed: image %q, %+v; want %q copied and no page rendered", got, st, "png v2!")
	}
	if st.Written != 1+4 {
		t.Errorf("restart after the image changed = %+v, want Written 5 (the image, rss.xml and atom.xml, whose enclosure length changed)", st)
	}

	s := newStepper(t, testSite())
	p := NewPublisher(openDir(t, dir), WriteOptions{})
	mustPublish(t, p, s.nextFS(fsys))
	delete(fsys, "news/post.md")
	if st := mustPublish(t, p, s.nextFS(fsys)); st.Removed != 3 {
		t.Errorf("Publish(the article with the image removed) = %+v, want Removed 3 (page, .gz, image)", st)
	}
	if _, err := os.Stat(filepath.Join(dir, "articles", "news", "post")); err == nil {
		t.Errorf("the removed article's folder is still there")
	}
	checkRecord(t, dir, true)
}

// TestOpenDirBusy: a folder open by one store is refused to another, with
// the holder's process id; once closed, it opens again, and the lock file
// is gone.
func TestOpenDirBusy(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenDir(dir)
	want := fmt.Sprintf("output folder %s is being written by another dropfeed (pid %d)", dir, os.Getpid())
	if !errors.Is(err, ErrBusy) || err.Error() != want {
		t.Errorf("OpenDir(held folder) error = %v, want %q", err, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, lockName)); err == nil {
		t.Errorf("Close left the lock file")
	}
	s2, err := OpenDir(dir)
	if err != nil {
		t.Fatalf("OpenDir after Close: %v", err)
	}
	s2.Close()
}

// faultStore is a DirStore whose operations fail from the n-th on, as a
// writer killed there, or a disk that filled up, would leave them.
type faultStore struct {
	*DirStore
	mu    sync.Mutex
	calls int
	n     int
}

var errInjected = errors.New("injected failure")

func (s *faultStore) fail() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.calls > s.n
}

func (s *faultStore) Commit(ctx context.Context, changes []Change, full *Record) error {
	if s.fail() {
		return errInjected
	}
	return s.DirStore.Commit(ctx, changes, full)
}

func (s *faultStore) Put(ctx context.Context, rel string, f *File) error {
	if s.fail() {
		return errInjected
	}
	return s.DirStore.Put(ctx, rel, f)
}

func (s *faultStore) Copy(ctx context.Context, rel string, r io.Reader, size int64) error {
	if s.fail() {
		return errInjected
	}
	return s.DirStore.Copy(ctx, rel, r, size)
}

func (s *faultStore) Remove(ctx context.Context, rel string) (int, error) {
	if s.fail() {
		return 0, errInjected
	}
	return s.DirStore.Remove(ctx, rel)
}

// TestPublisherFailsAnywhere stops a publish at every operation in turn
// (as a writer killed there, or a disk full, would) over a folder holding
// an older version: each time, every file recorded with bytes holds them,
// every file dropfeed wrote is recorded, every page the feeds link to
// exists, and a new Publisher (a restart) finishes the job: the folder then
// equals a fresh write.
func TestPublisherFailsAnywhere(t *testing.T) {
	site := testSite()
	site.NoTagFeeds = false
	oldTree := serverTree + "-- gone.md --\n---\ntitle: Gone soon\ndate: 2026-08-01T00:00:00Z\ntags: [vanishing]\n---\nBye.\n"
	newTree := editedTree + "-- 2026-10-06-new.md --\n---\ntitle: New\ndate: 2026-10-06T00:00:00Z\ntags: [fresh]\n---\nNew.\n"
	// The bundles are built once (they are immutable): each round writes
	// them anew, with Publishers of its own, into a folder of its own. The
	// restart's bundle comes from a Builder of its own, as a new process's.
	old := newStepper(t, site).next(oldTree)
	s := newStepper(t, site)
	s.next(oldTree)
	b := s.next(newTree)
	restart := newStepper(t, site).next(newTree)
	for n := 0; ; n++ {
		dir := t.TempDir()
		mustWrite(t, dir, old, WriteOptions{})
		ds, err := OpenDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		fst := &faultStore{DirStore: ds, n: n}
		p := NewPublisher(fst, WriteOptions{Workers: 1})
		err = p.Publish(t.Context(), b)
		ds.Close()
		if err == nil {
			if n < 3 {
				t.Fatalf("a publish with %d operations succeeded; the change needs more", n)
			}
			t.Logf("the publish takes %d operations", fst.calls)
			sameAsFresh(t, dir, b)
			return
		}
		if !errors.Is(err, errInjected) {
			t.Fatalf("stopped at operation %d: error %v, want the injected one", n, err)
		}
		checkRecord(t, dir, false)
		checkLinks(t, dir)
		mustWrite(t, dir, restart, WriteOptions{})
		sameAsFresh(t, dir, b)
		if t.Failed() {
			t.Fatalf("stopped at operation %d", n)
		}
	}
}

var linkRE = regexp.MustCompile(`<link>https://news\.example\.com/([^<]*)</link>`)

// checkLinks checks that every article rss.xml in dir links to has its page.
func checkLinks(t testing.TB, dir string) {
	t.Helper()
	for _, m := range linkRE.FindAllStringSubmatch(string(readFile(t, filepath.Join(dir, RSSName))), -1) {
		if m[1] == "" {
			continue
		}
		rel, err := url.PathUnescape(m[1])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel), IndexName)); err != nil {
			t.Errorf("rss.xml links to %s, whose page is missing: %v", m[1], err)
		}
	}
}

// flakyFS fails to open the files named in fail (as many times as it says)
// while it still stats them, as a file removed or a folder closed between
// a build and its write does.
type flakyFS struct {
	fstest.MapFS
	mu   sync.Mutex
	fail map[string]int
}

func (f *flakyFS) Open(name string) (fs.File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[name] > 0 {
		f.fail[name]--
		return nil, fs.ErrClosed
	}
	return f.MapFS.Open(name)
}

// TestPublisherRedoMedia: a media file that could not be read when its
// page was written is copied at the next publish, though its article did
// not change.
func TestPublisherRedoMedia(t *testing.T) {
	fsys := &flakyFS{MapFS: fstest.MapFS{
		"news/post.md":      {Data: []byte("---\ntitle: With a picture\ndate: 2026-02-01T10:00:00Z\nimage: img/lead.png\n---\n\nText.\n"), ModTime: testModTime},
		"news/img/lead.png": {Data: []byte("png"), ModTime: testModTime},
	}, fail: map[string]int{"news/img/lead.png": 1}}
	dir := t.TempDir()
	p := NewPublisher(openDir(t, dir), WriteOptions{})
	bl, err := NewBuilder(testSite())
	if err != nil {
		t.Fatal(err)
	}
	bl.SetSource(fsys)
	arts := loadArticles(t, fsys.MapFS, testOptions())
	b, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, p, b)
	img := filepath.Join(dir, "articles", "news", "post", "img", "lead.png")
	if _, err := os.Stat(img); err == nil {
		t.Fatalf("the image was copied though it could not be opened")
	}
	b2, err := bl.Next(arts, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := mustPublish(t, p, b2); st.Written != 1 {
		t.Errorf("the next Publish() = %+v, want Written 1 (the image)", st)
	}
	if got, err := os.ReadFile(img); err != nil || string(got) != "png" {
		t.Errorf("the image after the next publish = %q, %v; want it copied", got, err)
	}
	checkRecord(t, dir, true)
}
