package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
	"github.com/dropfeed/dropfeed/watch"
)

// startLoop runs the daemon's loop in-process over the folder dir, without
// a watcher: the test sends the batches. It returns the daemon, the batch
// channel and the log.
func startLoop(t *testing.T, dir string) (*daemon, chan<- watch.Batch, *lockedBuffer) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Content, cfg.MaxItems = dir, 0
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	base := "https://news.example.test/"
	ctx, cancel := context.WithCancel(t.Context())
	cat, err := catalog.Open(ctx, cfg.catalogConfig(ctx, catalog.Daemon, base))
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cfg: &cfg, site: cfg.site(base), log: log, rep: diag.NewLog(log, diag.DefaultLimit),
		srv: feed.NewServer(feed.ServerConfig{}), cat: cat}
	batches := make(chan watch.Batch)
	done := make(chan error, 1)
	go func() { done <- d.loop(ctx, batches, nil) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("loop() = %v", err)
		}
		cat.Close()
	})
	return d, batches, logs
}

func served(t *testing.T, d *daemon) string {
	t.Helper()
	b := d.srv.Bundle()
	if b == nil {
		return ""
	}
	f, _ := b.Lookup(feed.JSONName)
	return string(f.Body)
}

// TestLoopSchedule: an article dated ahead appears when its time comes,
// with no file event, in a rebuild that says why; not a moment before.
// (The bubble's clock starts at 2000-01-01T00:00:00Z.)
func TestLoopSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		write := func(p, text string) {
			if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("now.md", "---\ntitle: Already out\ndate: 1999-12-31T12:00:00Z\n---\nBody.\n")
		write("later.md", "---\ntitle: Scheduled piece\ndate: 2000-01-01T01:00:00Z\n---\nBody.\n")
		d, _, logs := startLoop(t, dir)
		synctest.Wait()
		if body := served(t, d); !strings.Contains(body, "Already out") || strings.Contains(body, "Scheduled piece") {
			t.Fatalf("after the start: %s", body)
		}
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		if body := served(t, d); strings.Contains(body, "Scheduled piece") {
			t.Fatalf("the scheduled article is served at %v, before its time", time.Now())
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if body := served(t, d); !strings.Contains(body, "Scheduled piece") {
			t.Fatalf("the scheduled article is not served at %v", time.Now())
		}
		if !strings.Contains(logs.String(), "msg=rebuild why=scheduled") {
			t.Errorf("no rebuild logged as scheduled:\n%s", logs)
		}
	})
}

// TestLoopDeferred: a file that looks unfinished (front matter not closed)
// is waited for and published once finished, by the loop's recheck, with no
// further event; one still unfinished after the longest wait is published
// as it is, with a warning.
func TestLoopDeferred(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		d, batches, logs := startLoop(t, dir)
		synctest.Wait()
		write := func(p, text string) {
			if err := os.WriteFile(filepath.Join(dir, p), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("half.md", "---\ntitle: Half\ndate: 1999-12-31T00:00:00Z\n")
		write("stuck.md", "---\ntitle: Stuck\ndate: 1999-12-31T00:00:00Z\n")
		batches <- watch.Batch{Paths: []string{"half.md", "stuck.md"}}
		synctest.Wait()
		time.Sleep(time.Second)
		synctest.Wait()
		if body := served(t, d); strings.Contains(body, "Half") || strings.Contains(body, "Stuck") {
			t.Fatalf("an unfinished file was published: %s", body)
		}
		write("half.md", "---\ntitle: Half\ndate: 1999-12-31T00:00:00Z\n---\nBody.\n")
		time.Sleep(time.Second) // no batch: the recheck finds it finished
		synctest.Wait()
		if body := served(t, d); !strings.Contains(body, "Half") || strings.Contains(body, "Stuck") {
			t.Fatalf("after half.md was finished: %s", body)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if !strings.Contains(logs.String(), "published as it is") || !strings.Contains(logs.String(), "path=stuck.md") {
			t.Errorf("no warning for the file published unfinished:\n%s", logs)
		}
	})
}
