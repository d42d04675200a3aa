package feed_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/feed"
)

func ExampleBuild() {
	mod := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{
		"2026-04-20-bridge.txt": {ModTime: mod, Data: []byte("Bridge reopens after repairs\nDate: 2026-04-20 09:00\nAuthor: Mara Lind\n\nThe bridge is open again.\n")},
		"2026-04-22-market.md":  {ModTime: mod, Data: []byte("---\ntitle: Q&A with the market <stallholders>\ndate: 2026-04-22T08:00:00Z\n---\nWhat they sell.\n")},
	}
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	all, err := content.Load(context.Background(), fsys, opts)
	if err != nil {
		log.Fatal(err)
	}
	arts, _ := content.Select(all, mod)
	b, err := feed.Build(feed.Site{Title: "Town News", BaseURL: "https://news.example.com/"}, arts)
	if err != nil {
		log.Fatal(err)
	}
	rss, _ := b.Lookup(feed.RSSName)
	fmt.Println(rss.ContentType)
	for line := range strings.Lines(string(rss.Body)) {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "<title>") || strings.HasPrefix(l, "<guid") || strings.HasPrefix(l, "<atom:link") {
			fmt.Println(l)
		}
	}
	// Output:
	// application/rss+xml; charset=utf-8
	// <title>Town News</title>
	// <atom:link href="https://news.example.com/rss.xml" rel="self" type="application/rss+xml"></atom:link>
	// <title>Q&#x26;A with the market &#x3C;stallholders&#x3E;</title>
	// <guid isPermaLink="false">tag:news.example.com,2024:2026-04-22-market</guid>
	// <title>Bridge reopens after repairs</title>
	// <guid isPermaLink="false">tag:news.example.com,2024:2026-04-20-bridge</guid>
}
