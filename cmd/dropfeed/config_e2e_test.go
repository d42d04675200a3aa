package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// keyCase exercises config file keys end to end: the real binary reads a
// dropfeed.yaml that sets them, and check looks for each key's effect in
// what it writes or serves. Unless noContrast is set, the same run without
// the keys' lines must lack the effect, so the check cannot pass for
// another reason.
type keyCase struct {
	keys  []string          // the keys the case is about
	yaml  string            // their lines
	extra string            // lines of other keys the case needs, kept in the contrast run
	files map[string]string // files beside the config file (articles/ is the content folder)
	serve bool              // run serve (else build)
	check func(r *keyRun) error
	// noContrast: the effect cannot be shown absent without the keys
	// (no free port is known for a default address; a window is only
	// bounded below).
	noContrast bool
	// env, when set, gives the environment the binary runs with.
	env func(t *testing.T) []string
}

// keyCommon are the lines every case's config starts with, unless the case
// sets the key itself.
var keyCommon = []string{
	"title: Keys",
	"base_url: https://keys.example.test/",
	"content: articles",
	"out: public",
	"state: state/state.db",
	"addr: 127.0.0.1:0",
}

// keyBase is the base URL of keyCommon.
const keyBase = "https://keys.example.test/"

// keyArticle is an article with a title, a date and a body.
func keyArticle(title, date, body string) string {
	return fmt.Sprintf("---\ntitle: %s\ndate: %s\ntags: [x]\n---\n%s\n", title, date, body)
}

// keyRun is one run of the binary with a case's config.
type keyRun struct {
	t      *testing.T
	dir    string // the config file's folder
	code   int    // build's exit code
	stderr string // build's diagnostics
	d      *daemonProc
	client *http.Client
}

// get returns a served path (serve, redirects not followed) or the file of
// the static output (build: 404 when it is missing).
func (r *keyRun) get(p string) (int, http.Header, string) {
	r.t.Helper()
	if r.d == nil {
		b, err := os.ReadFile(filepath.Join(r.dir, "public", filepath.FromSlash(p)))
		if errors.Is(err, os.ErrNotExist) {
			return http.StatusNotFound, nil, ""
		}
		if err != nil {
			r.t.Fatal(err)
		}
		return http.StatusOK, nil, string(b)
	}
	resp, err := r.client.Get(r.d.base + p)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// jsonFeed is what the checks read of a feed.json.
type jsonFeed struct {
	Title, Description string
	FeedURL            string `json:"feed_url"`
	Items              []struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		ContentHTML string `json:"content_html"`
		ContentText string `json:"content_text"`
		Published   string `json:"date_published"`
	} `json:"items"`
}

// feed returns the decoded feed.json (or the one under prefix), or an
// error saying why there is none.
func (r *keyRun) feed(prefix string) (jsonFeed, error) {
	r.t.Helper()
	var f jsonFeed
	if r.d == nil && r.code != 0 {
		return f, fmt.Errorf("build exit %d:\n%s", r.code, r.stderr)
	}
	code, _, body := r.get(prefix + "feed.json")
	if code != http.StatusOK {
		return f, fmt.Errorf("%sfeed.json: %d", prefix, code)
	}
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		r.t.Fatalf("%sfeed.json: %v", prefix, err)
	}
	return f, nil
}

// titles returns the item titles of the main feed.json.
func (r *keyRun) titles() ([]string, error) {
	f, err := r.feed("")
	var out []string
	for _, it := range f.Items {
		out = append(out, it.Title)
	}
	return out, err
}

// contains checks that a file (or served path) holds every one of want.
func (r *keyRun) contains(p string, want ...string) error {
	if r.d == nil && r.code != 0 {
		return fmt.Errorf("build exit %d:\n%s", r.code, r.stderr)
	}
	code, _, body := r.get(p)
	for _, w := range want {
		if code != http.StatusOK || !strings.Contains(body, w) {
			return fmt.Errorf("%s (%d) lacks %q:\n%s", p, code, w, body)
		}
	}
	return nil
}

// tooLarge checks that only Alpha was published, and that the build
// reported (with report) a file over the limit of 1000 bytes.
func (r *keyRun) tooLarge(report string) error {
	if err := r.wantTitles("Alpha"); err != nil {
		return err
	}
	if !strings.Contains(r.stderr, report) || !strings.Contains(r.stderr, "limit 1000") {
		return fmt.Errorf("build did not report %q, limit 1000:\n%s", report, r.stderr)
	}
	return nil
}

// wantTitles checks the main feed's titles.
func (r *keyRun) wantTitles(want ...string) error {
	got, err := r.titles()
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("titles %q, want %q", got, want)
	}
	return nil
}

