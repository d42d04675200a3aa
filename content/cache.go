package content

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"runtime/debug"
	"time"
)

// The parse cache: an index entry (the stat tuple a file was read with and
// the article parsed from it) as bytes, so that a program that starts again
// over the same folder can take its articles from the cache instead of
// reading and parsing every file ([Index.Seed]). A file whose stat tuple
// changed is read again as usual, so a stale entry costs a parse, never a
// wrong article.

// cacheVersion changes whenever the encoding or what Parse makes of a file
// changes: entries of another version are not used.
const cacheVersion = 3

// CacheKey names everything a cached entry depends on: the encoding, the
// program that wrote it and the parse options. Entries made under another
// key must not be seeded.
func CacheKey(opts Options) string {
	return fmt.Sprintf("v%d %s|loc=%s|id=%s,%s|unsafe=%t|ignore=%q|max=%d,%d",
		cacheVersion, BuildStamp(), opts.loc(), opts.IDAuthority, opts.IDDate, opts.UnsafeHTML,
		opts.Ignore, opts.maxSize(), opts.maxMarkdownSize())
}

// BuildStamp names the running program's build (module version and
// revision, when it has them), for the keys of caches that a build of other
// code must not take.
func BuildStamp() string {
	build := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		build = bi.Main.Path + "@" + bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				build += " " + s.Key + "=" + s.Value
			}
		}
	}
	return build
}

// CacheEntry returns the cache entry of the file at p: its stat tuple and
// last good article. ok is false when the file has none, or its current
// state is not a good parse of what is on disk (it failed since), or its
// body is kept in memory rather than read from the file.
func (x *Index) CacheEntry(p string) (entry []byte, ok bool) {
	e, found := x.files[p]
	if !found || e.good == nil || e.err != nil || e.good.Body.file == nil {
		return nil, false
	}
	return appendEntry(make([]byte, 0, 512), e.stat, e.good), true
}

// Seed adds a cached entry for the file at p, as if it had been read: a
// later [Index.Rescan] or [Index.Update] re-reads the file only when its stat
// tuple differs from the cached one. Seed is for a new index, before its
// first scan; it fails on an entry it cannot decode (which is then ignored).
func (x *Index) Seed(p string, entry []byte) error {
	if _, ok := x.files[p]; ok || !ValidName(p) {
		return fmt.Errorf("seed %s: already known or not a valid path", p)
	}
	st, a, err := decodeEntry(entry)
	if err != nil {
		return fmt.Errorf("seed %s: %w", p, err)
	}
	if a.Path != p {
		return fmt.Errorf("seed %s: the entry is of %s", p, a.Path)
	}
	e := &indexEntry{path: p, stat: st, good: a}
	x.files[p] = e
	x.count(p, 1)
	x.pending = append(x.pending, e)
	return nil
}

