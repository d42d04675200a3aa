package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/feed/websub"
)

// hubPing is one publish request a test hub received, and its answer.
type hubPing struct {
	url    string
	at     time.Time
	status int
}

// testHub is a WebSub hub on loopback that records every publish request,
// answering each with the next status of its script (204 once the script
// is used up).
type testHub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	pings  []hubPing
	script []int
}

func newTestHub(t *testing.T) *testHub {
	h := &testHub{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "bad publish request", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		status := http.StatusNoContent
		if len(h.script) > 0 {
			status, h.script = h.script[0], h.script[1:]
		}
		h.pings = append(h.pings, hubPing{url: r.PostForm.Get("hub.url"), at: time.Now(), status: status})
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// answer makes the next requests get these statuses.
func (h *testHub) answer(statuses ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.script = append(h.script, statuses...)
}

// since returns the requests received after the first n.
func (h *testHub) since(n int) []hubPing {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pings[n:])
}

func (h *testHub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pings)
}

// accepted returns the URLs in pings that the hub accepted (2xx), sorted.
func accepted(pings []hubPing) []string {
	var out []string
	for _, p := range pings {
		if p.status/100 == 2 {
			out = append(out, p.url)
		}
	}
	slices.Sort(out)
	return out
}

var (
	queuedRE  = regexp.MustCompile(`msg="feed changed; the hub will be told" component=websub url=(\S+)`)
	rebuildRE = regexp.MustCompile(`msg=rebuild `)
)

// hubPhase is one change made to a daemon that pings a hub: where its log
// and the hub's record stood before it.
type hubPhase struct {
	t        *testing.T
	d        *daemonProc
	hub      *testHub
	log, got int
}

func startPhase(t *testing.T, d *daemonProc, hub *testHub) hubPhase {
	return hubPhase{t: t, d: d, hub: hub, log: len(d.Logs()), got: hub.count()}
}

// logs returns what the daemon logged since the phase began.
func (p hubPhase) logs() string { return p.d.Logs()[p.log:] }