func keyCases() []keyCase {
	a := map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "First paragraph.\n\nSecond paragraph, only in the full content.")}
	two := map[string]string{
		"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A."),
		"articles/b.md": keyArticle("Beta", "2026-03-02T10:00:00Z", "B."),
	}
	three := map[string]string{"articles/c.md": keyArticle("Gamma", "2026-03-03T10:00:00Z", "C.")}
	maps.Copy(three, two)
	big := make(map[string]string)
	for i := range 4 {
		big[fmt.Sprintf("articles/%d.md", i)] = keyArticle(fmt.Sprintf("Big %d", i), fmt.Sprintf("2026-03-0%dT10:00:00Z", i+1), strings.Repeat("A long paragraph. ", 80))
	}
	return append([]keyCase{
		{keys: []string{"title"}, yaml: "title: The Key Gazette", files: a,
			check: func(r *keyRun) error { return r.contains("rss.xml", "<title>The Key Gazette</title>") }},
		{keys: []string{"description"}, yaml: "description: News about keys", files: a,
			check: func(r *keyRun) error { return r.contains("rss.xml", "<description>News about keys</description>") }},
		{keys: []string{"base_url"}, yaml: "base_url: https://other.example.test/news/", files: a,
			check: func(r *keyRun) error {
				return r.contains("feed.json", `"feed_url": "https://other.example.test/news/feed.json"`, `"url": "https://other.example.test/news/articles/a/"`)
			}},
		{keys: []string{"author"}, yaml: "author: Key Desk", files: a,
			check: func(r *keyRun) error { return r.contains("atom.xml", "<author>\n    <name>Key Desk</name>") }},
		{keys: []string{"language"}, yaml: "language: de-CH", files: a,
			check: func(r *keyRun) error { return r.contains("rss.xml", "<language>de-CH</language>") }},
		{keys: []string{"time_zone"}, yaml: "time_zone: Asia/Tokyo",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01 10:00", "A.")},
			check: func(r *keyRun) error {
				f, err := r.feed("")
				if err == nil && (len(f.Items) != 1 || f.Items[0].Published != "2026-03-01T01:00:00Z") {
					err = fmt.Errorf("10:00 without a zone published as %+v, want 2026-03-01T01:00:00Z (Tokyo)", f.Items)
				}
				return err
			}},
		{keys: []string{"max_items"}, yaml: "max_items: 1", extra: "archives: false", files: two,
			check: func(r *keyRun) error { return r.wantTitles("Beta") }},
		{keys: []string{"archives"}, yaml: "archives: false", extra: "max_items: 1", files: three,
			check: func(r *keyRun) error {
				if err := r.wantTitles("Gamma"); err != nil {
					return err
				}
				if code, _, _ := r.get("archive/1/feed.json"); code != http.StatusNotFound {
					return fmt.Errorf("archive/1/feed.json: %d, want no archive (404)", code)
				}
				if _, _, body := r.get("rss.xml"); strings.Contains(body, "prev-archive") {
					return fmt.Errorf("rss.xml links an archive")
				}
				return nil
			}},
		{keys: []string{"max_feed_bytes"}, yaml: "max_feed_bytes: 4000", extra: "max_items: 0", files: big,
			check: func(r *keyRun) error {
				if err := r.contains("rss.xml", `rel="prev-archive"`); err != nil {
					return err
				}
				return r.contains("archive/1/rss.xml", "<fh:archive></fh:archive>", `rel="current"`)
			}},
		{keys: []string{"retain"}, yaml: "retain: 36h", extra: "max_items: 1\narchives: false", files: two,
			check: func(r *keyRun) error { return r.wantTitles("Beta", "Alpha") }},
		{keys: []string{"id_authority", "id_date"}, yaml: "id_authority: ids.example.org\nid_date: \"2019-07\"", files: a,
			check: func(r *keyRun) error {
				f, err := r.feed("")
				if err == nil && (len(f.Items) != 1 || f.Items[0].ID != "tag:ids.example.org,2019-07:a") {
					err = fmt.Errorf("items %+v, want the id tag:ids.example.org,2019-07:a", f.Items)
				}
				return err
			}},
		{keys: []string{"ignore"}, yaml: "ignore: [\"drafts/*\"]",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A."), "articles/drafts/d.md": keyArticle("Draft", "2026-03-02T10:00:00Z", "D.")},
			check: func(r *keyRun) error { return r.wantTitles("Alpha") }},
		{keys: []string{"content"}, yaml: "content: elsewhere",
			files: map[string]string{"elsewhere/e.md": keyArticle("Elsewhere", "2026-03-01T10:00:00Z", "E.")},
			check: func(r *keyRun) error { return r.wantTitles("Elsewhere") }},
		{keys: []string{"out"}, yaml: "out: site/www", files: a,
			check: func(r *keyRun) error {
				b, err := os.ReadFile(filepath.Join(r.dir, "site", "www", "rss.xml"))
				if err == nil && !strings.Contains(string(b), "Alpha") {
					err = fmt.Errorf("site/www/rss.xml lacks the article:\n%s", b)
				}
				return err
			}},
		{keys: []string{"state"}, yaml: "state: kept/ids.db", files: a,
			check: func(r *keyRun) error {
				_, err := os.Stat(filepath.Join(r.dir, "kept", "ids.db"))
				return err
			}},
		{keys: []string{"unsafe_html"}, yaml: "unsafe_html: true",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "Text.\n\n<aside class=\"raw\">kept raw</aside>")},
			check: func(r *keyRun) error {
				f, err := r.feed("")
				if err == nil && (len(f.Items) != 1 || !strings.Contains(f.Items[0].ContentHTML, `<aside class="raw">kept raw</aside>`)) {
					err = fmt.Errorf("items %+v, want the raw HTML kept", f.Items)
				}
				return err
			}},
		{keys: []string{"full_content"}, yaml: "full_content: false", files: a,
			check: func(r *keyRun) error {
				f, err := r.feed("")
				if err == nil && (len(f.Items) != 1 || f.Items[0].ContentText != "First paragraph." || f.Items[0].ContentHTML != "") {
					err = fmt.Errorf("items %+v, want the summary alone, as text", f.Items)
				}
				return err
			}},
		{keys: []string{"tag_feeds"}, yaml: "tag_feeds: false", files: a,
			check: func(r *keyRun) error {
				if _, err := r.feed(""); err != nil {
					return err
				}
				if code, _, _ := r.get("tags/x/feed.json"); code != http.StatusNotFound {
					return fmt.Errorf("tags/x/feed.json: %d, want none", code)
				}
				return nil
			}},
		{keys: []string{"robots_txt"}, yaml: "robots_txt: false", files: a,
			check: func(r *keyRun) error {
				if code, _, _ := r.get("sitemap.xml"); code != http.StatusOK {
					return fmt.Errorf("sitemap.xml: %d, want 200", code)
				}
				if code, _, _ := r.get("robots.txt"); code != http.StatusNotFound {
					return fmt.Errorf("robots.txt: %d, want none", code)
				}
				return nil
			}},
		{keys: []string{"sections"}, yaml: "sections: [sport]",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A."), "articles/sport/s.md": keyArticle("Match", "2026-03-02T10:00:00Z", "S.")},
			check: func(r *keyRun) error {
				f, err := r.feed("sections/sport/")
				if err == nil && (len(f.Items) != 1 || f.Items[0].Title != "Match") {
					err = fmt.Errorf("sections/sport/feed.json items %+v, want the sport article alone", f.Items)
				}
				return err
			}},
		{keys: []string{"icon", "logo"}, yaml: "icon: img/icon.png\nlogo: https://cdn.example.test/logo.png", files: a,
			check: func(r *keyRun) error {
				return r.contains("atom.xml", "<icon>"+keyBase+"img/icon.png</icon>", "<logo>https://cdn.example.test/logo.png</logo>")
			}},
		{keys: []string{"hub"}, yaml: "hub: https://hub.example.test/", files: a,
			check: func(r *keyRun) error {
				return r.contains("atom.xml", `<link href="https://hub.example.test/" rel="hub">`)
			}},
		{keys: []string{"max_file_size"}, yaml: "max_file_size: 1000",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A."), "articles/big.md": keyArticle("Big", "2026-03-02T10:00:00Z", strings.Repeat("word ", 300))},
			check: func(r *keyRun) error { return r.tooLarge("big.md: error: content: file too large: ") }},
		{keys: []string{"max_markdown_size"}, yaml: "max_markdown_size: 1000",
			files: map[string]string{"articles/a.md": keyArticle("Alpha", "2026-03-01T10:00:00Z", "A."), "articles/big.md": keyArticle("Big", "2026-03-02T10:00:00Z", strings.Repeat("*word* ", 200))},
			check: func(r *keyRun) error { return r.tooLarge("error: content: file too large: Markdown body") }},
		// serve's keys.
		{keys: []string{"addr"}, yaml: "addr: 127.0.0.1:0", files: a, serve: true, noContrast: true,
			check: func(r *keyRun) error {
				u, err := url.Parse(r.d.base)
				if err == nil && (u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" || u.Port() == "8080") {
					err = fmt.Errorf("listening on %s, want 127.0.0.1 on a port the system chose", r.d.base)
				}
				return err
			}},
		{keys: []string{"cache_max_age"}, yaml: "cache_max_age: 17m", files: a, serve: true,
			check: func(r *keyRun) error {
				if _, h, _ := r.get("rss.xml"); !strings.Contains(h.Get("Cache-Control"), "max-age=1020") {
					return fmt.Errorf("Cache-Control %q, want max-age=1020", h.Get("Cache-Control"))
				}
				return nil
			}},
		{keys: []string{"aliases"}, yaml: "aliases:\n  old/feed.rss: rss.xml", files: a, serve: true,
			check: func(r *keyRun) error {
				code, h, _ := r.get("old/feed.rss")
				if code != http.StatusMovedPermanently || h.Get("Location") != "/rss.xml" {
					return fmt.Errorf("old/feed.rss: %d to %q, want 301 to /rss.xml", code, h.Get("Location"))
				}
				// The list replaces the default one.
				if code, _, _ := r.get("index.xml"); code != http.StatusNotFound {
					return fmt.Errorf("index.xml: %d, want 404", code)
				}
				return nil
			}},
		{keys: []string{"max_connections"}, yaml: "max_connections: 2", files: a, serve: true,
			check: func(r *keyRun) error {
				r.client.CloseIdleConnections()
				return connectionCap(r.t, r.d.base, 2)
			}},
		// The quiet window delays every change by at least its length; a
		// default window would not (but a slow machine could, so there
		// is no contrast run). Longer than a second, which the watcher's
		// cap on a batch's wait must follow.
		{keys: []string{"quiet"}, yaml: "quiet: 1200ms", files: a, serve: true, noContrast: true,
			check: func(r *keyRun) error {
				start := time.Now()
				writeAtomic(r.t, filepath.Join(r.dir, "articles", "n.md"), keyArticle("New", "2026-03-03T10:00:00Z", "N."))
				waitFor(r.t, 30*time.Second, "the new article", func() bool {
					got, _ := r.titles()
					return slices.Contains(got, "New")
				})
				if took := time.Since(start); took < 1200*time.Millisecond {
					return fmt.Errorf("a change was published %v after it was written, within the 1200ms quiet window", took)
				}
				return nil
			}},
	}, publishKeyCases()...)
}

