package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
)

// TestServePreload: a restart serves the feeds its last run saved, as that
// run served them (generation 0, the same bytes and ETag), from before its
// first build (previewed from the saved record's head), with 503 for an
// article page meanwhile; the first build then serves the folder as it is,
// with the file added while serve was down. A run that stops without saving
// (a crash) leaves nothing to preload.
func TestServePreload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	opt := corpus.DefaultOptions()
	opt.N = 40
	cfg := DefaultConfig()
	cfg.Content = filepath.Join(dir, "c")
	if _, err := corpus.Write(ctx, cfg.Content, opt, 0); err != nil {
		t.Fatal(err)
	}
	cfg.MaxItems = 50
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cfg.State = filepath.Join(dir, "state.db")
	const base = "https://news.example.com/"
	open := func() *daemon {
		cat, err := catalog.Open(ctx, cfg.catalogConfig(ctx, catalog.Daemon, base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cat.Close() })
		log := slog.New(slog.DiscardHandler)
		return &daemon{cfg: &cfg, site: cfg.site(base), cat: cat, srv: feed.NewServer(feed.ServerConfig{}), log: log, rep: diag.NewLog(log, 0)}
	}
	get := func(d *daemon, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		d.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}

	first := open()
	first.step(ctx, "start", first.cat.Rescan)
	served := get(first, "/rss.xml")
	if served.Code != http.StatusOK {
		t.Fatalf("first run: GET /rss.xml %d", served.Code)
	}
	slug := first.srv.Bundle().Articles()[0].Slug
	if err := feed.WriteSaved(first.savedPath(), first.builder.Save()); err != nil {
		t.Fatal(err)
	}
	if err := first.cat.Close(); err != nil {
		t.Fatal(err)
	}
	added := "---\ntitle: Added while down\ndate: 2026-01-01T00:00:00Z\n---\n\nBody.\n"
	if err := os.WriteFile(filepath.Join(cfg.Content, "added-while-down.md"), []byte(added), 0o644); err != nil {
		t.Fatal(err)
	}

	// As serve does: the head of the saved record previewed as soon as it
	// is read, the first builder made once the pages are read too.
	d := open()
	head, rest := feed.ReadSavedHead(d.savedPath())
	d.preview(head)
	rec := get(d, "/rss.xml") // before the pages are read
	d.saved = rest()
	if len(d.saved.Pages) == 0 {
		t.Fatal("restart: the saved record has no pages")
	}
	d.preload()
	if d.builder == nil {
		t.Fatal("restart: no builder made of the saved record")
	}
	if rec.Code != http.StatusOK || rec.Body.String() != served.Body.String() || rec.Header().Get("Etag") != served.Header().Get("Etag") {
		t.Fatalf("restart, before its first build: GET /rss.xml %d, %d bytes, ETag %q; want 200 and the last run's %d bytes, ETag %q",
			rec.Code, rec.Body.Len(), rec.Header().Get("Etag"), served.Body.Len(), served.Header().Get("Etag"))
	}
	if g := rec.Header().Get("X-Dropfeed-Generation"); g != "0" {
		t.Errorf("restart, before its first build: generation %q, want 0", g)
	}
	health := httptest.NewRecorder()
	d.health.ServeHTTP(health, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if health.Code != http.StatusServiceUnavailable || !strings.Contains(health.Body.String(), `"preloaded":true`) {
		t.Errorf("restart, before its first build: /healthz %d %s, want 503 and preloaded", health.Code, health.Body)
	}
	if rec := get(d, "/articles/"+slug+"/"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("restart, before its first build: GET an article page %d, want 503", rec.Code)
	}
	d.step(ctx, "start", d.cat.Rescan)
	rec = get(d, "/rss.xml")
	if g := rec.Header().Get("X-Dropfeed-Generation"); g != "1" || !strings.Contains(rec.Body.String(), "Added while down") {
		t.Errorf("restart, after its first build: generation %q, the file added while down in /rss.xml: %v; want 1, true", g, strings.Contains(rec.Body.String(), "Added while down"))
	}
	if rec := get(d, "/articles/"+slug+"/"); rec.Code != http.StatusOK {
		t.Errorf("restart, after its first build: GET an article page %d, want 200", rec.Code)
	}
	if err := d.cat.Close(); err != nil {
		t.Fatal(err)
	}

	// That run stops without saving: the record it took stays marked taken.
	crashed := open()
	head, rest = feed.ReadSavedHead(crashed.savedPath())
	crashed.preview(head)
	crashed.saved = rest()
	crashed.preload()
	if b := crashed.srv.Bundle(); b != nil {
		t.Errorf("after a run that did not save, the restart preloaded %d files", len(b.Feeds()))
	}
}
