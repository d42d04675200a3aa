package content

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime/debug"
	"time"
	"unsafe"
)

// The parse cache: an index entry (the stat tuple a file was read with and
// the article parsed from it) as bytes, so that a program that starts again
// over the same folder can take its articles from the cache instead of
// reading and parsing every file ([Index.Seed]). A file whose stat tuple
// changed is read again as usual, so a stale entry costs a parse, never a
// wrong article.

// cacheVersion changes whenever the encoding or what Parse makes of a file
// changes: entries of another version are not used.
const cacheVersion = 4

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
	return appendEntry(make([]byte, 0, 512), e.stat, e.good, x.idPrefix()), true
}

// Seed adds a cached entry for the file at path, as if it had been read: a
// later [Index.Rescan] or [Index.Update] re-reads the file only when its stat
// tuple differs from the cached one. Seed is for a new index, before its
// first scan; it fails on an entry it cannot decode (which is then ignored).
// Neither path (the key the entry was kept under) nor entry is retained.
//
// Seeding many entries is meant to be cheap: the articles, and their
// strings, are made in large blocks rather than one allocation each, and
// entries seeded in path order are published without a sort.
func (x *Index) Seed(path, entry []byte) error {
	if x.seed == nil {
		x.seed = &seedMem{}
	}
	st, a, err := x.seed.decode(entry, x.idPrefix())
	if err != nil {
		return fmt.Errorf("seed %q: %w", path, err)
	}
	if a.Path != string(path) {
		return fmt.Errorf("seed %q: the entry is of %s", path, a.Path)
	}
	if _, ok := x.files[a.Path]; ok || !ValidName(a.Path) {
		return fmt.Errorf("seed %q: already known or not a valid path", path)
	}
	e := x.seed.entry()
	*e = indexEntry{path: a.Path, stat: st, good: a}
	x.files[a.Path] = e
	x.count(a.Path, 1)
	x.pending = append(x.pending, e)
	return nil
}

// An entry holds what is needed to make the article again without the
// file, and no string twice: a string that equals one the decoder knows
// already (the path without its extension for the slug, the derived id,
// the article's path, image and summary for the body's) is written as a 0
// length, others with their length plus one (appendLike). The file's hash
// is written as its 16 bytes, which are also the body's checksum.
func appendEntry(b []byte, st statKey, a *Article, idPrefix string) []byte {
	b = append(b, cacheVersion)
	b = binary.AppendVarint(b, st.size)
	b = binary.AppendVarint(b, st.mtime)
	b = binary.AppendUvarint(b, st.ino)
	b = binary.AppendUvarint(b, uint64(st.mode))
	f := a.Body.file
	b = appendString(b, a.Path)
	b = appendLike(b, a.Slug, trimExt(a.Path), "")
	b = appendLike(b, a.ID, idPrefix, a.Slug)
	for _, s := range []string{a.Title, a.Summary, a.Image, a.Link, a.Source} {
		b = appendString(b, s)
	}
	if hex.EncodeToString(f.sum[:]) == a.Hash {
		b = append(b, 0)
	} else {
		b = appendString(append(b, 1), a.Hash)
	}
	b = append(b, f.sum[:]...)
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
		b = appendLike(b, w.Path, a.Path, "")
		b = binary.AppendVarint(b, int64(w.Line))
		b = binary.AppendVarint(b, int64(w.Column))
		b = appendString(b, w.Code)
		b = appendString(b, w.Msg)
	}
	// The body: only what reads it again from its file.
	b = binary.AppendUvarint(b, uint64(a.Body.format))
	b = appendLike(b, f.image, a.Image, "")
	b = appendLike(b, f.path, a.Path, "")
	b = binary.AppendVarint(b, f.limit)
	b = binary.AppendVarint(b, int64(f.cut[0]))
	b = binary.AppendVarint(b, int64(f.cut[1]))
	return appendLike(b, f.summary, a.Summary, "")
}

