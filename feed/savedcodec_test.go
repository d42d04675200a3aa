package feed

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// fillSaved sets every field of v (a Saved, recursively) to a value that
// is not its zero value, each one different: lists get two elements,
// pointers a value. Filled by reflection, so that a field added to Saved
// that the codec forgets fails TestSavedCodecRoundTrip.
func fillSaved(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d\u00e9", *n))
	case reflect.Int, reflect.Int32, reflect.Int64:
		// Negative and positive, small and large.
		x := int64(*n) * 1000003
		if *n%2 == 0 {
			x = -x
		}
		if v.Kind() == reflect.Int32 {
			x %= 1 << 31
		}
		v.SetInt(x)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Uint8:
		v.SetUint(uint64(*n%255 + 1))
	case reflect.Array:
		for i := range v.Len() {
			fillSaved(t, v.Index(i), n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fillSaved(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillSaved(t, p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		for _, field := range v.Fields() {
			fillSaved(t, field, n)
		}
	default:
		t.Fatalf("fillSaved: no rule for %s", v.Type())
	}
}

// exampleSaved is what a Builder of the example site, with tag feeds,
// saves after building the example articles.
func exampleSaved(t *testing.T) *Saved {
	t.Helper()
	site := exampleSite()
	site.NoTagFeeds = false
	bl, err := NewBuilder(site)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bl.Build(exampleArticles(t)); err != nil {
		t.Fatal(err)
	}
	return bl.Save()
}

// TestSavedCodecRoundTrip: what WriteSaved writes, readSaved reads back
// equal, field for field, with every field of Saved set; and equal for the
// record a real Builder saves.
func TestSavedCodecRoundTrip(t *testing.T) {
	var full Saved
	n := 0
	fillSaved(t, reflect.ValueOf(&full).Elem(), &n)
	// A body larger than the decoder's buffer, read past it.
	full.Sets[1].Files[0].Body = bytes.Repeat([]byte("<item/>"), 160_000)
	// A lazily cut archive's document has no pages: zero values too.
	full.Sets[0].Archive.Docs[1] = SavedDoc{}
	full.Sets[1].Archive = nil

	real := exampleSaved(t)
	if len(real.Sets) == 0 || len(real.Pages) == 0 {
		t.Fatalf("the example build saved %d sets and %d pages, want some of each", len(real.Sets), len(real.Pages))
	}

	for name, sv := range map[string]*Saved{"every field set": &full, "a build's": real, "empty": {}, "taken": {Taken: true}} {
		path := filepath.Join(t.TempDir(), "state.db.feeds")
		if err := WriteSaved(path, sv); err != nil {
			t.Fatal(err)
		}
		got, err := readSaved(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := firstDiff(reflect.ValueOf(got).Elem(), reflect.ValueOf(sv).Elem(), "Saved"); d != "" {
			t.Errorf("%s: read back with %s", name, d)
		}
	}
}

// firstDiff names the first field where a and b differ, or returns "".
func firstDiff(a, b reflect.Value, path string) string {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil %v, want nil %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		return firstDiff(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if d := firstDiff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Kind() == reflect.Slice && a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v, want nil %v", path, a.IsNil(), b.IsNil())
		}
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d, want %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := firstDiff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !a.Equal(b) {
		return fmt.Sprintf("%s: %.60v, want %.60v", path, a, b)
	}
	return ""
}

// savedFile returns the bytes of the file WriteSaved writes for sv.
func savedFile(t testing.TB, sv *Saved) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db.feeds")
	if err := WriteSaved(path, sv); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSavedCodecCorrupt: a file cut short anywhere, or with any byte
// changed, reads as an error (the checksum, or the decoder's bounds), never
// as a record, and never panics.
func TestSavedCodecCorrupt(t *testing.T) {
	good := savedFile(t, exampleSaved(t))
	// Each damaged copy is decoded in memory, as readSaved decodes what
	// follows the magic line; one goes through the file too.
	try := func(what string, b []byte) {
		t.Helper()
		if sv, err := decodeSaved(bytes.NewReader(b[len(savedMagic):]), int64(len(b)-len(savedMagic))); err == nil {
			t.Fatalf("%s: read a record (%d sets), want an error", what, len(sv.Sets))
		}
	}
	step := max(1, len(good)/1000) // every byte of a small file, some 1,000 places of a larger one
	flipped := bytes.Clone(good)
	for i := len(savedMagic); i < len(good); i += step {
		try(fmt.Sprintf("cut at %d of %d", i, len(good)), good[:i])
		flipped[i] ^= 0x20
		try(fmt.Sprintf("byte %d of %d changed", i, len(good)), flipped)
		flipped[i] ^= 0x20
	}
	try("a byte more", append(bytes.Clone(good), 0))
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readSaved(bad); err == nil {
		t.Fatal("read a record from a file cut in half, want an error")
	}
}

// FuzzDecodeSaved: whatever the bytes after the magic line, decodeSaved
// returns a record or an error without panicking, and a record only when
// it encodes back to the same bytes.
func FuzzDecodeSaved(f *testing.F) {
	for _, sv := range []*Saved{{}, {Taken: true}, {Key: "k", Floor: 7, Pages: []SavedPage{{Slug: "a", Version: "v", Since: 3}},
		Sets: []SavedSet{{Prefix: "tags/x/", Files: []SavedFile{{Path: "rss.xml", Body: []byte("<rss/>")}}, Archive: &SavedArchive{Docs: []SavedDoc{{Hi: 2}}}}}}} {
		f.Add(savedFile(f, sv)[len(savedMagic):])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sv, err := decodeSaved(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !errors.Is(err, errSavedCorrupt) {
				t.Fatalf("error %v, want one that wraps errSavedCorrupt", err)
			}
			return
		}
		if !bytes.Equal(savedFile(t, sv)[len(savedMagic):], b) {
			t.Fatalf("decoded a record that encodes to other bytes")
		}
	})
}

// TestReadSavedGob: the gob stream that versions before the current format
// wrote is still read, so that the first start of an upgrade keeps the
// times of the documents (and then saves in the current format).
func TestReadSavedGob(t *testing.T) {
	sv := exampleSaved(t)
	// As WriteSaved wrote it before: the record without its sets, their
	// count, then each set.
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	enc := gob.NewEncoder(w)
	head := *sv
	head.Sets = nil
	if err := enc.Encode(&head); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(len(sv.Sets)); err != nil {
		t.Fatal(err)
	}
	for i := range sv.Sets {
		if err := enc.Encode(&sv.Sets[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "state.db.feeds")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	got := ReadSaved(path)
	if got == nil || got.Taken || !reflect.DeepEqual(got, sv) {
		t.Fatalf("ReadSaved of a gob stream = %+v, want %+v", got, sv)
	}
	if err := WriteSaved(path, got); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || !bytes.HasPrefix(b, []byte(savedMagic)) {
		t.Fatalf("saved again in %.30q, err %v, want the current format", b, err)
	}
}

// TestReadSavedHead: ReadSavedHead's head is the record ReadSaved reads
// without its pages, or nil where ReadSaved gives nil or a record marked
// Taken (no file, a taken record, a corrupt file: a damaged page, past the
// head, included); its rest gives what ReadSaved gives and leaves the file
// marked Taken as ReadSaved does.
func TestReadSavedHead(t *testing.T) {
	good := savedFile(t, exampleSaved(t))
	damaged := bytes.Clone(good)
	damaged[len(damaged)-3] ^= 0x20 // in the last page
	for _, c := range []struct {
		name     string
		file     []byte // nil: no file
		wantHead bool
	}{
		{"a build's record", good, true},
		{"no file", nil, false},
		{"a taken record", savedFile(t, &Saved{Taken: true}), false},
		{"a page damaged", damaged, false},
		{"cut short", good[:len(good)-1], false},
	} {
		dir := t.TempDir()
		one, two := filepath.Join(dir, "one"), filepath.Join(dir, "two")
		for _, p := range []string{one, two} {
			if c.file != nil {
				if err := os.WriteFile(p, c.file, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := ReadSaved(one)
		head, rest := ReadSavedHead(two)
		if (head != nil) != c.wantHead {
			t.Fatalf("%s: head %v, want one: %v", c.name, head != nil, c.wantHead)
		}
		if head != nil {
			if head.Pages != nil {
				t.Errorf("%s: the head has %d pages already", c.name, len(head.Pages))
			}
			h, w := *head, *want
			w.Pages = nil
			if d := firstDiff(reflect.ValueOf(h), reflect.ValueOf(w), "Saved"); d != "" {
				t.Errorf("%s: head differs from ReadSaved's record without its pages: %s", c.name, d)
			}
		}
		got := rest()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rest() = %+v, want ReadSaved's %+v", c.name, got != nil, want != nil)
		}
		left1, err1 := os.ReadFile(one)
		left2, err2 := os.ReadFile(two)
		if !bytes.Equal(left1, left2) || (err1 == nil) != (err2 == nil) {
			t.Errorf("%s: ReadSavedHead left %d bytes (%v), ReadSaved %d (%v)", c.name, len(left2), err2, len(left1), err1)
		}
	}
}
