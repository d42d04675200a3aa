package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/mmcdole/gofeed"
)

// readerItem is what a reader takes from one feed item, for comparing the
// three formats.
type readerItem struct {
	ID, Title, Link    string
	Published, Updated int64 // Unix seconds; 0: none
	Authors, Tags      []string
}

func (it readerItem) String() string {
	return fmt.Sprintf("id %q title %q link %q published %d updated %d authors %q tags %q",
		it.ID, it.Title, it.Link, it.Published, it.Updated, it.Authors, it.Tags)
}

// sameItems fails unless two formats' items agree, item by item, on id,
// title, link, published time, authors and tags, and on the updated time
// unless name is RSS, which has none.
func sameItems(t *testing.T, reader, name string, got, want []readerItem, wantName string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %s has %d items, %s %d", reader, name, len(got), wantName, len(want))
	}
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		same := g.ID == w.ID && g.Title == w.Title && g.Link == w.Link && g.Published == w.Published &&
			slices.Equal(g.Authors, w.Authors) && slices.Equal(g.Tags, w.Tags) &&
			(name == "rss.xml" || g.Updated == w.Updated)
		if !same {
			if bad++; bad <= 5 {
				t.Errorf("%s: item %d\n%s: %s\n%s: %s", reader, i, name, g, wantName, w)
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d items of %s differ from %s", reader, bad, name, wantName)
	}
}

