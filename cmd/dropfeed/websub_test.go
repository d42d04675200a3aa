package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWebSubPublish: with a hub configured, the served feeds name it in a
// Link header, and a change that alters the feeds pings the hub with
// hub.mode=publish for each changed feed.
func TestWebSubPublish(t *testing.T) {
	var mu sync.Mutex
	var pinged []string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("hub.mode") != "publish" {
			http.Error(w, "bad publish request", http.StatusBadRequest)
			return
		}
		mu.Lock()
		pinged = append(pinged, r.PostForm.Get("hub.url"))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hub.Close()

	site := t.TempDir()
	writeAtomic(t, filepath.Join(site, "articles", "a.md"), "---\ntitle: Before\ndate: 2026-01-01\ntags: [x]\n---\nBody.\n")
	writeAtomic(t, filepath.Join(site, "dropfeed.yaml"), "title: Hubbed\ncontent: articles\nhub: "+hub.URL+"/\n")
	d := startServe(t, "-config", filepath.Join(site, "dropfeed.yaml"), "-quiet", "20ms")
	d.waitReady()
	resp, _, err := d.get("rss.xml")
	if err != nil {
		t.Fatal(err)
	}
	if link := resp.Header.Get("Link"); !strings.Contains(link, `<`+hub.URL+`/>; rel="hub"`) || !strings.Contains(link, `<`+d.base+`rss.xml>; rel="self"`) {
		t.Fatalf("Link header = %q, want the hub and the feed's self URL", link)
	}
	// The first build pings the three main feeds; wait for those, then forget them.
	waitFor(t, 10*time.Second, "the start-up pings", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(pinged) >= 3
	})
	mu.Lock()
	pinged = nil
	mu.Unlock()

	writeAtomic(t, filepath.Join(site, "articles", "b.md"), "---\ntitle: After\ndate: 2026-01-02\n---\nBody.\n")
	want := []string{d.base + "atom.xml", d.base + "feed.json", d.base + "rss.xml"}
	waitFor(t, 10*time.Second, "the hub to be pinged for the three main feeds", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, u := range want {
			if !slices.Contains(pinged, u) {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	for _, u := range pinged {
		if strings.Contains(u, "/tags/x/") {
			t.Errorf("pinged %s, whose feed did not change", u)
		}
	}
}
