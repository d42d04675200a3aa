package watch_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dropfeed/dropfeed/watch"
)

func ExampleWatcher_Run() {
	work, err := os.MkdirTemp("", "watch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(work)
	root := filepath.Join(work, "site")
	if err := os.Mkdir(root, 0o755); err != nil {
		log.Fatal(err)
	}

	cfg := watch.DefaultConfig(root)
	cfg.Mode = watch.ModeEvents
	w, err := watch.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan watch.Batch)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, out) }()

	// The first batch asks for a full scan, once the watches are in place.
	b := <-out
	fmt.Println("rescan:", b.Rescan)

	// A folder moved in is reported with the files found in it. (It is
	// made outside and moved in, in one step, so that its file arrives
	// with it in one batch however slow the machine.)
	if err := os.MkdirAll(filepath.Join(work, "news"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "news", "launch.md"), []byte("# Launch\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(filepath.Join(work, "news"), filepath.Join(root, "news")); err != nil {
		log.Fatal(err)
	}
	b = <-out
	fmt.Println("paths:", b.Paths)

	cancel()
	fmt.Println("Run:", <-done)
	// Output:
	// rescan: true
	// paths: [news news/launch.md]
	// Run: <nil>
}
