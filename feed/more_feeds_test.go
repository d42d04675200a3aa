package feed

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

const tagTree = `
-- a.md --
---
title: First tagged
date: 2026-01-01T10:00:00Z
tags: [Town Hall, "Q&A"]
---
Body A.
-- city/b.md --
---
title: Second tagged
date: 2026-01-02T10:00:00Z
tags: [town hall, Parks/Gardens]
---
Body B.
-- city/c.txt --
Third, untagged
Date: 2026-01-03T10:00:00Z

Body C.
`

// TestTagFeeds: each tag has three feeds under tags/<slug>/; tags that differ
// only in case share one; each feed holds exactly its articles and names its
// own self URL; the index page links them with autodiscovery tags.
func TestTagFeeds(t *testing.T) {
	site := testSite()
	site.NoTagFeeds = false
	site.Sections = []string{"city"}
	b := buildTxtar(t, site, tagTree)
	cases := []struct {
		dir    string
		titles []string
	}{
		{"tags/town-hall/", []string{"Second tagged", "First tagged"}},
		{"tags/q&a/", []string{"First tagged"}},
		{"tags/parks-gardens/", []string{"Second tagged"}},
		{"sections/city/", []string{"Third, untagged", "Second tagged"}},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			for _, name := range []string{RSSName, AtomName, JSONName} {
				f, ok := b.Lookup(tc.dir + name)
				if !ok {
					t.Fatalf("Lookup(%s%s) found nothing", tc.dir, name)
				}
				body := string(f.Body)
				for _, title := range tc.titles {
					if !strings.Contains(body, title) {
						t.Errorf("%s%s lacks %q", tc.dir, name, title)
					}
				}
				if n := strings.Count(body, "tag:news.example.com,2026:"); n != len(tc.titles) {
					t.Errorf("%s%s has %d item ids, want %d", tc.dir, name, n, len(tc.titles))
				}
				self := "https://news.example.com/" + tc.dir + name
				if name != JSONName {
					self = strings.ReplaceAll(self, "&", "&amp;")
				}
				if !strings.Contains(body, self) {
					t.Errorf("%s%s does not name its self URL %s", tc.dir, name, self)
				}
			}
		})
	}
	if _, ok := b.Lookup("tags/Town Hall/rss.xml"); ok {
		t.Errorf("a tag feed exists under the tag's mixed-case spelling; want one lowercase slug")
	}
	idx := string(b.files[IndexName].Body)
	for _, want := range []string{`href="https://news.example.com/tags/town-hall/rss.xml"`, `href="https://news.example.com/sections/city/atom.xml"`, `type="application/feed+json" title="Fixture Times: Q&amp;A (JSON Feed)"`} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %s", want)
		}
	}
}

// TestRetain: past max_items, the feed keeps every article published within
// Retain of the newest. (Without archives: with them, the current feed holds
// whole archive pages less, and nothing leaves the chain; TestArchiveLayout.)
func TestRetain(t *testing.T) {
	var tree strings.Builder
	base := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i := range 6 {
		// five articles within one hour, one two days earlier
		d := base.Add(-time.Duration(i) * 10 * time.Minute)
		if i == 5 {
			d = base.Add(-48 * time.Hour)
		}
		tree.WriteString("-- a" + string(rune('0'+i)) + ".md --\n---\ntitle: Burst " + string(rune('0'+i)) + "\ndate: " + d.Format(time.RFC3339) + "\n---\nBody.\n")
	}
	cases := []struct {
		name   string
		retain time.Duration
		want   int
	}{
		{"no retain", 0, 2},
		{"retain 24h", 24 * time.Hour, 5},
		{"retain a week", 7 * 24 * time.Hour, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site := testSite()
			site.MaxItems, site.Retain, site.NoArchives = 2, tc.retain, true
			b := buildTxtar(t, site, tree.String())
			if got := strings.Count(string(feedBody(t, b, RSSName)), "<item>"); got != tc.want {
				t.Fatalf("rss.xml with MaxItems 2, Retain %s has %d items, want %d", tc.retain, got, tc.want)
			}
		})
	}
}

