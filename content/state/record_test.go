package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/dropfeed/dropfeed/content"
	bolt "go.etcd.io/bbolt"
)

// TestRecordRoundTrip: every record, gone or not, pinned or not, with times
// before the epoch and with nanoseconds, decodes to itself, and is no
// longer than maxRecordLen says (save sizes its buffer by it).
func TestRecordRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	times := []time.Time{t0, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(1969, 12, 31, 23, 59, 59, 999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), t0.Add(123456789)}
	for i := range 200 {
		r := rec{id: strings.Repeat("tag:x,2024:é/", rng.IntN(4)), pinned: rng.IntN(2) == 0,
			first: stampOf(times[rng.IntN(len(times))]), changed: stampOf(times[rng.IntN(len(times))])}
		for j := range r.hash {
			r.hash[j] = byte(rng.Uint32())
		}
		if rng.IntN(2) == 0 {
			r.goneT = stampOf(times[rng.IntN(len(times))])
		}
		if n, most := len(appendRecord(nil, &r)), maxRecordLen(&r); n > most {
			t.Fatalf("%d: record of %d bytes, more than maxRecordLen's %d", i, n, most)
		}
		var got rec
		old, err := decodeRecord(appendRecord(nil, &r), &got, func(b []byte) string { return string(b) })
		if err != nil || old || !got.same(&r) {
			t.Fatalf("%d: decode(append(%+v)) = %+v, %v, %v", i, r, got, old, err)
		}
		for cut := range len(appendRecord(nil, &r)) {
			if _, err := decodeRecord(appendRecord(nil, &r)[:cut], &got, func(b []byte) string { return string(b) }); err == nil {
				t.Fatalf("%d: a record cut to %d bytes decodes", i, cut)
			}
		}
	}
}

// TestDigestOf: a hash as content.Article spells it is kept as its bytes,
// and comes back the same; any other string still has a digest of its own.
func TestDigestOf(t *testing.T) {
	a := parse(t, "a.txt", undated, t0)
	if got := digestOf(a.Hash).String(); got != a.Hash {
		t.Errorf("digestOf(%s).String() = %s", a.Hash, got)
	}
	seen := map[digest]string{}
	for _, h := range []string{a.Hash, strings.ToUpper(a.Hash), "", "sha256:abc", strings.Repeat("g", 32)} {
		d := digestOf(h)
		if o, dup := seen[d]; dup {
			t.Errorf("digestOf(%q) = digestOf(%q)", h, o)
		}
		seen[d] = h
	}
}

// TestJSONRecordsMigrate: a state file whose records an earlier version
// wrote as JSON opens with every id and date as it was, stamps articles
// the same way, and is written in the binary form by the first save; a
// reader reads it without writing.
func TestJSONRecordsMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "state.db")
	undatedB := strings.Replace(undated, "The body.", "Another body.", 1)
	old := map[string]Record{
		// An undated file first seen long ago and edited since.
		"a.txt": {ID: "tag:news.example.com,2024:a", FirstSeen: t0.Add(-48 * time.Hour), Hash: parse(t, "a.txt", undated, t0).Hash, Changed: t0.Add(-24 * time.Hour)},
		// A file renamed into b.txt: its id is pinned.
		"b.txt": {ID: "tag:news.example.com,2024:old-name", FirstSeen: t0.Add(-72 * time.Hour), Hash: parse(t, "b.txt", undatedB, t0).Hash, Changed: t0.Add(-72 * time.Hour), Pinned: true},
		// A file gone a day ago.
		"gone.txt": {ID: "tag:news.example.com,2024:gone", FirstSeen: t0.Add(-96 * time.Hour), Hash: "0123456789abcdef0123456789abcdef", Changed: t0.Add(-96 * time.Hour), Gone: t0.Add(-24 * time.Hour)},
	}
	bdb, err := bolt.Open(db, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucket)
		if err != nil {
			return err
		}
		for p, r := range old {
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(p), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	bdb.Close()

	check := func(s *Store, when string) {
		t.Helper()
		if s.Len() != len(old) {
			t.Errorf("%s: %d records, want %d", when, s.Len(), len(old))
		}
		for p, want := range old {
			got, ok := s.Get(p)
			if !ok || got.ID != want.ID || got.Hash != want.Hash || got.Pinned != want.Pinned ||
				!got.FirstSeen.Equal(want.FirstSeen) || !got.Changed.Equal(want.Changed) || !got.Gone.Equal(want.Gone) {
				t.Errorf("%s: Get(%s) = %+v, %v; want %+v", when, p, got, ok, want)
			}
		}
	}
	forms := func() (jsonN, binN int) {
		t.Helper()
		bdb, err := bolt.Open(db, 0o644, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer bdb.Close()
		_ = bdb.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bucket).ForEach(func(_, v []byte) error {
				if bytes.HasPrefix(v, []byte("{")) {
					jsonN++
				} else if len(v) > 0 && v[0] == recordV1 {
					binN++
				}
				return nil
			})
		})
		return jsonN, binN
	}

	r, _, err := Open(db, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	check(r, "read-only")
	r.Close()
	if j, _ := forms(); j != len(old) {
		t.Fatalf("a reader rewrote the records: %d of %d still JSON", j, len(old))
	}

	s := open(t, db)
	check(s, "first open")
	got := apply(t, s, t0, parse(t, "a.txt", undated, t0), parse(t, "b.txt", undatedB, t0))
	if a := got["a.txt"]; a.ID != old["a.txt"].ID || !a.Published.Equal(old["a.txt"].FirstSeen) || !a.Updated.Equal(old["a.txt"].Changed) {
		t.Errorf("a.txt stamped %s %v %v, want the record's id, first-seen and changed", a.ID, a.Published, a.Updated)
	}
	if b := got["b.txt"]; b.ID != old["b.txt"].ID || !b.Published.Equal(old["b.txt"].FirstSeen) {
		t.Errorf("b.txt stamped %s %v, want its pinned id and first-seen", b.ID, b.Published)
	}
	s.Close()
	if j, b := forms(); j != 0 || b != len(old) {
		t.Fatalf("after the first save: %d JSON and %d binary records, want 0 and %d", j, b, len(old))
	}
	s = open(t, db)
	check(s, "after migrating")
}

