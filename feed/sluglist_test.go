package feed

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
)

// TestSlugList: random insertions and removals over a slugList, each
// checked against a sorted slice, and every list made before checked again
// at the end (a change leaves the list it was made from as it was: a bundle
// served holds it). The sizes go past several chunk splits and down to
// empty.
func TestSlugList(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type entry struct {
		a     *content.Article
		since int64
	}
	var (
		l       slugList
		ref     []entry
		history []slugList
		refs    [][]entry
	)
	check := func(l slugList, ref []entry, when string) {
		t.Helper()
		if l.Len() != len(ref) {
			t.Fatalf("%s: Len = %d, want %d", when, l.Len(), len(ref))
		}
		i := 0
		for a, since := range l.all() {
			if a != ref[i].a || since != ref[i].since {
				t.Fatalf("%s: article %d = %s (%d), want %s (%d)", when, i, a.Slug, since, ref[i].a.Slug, ref[i].since)
			}
			i++
		}
		for _, ch := range l.chunks {
			if len(ch.arts) == 0 || len(ch.arts) > slugChunkMax || len(ch.arts) != len(ch.since) {
				t.Fatalf("%s: a chunk of %d articles and %d times", when, len(ch.arts), len(ch.since))
			}
		}
		for i, e := range ref {
			p, ok := l.find(e.a.Slug)
			if !ok {
				t.Fatalf("%s: find(%q) found nothing", when, e.a.Slug)
			}
			if a, since := l.at(p); a != e.a || since != e.since {
				t.Fatalf("%s: find(%q) gave %q", when, e.a.Slug, a.Slug)
			}
			if p2, ok := l.index(e.a); !ok || p2 != p {
				t.Fatalf("%s: index of article %d = %v, %v; find gave %v", when, i, p2, ok, p)
			}
		}
		if !slices.Equal(l.articles(), mapSlice(ref, func(e entry) *content.Article { return e.a })) ||
			!slices.Equal(l.times(), mapSlice(ref, func(e entry) int64 { return e.since })) {
			t.Fatalf("%s: articles() or times() differ from the list", when)
		}
	}
	steps := 12000
	for step := range steps {
		grow := step < steps/2
		if (rng.IntN(10) < 7) == grow || len(ref) == 0 {
			a := &content.Article{Slug: fmt.Sprintf("%c/%06d", 'a'+rng.IntN(3), rng.IntN(1_000_000))}
			p, found := l.find(a.Slug)
			i, refFound := slices.BinarySearchFunc(ref, a.Slug, func(e entry, s string) int { return strings.Compare(e.a.Slug, s) })
			if found != refFound {
				t.Fatalf("step %d: find(%q) found = %v, want %v", step, a.Slug, found, refFound)
			}
			if found {
				continue
			}
			since := int64(step)
			l = l.insert(p, a, since)
			ref = slices.Insert(slices.Clone(ref), i, entry{a, since})
		} else {
			i := rng.IntN(len(ref))
			p, found := l.find(ref[i].a.Slug)
			if !found {
				t.Fatalf("step %d: %q not found", step, ref[i].a.Slug)
			}
			l = l.remove(p)
			ref = slices.Delete(slices.Clone(ref), i, i+1)
		}
		if step%50 == 0 {
			check(l, ref, fmt.Sprintf("step %d", step))
			history, refs = append(history, l), append(refs, ref)
		}
	}
	check(l, ref, "end")
	if len(ref) != 0 && l.Len() == 0 {
		t.Fatal("the list emptied")
	}
	for i, h := range history {
		check(h, refs[i], fmt.Sprintf("list %d kept", i))
	}
	if maxLen := slices.MaxFunc(refs, func(a, b []entry) int { return len(a) - len(b) }); len(maxLen) < 4*slugChunkMax {
		t.Errorf("the list grew to %d articles only: too few for chunks to split", len(maxLen))
	}

	// Built whole, then changed.
	arts := make([]*content.Article, 3000)
	since := make([]int64, len(arts))
	for i := range arts {
		arts[i] = &content.Article{Slug: fmt.Sprintf("s%05d", i*2)}
		since[i] = int64(i)
	}
	l = newSlugList(arts, since)
	ref = ref[:0]
	for i, a := range arts {
		ref = append(ref, entry{a, since[i]})
	}
	check(l, ref, "built")
	for _, slug := range []string{"a", "s00001", "s02999", "z"} { // before all, inside, between chunks, after all
		a := &content.Article{Slug: slug}
		p, found := l.find(slug)
		if found {
			t.Fatalf("find(%q) found it", slug)
		}
		l = l.insert(p, a, 7)
		i, _ := slices.BinarySearchFunc(ref, slug, func(e entry, s string) int { return strings.Compare(e.a.Slug, s) })
		ref = slices.Insert(ref, i, entry{a, 7})
		check(l, ref, "inserted "+slug)
	}
	if _, found := (slugList{}).find("x"); found {
		t.Error("an empty list found something")
	}
}

func mapSlice[T, U any](s []T, f func(T) U) []U {
	out := make([]U, len(s))
	for i, v := range s {
		out[i] = f(v)
	}
	return out
}
