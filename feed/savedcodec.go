package feed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
)

// The file [WriteSaved] writes is the magic line, the CRC-32C of all that
// follows it (4 bytes, little-endian), then the record: its fields in a
// fixed order, integers as varints, strings and bytes as a uvarint length
// and the bytes, lists as a uvarint count and the elements, the page list
// last. A file without the magic line is the gob stream earlier versions
// wrote, still read (readSavedGob) so that an upgrade keeps the times.
//
// gob took about 250 ms of a warm start at 100,000 articles to read its
// 29 MB (each body copied three times, each of the 100,000 pages' fields
// decoded through reflection), on one of the two cores the start keeps
// busy; this format reads the file once, copying each body and string out
// of a 1 MB buffer.
const savedMagic = "dropfeed saved feeds v2\n"

// savedCRC is the checksum's polynomial (Castagnoli: in hardware on amd64
// and arm64).
var savedCRC = crc32.MakeTable(crc32.Castagnoli)

// errSavedCorrupt is the error of a file that does not decode, or whose
// checksum does not match.
var errSavedCorrupt = errors.New("saved feeds: corrupt file")

// crcWriter writes to w, keeping the checksum of what it wrote.
type crcWriter struct {
	w   io.Writer
	sum uint32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.sum = crc32.Update(c.sum, savedCRC, p[:n])
	return n, err
}

// crcReader reads from r, keeping the checksum of what it read.
type crcReader struct {
	r   io.Reader
	sum uint32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sum = crc32.Update(c.sum, savedCRC, p[:n])
	return n, err
}

// encodeSaved writes sv to f (at its start, f being new and empty) in the
// format above.
func encodeSaved(f *os.File, sv *Saved) error {
	if _, err := f.WriteString(savedMagic + "\x00\x00\x00\x00"); err != nil {
		return err
	}
	cw := &crcWriter{w: f}
	e := &savedEncoder{w: bufio.NewWriterSize(cw, 1<<20)}
	e.str(sv.Key)
	e.str(sv.IndexKey)
	e.varint(sv.Floor)
	e.bool(sv.Taken)
	e.file(&sv.Index)
	e.uvarint(uint64(len(sv.Mods)))
	for i := range sv.Mods {
		m := &sv.Mods[i]
		e.str(m.Path)
		e.str(m.ETag)
		e.varint(m.Mod)
	}
	e.uvarint(uint64(len(sv.Sets)))
	for i := range sv.Sets {
		s := &sv.Sets[i]
		e.str(s.Prefix)
		e.str(s.Sig)
		e.uvarint(uint64(len(s.Files)))
		for j := range s.Files {
			e.file(&s.Files[j])
		}
		e.bool(s.Archive != nil)
		if a := s.Archive; a != nil {
			e.varint(int64(a.Base))
			e.varint(int64(a.Cur))
			e.bytes(a.TailSum[:])
			e.str(a.HeadKey)
			e.uvarint(uint64(len(a.Docs)))
			for k := range a.Docs {
				d := &a.Docs[k]
				e.varint(int64(d.Lo))
				e.varint(int64(d.Hi))
				e.varint(int64(d.Page))
				e.varint(int64(d.Part))
				e.bool(d.Halved)
				e.bytes(d.Sum[:])
				for _, k := range d.Keys {
					e.bytes(k[:])
				}
				for _, m := range d.Mods {
					e.varint(m)
				}
			}
		}
	}
	e.uvarint(uint64(len(sv.Pages)))
	for i := range sv.Pages {
		p := &sv.Pages[i]
		e.str(p.Slug)
		e.str(p.Version)
		e.varint(p.Since)
		for _, s := range p.Sizes {
			e.varint(int64(s))
		}
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return e.err
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], cw.sum)
	_, err := f.WriteAt(sum[:], int64(len(savedMagic)))
	return err
}

// savedEncoder writes the fields of a record; the first error sticks.
type savedEncoder struct {
	w   *bufio.Writer
	err error
	buf [binary.MaxVarintLen64]byte
}

