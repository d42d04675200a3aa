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
	root, err := os.MkdirTemp("", "watch-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)

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

	if err := os.MkdirAll(filepath.Join(root, "news"), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "news", "launch.md"), []byte("# Launch\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	// A new directory is reported with the files found in it.
	b = <-out
	fmt.Println("paths:", b.Paths)

	cancel()
	fmt.Println("Run:", <-done)
	// Output:
	// rescan: true
	// paths: [news news/launch.md]
	// Run: <nil>
}
