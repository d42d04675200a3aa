package content_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestSelectionMatchesSelect drives a Selection through random changes
// (duplicate ids and URL paths, drafts, future articles falling due) and
// checks after each one that it shows exactly what Select shows over the
// same articles, and that its Entered and Left lists account for every
// difference.
func TestSelectionMatchesSelect(t *testing.T) {
	for seed := range uint64(200) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			s := content.NewSelection()
			cur := map[string]*content.Article{}
			shown := map[*content.Article]bool{}
			now := selectNow
			for step := range 60 {
				var removed []string
				var set []*content.Article
				n := rng.IntN(4)
				if rng.IntN(10) == 0 {
					n = 80 // a large change: selected anew
				}
				for range n {
					p := fmt.Sprintf("d%d/a%d.md", rng.IntN(2), rng.IntN(10))
					if rng.IntN(4) == 0 {
						// Update removes before it sets: a path set earlier in
						// this step stays removed only when not set again.
						removed = append(removed, p)
						set = slices.DeleteFunc(set, func(a *content.Article) bool { return a.Path == p })
						delete(cur, p)
						continue
					}
					a := art(p, "", time.Duration(rng.IntN(7)-2)*time.Hour)
					if rng.IntN(5) == 0 {
						a.ID = fmt.Sprintf("urn:x:%d", rng.IntN(3)) // shared ids
					}
					if rng.IntN(6) == 0 {
						a.Slug = fmt.Sprintf("same/%d", rng.IntN(2)) // shared URL paths
					}
					if rng.IntN(8) == 0 {
						a.Draft = true
					}
					if rng.IntN(3) == 0 {
						a.Published = now.Truncate(time.Hour) // ties: ordered by id
					}
					set = append(set, a)
					cur[p] = a
				}
				now = now.Add(time.Duration(rng.IntN(90)) * time.Minute)
				ch := s.Update(removed, set, now)
				for _, a := range ch.Left {
					if !shown[a] {
						t.Fatalf("step %d: %s left but was not shown", step, a.Path)
					}
					delete(shown, a)
				}
				for _, a := range ch.Entered {
					if shown[a] {
						t.Fatalf("step %d: %s entered twice", step, a.Path)
					}
					shown[a] = true
				}
				all := make([]*content.Article, 0, len(cur))
				for _, a := range cur {
					all = append(all, a)
				}
				want, warns := content.Select(all, now)
				got := s.Visible()
				if !slices.Equal(got, want) {
					t.Fatalf("step %d: visible\n got %v\nwant %v", step, paths(got), paths(want))
				}
				if len(shown) != len(want) {
					t.Fatalf("step %d: entered/left account for %d articles, %d shown", step, len(shown), len(want))
				}
				for _, a := range want {
					if !shown[a] {
						t.Fatalf("step %d: %s shown but never entered", step, a.Path)
					}
				}
				// The warnings match Select's after every update, whether it
				// recomputed them (and reports them) or took the fast path
				// (and reports none, as they cannot have changed).
				if !slices.Equal(s.Warnings(), warns) {
					t.Fatalf("step %d: Warnings() = %v, want %v (recomputed: %v)", step, s.Warnings(), warns, ch.Warnings != nil)
				}
				if ch.Warnings != nil && !slices.Equal(ch.Warnings, warns) {
					t.Fatalf("step %d: warnings\n got %v\nwant %v", step, ch.Warnings, warns)
				}
				if at, ok := s.NextDue(); ok != (nextDue(all, now) != time.Time{}) || (ok && !at.Equal(nextDue(all, now))) {
					t.Fatalf("step %d: NextDue = %v %v, want %v", step, at, ok, nextDue(all, now))
				}
			}
		})
	}
}

// nextDue is the earliest publication time after now among the articles
// that are not drafts, or the zero time.
func nextDue(all []*content.Article, now time.Time) time.Time {
	var best time.Time
	for _, a := range all {
		if !a.Draft && a.Published.After(now) && (best.IsZero() || a.Published.Before(best)) {
			best = a.Published
		}
	}
	return best
}

func paths(arts []*content.Article) []string {
	out := make([]string, len(arts))
	for i, a := range arts {
		out[i] = a.Path
	}
	return out
}

