package feed

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// docVersion is what a test saw of one version of a served document.
type docVersion struct {
	etag string
	mod  time.Time
}

// servedDocs returns every document a bundle serves (the feeds, the index,
// the archive documents and every article page), by path.
func servedDocs(b *Bundle) map[string]docVersion {
	docs := make(map[string]docVersion)
	for _, f := range b.Feeds() {
		docs[f.Path] = docVersion{f.ETag, f.ModTime}
	}
	for _, p := range b.Archives() {
		f, ok := b.Lookup(p)
		if !ok {
			panic("no archive document " + p)
		}
		docs[p] = docVersion{f.ETag, f.ModTime}
	}
	for _, a := range b.Articles() {
		f, ok := b.Lookup("articles/" + a.Slug + "/")
		if !ok {
			panic("no page for " + a.Slug)
		}
		docs[f.Path] = docVersion{f.ETag, f.ModTime}
	}
	return docs
}

// TestModTimeRules drives Builders through random changes (the articles of
// TestNextMatchesBuild), with a clock that often stays within one second,
// through clean restarts (the record written and read back from disk),
// crashes (a restart that finds the record the crashed run took), and
// settings reloaded (a Builder handed the last one's record, for another
// site title), and checks every served document after each build against
// what the test saw before:
//   - every time is whole seconds, never zero;
//   - bytes the same as the last build's keep their time (except after a
//     crash, and for pages after the settings changed: those times are lost,
//     and the documents are dated anew);
//   - other bytes (changed, or at a path that served nothing in the last
//     build) are dated after every time the path ever had, or after every
//     time that could have been sent (none ahead of the clock) when a crash
//     came between, and no earlier than the build's clock.
//
// Under -race it runs 2 of its 5 seeds: the dating, saving and restoring
// happen in the test's goroutine, so the other three add random cases, not
// concurrency, at ten times the cost there (the run without -race has
// them); the two still restart, crash and reload (checked below).
func TestModTimeRules(t *testing.T) {
	site := testSite()
	site.NoTagFeeds = false
	site.Sections = []string{"news", "sport"}
	site.MaxItems = 3
	// The seeds run in parallel; once all have, they must have exercised
	// each event.
	var mu sync.Mutex
	events := map[string]int{}
	count := func(event string) {
		mu.Lock()
		defer mu.Unlock()
		events[event]++
	}
	t.Cleanup(func() {
		if events["restart"] == 0 || events["crash"] == 0 || events["reload"] == 0 {
			t.Errorf("restarts, crashes, reloads = %v: the seeds do not exercise each", events)
		}
	})
	seeds := uint64(5)
	if raceEnabled {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel() // each seed has its own Builders, clock, articles and record
			rng := rand.New(rand.NewPCG(seed, 14))
			saved := filepath.Join(t.TempDir(), "state.db.feeds")
			clock := &testClock{time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
			s := site
			start := func(sv *Saved) *Builder {
				bl := builderAt(t, s, clock)
				bl.SetContentKey("test")
				bl.Restore(sv)
				return bl
			}
			bl := start(ReadSaved(saved))
			sel := content.NewSelection()
			now := testNow
			gen := &randomArticles{rng: rng}
			last := map[string]docVersion{}   // the last build's documents
			highest := map[string]time.Time{} // the latest time each path ever had
			changes := map[string]int{}
			for step := range 50 {
				keepPages, keepFeeds := true, true
				if step > 0 {
					switch rng.IntN(12) {
					case 0: // a clean stop and start
						count("restart")
						if err := WriteSaved(saved, bl.Save()); err != nil {
							t.Fatal(err)
						}
						bl = start(ReadSaved(saved))
					case 1: // a crash, and a start
						count("crash")
						bl = start(ReadSaved(saved))
						keepPages, keepFeeds = false, false
						for p, h := range highest {
							if h.After(clock.t) { // dated ahead, so never sent
								highest[p] = clock.t.Truncate(time.Second)
							}
						}
					case 2: // settings reloaded: another title
						count("reload")
						sv := bl.Save()
						s.Title = fmt.Sprintf("Title %d", step)
						bl = start(sv)
						keepPages = false
					}
				}
				n := 1 + rng.IntN(3)
				if step == 0 || rng.IntN(15) == 0 {
					n = 70
				}
				removed, set := gen.step(t, n, now)
				now = now.Add(time.Duration(rng.IntN(40)) * time.Minute)
				// Mostly within the same second as the last build.
				clock.add([]time.Duration{0, 0, 0, 300 * time.Millisecond, time.Second, 2500 * time.Millisecond}[rng.IntN(6)])
				ch := sel.Update(removed, set, now)
				vis := sel.Visible()
				b, err := bl.Next(vis, ch.Entered, ch.Left)
				if err != nil {
					t.Fatal(err)
				}
				docs := servedDocs(b)
				for p, d := range docs {
					at := fmt.Sprintf("step %d: %s", step, p)
					if d.mod.IsZero() || !d.mod.Equal(d.mod.Truncate(time.Second)) {
						t.Fatalf("%s ModTime = %v, want whole seconds", at, d.mod)
					}
					prev, had := last[p]
					keep := keepFeeds
					if strings.HasPrefix(p, "articles/") {
						keep = keep && keepPages
					}
					switch {
					case had && prev.etag == d.etag && keep:
						if !d.mod.Equal(prev.mod) {
							t.Fatalf("%s: same bytes, ModTime %v then %v, want kept", at, prev.mod, d.mod)
						}
					case had && prev.etag == d.etag && !d.mod.Equal(prev.mod) || !had || prev.etag != d.etag:
						if h, ok := highest[p]; ok && !d.mod.After(h) {
							t.Fatalf("%s: new version dated %v, not after %v, a time the path had", at, d.mod, h)
						}
						if d.mod.Before(clock.t.Truncate(time.Second)) {
							t.Fatalf("%s: new version dated %v, before the build's clock %v", at, d.mod, clock.t)
						}
						changes[p]++
					}
					if h := highest[p]; d.mod.After(h) {
						highest[p] = d.mod
					}
				}
				last = docs
			}
			redated := 0
			for _, n := range changes {
				redated += n
			}
			if len(changes) < 50 || redated < 500 {
				t.Fatalf("only %d documents dated anew %d times: the test did not exercise the rules", len(changes), redated)
			}
		})
	}
}

