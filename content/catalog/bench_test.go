package catalog_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/bench/corpus"
	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/catalog"
)

// benchSizes are the corpus sizes the start benchmarks run at; set
// DROPFEED_BENCH_N (say 100000) for another one: its corpus takes a while
// to make.
func benchSizes(b *testing.B) []int {
	if s := os.Getenv("DROPFEED_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("DROPFEED_BENCH_N=%q is not a positive number", s)
		}
		return []int{n}
	}
	return []int{10000}
}

// benchCorpus writes a generated corpus of n articles.
func benchCorpus(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(b.TempDir(), "content")
	opt := corpus.DefaultOptions()
	opt.N = n
	if _, err := corpus.Write(context.Background(), dir, opt, 0); err != nil {
		b.Fatal(err)
	}
	return dir
}

func benchConfig(dir, state string) catalog.Config {
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return catalog.Config{Dir: dir, Options: opts, State: state, Mode: catalog.Daemon,
		Now: func() time.Time { return now }, FirstSeen: func(string) (time.Time, bool) { return time.Time{}, false }}
}

// startOnce opens a catalog as a daemon does and brings it up to date: what
// "dropfeed serve" does before its first build.
func startOnce(b *testing.B, cfg catalog.Config) int {
	b.Helper()
	ctx := context.Background()
	c, err := catalog.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Rescan(ctx); err != nil {
		b.Fatal(err)
	}
	n := len(c.Visible())
	if err := c.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkStartWarm measures a daemon's start over an unchanged folder
// with the state file of its last run: the parse cache and the records
// read, every file stat'ed, every article stamped and selected.
func BenchmarkStartWarm(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			dir := benchCorpus(b, n)
			cfg := benchConfig(dir, filepath.Join(b.TempDir(), "state.db"))
			want := startOnce(b, cfg) // the cold start writes the state
			for b.Loop() {
				if got := startOnce(b, cfg); got != want {
					b.Fatalf("warm start: %d visible articles, want %d", got, want)
				}
			}
		})
	}
}

// BenchmarkStartCold measures a daemon's first start over a folder: every
// file listed, read and parsed, and the state file written.
func BenchmarkStartCold(b *testing.B) {
	for _, n := range benchSizes(b) {
		b.Run(fmt.Sprintf("articles=%d", n), func(b *testing.B) {
			dir := benchCorpus(b, n)
			tmp := b.TempDir()
			i := 0
			for b.Loop() {
				i++
				startOnce(b, benchConfig(dir, filepath.Join(tmp, fmt.Sprint("state", i, ".db"))))
			}
		})
	}
}