// appendLike appends s, or only a 0 when s is like+tail.
func appendLike(b []byte, s, like, tail string) []byte {
	if len(s) == len(like)+len(tail) && s[:len(like)] == like && s[len(like):] == tail {
		return append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(s))+1)
	return append(b, s...)
}

// trimExt returns p without its extension.
func trimExt(p string) string { return p[:len(p)-len(path.Ext(p))] }

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

// seedMem hands out the memory of the articles [Index.Seed] decodes: in
// blocks of many articles, bodies, entries and strings rather than several
// allocations per article (a start seeds 100,000 of them). A block lives as
// long as one of its articles does.
type seedMem struct {
	strs    []byte // string bytes; never written again once a string points into them
	arts    []Article
	files   []bodyFile
	entries []indexEntry
	lists   []string // Authors, Tags and Media
	warns   []Warning
	intern  map[string]string // authors, tags and warnings: a few values, repeated
}

const (
	seedBlock    = 256      // articles (and bodies, entries) per block
	seedStrBlock = 64 << 10 // bytes per block of strings
)

func (m *seedMem) article() *Article {
	if len(m.arts) == 0 {
		m.arts = make([]Article, seedBlock)
	}
	a := &m.arts[0]
	m.arts = m.arts[1:]
	return a
}

func (m *seedMem) bodyFile() *bodyFile {
	if len(m.files) == 0 {
		m.files = make([]bodyFile, seedBlock)
	}
	f := &m.files[0]
	m.files = m.files[1:]
	return f
}

func (m *seedMem) entry() *indexEntry {
	if len(m.entries) == 0 {
		m.entries = make([]indexEntry, seedBlock)
	}
	e := &m.entries[0]
	m.entries = m.entries[1:]
	return e
}

// warnings returns a slice of n warnings, with no room to grow into the
// next.
func (m *seedMem) warnings(n int) []Warning {
	if n > seedBlock/4 {
		return make([]Warning, n)
	}
	if len(m.warns) < n {
		m.warns = make([]Warning, seedBlock)
	}
	w := m.warns[:n:n]
	m.warns = m.warns[n:]
	return w
}

// list returns a slice of n strings, with no room to grow into the next.
func (m *seedMem) list(n int) []string {
	if n > seedBlock {
		return make([]string, n)
	}
	if len(m.lists) < n {
		m.lists = make([]string, 4*seedBlock)
	}
	l := m.lists[:n:n]
	m.lists = m.lists[n:]
	return l
}

// string returns b as a string in a block of strings.
func (m *seedMem) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > seedStrBlock/16 {
		return string(b)
	}
	if cap(m.strs)-len(m.strs) < len(b) {
		m.strs = make([]byte, 0, seedStrBlock)
	}
	off := len(m.strs)
	m.strs = append(m.strs, b...)
	return unsafe.String(&m.strs[off], len(b))
}

// concat returns a+b as a string in a block of strings.
func (m *seedMem) concat(a, b string) string {
	n := len(a) + len(b)
	if n > seedStrBlock/16 {
		return a + b
	}
	if cap(m.strs)-len(m.strs) < n {
		m.strs = make([]byte, 0, seedStrBlock)
	}
	off := len(m.strs)
	m.strs = append(append(m.strs, a...), b...)
	return unsafe.String(&m.strs[off], n)
}

// interned returns b as a string shared by every equal one.
func (m *seedMem) interned(b []byte) string {
	if s, ok := m.intern[string(b)]; ok {
		return s
	}
	if m.intern == nil {
		m.intern = make(map[string]string)
	}
	s := m.string(b)
	m.intern[s] = s
	return s
}

