package corpus_test

import (
	"bytes"
	"fmt"

	"github.com/dropfeed/dropfeed/bench/corpus"
)

func ExampleGenerate() {
	opt := corpus.DefaultOptions()
	for i := range 2 {
		f := corpus.Generate(i, opt)
		head, _, _ := bytes.Cut(f.Data, []byte("\n\n"))
		fmt.Printf("%s (%d bytes, modified %s)\n%s\n\n", f.Path, len(f.Data), f.ModTime.Format("2006-01-02 15:04:05"), head)
	}
	// Output:
	// 2026/07/000000-halvorsen-sons-earnings-forecasts-despite-night.txt (3151 bytes, modified 2026-07-30 00:39:57)
	// Halvorsen & Søn’s earnings > forecasts despite night trains
	//
	// 000001-timisoara-fast-tracks-140-new-schools.md (3021 bytes, modified 2025-08-15 19:52:39)
	// ---
	// title: 'Timișoara fast-tracks 140 new schools'
	// date: 2025-08-14T16:47:44+08:00
	// author: Anaïs Mwangi
	// tags: [R&D, 'café']
	// summary: '"We won''t sign anything that hurts renters," Nathan Nieminen said late on Sunday.'
	// image: https://cdn.example.com/2025/08/timisoara-fast-tracks-140-new-schools-25119.jpg
	// ---
}