// BenchmarkOpen reads the records of a state file of 100,000 files.
func BenchmarkOpen(b *testing.B) {
	db := filepath.Join(b.TempDir(), "state.db")
	s, _, err := Open(db, Options{})
	if err != nil {
		b.Fatal(err)
	}
	arts := benchArticles(b, 100000)
	if _, err := s.Apply(arts, t0); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for b.Loop() {
		s, _, err := Open(db, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != len(arts) {
			b.Fatalf("%d records, want %d", s.Len(), len(arts))
		}
		s.Close()
	}
}

// BenchmarkApplyUnchanged stamps 100,000 articles none of which changed
// since the records were made: a warm start's stamping.
func BenchmarkApplyUnchanged(b *testing.B) {
	s, _, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	arts := benchArticles(b, 100000)
	if _, err := s.Apply(arts, t0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Apply(arts, t0.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchArticles returns n articles sorted by path, a tenth of them undated.
func benchArticles(b *testing.B, n int) []*content.Article {
	opts := content.DefaultOptions()
	opts.IDAuthority = "news.example.com"
	arts := make([]*content.Article, n)
	for i := range arts {
		date := "date: 2025-01-02T03:04:05Z\n"
		if i%10 == 0 {
			date = ""
		}
		p := fmt.Sprintf("news/%06d-an-article.md", i)
		a, err := content.Parse(p, fmt.Appendf(nil, "---\ntitle: Article %d\n%s---\nBody %d.\n", i, date, i), t0, opts)
		if err != nil {
			b.Fatal(err)
		}
		arts[i] = a
	}
	return arts
}

// TestShareStrings: after a reopen, the first Apply makes the records of
// the files present use the articles' own strings for their paths and ids,
// and keeps every record as it was.
func TestShareStrings(t *testing.T) {
	for _, behind := range []bool{false, true} {
		t.Run(fmt.Sprint("behind=", behind), func(t *testing.T) { testShareStrings(t, behind) })
	}
}

// testShareStrings is TestShareStrings with Apply, or with ApplyBehind
// (which shares them once its records are written, beside the caller).
func testShareStrings(t *testing.T, behind bool) {
	db := filepath.Join(t.TempDir(), "state.db")
	s := open(t, db)
	var arts []*content.Article
	for i := range 20 {
		arts = append(arts, parse(t, fmt.Sprintf("d/%02d.txt", i), fmt.Sprintf("Article %d\n\nBody %d.\n\nSource: Desk\n", i, i), t0))
	}
	apply(t, s, t0, arts...)
	apply(t, s, t0.Add(time.Hour), arts[:15]...) // 15 to 19 gone
	s.Close()

	s = open(t, db)
	before := recs(s)
	if !s.blocks {
		t.Fatal("the records read at Open are not marked as being in blocks")
	}
	again := make([]*content.Article, 15)
	for i, a := range arts[:15] {
		b := *a
		b.Path, b.ID = strings.Clone(a.Path), strings.Clone(a.ID) // strings of their own, as a new parse has
		again[i] = &b
	}
	if behind {
		s.ApplyBehind(again, t0.Add(2*time.Hour))
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	} else {
		apply(t, s, t0.Add(2*time.Hour), again...)
	}
	if s.blocks {
		t.Error("the first Apply left the records' strings in blocks")
	}
	byPath := map[string]*content.Article{}
	for _, a := range again {
		byPath[a.Path] = a
	}
	for p, r := range s.recs {
		a, ok := byPath[p]
		if !ok {
			continue
		}
		if unsafe.StringData(p) != unsafe.StringData(a.Path) || unsafe.StringData(r.id) != unsafe.StringData(a.ID) {
			t.Errorf("%s: the record does not share the article's path and id", p)
		}
	}
	if got := recs(s); !maps.Equal(got, before) {
		t.Errorf("records changed by sharing:\n got %v\nwant %v", got, before)
	}
}