// TestSummaryOnly: a summary-only site carries no full content, and an
// article's full_content wins over the site's choice.
func TestSummaryOnly(t *testing.T) {
	site := testSite()
	site.SummaryOnly = true
	arts := loadArticles(t, txtarFS(t, `
-- a.md --
---
title: Summary only
date: 2026-01-01T10:00:00Z
summary: The short version.
---
The long version of the text.
`), testOptions())
	b := mustBuild(t, site, arts)
	for _, name := range []string{RSSName, AtomName, JSONName} {
		body := string(feedBody(t, b, name))
		if strings.Contains(body, "long version") || !strings.Contains(body, "short version") {
			t.Errorf("%s of a summary-only site: full content present or summary missing", name)
		}
	}
	full := true
	a := *arts[0]
	a.FullContent = &full
	b = mustBuild(t, site, []*content.Article{&a})
	for _, name := range []string{RSSName, AtomName, JSONName} {
		if !strings.Contains(string(feedBody(t, b, name)), "long version") {
			t.Errorf("%s: the article's full_content: true did not win over the site", name)
		}
	}
}

// TestHubIconAliases: a WebSub hub appears in all three feeds and in a Link
// header; icon and logo are absolute; aliases redirect with 301.
func TestHubIconAliases(t *testing.T) {
	site := testSite()
	site.Hub = "https://hub.example.net/"
	site.Icon, site.Logo = "icon.png", "https://cdn.example.net/logo.png"
	site.Aliases = map[string]string{"index.xml": RSSName, "feed/": AtomName}
	s, _ := newTestServer(t, site, ServerConfig{})
	checks := map[string][]string{
		RSSName:  {`<atom:link href="https://hub.example.net/" rel="hub">`, `<url>https://cdn.example.net/logo.png</url>`},
		AtomName: {`<link href="https://hub.example.net/" rel="hub">`, `<icon>https://news.example.com/icon.png</icon>`, `<logo>https://cdn.example.net/logo.png</logo>`},
		JSONName: {`"hubs": [`, `"type": "WebSub"`, `"favicon": "https://news.example.com/icon.png"`},
	}
	for name, wants := range checks {
		resp := serve(t, s, http.MethodGet, "/"+name)
		body := string(readBody(t, resp))
		for _, w := range wants {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
		link := resp.Header.Get("Link")
		if !strings.Contains(link, `<https://hub.example.net/>; rel="hub"`) || !strings.Contains(link, `<https://news.example.com/`+name+`>; rel="self"`) {
			t.Errorf("GET /%s Link header = %q, want hub and self", name, link)
		}
	}
	for from, to := range map[string]string{"/index.xml": "/rss.xml", "/feed/": "/atom.xml"} {
		resp := serve(t, s, http.MethodGet, from)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != to {
			t.Errorf("GET %s = %d Location %q, want 301 to %s", from, resp.StatusCode, resp.Header.Get("Location"), to)
		}
	}
	var jf struct {
		Hubs []struct{ Type, URL string } `json:"hubs"`
	}
	if err := json.Unmarshal(readBody(t, serve(t, s, http.MethodGet, "/feed.json")), &jf); err != nil || len(jf.Hubs) != 1 {
		t.Errorf("feed.json hubs = %+v (%v), want one", jf.Hubs, err)
	}
}

// TestBuilderReuses: after one article changes, a Builder re-renders only
// the feed sets that hold it; the others are the very same files.
func TestBuilderReuses(t *testing.T) {
	site := testSite()
	site.NoTagFeeds = false
	arts := loadArticles(t, txtarFS(t, tagTree), testOptions())
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	b1, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	// Edit a.md (tags Town Hall, Q&A): its tag feeds and the main feeds change.
	edited := loadArticles(t, txtarFS(t, strings.Replace(tagTree, "Body A.", "Body A, edited.", 1)), testOptions())
	b2, err := bl.Build(edited)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		same bool
	}{
		{"tags/parks-gardens/rss.xml", true},
		{"tags/town-hall/rss.xml", false},
		{"tags/q&a/atom.xml", false},
		{"rss.xml", false},
	} {
		f1, _ := b1.Lookup(tc.path)
		f2, _ := b2.Lookup(tc.path)
		if (f1 == f2) != tc.same {
			t.Errorf("%s reused = %v, want %v", tc.path, f1 == f2, tc.same)
		}
	}
	// The bytes equal a fresh build's either way.
	fresh := mustBuild(t, site, edited)
	for _, f := range fresh.Feeds() {
		g, ok := b2.Lookup(f.Path)
		if !ok || string(g.Body) != string(f.Body) {
			t.Errorf("%s from the reusing Builder differs from a fresh build", f.Path)
		}
	}
}
