package content_test

import (
	"context"
	"errors"
	"fmt"
	"testing/fstest"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

func ExampleParse() {
	src := "Harbour reopens\n" +
		"Date: 2024-05-06 09:30\n" +
		"Tags: ports, weather\n" +
		"\n" +
		"Boats at the breakwater. (Photo/Coastal Wire)\n" +
		"\n" +
		"The harbour reopened on Monday\n" +
		"after three weeks of storms.\n" +
		"\n" +
		"Source: Coastal Wire\n"
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	a, err := content.Parse("2024/harbour.txt", []byte(src), time.Time{}, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Title)
	fmt.Println(a.ID)
	fmt.Println(a.Published.Format(time.RFC3339))
	fmt.Println(a.Authors, a.Tags)
	fmt.Println(a.Summary)
	fmt.Print(a.Body.HTML())
	// Output:
	// Harbour reopens
	// tag:news.example.com,2024:2024/harbour
	// 2024-05-06T09:30:00Z
	// [Coastal Wire] [ports weather]
	// The harbour reopened on Monday after three weeks of storms.
	// <figure><figcaption>Boats at the breakwater. (Photo/Coastal Wire)</figcaption></figure>
	// <p>The harbour reopened on Monday after three weeks of storms.</p>
	// <p class="source">Source: Coastal Wire</p>
}

func ExampleParse_markdown() {
	src := "---\n" +
		"title: Release notes\n" +
		"date: 2024-05-06T09:30:00+02:00\n" +
		"tags: [release]\n" +
		"---\n" +
		"Version **2** is out.\n"
	a, err := content.Parse("posts/release.md", []byte(src), time.Time{}, content.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Title, a.Published.UTC().Format(time.RFC3339), a.Tags)
	fmt.Println(a.Summary)
	fmt.Print(a.Body.HTML())

	// A bad file is a *ParseError with its path and line.
	_, err = content.Parse("posts/bad.md", []byte("---\ntitle: Bad\ndate: 2024-02-30\n---\n"), time.Time{}, content.DefaultOptions())
	fmt.Println(err)
	fmt.Println(errors.Is(err, content.ErrBadDate))
	// Output:
	// Release notes 2024-05-06T07:30:00Z [release]
	// Version 2 is out.
	// <p>Version <strong>2</strong> is out.</p>
	// posts/bad.md:3: content: bad date: "2024-02-30": day out of range
	// true
}

func ExampleLoad() {
	mod := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	fsys := fstest.MapFS{
		"news/2024-05-06-launch.md": {Data: []byte("# Launch\n\nWe launched.\n"), ModTime: mod},
		"news/harbour.txt":          {Data: []byte("Harbour reopens\nDate: 2024-05-02\n\nText.\n"), ModTime: mod},
		"news/broken.md":            {Data: []byte("---\ntitle: never closed\n"), ModTime: mod},
		"news/.draft.md.swp":        {Data: []byte("editor junk"), ModTime: mod},
	}
	arts, err := content.Load(context.Background(), fsys, content.DefaultOptions())
	for _, a := range arts {
		fmt.Println(a.Path, a.Published.Format(time.DateOnly), a.Title)
	}
	fmt.Println(err)
	// Output:
	// news/2024-05-06-launch.md 2024-05-06 Launch
	// news/harbour.txt 2024-05-02 Harbour reopens
	// news/broken.md:1: content: front matter not closed
}