// run runs the binary with the config made of lines and the case's files.
func (tc keyCase) run(t *testing.T, lines []string) *keyRun {
	t.Helper()
	dir := t.TempDir()
	for name, data := range tc.files {
		writeAtomic(t, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	writeAtomic(t, filepath.Join(dir, "dropfeed.yaml"), strings.Join(lines, "\n")+"\n")
	r := &keyRun{t: t, dir: dir, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	p := proc{dir: dir}
	if tc.env != nil {
		p.env = tc.env(t)
	}
	if tc.serve {
		r.d = p.serve(t, "-config", "dropfeed.yaml", "-v")
		r.d.waitReady()
		// The watcher's first batch (a full rescan, which changes nothing)
		// is done, so that a change the check makes starts a batch.
		waitFor(t, 30*time.Second, "the watcher's first rescan", func() bool {
			logs := r.d.Logs()
			return strings.Count(logs, "msg=rebuild ")+strings.Count(logs, `msg="no article changed"`) >= 2
		})
		t.Cleanup(r.client.CloseIdleConnections)
	} else {
		r.code, _, r.stderr = p.run(t, "build", "-config", "dropfeed.yaml")
	}
	return r
}

// keyOf returns the key a config line sets ("" for a continuation line).
func keyOf(line string) string {
	if strings.HasPrefix(line, " ") {
		return ""
	}
	k, _, _ := strings.Cut(line, ":")
	return k
}

// TestConfigFileKeys runs the binary with a config file setting each key
// of Config, and checks the key's effect on what it builds or serves; a
// run without the key shows the effect is the key's. Every key of Config
// has a case.
func TestConfigFileKeys(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{}
	for _, tc := range keyCases() {
		for _, k := range tc.keys {
			covered[k] = true
		}
		t.Run(strings.Join(tc.keys, "+"), func(t *testing.T) {
			t.Parallel()
			var common []string
			for _, l := range keyCommon {
				if !slices.Contains(tc.keys, keyOf(l)) {
					common = append(common, l)
				}
			}
			with := append(slices.Clone(common), strings.Split(tc.yaml, "\n")...)
			if tc.extra != "" {
				common = append(common, strings.Split(tc.extra, "\n")...)
				with = append(with, strings.Split(tc.extra, "\n")...)
			}
			if err := tc.check(tc.run(t, with)); err != nil {
				t.Fatalf("with %q: %v", tc.yaml, err)
			}
			if tc.noContrast {
				return
			}
			if err := tc.check(tc.run(t, common)); err == nil {
				t.Fatalf("without %q the effect is there too: the check proves nothing", tc.yaml)
			}
		})
	}
	typ := reflect.TypeFor[Config]()
	for field := range typ.Fields() {
		if k := field.Tag.Get("yaml"); k != "" && !covered[k] {
			t.Errorf("the config key %s has no case here", k)
		}
	}
}
