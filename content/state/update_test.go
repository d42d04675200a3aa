package state

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestUpdateMatchesApply runs random histories of a folder (new files,
// edits, touches, deletions, renames, copies, explicit ids, files that come
// back after months) through two stores: one given every article each time
// (Apply), one given only what changed (Update). Both must stamp every
// article the same way and keep the same records, in memory and on disk.
func TestUpdateMatchesApply(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 11))
			dir := t.TempDir()
			full, inc := open(t, filepath.Join(dir, "full.db")), open(t, filepath.Join(dir, "inc.db"))
			texts := []string{"one", "two", "three", "four", "five"}
			cur := map[string]*content.Article{}
			stamps := map[string]*content.Article{} // inc's latest stamp per path
			now := t0
			for step := range 40 {
				next := maps.Clone(cur)
				for range 1 + rng.IntN(3) {
					p := fmt.Sprintf("d%d/f%d.txt", rng.IntN(2), rng.IntN(6))
					switch rng.IntN(6) {
					case 0:
						delete(next, p)
					case 1: // rename an existing file
						for _, q := range slices.Sorted(maps.Keys(next)) {
							if q != p {
								next[p] = reparse(t, next[q], p, now)
								delete(next, q)
								break
							}
						}
					default:
						body := texts[rng.IntN(len(texts))]
						head := ""
						if rng.IntN(5) == 0 {
							head = "id: urn:x:" + fmt.Sprint(rng.IntN(2)) + "\n"
						}
						if rng.IntN(4) == 0 {
							head += "date: 2026-01-0" + fmt.Sprint(1+rng.IntN(3)) + "\n"
						}
						md := "---\ntitle: T " + body + "\n" + head + "---\n" + body + "\n"
						next[p] = parseAs(t, p[:len(p)-4]+".md", p, md, now.Add(-time.Duration(rng.IntN(3))*time.Hour))
					}
				}
				if rng.IntN(10) == 0 {
					now = now.Add(100 * 24 * time.Hour) // past forget: gone records expire
				} else {
					now = now.Add(time.Duration(1+rng.IntN(120)) * time.Minute)
				}
				var removed []string
				var changed []*content.Article
				for p, a := range next {
					if cur[p] != a {
						changed = append(changed, a)
					}
				}
				for p := range cur {
					if _, ok := next[p]; !ok {
						removed = append(removed, p)
					}
				}
				cur = next
				all := slices.Collect(maps.Values(cur))
				want, err := full.Apply(all, now)
				if err != nil {
					t.Fatal(err)
				}
				got, err := inc.Update(removed, changed, now)
				if err != nil {
					t.Fatal(err)
				}
				for i, a := range got {
					if a.Path != changed[i].Path {
						t.Fatalf("step %d: Update returned %s at %d, want %s", step, a.Path, i, changed[i].Path)
					}
					stamps[a.Path] = a
				}
				for _, p := range removed {
					delete(stamps, p)
				}
				for _, w := range want {
					g := stamps[w.Path]
					if g == nil || g.ID != w.ID || !g.Published.Equal(w.Published) || !g.Updated.Equal(w.Updated) {
						t.Fatalf("step %d: %s stamped %v, want id %s published %v updated %v", step, w.Path, g, w.ID, w.Published, w.Updated)
					}
				}
				if !maps.EqualFunc(full.recs, inc.recs, (*rec).same) {
					t.Fatalf("step %d: records differ\nfull %v\n inc %v", step, recs(full), recs(inc))
				}
			}
			for _, s := range []*Store{full, inc} {
				s.Close()
			}
			a, b := open(t, filepath.Join(dir, "full.db")), open(t, filepath.Join(dir, "inc.db"))
			if !maps.EqualFunc(a.recs, b.recs, (*rec).same) {
				t.Fatalf("records on disk differ\nfull %v\n inc %v", recs(a), recs(b))
			}
		})
	}
}

// parseAs parses data as the file name says (Markdown), keeping path p.
func parseAs(t *testing.T, name, p, data string, mod time.Time) *content.Article {
	a := parse(t, name, data, mod)
	return reparse(t, a, p, mod)
}

// reparse returns a moved to path p: same bytes, its id derived from the new path.
func reparse(t *testing.T, a *content.Article, p string, mod time.Time) *content.Article {
	b := *a
	b.Path = p
	b.Slug = p[:len(p)-4]
	if !b.ExplicitID {
		b.ID = content.TagURI("news.example.com", content.DefaultIDDate, content.EscapePath(b.Slug))
	}
	b.ModTime = mod
	return &b
}

func recs(s *Store) map[string]Record {
	m := make(map[string]Record, len(s.recs))
	for p, r := range s.recs {
		m[p] = r.record()
	}
	return m
}