func (e *savedEncoder) uvarint(u uint64) {
	if e.err == nil {
		_, e.err = e.w.Write(binary.AppendUvarint(e.buf[:0], u))
	}
}

func (e *savedEncoder) varint(i int64) {
	if e.err == nil {
		_, e.err = e.w.Write(binary.AppendVarint(e.buf[:0], i))
	}
}

func (e *savedEncoder) bool(b bool) {
	if e.err == nil {
		var c byte
		if b {
			c = 1
		}
		e.err = e.w.WriteByte(c)
	}
}

func (e *savedEncoder) str(s string) {
	e.uvarint(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

func (e *savedEncoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *savedEncoder) file(f *SavedFile) {
	e.str(f.Path)
	e.str(f.ContentType)
	e.str(f.Link)
	e.str(f.ETag)
	e.str(f.GzipETag)
	e.bytes(f.Body)
	e.bytes(f.Gzip)
}

// decodeSaved reads the record of a file in the format above from r, which
// is positioned after the magic line and holds size bytes from there (the
// checksum and the record). Whatever the bytes, it returns an error rather
// than a record they do not checksum to, and allocates no more than size
// bytes or so for the record's lists and strings.
func decodeSaved(r io.Reader, size int64) (*Saved, error) {
	sr, err := decodeSavedHead(r, size)
	if err != nil {
		return nil, err
	}
	return sr.rest()
}

// savedRest is a record decoded up to its list of pages, the last and
// longest part of the file (a million pages at a million articles).
type savedRest struct {
	sv   *Saved
	d    *savedDecoder
	cr   *crcReader
	want uint32 // the checksum the file gives
}

// decodeSavedHead decodes a record as decodeSaved does, up to its pages:
// rest decodes them into the same record. A caller that uses the head
// before rest has checked the checksum must check it first (see
// [ReadSavedHead]).
func decodeSavedHead(r io.Reader, size int64) (*savedRest, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, errSavedCorrupt
	}
	cr := &crcReader{r: r}
	d := &savedDecoder{r: bufio.NewReaderSize(cr, 1<<20), left: size - int64(len(head))}
	sv := &Saved{}
	sv.Key = d.str()
	sv.IndexKey = d.str()
	sv.Floor = d.varint()
	sv.Taken = d.bool()
	d.file(&sv.Index)
	sv.Mods = savedList[SavedMod](d.count(3))
	for i := range sv.Mods {
		m := &sv.Mods[i]
		m.Path, m.ETag, m.Mod = d.str(), d.str(), d.varint()
	}
	sv.Sets = savedList[SavedSet](d.count(4))
	for i := range sv.Sets {
		s := &sv.Sets[i]
		s.Prefix, s.Sig = d.str(), d.str()
		s.Files = savedList[SavedFile](d.count(7))
		for j := range s.Files {
			d.file(&s.Files[j])
		}
		if d.bool() {
			a := &SavedArchive{Base: d.int(), Cur: d.int()}
			d.sum(&a.TailSum)
			a.HeadKey = d.str()
			a.Docs = savedList[SavedDoc](d.count(13))
			for k := range a.Docs {
				doc := &a.Docs[k]
				doc.Lo, doc.Hi, doc.Page, doc.Part = d.int(), d.int(), d.int(), d.int()
				doc.Halved = d.bool()
				d.sum(&doc.Sum)
				for x := range doc.Keys {
					d.sum(&doc.Keys[x])
				}
				for x := range doc.Mods {
					doc.Mods[x] = d.varint()
				}
			}
			s.Archive = a
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return &savedRest{sv: sv, d: d, cr: cr, want: binary.LittleEndian.Uint32(head[:])}, nil
}

// rest decodes the pages into the record and checks the checksum.
func (sr *savedRest) rest() (*Saved, error) {
	d, sv := sr.d, sr.sv
	sv.Pages = savedList[SavedPage](d.count(6))
	for i := range sv.Pages {
		p := &sv.Pages[i]
		p.Slug, p.Version, p.Since = d.str(), d.str(), d.varint()
		for x := range p.Sizes {
			v := d.varint()
			if v < math.MinInt32 || v > math.MaxInt32 {
				d.fail()
			}
			p.Sizes[x] = int32(v)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if _, err := d.r.ReadByte(); err != io.EOF || d.left != 0 {
		return nil, fmt.Errorf("%w: bytes after the record", errSavedCorrupt)
	}
	if sr.cr.sum != sr.want {
		return nil, fmt.Errorf("%w: checksum mismatch", errSavedCorrupt)
	}
	return sv, nil
}

// checkSaved reads r (positioned after the magic line, holding size bytes
// from there) to its end and reports whether the checksum matches.
func checkSaved(r io.Reader, size int64) bool {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return false
	}
	cr := &crcReader{r: r}
	// io.Discard hidden, so that its ReadFrom does not read in 8 KB calls.
	n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, cr, make([]byte, 1<<20))
	return err == nil && n == size-int64(len(head)) && cr.sum == binary.LittleEndian.Uint32(head[:])
}

// savedList makes a list of n elements; nil for none, as gob decoded an empty
// list.
func savedList[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, n)
}

// savedDecoder reads the fields of a record; after the first error every
// read returns a zero value. left is what the file holds past what was read.
type savedDecoder struct {
	r    *bufio.Reader
	left int64
	err  error
}

func (d *savedDecoder) fail() {
	if d.err == nil {
		d.err = errSavedCorrupt
	}
}

func (d *savedDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	u, err := binary.ReadUvarint(d)
	if err != nil {
		d.fail()
		return 0
	}
	return u
}

// ReadByte makes d an io.ByteReader for the varints, counting the byte.
func (d *savedDecoder) ReadByte() (byte, error) {
	c, err := d.r.ReadByte()
	if err == nil {
		d.left--
	}
	return c, err
}

// varint reads a signed varint: a uvarint holding the value zig-zag
// encoded, as binary.AppendVarint writes it.
func (d *savedDecoder) varint() int64 {
	u := d.uvarint()
	i := int64(u >> 1)
	if u&1 != 0 {
		i = ^i
	}
	return i
}

func (d *savedDecoder) int() int {
	i := d.varint()
	if i < math.MinInt || i > math.MaxInt {
		d.fail()
		return 0
	}
	return int(i)
}

func (d *savedDecoder) bool() bool {
	switch d.uvarint() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail()
	return false
}

// count reads the length of a list whose elements take at least min bytes
// each: a count the bytes left cannot hold is corrupt (and is not made).
func (d *savedDecoder) count(min int64) int {
	n := d.uvarint()
	if d.err == nil && n > uint64(max(d.left, 0)/min) {
		d.fail()
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

// next reads the next n bytes (a length read before), into a new slice,
// or nil when n is 0.
func (d *savedDecoder) next(n int) []byte {
	if d.err != nil || n == 0 {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail()
		return nil
	}
	d.left -= int64(n)
	return b
}

func (d *savedDecoder) str() string {
	n := d.count(1)
	if d.err != nil || n == 0 {
		return ""
	}
	if b, err := d.r.Peek(n); err == nil { // one copy, out of the buffer
		s := string(b)
		_, _ = d.r.Discard(n)
		d.left -= int64(n)
		return s
	}
	return string(d.next(n))
}

func (d *savedDecoder) bytes() []byte { return d.next(d.count(1)) }

func (d *savedDecoder) sum(s *versionSum) {
	if d.count(1) != len(s) {
		d.fail()
		return
	}
	if _, err := io.ReadFull(d.r, s[:]); err != nil {
		d.fail()
		return
	}
	d.left -= int64(len(s))
}

func (d *savedDecoder) file(f *SavedFile) {
	f.Path, f.ContentType, f.Link, f.ETag, f.GzipETag = d.str(), d.str(), d.str(), d.str(), d.str()
	f.Body, f.Gzip = d.bytes(), d.bytes()
}