// decodeJSONFeed decodes a JSON Feed as a reader does: it is JSON, with
// nothing to interpret.
func decodeJSONFeed(t *testing.T, body []byte) []readerItem {
	t.Helper()
	var f struct {
		Items []struct {
			ID        string `json:"id"`
			Title     string `json:"title"`
			URL       string `json:"url"`
			Published string `json:"date_published"`
			Modified  string `json:"date_modified"`
			Authors   []struct {
				Name string `json:"name"`
			} `json:"authors"`
			Tags []string `json:"tags"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("decode feed.json: %v", err)
	}
	out := make([]readerItem, len(f.Items))
	for i, it := range f.Items {
		out[i] = readerItem{ID: it.ID, Title: it.Title, Link: it.URL, Published: unixOf(t, it.Published), Updated: unixOf(t, it.Modified), Tags: it.Tags}
		for _, a := range it.Authors {
			out[i].Authors = append(out[i].Authors, a.Name)
		}
	}
	return out
}

func unixOf(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse time %q: %v", s, err)
	}
	return tm.Unix()
}

// gofeedItems parses a feed with gofeed.
func gofeedItems(t *testing.T, name string, body []byte) []readerItem {
	t.Helper()
	f, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		t.Fatalf("gofeed: parse %s: %v", name, err)
	}
	out := make([]readerItem, len(f.Items))
	for i, it := range f.Items {
		r := readerItem{ID: it.GUID, Title: it.Title, Link: it.Link, Tags: it.Categories}
		if it.PublishedParsed != nil {
			r.Published = it.PublishedParsed.Unix()
		}
		if it.UpdatedParsed != nil {
			r.Updated = it.UpdatedParsed.Unix()
		}
		for _, a := range it.Authors {
			r.Authors = append(r.Authors, a.Name)
		}
		if it.DublinCoreExt != nil && len(it.DublinCoreExt.Creator) > 0 {
			r.Authors = it.DublinCoreExt.Creator // gofeed's Authors keep only the first dc:creator
		}
		out[i] = r
	}
	return out
}

// feedparserItemsScript prints, as JSON, what Python's feedparser takes from
// each item of a feed file.
const feedparserItemsScript = `
import calendar, json, sys, feedparser
d = feedparser.parse(sys.argv[1])
def ts(t):
    return calendar.timegm(t) if t else 0
print(json.dumps({"bozo": bool(d.bozo), "bozo_exception": str(d.get("bozo_exception", "")), "items": [{
    "ID": e.get("id", ""), "Title": e.get("title", ""), "Link": e.get("link", ""),
    "Published": ts(e.get("published_parsed")), "Updated": ts(e.get("updated_parsed")),
    "Authors": [a.get("name", "") for a in e.get("authors", [])] or None,
    "Tags": [x.get("term", "") for x in e.get("tags", [])] or None,
} for e in d.entries]}))
`

// feedparserItems parses a feed file with Python's feedparser.
func feedparserItems(t *testing.T, py, name, path string) []readerItem {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), py, "-c", feedparserItemsScript, path).Output()
	if err != nil {
		t.Fatalf("feedparser %s: %v", name, err)
	}
	var f struct {
		Bozo          bool   `json:"bozo"`
		BozoException string `json:"bozo_exception"`
		Items         []readerItem
	}
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatalf("decode feedparser output for %s: %v", name, err)
	}
	if f.Bozo {
		t.Errorf("feedparser: %s is not well-formed: %s", name, f.BozoException)
	}
	return f.Items
}

// TestCrossFormatCorpus builds a generated corpus of 2,000 articles (the
// corpus package's, whose titles have "&", "<", ">", straight and curly
// quotes and apostrophes) with every item in each feed, and parses the three
// feeds as readers do: with gofeed (RSS, Atom and JSON Feed) and with
// Python's feedparser (RSS and Atom; it does not read JSON Feed, which is
// JSON with nothing to interpret, so it is decoded as such). For every item,
// every format must give the same id, title, link, published time, authors
// and categories, and Atom and JSON the same updated time.
func TestCrossFormatCorpus(t *testing.T) {
	t.Parallel()
	w := t.TempDir()
	dir, out := filepath.Join(w, "content"), filepath.Join(w, "out")
	opt := corpus.DefaultOptions()
	opt.N = 2000
	if _, err := corpus.Write(t.Context(), dir, opt, 0); err != nil {
		t.Fatal(err)
	}
	// Summary-only feeds: what is compared does not come from the bodies,
	// which would only make the feeds five times larger and slower to parse.
	// No archives: every item in one document of each format.
	cfg := filepath.Join(w, "dropfeed.yaml")
	if err := os.WriteFile(cfg, []byte("full_content: false\narchives: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, "build", "-config", cfg, "-content", dir, "-out", out, "-base-url", "https://news.example.com/", "-max-items", "0", "-pages=false"); code != 0 {
		t.Fatalf("build exit %d:\n%s", code, tail(stderr, 10))
	}
	bodies := make(map[string][]byte)
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		bodies[name] = b
	}
	ref := decodeJSONFeed(t, bodies["feed.json"])
	if len(ref) < 1900 {
		t.Fatalf("feed.json has %d items, want every published article of the 2,000", len(ref))
	}
	if slices.ContainsFunc(ref, func(it readerItem) bool { return it.Published == 0 || it.Updated == 0 }) {
		t.Fatal("feed.json has items without date_published or date_modified")
	}
	for _, c := range []string{"&", "<", ">", `"`, "'", "’", "“"} {
		if !slices.ContainsFunc(ref, func(it readerItem) bool { return strings.Contains(it.Title, c) }) {
			t.Errorf("no title holds %q: the corpus does not test it", c)
		}
	}

	t.Run("gofeed", func(t *testing.T) {
		fromJSON := gofeedItems(t, "feed.json", bodies["feed.json"])
		sameItems(t, "gofeed", "feed.json", fromJSON, ref, "the JSON")
		for _, name := range []string{"rss.xml", "atom.xml"} {
			sameItems(t, "gofeed", name, gofeedItems(t, name, bodies[name]), fromJSON, "feed.json")
		}
	})
	t.Run("feedparser", func(t *testing.T) {
		py := requireFeedparser(t)
		for _, name := range []string{"rss.xml", "atom.xml"} {
			sameItems(t, "feedparser", name, feedparserItems(t, py, name, filepath.Join(out, name)), ref, "feed.json")
		}
	})
}
