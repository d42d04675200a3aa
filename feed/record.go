package feed

import (
	"bufio"
	"encoding/binary"
	"io"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dropfeed/dropfeed/content"
)

// Entry is what a [Publisher] records of one file it put in a [Store], so
// that it can tell later, without reading the file, whether the file holds
// what a new bundle needs, and remove only files it wrote itself.
type Entry struct {
	// ID identifies the bytes: for a text file, a hash of its body (the
	// [File.ETag] without quotes); for a media file, the size and
	// modification time of the file it was copied from ("media-SIZE-NANOS").
	// [PendingID] marks a file that a write was about to put there.
	ID string
	// Size is the body's size in bytes and GzipSize that of its gzip copy
	// (text files only); -1 when not known.
	Size, GzipSize int64
	// Source says what the file was made from: for an article page, a key
	// of the article's version and of what its pages are rendered with
	// (equal keys give equal pages); for a media file, its path in the
	// content folder. It is "" for feeds and the index.
	Source string
}

// PendingID is the [Entry.ID] of a file that a write was about to create or
// replace: it matches no bytes, so the next write puts the file again.
const PendingID = "pending"

// Change is one change to the record of what a [Store] holds: the entry
// of Path set, or removed.
type Change struct {
	Path    string
	Entry   Entry
	Removed bool
}

// Record is the record of what a [Store] holds: an [Entry] per path.
//
// It is kept for every file of a site (at 100,000 articles, some 170,000
// entries: pages, archive documents in three formats, feeds), for as long
// as a [Publisher] runs, so it is compact: a path and its entry are one
// string (the path, then the entry's fields packed), and the map holds
// two substrings of it. An entry so costs one allocation and a map slot of
// two strings, where a map of [Entry] values cost four strings' worth of
// slot and up to three allocations.
//
// The zero Record is empty and ready to use, and a nil *Record reads as
// empty (as a nil map does: Set panics). A Record is not safe for
// concurrent use, except for Get, Has, Len, All and Paths at the same time as
// each other.
type Record struct {
	m map[string]string // path -> packed entry, both in one string
}

// Len returns the number of entries.
func (r *Record) Len() int {
	if r == nil {
		return 0
	}
	return len(r.m)
}

// Has reports whether rel has an entry.
func (r *Record) Has(rel string) bool {
	if r == nil {
		return false
	}
	_, ok := r.m[rel]
	return ok
}

// Get returns the entry of rel. Its strings share the record's memory.
func (r *Record) Get(rel string) (Entry, bool) {
	if r == nil {
		return Entry{}, false
	}
	v, ok := r.m[rel]
	if !ok {
		return Entry{}, false
	}
	return unpackEntry(v), true
}

// Set sets the entry of rel.
func (r *Record) Set(rel string, e Entry) {
	if r.m == nil {
		r.m = make(map[string]string)
	}
	var head [3 * binary.MaxVarintLen64]byte
	h := binary.AppendUvarint(head[:0], uint64(len(e.ID)))
	h = binary.AppendVarint(h, e.Size)
	h = binary.AppendVarint(h, e.GzipSize)
	var b strings.Builder
	b.Grow(len(rel) + len(h) + len(e.ID) + len(e.Source))
	b.WriteString(rel)
	b.Write(h)
	b.WriteString(e.ID)
	b.WriteString(e.Source)
	s := b.String()
	r.m[s[:len(rel)]] = s[len(rel):]
}

// Clone returns a copy of r, which shares its strings.
func (r *Record) Clone() *Record {
	if r == nil {
		return new(Record)
	}
	return &Record{m: maps.Clone(r.m)}
}

// Delete removes the entry of rel, if any.
func (r *Record) Delete(rel string) {
	if r != nil {
		delete(r.m, rel)
	}
}

// All returns the paths and their entries, in no particular order.
func (r *Record) All() iter.Seq2[string, Entry] {
	return func(yield func(string, Entry) bool) {
		if r == nil {
			return
		}
		for rel, v := range r.m {
			if !yield(rel, unpackEntry(v)) {
				return
			}
		}
	}
}

// Paths returns the paths, in no particular order.
func (r *Record) Paths() iter.Seq[string] {
	return func(yield func(string) bool) {
		if r == nil {
			return
		}
		for rel := range r.m {
			if !yield(rel) {
				return
			}
		}
	}
}

// unpackEntry reads an entry packed by [Record.Set]: the ID's length
// (uvarint), the sizes (varints), the ID, and the source, to the end.
func unpackEntry(v string) Entry {
	n, k := uvarintString(v)
	v = v[k:]
	size, k := varintString(v)
	v = v[k:]
	gz, k := varintString(v)
	v = v[k:]
	return Entry{ID: v[:n], Size: size, GzipSize: gz, Source: v[n:]}
}

// uvarintString decodes a uvarint at the start of s, which [Record.Set]
// wrote, so it is well formed; it returns the value and its length.
func uvarintString(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<(7*i), i + 1
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return x, len(s)
}

// varintString is [uvarintString] for a zig-zag signed varint.
func varintString(s string) (int64, int) {
	ux, n := uvarintString(s)
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x, n
}

// The kinds of files a bundle's static tree holds, told apart by their path.
type fileKind int

const (
	kindFeed  fileKind = iota // a feed or the index, outside articles/
	kindPage                  // articles/<slug>/index.html
	kindMedia                 // any other file under articles/
)

func kindOf(rel string) fileKind {
	if !strings.HasPrefix(rel, "articles/") {
		return kindFeed
	}
	if strings.HasSuffix(rel, "/"+IndexName) {
		return kindPage
	}
	return kindMedia
}

