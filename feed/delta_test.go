package feed

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"testing"
)

// TestDeltaNamesChangedPages checks the delta of every bundle against the
// pages themselves: a page that was added, removed or whose bytes changed
// since the previous bundle is named, and the first bundle says All. Under
// -race it runs 2 of its 6 seeds: the deltas and pages are computed in the
// test's goroutine, so the other four add random cases, not concurrency,
// at ten times the cost there (the run without -race has them).
func TestDeltaNamesChangedPages(t *testing.T) {
	seeds := uint64(6)
	if raceEnabled {
		seeds = 2
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel() // each seed has its own Builder and articles
			randomSteps(t, randomSite(), seed, 30, func(step int, prev, b *Bundle) {
				d := b.Delta()
				if prev == nil {
					if !d.All() {
						t.Fatalf("step %d: the first bundle's delta = %v, want All", step, d.Pages())
					}
					return
				}
				if d.All() {
					t.Fatalf("step %d: delta All after a successful build; want the pages named", step)
				}
				named := make(map[string]bool)
				for _, p := range d.Pages() {
					named[p] = true
				}
				pages := func(b *Bundle) map[string][]byte {
					m := make(map[string][]byte)
					for _, a := range b.Articles() {
						m[PagePath(a)] = b.Page(a).Body
					}
					return m
				}
				was, is := pages(prev), pages(b)
				both := maps.Clone(was)
				maps.Copy(both, is)
				for p := range both {
					if !bytes.Equal(was[p], is[p]) && !named[p] {
						t.Errorf("step %d: page %s changed but the delta does not name it", step, p)
					}
				}
				if got, again := b.DeltaSince(prev), d; !slices.Equal(got.Pages(), again.Pages()) {
					t.Errorf("step %d: DeltaSince(previous) = %v, want Delta() = %v", step, got.Pages(), again.Pages())
				}
			})
		})
	}
}

// TestDeltaSince: the delta since an older bundle is the union of the
// deltas in between; since a bundle of another Builder, or nil, it is All.
func TestDeltaSince(t *testing.T) {
	var bundles []*Bundle
	randomSteps(t, randomSite(), 42, 12, func(_ int, _, b *Bundle) { bundles = append(bundles, b) })
	for i := 1; i < len(bundles); i++ {
		for j := i + 1; j < len(bundles); j++ {
			want := Delta{}
			for k := i + 1; k <= j; k++ {
				want = want.Merge(bundles[k].Delta())
			}
			got := bundles[j].DeltaSince(bundles[i])
			if got.All() != want.All() || !slices.Equal(got.Pages(), want.Pages()) {
				t.Errorf("bundle %d DeltaSince(bundle %d) = %v %v, want %v %v", j, i, got.All(), got.Pages(), want.All(), want.Pages())
			}
		}
	}
	other := buildTxtar(t, testSite(), serverTree)
	for name, d := range map[string]Delta{
		"nil":             bundles[3].DeltaSince(nil),
		"another Builder": bundles[3].DeltaSince(other),
		"a later bundle":  bundles[3].DeltaSince(bundles[5]),
	} {
		if !d.All() {
			t.Errorf("DeltaSince(%s) = %v, want All", name, d.Pages())
		}
	}
	if d := bundles[3].DeltaSince(bundles[3]); d.All() || d.Len() != 0 {
		t.Errorf("DeltaSince(itself) = %v %v, want nothing", d.All(), d.Pages())
	}
}

// TestSetRenderKey: a new render key makes the next delta All, and the
// pages' source keys change with it.
func TestSetRenderKey(t *testing.T) {
	arts := loadArticles(t, txtarFS(t, serverTree), testOptions())
	bl, err := NewBuilder(testSite())
	if err != nil {
		t.Fatal(err)
	}
	b1, err := bl.Build(arts)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := bl.Next(b1.Articles(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := b2.Delta(); d.All() || d.Len() != 0 {
		t.Errorf("Next without changes: delta %v %v, want none", d.All(), d.Pages())
	}
	a := arts[0]
	if b1.sourceKey(a) != b2.sourceKey(a) {
		t.Errorf("the source key of an unchanged article changed between builds")
	}
	bl.SetRenderKey("unsafe=true")
	b3, err := bl.Next(b1.Articles(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b3.Delta().All() {
		t.Errorf("the delta after SetRenderKey = %v, want All", b3.Delta().Pages())
	}
	if b3.sourceKey(a) == b2.sourceKey(a) {
		t.Errorf("the source key did not change with the render key")
	}
}
