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

var selectNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// art makes a minimal article for Select: path, id and publication time
// relative to selectNow.
func art(p, id string, age time.Duration) *content.Article {
	slug := strings.TrimSuffix(p, p[strings.LastIndexByte(p, '.'):])
	if id == "" {
		id = content.TagURI("example.com", "2024", content.EscapePath(slug))
	}
	return &content.Article{Path: p, Slug: slug, ID: id, Title: p, Published: selectNow.Add(-age)}
}

func draft(a *content.Article) *content.Article { a.Draft = true; return a }

func TestSelect(t *testing.T) {
	tests := []struct {
		name      string
		in        []*content.Article
		want      []string // paths, in feed order
		wantWarns []string // each warning's path and the other path it names
	}{
		{
			name: "newest first",
			in:   []*content.Article{art("a.md", "", 3*time.Hour), art("b.md", "", time.Hour), art("c.md", "", 2*time.Hour)},
			want: []string{"b.md", "c.md", "a.md"},
		},
		{
			name: "same time: by id",
			in:   []*content.Article{art("z.md", "urn:x:1", time.Hour), art("a.md", "urn:x:3", time.Hour), art("m.md", "urn:x:2", time.Hour)},
			want: []string{"z.md", "m.md", "a.md"},
		},
		{
			name: "drafts left out",
			in:   []*content.Article{art("a.md", "", time.Hour), draft(art("b.md", "", time.Hour))},
			want: []string{"a.md"},
		},
		{
			name: "future left out, now kept",
			in:   []*content.Article{art("past.md", "", time.Second), art("now.md", "", 0), art("future.md", "", -time.Second)},
			want: []string{"now.md", "past.md"},
		},
		{
			name:      "duplicate id: the path that sorts first wins",
			in:        []*content.Article{art("b/x.md", "urn:x:1", 2*time.Hour), art("a/x.md", "urn:x:1", time.Hour)},
			want:      []string{"a/x.md"},
			wantWarns: []string{"b/x.md a/x.md"},
		},
		{
			name:      "same path without extension: one item",
			in:        []*content.Article{art("news/x.txt", "", time.Hour), art("news/x.md", "", time.Hour)},
			want:      []string{"news/x.md"},
			wantWarns: []string{"news/x.txt news/x.md"},
		},
		{
			name:      "duplicate slug with different ids",
			in:        []*content.Article{art("x.txt", "urn:x:2", time.Hour), art("x.md", "urn:x:1", time.Hour)},
			want:      []string{"x.md"},
			wantWarns: []string{"x.txt x.md"},
		},
		{
			name: "a draft does not take the id",
			in:   []*content.Article{draft(art("a/x.md", "urn:x:1", time.Hour)), art("b/x.md", "urn:x:1", time.Hour)},
			want: []string{"b/x.md"},
		},
		{
			name: "a future article does not take the id",
			in:   []*content.Article{art("a/x.md", "urn:x:1", -time.Hour), art("b/x.md", "urn:x:1", time.Hour)},
			want: []string{"b/x.md"},
		},
		{
			name:      "three with one id",
			in:        []*content.Article{art("c.md", "urn:x:1", 0), art("b.md", "urn:x:1", 0), art("a.md", "urn:x:1", 0)},
			want:      []string{"a.md"},
			wantWarns: []string{"b.md a.md", "c.md a.md"},
		},
		{
			name: "empty",
			in:   nil,
			want: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			got, warns := content.Select(tc.in, selectNow)
			if paths := articlePaths(got); !slices.Equal(paths, tc.want) {
				t.Errorf("Select(%q) = %q, want %q", articlePaths(tc.in), paths, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Errorf("Select(%q) reordered its input", articlePaths(in))
			}
			if len(warns) != len(tc.wantWarns) {
				t.Fatalf("Select(%q) warnings = %v, want %d", articlePaths(tc.in), warns, len(tc.wantWarns))
			}
			for i, w := range warns {
				self, other, _ := strings.Cut(tc.wantWarns[i], " ")
				if w.Path != self || !strings.Contains(w.Msg, other) {
					t.Errorf("Select() warning %d = %v, want one on %s naming %s", i, w, self, other)
				}
			}
		})
	}
}