// TestSelectionFastPath checks that changes away from any duplicate are
// applied in place: no full selection (which would report warnings).
func TestSelectionFastPath(t *testing.T) {
	s := content.NewSelection()
	a, b := art("a.md", "", time.Hour), art("b.md", "", 2*time.Hour)
	if ch := s.Update(nil, []*content.Article{a, b}, selectNow); ch.Warnings != nil || len(ch.Entered) != 2 {
		t.Fatalf("first update: %+v", ch)
	}
	a2 := art("a.md", "", 3*time.Hour)
	ch := s.Update(nil, []*content.Article{a2}, selectNow)
	if ch.Warnings != nil {
		t.Errorf("a change without duplicates recomputed the selection")
	}
	if !slices.Equal(ch.Entered, []*content.Article{a2}) || !slices.Equal(ch.Left, []*content.Article{a}) {
		t.Errorf("entered %v, left %v; want a2 in, a out", paths(ch.Entered), paths(ch.Left))
	}
	if got := paths(s.Visible()); !slices.Equal(got, []string{"b.md", "a.md"}) {
		t.Errorf("visible %v", got)
	}
	// A duplicate id makes it recompute and warn.
	c := art("c.md", a2.ID, time.Hour)
	ch = s.Update(nil, []*content.Article{c}, selectNow)
	if len(ch.Warnings) != 1 || ch.Warnings[0].Path != "c.md" {
		t.Errorf("duplicate id: warnings %v", ch.Warnings)
	}
	if !ch.Empty() {
		t.Errorf("a duplicate that loses changed the visible articles: %+v", ch)
	}
}

// TestSelectionLoad: the first update of a selection with many articles
// (a start, which takes the bulk path) shows what Select shows, with its
// warnings, every visible article entered, and falls back to the
// incremental path for the next change.
func TestSelectionLoad(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		var set []*content.Article
		latest := map[string]*content.Article{}
		for i := range 300 {
			p := fmt.Sprintf("d%d/a%03d.md", i%3, rng.IntN(250)) // some paths twice: the last wins
			a := art(p, "", time.Duration(rng.IntN(9)-2)*time.Hour)
			switch rng.IntN(12) {
			case 0:
				a.ID = fmt.Sprintf("urn:x:%d", rng.IntN(4))
			case 1:
				a.Slug = fmt.Sprintf("same/%d", rng.IntN(3))
			case 2:
				a.Draft = true
			}
			set = append(set, a)
			latest[p] = a
		}
		if seed%2 == 0 {
			slices.SortStableFunc(set, func(a, b *content.Article) int { return strings.Compare(a.Path, b.Path) })
		}
		s := content.NewSelection()
		ch := s.Update(nil, set, selectNow)
		var all []*content.Article
		for _, a := range latest {
			all = append(all, a)
		}
		want, warns := content.Select(all, selectNow)
		if got := s.Visible(); !slices.Equal(got, want) {
			t.Fatalf("seed %d: visible\n got %v\nwant %v", seed, paths(got), paths(want))
		}
		if !slices.Equal(ch.Entered, want) || len(ch.Left) != 0 {
			t.Fatalf("seed %d: entered %d, left %d; want every visible article entered", seed, len(ch.Entered), len(ch.Left))
		}
		if ch.Warnings == nil || !slices.Equal(ch.Warnings, warns) || !slices.Equal(s.Warnings(), warns) {
			t.Fatalf("seed %d: warnings %v (kept %v), want %v", seed, ch.Warnings, s.Warnings(), warns)
		}
		if at, ok := s.NextDue(); ok != (nextDue(all, selectNow) != time.Time{}) || (ok && !at.Equal(nextDue(all, selectNow))) {
			t.Fatalf("seed %d: NextDue = %v %v, want %v", seed, at, ok, nextDue(all, selectNow))
		}
		later := selectNow.Add(3 * time.Hour)
		s.Update(nil, nil, later)
		if want, _ := content.Select(all, later); !slices.Equal(s.Visible(), want) {
			t.Fatalf("seed %d: after the future articles fell due: visible %v, want %v", seed, paths(s.Visible()), paths(want))
		}
	}
}

// BenchmarkSelectionLoad selects 100,000 articles sorted by path: a start.
func BenchmarkSelectionLoad(b *testing.B) {
	set := make([]*content.Article, 100000)
	for i := range set {
		set[i] = art(fmt.Sprintf("news/%06d.md", i), "", time.Duration(i%5000)*time.Minute)
	}
	for b.Loop() {
		if ch := content.NewSelection().Update(nil, set, selectNow); len(ch.Entered) != len(set) {
			b.Fatalf("%d entered", len(ch.Entered))
		}
	}
}
