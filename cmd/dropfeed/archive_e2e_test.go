package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var prevArchiveRE = regexp.MustCompile(`<atom:link href="([^"]+)" rel="prev-archive"`)

// TestArchivesServedAndWritten runs the real binary on 13 articles with
// max_items 4: serve (which also writes the static output) and build both
// publish the archive documents, with the same bytes, and walking the
// chain from rss.xml (prev-archive) and from feed.json (next_url) reaches
// every article once. serve's start leaves the older archive pages whole
// and cuts them beside serving.
func TestArchivesServedAndWritten(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	content, out, built := filepath.Join(dir, "content"), filepath.Join(dir, "out"), filepath.Join(dir, "built")
	var want []string
	for i := range 13 {
		title := fmt.Sprintf("Story %02d", i)
		want = append(want, title)
		writeAtomic(t, filepath.Join(content, fmt.Sprintf("s%02d.md", i)),
			fmt.Sprintf("---\ntitle: %s\ndate: 2026-02-%02dT10:00:00Z\ntags: [desk]\n---\nBody %d.\n", title, i+1, i))
	}
	base := "https://news.example.test/"
	cfg := filepath.Join(dir, "dropfeed.yaml")
	writeAtomic(t, cfg, "# archives are on by default\n")
	d := startServe(t, "-config", cfg, "-content", content, "-base-url", base, "-max-items", "4", "-out", out)
	d.waitReady()
	d.waitOut()
	// The start left the older pages whole, and cut them beside serving.
	waitFor(t, 30*time.Second, "the log line of the archive pages cut", func() bool {
		return strings.Contains(d.Logs(), `msg="archive pages cut"`)
	})
	if code, _, errOut := runCLI(t, "build", "-config", cfg, "-content", content, "-base-url", base, "-max-items", "4", "-out", built); code != 0 {
		t.Fatalf("build exit %d:\n%s", code, errOut)
	}
	// get returns a served document, checking it is the same in both
	// static outputs and cacheable.
	get := func(rel string) []byte {
		t.Helper()
		resp, body, err := d.get(rel)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") {
			t.Fatalf("GET %s: %d, ETag %q, Cache-Control %q", rel, resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
		}
		for _, o := range []string{out, built} {
			b, err := os.ReadFile(filepath.Join(o, filepath.FromSlash(rel)))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, body) {
				t.Errorf("%s in %s differs from the served one", rel, filepath.Base(o))
			}
		}
		return body
	}
	for _, prefix := range []string{"", "tags/desk/"} {
		var rssTitles, jsonTitles []string
		docs := 0
		for rel := prefix + "rss.xml"; rel != ""; docs++ {
			if docs > 20 {
				t.Fatalf("%srss.xml: the chain does not end", prefix)
			}
			body := get(rel)
			for _, m := range regexp.MustCompile(`<title>(Story \d\d)</title>`).FindAllSubmatch(body, -1) {
				rssTitles = append(rssTitles, string(m[1]))
			}
			rel = ""
			if m := prevArchiveRE.FindSubmatch(body); m != nil {
				rel = strings.TrimPrefix(string(m[1]), base)
			}
		}
		if docs < 3 {
			t.Errorf("%srss.xml: a chain of %d documents, want archives", prefix, docs)
		}
		for rel := prefix + "feed.json"; rel != ""; {
			if len(jsonTitles) > 20 {
				t.Fatalf("%sfeed.json: the chain does not end", prefix)
			}
			var f struct {
				NextURL string `json:"next_url"`
				Items   []struct{ Title string }
			}
			if err := json.Unmarshal(get(rel), &f); err != nil {
				t.Fatal(err)
			}
			for _, it := range f.Items {
				jsonTitles = append(jsonTitles, it.Title)
			}
			rel = strings.TrimPrefix(f.NextURL, base)
		}
		for name, got := range map[string][]string{"rss.xml": rssTitles, "feed.json": jsonTitles} {
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s%s chain: titles %q, want each of %q once", prefix, name, got, want)
			}
		}
	}
}