// entryReader decodes an entry; the first error sticks.
type entryReader struct {
	b   []byte // what is left to read
	m   *seedMem
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

func (r *entryReader) string() string { return r.m.string(r.bytes(r.uvarint())) }

// like reads a string appendLike wrote: like+tail (like itself, sharing
// its bytes, when tail is empty), or the string written.
func (r *entryReader) like(like, tail string) string {
	n := r.uvarint()
	switch {
	case r.err != nil:
		return ""
	case n > 0:
		return r.m.string(r.bytes(n - 1))
	case tail == "":
		return like
	}
	return r.m.concat(like, tail)
}

// strings decodes a list; interned lists share equal values.
func (r *entryReader) strings(interned bool) []string {
	n := r.uvarint()
	if n == 0 || n > uint64(len(r.b))+1 {
		if n != 0 {
			r.err, r.b = errEntry, nil
		}
		return nil
	}
	out := r.m.list(int(n - 1))
	for i := range out {
		b := r.bytes(r.uvarint())
		if interned {
			out[i] = r.m.interned(b)
		} else {
			out[i] = r.m.string(b)
		}
	}
	return out
}

// decode decodes an entry (see appendEntry); idPrefix is the start of the
// ids the options derive.
func (m *seedMem) decode(b []byte, idPrefix string) (statKey, *Article, error) {
	r := &entryReader{b: b, m: m}
	if v := r.bytes(1); len(v) != 1 || v[0] != cacheVersion {
		return statKey{}, nil, fmt.Errorf("cache entry of another version")
	}
	var st statKey
	st.size, st.mtime = r.varint(), r.varint()
	st.ino, st.mode = r.uvarint(), fs.FileMode(r.uvarint())
	a := m.article()
	pathB := r.bytes(r.uvarint())
	slugN := r.uvarint()
	slugB := r.bytes(max(slugN, 1) - 1)
	idN := r.uvarint()
	idB := r.bytes(max(idN, 1) - 1)
	switch {
	case slugN == 0 && idN == 0 && len(pathB) > 0:
		// The usual article: the path, its slug and the id derived from it
		// are one string, the id's prefix then the path. (pathB is read
		// through a view, which concat copies.)
		all := m.concat(idPrefix, unsafe.String(&pathB[0], len(pathB)))
		a.Path = all[len(idPrefix):]
		a.Slug = trimExt(a.Path)
		a.ID = all[:len(idPrefix)+len(a.Slug)]
	default:
		a.Path = m.string(pathB)
		a.Slug = trimExt(a.Path)
		if slugN > 0 {
			a.Slug = m.string(slugB)
		}
		if idN > 0 {
			a.ID = m.string(idB)
		} else {
			a.ID = m.concat(idPrefix, a.Slug)
		}
	}
	for _, s := range []*string{&a.Title, &a.Summary, &a.Image, &a.Link, &a.Source} {
		*s = r.string()
	}
	hexSum := r.bytes(1)
	if len(hexSum) == 1 && hexSum[0] != 0 {
		a.Hash = r.string()
	}
	f := m.bodyFile()
	copy(f.sum[:], r.bytes(16))
	if len(hexSum) == 1 && hexSum[0] == 0 {
		var h [32]byte
		hex.Encode(h[:], f.sum[:])
		a.Hash = m.string(h[:])
	}
	a.Authors, a.Tags, a.Media = r.strings(true), r.strings(true), r.strings(false)
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
		// Most warnings say the same thing of many files (no date): their
		// text is interned.
		a.Warnings = m.warnings(int(n))
		for i := range a.Warnings {
			a.Warnings[i] = Warning{Path: r.like(a.Path, ""), Line: int(r.varint()), Column: int(r.varint()),
				Code: r.m.interned(r.bytes(r.uvarint())), Msg: r.m.interned(r.bytes(r.uvarint()))}
		}
	} else if n > 0 {
		r.err = errEntry
	}
	a.Body = Body{format: Format(r.uvarint()), unsafe: bit(5), file: f}
	f.image = r.like(a.Image, "")
	f.path = r.like(a.Path, "")
	f.limit = r.varint()
	f.cut = [2]int{int(r.varint()), int(r.varint())}
	f.summary = r.like(a.Summary, "")
	if r.err != nil || len(r.b) != 0 {
		return statKey{}, nil, errEntry
	}
	return st, a, nil
}