func TestSelectLoaded(t *testing.T) {
	// Two files with the same explicit id, in two formats, through Load.
	const tree = `
-- b/launch.txt --
Launch (copy)
ID: urn:x:launch
Date: 2024-05-02

Text.
-- a/launch.md --
---
title: Launch
id: urn:x:launch
date: 2024-05-01
---
Text.
-- c/later.md --
---
title: Later
date: 2024-07-01
---
-- c/wip.md --
---
title: WIP
draft: true
date: 2024-01-01
---
`
	arts, err := content.Load(t.Context(), treeFS(t, tree, mtime), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	got, warns := content.Select(arts, selectNow)
	if paths := articlePaths(got); !slices.Equal(paths, []string{"a/launch.md"}) {
		t.Errorf("Select(loaded) = %q, want [a/launch.md]", paths)
	}
	if len(warns) != 1 || warns[0].Path != "b/launch.txt" || !strings.Contains(warns[0].Msg, "a/launch.md") || !strings.Contains(warns[0].Msg, "urn:x:launch") {
		t.Errorf("Select(loaded) warnings = %v, want one on b/launch.txt naming a/launch.md and the id", warns)
	}
	due, ok := nextDueOf(arts, selectNow)
	if want := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC); !ok || !due.Equal(want) {
		t.Errorf("NextDue(loaded) = %v, %v, want %v, true", due, ok, want)
	}
}

func TestSortNewest(t *testing.T) {
	in := []*content.Article{art("a.md", "urn:b", time.Hour), art("b.md", "urn:a", time.Hour), art("c.md", "", 0)}
	content.SortNewest(in)
	if got, want := articlePaths(in), []string{"c.md", "b.md", "a.md"}; !slices.Equal(got, want) {
		t.Errorf("SortNewest() = %q, want %q", got, want)
	}
}

// nextDueOf is what a Selection of arts at now says falls due next.
func nextDueOf(arts []*content.Article, now time.Time) (time.Time, bool) {
	s := content.NewSelection()
	s.Update(nil, arts, now)
	return s.NextDue()
}

func TestNextDue(t *testing.T) {
	tests := []struct {
		name   string
		in     []*content.Article
		want   time.Time
		wantOK bool
	}{
		{"none", nil, time.Time{}, false},
		{"all past", []*content.Article{art("a.md", "", time.Hour), art("b.md", "", 0)}, time.Time{}, false},
		{"earliest future", []*content.Article{art("a.md", "", -3*time.Hour), art("b.md", "", -time.Hour), art("c.md", "", time.Hour)},
			selectNow.Add(time.Hour), true},
		{"drafts not due", []*content.Article{draft(art("a.md", "", -time.Hour)), art("b.md", "", -2*time.Hour)},
			selectNow.Add(2 * time.Hour), true},
		{"only drafts", []*content.Article{draft(art("a.md", "", -time.Hour))}, time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := nextDueOf(tc.in, selectNow)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("NextDue(%q) = %v, %v, want %v, %v", articlePaths(tc.in), got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestSortNewestMany: a list long enough to be sorted by keys comes out in
// CompareNewest's order: times that differ by a second, by a nanosecond or
// not at all (then by id), before 1970 and in other zones, each article
// kept once.
func TestSortNewestMany(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	zone := time.FixedZone("UTC+5", 5*3600)
	var arts []*content.Article
	for i := range 3000 {
		a := art(fmt.Sprintf("a%04d.md", i), fmt.Sprintf("urn:x:%d", rng.IntN(2000)), 0)
		a.Published = time.Unix(int64(rng.IntN(40)-20)*1_000_000_000, int64(rng.IntN(3))*int64(rng.IntN(999_999_999))).In(zone)
		if i%2 == 0 {
			a.Published = a.Published.UTC()
		}
		arts = append(arts, a)
	}
	got := slices.Clone(arts)
	content.SortNewest(got)
	if !slices.IsSortedFunc(got, content.CompareNewest) {
		t.Fatal("SortNewest: not in CompareNewest's order")
	}
	want := slices.Clone(arts)
	slices.SortFunc(want, content.CompareNewest)
	for i := range got {
		if content.CompareNewest(got[i], want[i]) != 0 {
			t.Fatalf("SortNewest: at %d %s (%v), want %s (%v)", i, got[i].Path, got[i].Published, want[i].Path, want[i].Published)
		}
	}
	seen := map[*content.Article]bool{}
	for _, a := range got {
		seen[a] = true
	}
	if len(seen) != len(arts) {
		t.Errorf("SortNewest: %d distinct articles out of %d", len(seen), len(arts))
	}
}