// TestLastModifiedNewestDeleted is the reproduction of the defect, in one
// process and across a restart: a reader that read the feed with its two
// articles and then asks with only If-Modified-Since must get the feed
// without the newest article once it is deleted, not 304.
func TestLastModifiedNewestDeleted(t *testing.T) {
	tree := `
-- old.md --
---
title: Old
date: 2024-05-01T10:00:00Z
---
Old body.
-- new.md --
---
title: New
date: 2024-06-01T10:00:00Z
---
New body.
`
	all := loadArticles(t, txtarFS(t, tree), testOptions())
	withoutNew := slices.DeleteFunc(slices.Clone(all), func(a *content.Article) bool { return a.Path == "new.md" })
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%t", restart), func(t *testing.T) {
			clock := &testClock{time.Now().Add(-time.Hour)}
			bl := builderAt(t, testSite(), clock)
			b, err := bl.Build(all)
			if err != nil {
				t.Fatal(err)
			}
			s := NewServer(ServerConfig{})
			s.Swap(b)
			first := serve(t, s, http.MethodGet, "/rss.xml")
			lastMod := first.Header.Get("Last-Modified")
			if lastMod == "" || !strings.Contains(string(readBody(t, first)), "<title>New</title>") {
				t.Fatalf("first GET /rss.xml: Last-Modified %q, want one, and the new article", lastMod)
			}

			clock.add(30 * time.Second)
			if restart {
				saved := filepath.Join(t.TempDir(), "feeds")
				if err := WriteSaved(saved, bl.Save()); err != nil {
					t.Fatal(err)
				}
				bl = builderAt(t, testSite(), clock)
				if !bl.Restore(ReadSaved(saved)) {
					t.Fatal("Restore() = false, want the saved feeds taken back")
				}
				s = NewServer(ServerConfig{})
			}
			b, err = bl.Build(withoutNew)
			if err != nil {
				t.Fatal(err)
			}
			s.Swap(b)
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				resp := serve(t, s, method, "/rss.xml", "If-Modified-Since", lastMod)
				body := readBody(t, resp)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s /rss.xml If-Modified-Since %s after the newest article was deleted = %d, want 200", method, lastMod, resp.StatusCode)
				}
				if method == http.MethodGet && (strings.Contains(string(body), "<title>New</title>") || !strings.Contains(string(body), "<title>Old</title>")) {
					t.Errorf("GET /rss.xml = %s, want the feed without the deleted article", body)
				}
				was, _ := http.ParseTime(lastMod)
				if now, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil || !now.After(was) {
					t.Errorf("%s /rss.xml Last-Modified = %q, want one after %s", method, resp.Header.Get("Last-Modified"), lastMod)
				}
			}
			// The old article's page did not change: it keeps its time, and
			// If-Modified-Since with it still answers 304.
			page, _ := b.Lookup("articles/old/")
			if resp := serve(t, s, http.MethodGet, "/articles/old/", "If-Modified-Since", lastMod); resp.StatusCode != http.StatusNotModified || page.ModTime.After(clock.t.Add(-30*time.Second)) {
				t.Errorf("GET /articles/old/ If-Modified-Since %s = %d (page dated %v), want 304: its bytes did not change", lastMod, resp.StatusCode, page.ModTime)
			}
		})
	}
}