// isText reports whether a file of this kind is a text file with a gzip copy.
func (k fileKind) isText() bool { return k != kindMedia }

// The record's text form, as [DirStore] keeps it in [ManifestName]: a
// header line, then one line per change, later lines winning:
//
//	dropfeed-manifest<TAB>2
//	ID<TAB>SIZE<TAB>GZIPSIZE<TAB>SOURCE<TAB>PATH   an entry set
//	-<TAB>PATH                                    an entry removed
//
// SOURCE and PATH escape backslash, newline and tab as \\, \n and \t, so a
// line is one record whatever a file name holds. A store that rewrites its
// record whole (a snapshot) writes one set line per entry, sorted by path.
//
// The first form of the manifest (no header; "SHA256HEX PATH" per file,
// each .gz copy on a line of its own) is still read.
const recordHeader = "dropfeed-manifest\t2"

// appendChange appends the line of one change.
func appendChange(buf []byte, c Change) []byte {
	if c.Removed {
		buf = append(buf, "-\t"...)
		return append(escapeField(buf, c.Path), '\n')
	}
	e := c.Entry
	buf = append(buf, e.ID...)
	buf = append(buf, '\t')
	buf = strconv.AppendInt(buf, e.Size, 10)
	buf = append(buf, '\t')
	buf = strconv.AppendInt(buf, e.GzipSize, 10)
	buf = append(buf, '\t')
	buf = escapeField(buf, e.Source)
	buf = append(buf, '\t')
	return append(escapeField(buf, c.Path), '\n')
}

// appendSnapshot appends the header and one line per entry, sorted by path.
func appendSnapshot(buf []byte, entries *Record) []byte {
	type pair struct {
		path string
		e    Entry
	}
	pairs := make([]pair, 0, entries.Len())
	size := len(recordHeader) + 1
	for p, e := range entries.All() {
		pairs = append(pairs, pair{p, e})
		size += len(p) + len(e.ID) + len(e.Source) + 32
	}
	slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.path, b.path) })
	buf = slices.Grow(buf, size)
	buf = append(buf, recordHeader+"\n"...)
	for _, p := range pairs {
		buf = appendChange(buf, Change{Path: p.path, Entry: p.e})
	}
	return buf
}

// parseRecord reads a record in either form. It returns the entries, the
// number of lines read after the header (which a store compares with the
// number of entries to know when to rewrite the record whole), whether it
// was in the current form, and the length of what it read: a last line
// without its newline (a write cut short) is left out. Lines it cannot read,
// and paths that are not clean relative names, are skipped.
func parseRecord(r io.Reader) (entries *Record, lines int, current bool, valid int64, err error) {
	entries = new(Record)
	br := bufio.NewReaderSize(r, 256<<10)
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it.
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err == io.EOF {
			return entries, lines, current, valid, nil
		}
		if err != nil {
			return nil, 0, false, 0, err
		}
		valid += int64(len(line))
		text := string(line[:len(line)-1])
		if first {
			first = false
			if text == recordHeader {
				current = true
				continue
			}
		}
		lines++
		if current {
			parseLine(entries, text)
		} else {
			parseLegacyLine(entries, text)
		}
	}
}

// parseLine applies one line of the current form.
func parseLine(entries *Record, text string) {
	f := strings.Split(text, "\t")
	switch {
	case len(f) == 2 && f[0] == "-":
		entries.Delete(unescapeField(f[1]))
	case len(f) == 5:
		size, err1 := strconv.ParseInt(f[1], 10, 64)
		gz, err2 := strconv.ParseInt(f[2], 10, 64)
		rel := unescapeField(f[4])
		if err1 != nil || err2 != nil || f[0] == "" || !validRecordPath(rel) {
			return
		}
		entries.Set(rel, Entry{ID: f[0], Size: size, GzipSize: gz, Source: unescapeField(f[3])})
	}
}

// parseLegacyLine applies one line of the first form: "HASH PATH", where
// the .gz copy of a text file has a line of its own (folded into the entry
// of its plain file, whose gzip size is then unknown).
func parseLegacyLine(entries *Record, text string) {
	h, q, ok := strings.Cut(text, " ")
	if !ok {
		return
	}
	rel := unquoteLegacy(q)
	if !validRecordPath(rel) {
		return
	}
	if plain, ok := strings.CutSuffix(rel, ".gz"); ok && kindOf(plain).isText() {
		// The gzip copy of a text file: a line of its own in this form. Its
		// plain file is written again when the copy was pending or the plain
		// file has no line (it is sorted before its copy).
		if !entries.Has(plain) || h == PendingID {
			entries.Set(plain, Entry{ID: PendingID, Size: -1, GzipSize: -1})
		}
		return
	}
	entries.Set(rel, Entry{ID: h, Size: -1, GzipSize: -1})
}

// validRecordPath reports whether a recorded path may name a file of the
// output: a clean relative name, not one of dropfeed's own files.
func validRecordPath(rel string) bool {
	return rel != "." && content.ValidName(rel) && rel != ManifestName && rel != lockName
}

var (
	fieldEscaper   = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`)
	fieldUnescaper = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t")
	legacyUnquoter = strings.NewReplacer(`\\`, `\`, `\n`, "\n")
)

func escapeField(buf []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\n\t") {
		return append(buf, s...)
	}
	return append(buf, fieldEscaper.Replace(s)...)
}

func unescapeField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return fieldUnescaper.Replace(s)
}

func unquoteLegacy(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	return legacyUnquoter.Replace(s)
}
