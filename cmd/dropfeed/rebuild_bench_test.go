package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content/catalog"
	"github.com/dropfeed/dropfeed/content/diag"
	"github.com/dropfeed/dropfeed/feed"
)

// BenchmarkRebuildOne measures the daemon's whole path for one changed file
// (reconcile, state, select, build, swap) over corpora of different sizes:
// the time a dropped file adds to the quiet window. It should not grow
// with the number of articles.
func BenchmarkRebuildOne(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "c")
			opt := corpus.DefaultOptions()
			opt.N = n
			if _, err := corpus.Write(context.Background(), dir, opt, 0); err != nil {
				b.Fatal(err)
			}
			cfg := DefaultConfig()
			cfg.Content = dir
			cfg.MaxItems = 50
			if err := cfg.Validate(); err != nil {
				b.Fatal(err)
			}
			cfg.State = filepath.Join(b.TempDir(), "state.db")
			base := "https://news.example.com/"
			ctx := context.Background()
			cat, err := catalog.Open(ctx, cfg.catalogConfig(ctx, catalog.Daemon, base))
			if err != nil {
				b.Fatal(err)
			}
			defer cat.Close()
			d := &daemon{cfg: &cfg, site: cfg.site(base), cat: cat,
				srv: feed.NewServer(feed.ServerConfig{}), log: slog.New(slog.DiscardHandler), rep: diag.NewLog(slog.New(slog.DiscardHandler), 0)}
			d.step(ctx, "start", cat.Rescan)
			if d.srv.Bundle() == nil {
				b.Fatal("no first build")
			}
			d.bg.Wait() // the archive pages the start left whole, cut beside it
			path := filepath.Join(dir, "zz-bench.md")
			i := 0
			for b.Loop() {
				i++
				data := fmt.Sprintf("---\ntitle: Bench %d\ndate: %s\n---\n\nBody %d.\n", i, time.Now().UTC().Format(time.RFC3339), i)
				if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
					b.Fatal(err)
				}
				gen := d.srv.Generation()
				d.step(ctx, "change", func(ctx context.Context) (catalog.Delta, error) { return cat.Update(ctx, []string{"zz-bench.md"}) })
				if d.srv.Generation() == gen {
					b.Fatal("no rebuild")
				}
			}
		})
	}
}

// BenchmarkColdBuild runs "build" in-process over a generated Markdown
// corpus, with a fresh state file each time, with and without the article
// pages: the cold build that bench/build.sh compares with Hugo from outside.
func BenchmarkColdBuild(b *testing.B) {
	for _, c := range []struct {
		n     int
		pages bool
	}{{1000, false}, {1000, true}, {10000, false}} {
		n := c.n
		b.Run(fmt.Sprintf("articles=%d/pages=%v", n, c.pages), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "c")
			opt := corpus.DefaultOptions()
			opt.N, opt.Format = n, "md"
			if _, err := corpus.Write(context.Background(), dir, opt, 0); err != nil {
				b.Fatal(err)
			}
			tmp := b.TempDir()
			i := 0
			for b.Loop() {
				i++
				args := []string{"build", "-content", dir, "-out", filepath.Join(tmp, fmt.Sprint("out", i)),
					"-state", filepath.Join(tmp, fmt.Sprint("state", i, ".db")), "-base-url", "https://news.example.com/",
					"-max-items", "50", fmt.Sprint("-pages=", c.pages)}
				if code := run(context.Background(), args, io.Discard, io.Discard); code != 0 {
					b.Fatalf("build exit %d", code)
				}
			}
		})
	}
}