// TestLastModifiedWithinOneSecond: a feed that changes twice within one
// second is dated a second after its last time, so the reader holding the
// first version is not told the second is not modified; while that time is
// ahead of the clock, no Last-Modified is sent (it would be later than
// Date) and If-None-Match still works.
func TestLastModifiedWithinOneSecond(t *testing.T) {
	arts := loadArticles(t, txtarFS(t, fixturesTree), testOptions())
	for _, tc := range []struct {
		name  string
		at    time.Time // the second both changes fall in
		ahead bool      // the time of the second change is ahead of the real clock
	}{
		{"an hour ago", time.Now().Add(-time.Hour).Truncate(time.Second), false},
		{"in an hour", time.Now().Add(time.Hour).Truncate(time.Second), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := &testClock{tc.at.Add(-time.Hour)}
			bl := builderAt(t, testSite(), clock)
			first, err := bl.Build(arts)
			if err != nil {
				t.Fatal(err)
			}
			clock.t = tc.at.Add(400 * time.Millisecond)
			b1, err := bl.Build(arts[1:]) // the newest deleted
			if err != nil {
				t.Fatal(err)
			}
			clock.t = tc.at.Add(700 * time.Millisecond)
			b2, err := bl.Build(arts) // back: the bytes of the first build
			if err != nil {
				t.Fatal(err)
			}
			f0, _ := first.Lookup(RSSName)
			f1, _ := b1.Lookup(RSSName)
			f2, _ := b2.Lookup(RSSName)
			if f2.ETag != f0.ETag || !f1.ModTime.Equal(tc.at) || !f2.ModTime.Equal(tc.at.Add(time.Second)) {
				t.Fatalf("RSS dated %v, then %v and %v within the second %v; want the last (the first's bytes again) a second after the one before", f0.ModTime, f1.ModTime, f2.ModTime, tc.at)
			}
			s := NewServer(ServerConfig{})
			s.Swap(b2)
			ims := f1.ModTime.UTC().Format(http.TimeFormat)
			resp := serve(t, s, http.MethodGet, "/rss.xml", "If-Modified-Since", ims)
			lm := resp.Header.Get("Last-Modified")
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET /rss.xml If-Modified-Since %s (the version before) = %d, want 200", ims, resp.StatusCode)
			}
			if tc.ahead != (lm == "") {
				t.Errorf("GET /rss.xml with the file dated %v: Last-Modified %q; want one only when not ahead of the clock", f2.ModTime, lm)
			}
			if lm != "" {
				sent, _ := http.ParseTime(lm)
				if sent.After(time.Now()) {
					t.Errorf("Last-Modified %s is later than now", lm)
				}
			}
			if resp := serve(t, s, http.MethodGet, "/rss.xml", "If-None-Match", f2.ETag); resp.StatusCode != http.StatusNotModified {
				t.Errorf("GET /rss.xml If-None-Match its ETag = %d, want 304", resp.StatusCode)
			}
		})
	}
}

// TestReadSaved: ReadSaved takes the record and leaves one marked Taken in
// its place (so that a crash before the next save is seen at the next
// start); a Builder restoring a Taken record, or an unreadable one, dates
// every document after the time it restored it; a clean save restores the
// times.
func TestReadSaved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db.feeds")
	if sv := ReadSaved(path); sv != nil {
		t.Fatalf("ReadSaved(missing) = %+v, want nil", sv)
	}
	if sv := ReadSaved(path); sv == nil || !sv.Taken {
		t.Fatalf("ReadSaved after a start that never saved = %+v, want a record marked Taken", sv)
	}

	arts := exampleArticles(t)
	clock := &testClock{time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	bl := builderAt(t, exampleSite(), clock)
	first, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteSaved(path, bl.Save()); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, savedTempPattern(path))); len(m) != 0 {
		t.Errorf("WriteSaved left temporary files %v", m)
	}
	clock.add(time.Hour)
	sv := ReadSaved(path)
	nb := builderAt(t, exampleSite(), clock)
	if sv == nil || sv.Taken || !nb.Restore(sv) {
		t.Fatalf("ReadSaved after a clean save = %+v, want the record, restorable", sv)
	}
	again, err := nb.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range servedDocs(first) {
		if got := servedDocs(again)[p]; got != want {
			t.Errorf("%s after a restart = %+v, want %+v as before", p, got, want)
		}
	}

	for name, write := range map[string]func(){
		"taken":      func() {},
		"unreadable": func() { os.WriteFile(path, []byte("not a gob stream"), 0o644) },
	} {
		write()
		sv := ReadSaved(path)
		if sv == nil || !sv.Taken {
			t.Fatalf("ReadSaved(%s) = %+v, want a record marked Taken", name, sv)
		}
		nb := builderAt(t, exampleSite(), clock)
		if nb.Restore(sv) {
			t.Errorf("Restore(%s) = true, want nothing restored", name)
		}
		b, err := nb.Build(arts)
		if err != nil {
			t.Fatal(err)
		}
		for p, d := range servedDocs(b) {
			if !d.mod.After(clock.t) {
				t.Errorf("%s after restoring a %s record dated %v, want after %v", p, name, d.mod, clock.t)
			}
		}
	}
}