func appendEntry(b []byte, st statKey, a *Article) []byte {
	b = append(b, cacheVersion)
	b = binary.AppendVarint(b, st.size)
	b = binary.AppendVarint(b, st.mtime)
	b = binary.AppendUvarint(b, st.ino)
	b = binary.AppendUvarint(b, uint64(st.mode))
	for _, s := range []string{a.Path, a.Slug, a.ID, a.Title, a.Summary, a.Image, a.Link, a.Source, a.Hash} {
		b = appendString(b, s)
	}
	b = appendStrings(b, a.Authors)
	b = appendStrings(b, a.Tags)
	b = appendStrings(b, a.Media)
	var flags uint64
	for i, f := range []bool{a.ExplicitID, a.Draft, a.Dated, a.FullContent != nil, a.FullContent != nil && *a.FullContent, a.Body.unsafe} {
		if f {
			flags |= 1 << i
		}
	}
	b = binary.AppendUvarint(b, flags)
	for _, t := range []time.Time{a.Published, a.Updated, a.ModTime} {
		b = appendTime(b, t)
	}
	b = binary.AppendUvarint(b, uint64(a.Format))
	b = binary.AppendVarint(b, a.Size)
	b = binary.AppendUvarint(b, uint64(len(a.Warnings)))
	for _, w := range a.Warnings {
		b = appendString(b, w.Path)
		b = binary.AppendVarint(b, int64(w.Line))
		b = binary.AppendVarint(b, int64(w.Column))
		b = appendString(b, w.Code)
		b = appendString(b, w.Msg)
	}
	// The body: only what reads it again from its file.
	f := a.Body.file
	b = binary.AppendUvarint(b, uint64(a.Body.format))
	b = appendString(b, a.Body.image)
	b = appendString(b, f.path)
	b = append(b, f.sum[:]...)
	b = binary.AppendVarint(b, f.limit)
	b = binary.AppendVarint(b, int64(f.cut[0]))
	b = binary.AppendVarint(b, int64(f.cut[1]))
	if f.summary == a.Summary {
		b = append(b, 1) // the same text: not twice
	} else {
		b = appendString(append(b, 0), f.summary)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return binary.AppendUvarint(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(ss))+1)
	for _, s := range ss {
		b = appendString(b, s)
	}
	return b
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

var errEntry = errors.New("malformed cache entry")

// entryReader decodes an entry; the first error sticks. Its strings are
// slices of one copy of the entry (all), not an allocation each.
type entryReader struct {
	b   []byte // what is left to read
	all string // the whole entry
	err error
}

func (r *entryReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err, r.b = errEntry, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *entryReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err, r.b = errEntry, nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *entryReader) bytes(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.err, r.b = errEntry, nil
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *entryReader) string() string {
	n := r.uvarint()
	off := len(r.all) - len(r.b)
	v := r.bytes(n)
	if v == nil {
		return ""
	}
	return r.all[off : off+len(v)]
}

func (r *entryReader) strings() []string {
	n := r.uvarint()
	if n == 0 || n > uint64(len(r.b))+1 {
		if n != 0 {
			r.err, r.b = errEntry, nil
		}
		return nil
	}
	out := make([]string, n-1)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func decodeEntry(b []byte) (statKey, *Article, error) {
	r := &entryReader{b: b, all: string(b)}
	if v := r.bytes(1); len(v) != 1 || v[0] != cacheVersion {
		return statKey{}, nil, fmt.Errorf("cache entry of another version")
	}
	var st statKey
	st.size, st.mtime = r.varint(), r.varint()
	st.ino, st.mode = r.uvarint(), fs.FileMode(r.uvarint())
	a := &Article{}
	for _, s := range []*string{&a.Path, &a.Slug, &a.ID, &a.Title, &a.Summary, &a.Image, &a.Link, &a.Source, &a.Hash} {
		*s = r.string()
	}
	a.Authors, a.Tags, a.Media = r.strings(), r.strings(), r.strings()
	flags := r.uvarint()
	bit := func(i int) bool { return flags&(1<<i) != 0 }
	a.ExplicitID, a.Draft, a.Dated = bit(0), bit(1), bit(2)
	if bit(3) {
		full := bit(4)
		a.FullContent = &full
	}
	for _, t := range []*time.Time{&a.Published, &a.Updated, &a.ModTime} {
		if v := r.bytes(1); len(v) == 1 && v[0] == 1 {
			*t = time.Unix(r.varint(), int64(r.uvarint())).UTC()
		}
	}
	a.Format = Format(r.uvarint())
	a.Size = r.varint()
	if n := r.uvarint(); n > 0 && n <= uint64(len(r.b)) {
		a.Warnings = make([]Warning, n)
		for i := range a.Warnings {
			a.Warnings[i] = Warning{Path: r.string(), Line: int(r.varint()), Column: int(r.varint()), Code: r.string(), Msg: r.string()}
		}
	} else if n > 0 {
		r.err = errEntry
	}
	f := &bodyFile{}
	a.Body = Body{format: Format(r.uvarint()), unsafe: bit(5), image: r.string(), file: f}
	f.path = r.string()
	copy(f.sum[:], r.bytes(16))
	f.limit = r.varint()
	f.cut = [2]int{int(r.varint()), int(r.varint())}
	if same := r.bytes(1); len(same) == 1 && same[0] == 1 {
		f.summary = a.Summary
	} else {
		f.summary = r.string()
	}
	if r.err != nil || len(r.b) != 0 {
		return statKey{}, nil, errEntry
	}
	return st, a, nil
}