// queued waits for the phase's rebuild (or for the line logged instead),
// and returns the feed URLs the rebuild queued for the hub: the daemon logs
// them before its rebuild line.
func (p hubPhase) queued(after *regexp.Regexp) []string {
	p.t.Helper()
	waitFor(p.t, 10*time.Second, "the daemon to handle the change ("+after.String()+")", func() bool { return after.MatchString(p.logs()) })
	var out []string
	for _, m := range queuedRE.FindAllStringSubmatch(p.logs(), -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

// pinged waits until the hub has accepted a ping for every URL in want
// (all the phase's pings: the daemon pings only what it queued), and
// returns every request of the phase.
func (p hubPhase) pinged(want []string) []hubPing {
	p.t.Helper()
	waitFor(p.t, 30*time.Second, fmt.Sprintf("the hub to accept pings for %v", want), func() bool {
		got := accepted(p.hub.since(p.got))
		return !slices.ContainsFunc(want, func(u string) bool { return !slices.Contains(got, u) })
	})
	return p.hub.since(p.got)
}

// TestWebSubPublish: with a hub configured, the served feeds name it in a
// Link header, and each change that alters feeds pings the hub
// (hub.mode=publish) once for each changed feed and for no other; a change
// that alters no feed pings nothing; a ping the hub fails is logged and
// retried after a pause, until the hub accepts it.
func TestWebSubPublish(t *testing.T) {
	t.Parallel()
	hub := newTestHub(t)
	site := t.TempDir()
	writeAtomic(t, filepath.Join(site, "articles", "a.md"), "---\ntitle: Before\ndate: 2026-01-01\ntags: [x]\n---\nBody.\n")
	writeAtomic(t, filepath.Join(site, "dropfeed.yaml"), "title: Hubbed\ncontent: articles\nhub: "+hub.srv.URL+"/\n")
	d := startServe(t, "-config", filepath.Join(site, "dropfeed.yaml"), "-quiet", "20ms", "-v")
	start := hubPhase{t: t, d: d, hub: hub}
	d.waitReady()
	// The watcher's first batch (a full rescan, which changes nothing) is
	// handled before the changes below, so their log lines are theirs.
	waitFor(t, 10*time.Second, "the watcher's first rescan", func() bool {
		return strings.Count(d.Logs(), "msg=rebuild ")+strings.Count(d.Logs(), `msg="no article changed"`) >= 2
	})
	resp, _, err := d.get("rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	if link := resp.Header.Get("Link"); !strings.Contains(link, `<`+hub.srv.URL+`/>; rel="hub"`) || !strings.Contains(link, `<`+d.base+`rss.xml>; rel="self"`) {
		t.Fatalf("Link header = %q, want the hub and the feed's self URL", link)
	}
	mainFeeds := []string{d.base + "atom.xml", d.base + "feed.json", d.base + "rss.xml"}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}

	// The first build pings the three main feeds, each once.
	check("queued at start-up", start.queued(rebuildRE), mainFeeds)
	check("pinged at start-up", accepted(start.pinged(mainFeeds)), mainFeeds)

	// A new untagged article changes the main feeds, not the feeds of tag x.
	p := startPhase(t, d, hub)
	writeAtomic(t, filepath.Join(site, "articles", "b.md"), "---\ntitle: After\ndate: 2026-01-02\n---\nBody.\n")
	check("queued for a new article", p.queued(rebuildRE), mainFeeds)
	check("pinged for a new article", accepted(p.pinged(mainFeeds)), mainFeeds)

	// Nothing changed: the same bytes saved again (no rebuild), and a new
	// draft (a rebuild whose feeds are the same bytes).
	p = startPhase(t, d, hub)
	writeAtomic(t, filepath.Join(site, "articles", "b.md"), "---\ntitle: After\ndate: 2026-01-02\n---\nBody.\n")
	check("queued for the same bytes saved again", p.queued(regexp.MustCompile(`msg="no article changed"`)), nil)
	p = startPhase(t, d, hub)
	writeAtomic(t, filepath.Join(site, "articles", "c.md"), "---\ntitle: Draft\ndate: 2026-01-03\ndraft: true\n---\nBody.\n")
	check("queued for a new draft", p.queued(rebuildRE), nil)

	// The hub fails the first two pings of the next change: both are logged
	// and retried, after a pause, until the hub accepts them.
	hub.answer(http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	p = startPhase(t, d, hub)
	writeAtomic(t, filepath.Join(site, "articles", "b.md"), "---\ntitle: After, edited\ndate: 2026-01-02\n---\nBody.\n")
	check("queued for an edit", p.queued(rebuildRE), mainFeeds)
	pings := p.pinged(mainFeeds)
	check("pinged for an edit", accepted(pings), mainFeeds)
	if len(pings) != 5 {
		t.Fatalf("the hub got %d requests for the edit, want 5 (two failed, then three accepted): %+v", len(pings), pings)
	}
	for _, failed := range pings[:2] {
		i := slices.IndexFunc(pings, func(p hubPing) bool { return p.url == failed.url && p.status/100 == 2 })
		if failed.status != http.StatusServiceUnavailable || i < 0 {
			t.Fatalf("pings %+v: want the first two failed with 503, then accepted", pings)
		}
		if wait := pings[i].at.Sub(failed.at); wait < websub.DefaultRetryFirst {
			t.Errorf("%s was retried %v after it failed, want at least %v", failed.url, wait, websub.DefaultRetryFirst)
		}
		warn := fmt.Sprintf(`level=WARN msg="ping hub; will retry" component=websub url=%s attempts=1 retry_in=%s err="hub answered 503 Service Unavailable"`, failed.url, websub.DefaultRetryFirst)
		if !strings.Contains(p.logs(), warn) {
			t.Errorf("the log lacks the failed ping %s:\n%s", warn, p.logs())
		}
	}
}