// TestAssetValidators: a media file replaced by other bytes of the same
// size and modification time (cp -p, rsync -a) gets another ETag, and a
// Last-Modified sent for the old bytes does not make the new ones 304.
func TestAssetValidators(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "news", "img", "lead.png")
	if err := os.MkdirAll(filepath.Dir(img), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "news", "post.md"), []byte("---\ntitle: Pictures\ndate: 2026-02-01T10:00:00Z\nimage: img/lead.png\n---\nText.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	write := func(data string) {
		t.Helper()
		if err := os.WriteFile(img, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(img, old, old); err != nil {
			t.Fatal(err)
		}
	}
	write("first bytes")
	fsys := os.DirFS(dir)
	if fi, err := os.Stat(img); err != nil || statusChangeTime(fi).IsZero() {
		t.Skip("this system does not give a file's status change time")
	}
	bl := builderAt(t, testSite(), &testClock{time.Now().Add(-time.Hour)})
	bl.SetSource(fsys)
	b, err := bl.Build(loadArticles(t, fsys, testOptions()))
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(ServerConfig{})
	s.Swap(b)
	const url = "/articles/news/post/img/lead.png"
	// The file changed within the current second: Last-Modified comes once
	// that second is over (by a margin).
	var first *http.Response
	deadline := time.Now().Add(10 * time.Second)
	for first = serve(t, s, http.MethodGet, url); first.Header.Get("Last-Modified") == ""; first = serve(t, s, http.MethodGet, url) {
		if time.Now().After(deadline) {
			t.Fatal("no Last-Modified for a file changed seconds ago")
		}
		time.Sleep(50 * time.Millisecond)
	}
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if body := readBody(t, first); first.StatusCode != http.StatusOK || string(body) != "first bytes" {
		t.Fatalf("GET %s = %d %q", url, first.StatusCode, body)
	}
	if resp := serve(t, s, http.MethodGet, url, "If-Modified-Since", lastMod); resp.StatusCode != http.StatusNotModified {
		t.Errorf("GET %s If-Modified-Since its Last-Modified = %d, want 304", url, resp.StatusCode)
	}
	if lm, _ := http.ParseTime(lastMod); !lm.After(old) {
		t.Errorf("Last-Modified %s, want the status change time, after the modification time %v", lastMod, old)
	}

	write("other bytes") // the same size and modification time
	for _, h := range [][]string{{"If-None-Match", etag}, {"If-Modified-Since", lastMod}} {
		resp := serve(t, s, http.MethodGet, url, h...)
		if body := readBody(t, resp); resp.StatusCode != http.StatusOK || string(body) != "other bytes" {
			t.Errorf("GET %s %s after the bytes changed = %d %q, want 200 with the new bytes", url, h, resp.StatusCode, body)
		}
		if lm := resp.Header.Get("Last-Modified"); lm != "" {
			if sent, _ := http.ParseTime(lm); !sent.After(mustParseTime(t, lastMod)) {
				t.Errorf("GET %s after the bytes changed: Last-Modified %s, want after %s", url, lm, lastMod)
			}
		}
		if resp.Header.Get("ETag") == etag {
			t.Errorf("GET %s after the bytes changed: the same ETag %s", url, etag)
		}
	}
}

func mustParseTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestServeFileUnknownTime: a file without a time (an article page rendered
// with a stand-in for a body that could not be read) has no Last-Modified,
// and If-Modified-Since does not make it 304; If-None-Match does.
func TestServeFileUnknownTime(t *testing.T) {
	f := newFile("x.html", TypeHTML, []byte("<p>x</p>"), time.Time{})
	for _, tc := range []struct {
		header []string
		want   int
	}{
		{[]string{"If-Modified-Since", time.Now().UTC().Format(http.TimeFormat)}, http.StatusOK},
		{[]string{"If-None-Match", f.ETag}, http.StatusNotModified},
	} {
		r := httptest.NewRequest(http.MethodGet, "/x.html", nil)
		r.Header.Set(tc.header[0], tc.header[1])
		rec := httptest.NewRecorder()
		NewServer(ServerConfig{}).serveFile(rec, r, f)
		if rec.Code != tc.want || rec.Header().Get("Last-Modified") != "" {
			t.Errorf("GET %q = %d Last-Modified %q, want %d and none", tc.header, rec.Code, rec.Header().Get("Last-Modified"), tc.want)
		}
	}
}
