package state

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/fnv"
	"time"
	"unsafe"
)

// A record on disk is one value of the articles bucket, keyed by the file's
// path. It is written in a compact binary form (recordV1); records that
// earlier versions wrote as JSON (a value that begins with '{') are read as
// such and written again in the binary form by the next save, so that a
// state file migrates on its first open by a writer, keeping every id and date.
//
//	byte      recordV1
//	byte      flags: 1 pinned, 2 gone
//	uvarint   length of the id, then its bytes
//	16 bytes  the hash of the file's bytes (see digestOf)
//	stamp     first seen
//	stamp     changed
//	stamp     gone (only with flag 2)
//
// A stamp is a time in UTC as varint seconds since the Unix epoch and
// uvarint nanoseconds.
const recordV1 = 1

const (
	flagPinned = 1 << iota
	flagGone
)

// digest is a file's hash as the store keeps it: the 16 bytes that
// content.Article.Hash spells in hex.
type digest [16]byte

// digestOf returns the digest of an article hash: its bytes when it is 32
// hex digits (as content.Article.Hash always is), else an FNV-1a 128 hash of
// the string, so that equal hashes still have equal digests.
func digestOf(h string) digest {
	var d digest
	if len(h) == 2*len(d) {
		ok := true
		for i := range d {
			hi, lo := unhex(h[2*i]), unhex(h[2*i+1])
			if hi|lo > 0xf {
				ok = false
				break
			}
			d[i] = hi<<4 | lo
		}
		if ok {
			return d
		}
	}
	f := fnv.New128a()
	f.Write([]byte(h))
	f.Sum(d[:0])
	return d
}

// unhex returns the value of a lower-case hex digit, or 0xff.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 0xff
}

// String returns the digest in hex, as content.Article.Hash spells it.
func (d digest) String() string { return hex.EncodeToString(d[:]) }

// stamp is a time in UTC, as seconds and nanoseconds: smaller than a
// time.Time, and without a pointer.
type stamp struct {
	sec  int64
	nsec int32
	set  bool // false: the zero time.Time
}

func stampOf(t time.Time) stamp {
	if t.IsZero() {
		return stamp{}
	}
	return stamp{sec: t.Unix(), nsec: int32(t.Nanosecond()), set: true}
}

func (s stamp) time() time.Time {
	if !s.set {
		return time.Time{}
	}
	return time.Unix(s.sec, int64(s.nsec)).UTC()
}

// after reports whether s is after t.
func (s stamp) after(t stamp) bool {
	if s.set != t.set {
		return s.set // the zero time is before any other
	}
	return s.sec > t.sec || s.sec == t.sec && s.nsec > t.nsec
}

// rec is a [Record] in memory, in less space: 100,000 of them are kept.
type rec struct {
	id                    string
	hash                  digest
	first, changed, goneT stamp
	pinned                bool
	// seen is the pass of Apply that last saw the record's file.
	seen uint32
}

func (r *rec) gone() bool { return r.goneT.set }

func (r *rec) record() Record {
	return Record{ID: r.id, FirstSeen: r.first.time(), Hash: r.hash.String(), Changed: r.changed.time(), Gone: r.goneT.time(), Pinned: r.pinned}
}

func (r *rec) same(o *rec) bool {
	return r.id == o.id && r.hash == o.hash && r.first == o.first && r.changed == o.changed && r.goneT == o.goneT && r.pinned == o.pinned
}

// appendRecord appends the binary form of r.
func appendRecord(b []byte, r *rec) []byte {
	var flags byte
	if r.pinned {
		flags |= flagPinned
	}
	if r.gone() {
		flags |= flagGone
	}
	b = append(b, recordV1, flags)
	b = binary.AppendUvarint(b, uint64(len(r.id)))
	b = append(b, r.id...)
	b = append(b, r.hash[:]...)
	b = appendStamp(b, r.first)
	b = appendStamp(b, r.changed)
	if r.gone() {
		b = appendStamp(b, r.goneT)
	}
	return b
}

// maxRecordLen bounds the length of r's value as appendRecord makes it.
func maxRecordLen(r *rec) int {
	return 2 + binary.MaxVarintLen64 + len(r.id) + len(r.hash) + 3*2*binary.MaxVarintLen64
}

func appendStamp(b []byte, s stamp) []byte {
	b = binary.AppendVarint(b, s.sec)
	return binary.AppendUvarint(b, uint64(s.nsec))
}

var errRecord = errors.New("malformed record")

// decodeRecord decodes a record value into r, its id made by str from the
// value's bytes (which are valid only during the call). json reports a
// record in the JSON form of earlier versions, which the next save writes
// again.
func decodeRecord(v []byte, r *rec, str func([]byte) string) (json bool, err error) {
	if len(v) > 0 && v[0] == '{' {
		return true, decodeJSONRecord(v, r)
	}
	if len(v) < 2 || v[0] != recordV1 {
		return false, errRecord
	}
	flags := v[1]
	v = v[2:]
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return false, errRecord
	}
	v = v[k:]
	*r = rec{id: str(v[:n]), pinned: flags&flagPinned != 0}
	v = v[n:]
	if len(v) < len(r.hash) {
		return false, errRecord
	}
	copy(r.hash[:], v)
	v = v[len(r.hash):]
	for _, s := range []*stamp{&r.first, &r.changed, &r.goneT} {
		if s == &r.goneT && flags&flagGone == 0 {
			break
		}
		sec, k := binary.Varint(v)
		if k <= 0 {
			return false, errRecord
		}
		v = v[k:]
		nsec, k := binary.Uvarint(v)
		if k <= 0 || nsec >= 1e9 {
			return false, errRecord
		}
		v = v[k:]
		*s = stamp{sec: sec, nsec: int32(nsec), set: true}
	}
	if len(v) != 0 {
		return false, errRecord
	}
	return false, nil
}

// decodeJSONRecord decodes a record that an earlier version wrote as JSON.
func decodeJSONRecord(v []byte, r *rec) error {
	var j Record
	if err := json.Unmarshal(v, &j); err != nil {
		return err
	}
	*r = rec{id: j.ID, hash: digestOf(j.Hash), first: stampOf(j.FirstSeen), changed: stampOf(j.Changed),
		goneT: stampOf(j.Gone), pinned: j.Pinned}
	return nil
}

// arena holds the strings of the records read at start in a few large
// blocks rather than one allocation each. A block is never written again
// once a string points into it.
type arena struct{ block []byte }

const arenaBlock = 64 << 10

func (a *arena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > arenaBlock/8 {
		return string(b)
	}
	if cap(a.block)-len(a.block) < len(b) {
		a.block = make([]byte, 0, arenaBlock)
	}
	off := len(a.block)
	a.block = append(a.block, b...)
	return unsafe.String(&a.block[off], len(b))
}
