package content

import (
	"bytes"
	"encoding/binary"
	"html"
	"io/fs"
	"math/bits"
	"strings"
)

// Body is an article's body. [Body.HTML] renders it; the zero Body renders
// as "".
//
// The body of an article parsed from its bytes ([Parse]) is kept in memory.
// The body of an article read from a file system ([ParseFile], [Index]) is
// not: it holds no file system either, only what reading it again needs, and
// [Body.Read] reads it from the folder the article came from, and only when
// the file still holds the bytes the article was parsed from (the same FNV-1a
// 128 hash). A file that changed, vanished or cannot be read since yields the
// article's summary, in one paragraph, until the article is parsed again: the
// body of another version of the file (or of another file at its path) is
// never shown under this article's title.
type Body struct {
	format Format
	unsafe bool
	// stale marks the stand-in for a body whose file no longer holds it.
	stale bool
	kept  *keptBody // the text, when the body is kept in memory
	file  *bodyFile // where to read it again, when it is not
}

// keptBody is the text of a body kept in memory. It is apart from [Body],
// so that the bodies that are not kept (every article of a folder) cost
// two pointers, not the fields of one that is.
type keptBody struct {
	src string // Markdown: the source
	// plain text: the parts, and the article image
	caption, source string
	paras           []string
	image           string
}

// bodyFile is what a body that is not kept needs to be read again.
type bodyFile struct {
	path  string
	sum   [16]byte // FNV-1a 128 of the file's bytes when parsed
	limit int64    // the largest file read
	// cut is the "# Title" line taken out of a Markdown body (as offsets
	// into the body) when the title came from it; cut[1] == 0: none.
	cut     [2]int
	summary string // rendered when the file no longer holds the body
	image   string // plain text: the article image
}

// fileSum is the hash of a file's bytes that [Article.Hash] spells in hex:
// FNV-128a, as hash/fnv computes it, with its state kept in registers
// rather than in the hash's array (a fifth less time on every file read).
func fileSum(data []byte) (sum [16]byte) {
	const (
		offsetHigh, offsetLow = 0x6c62272e07bb0142, 0x62b821756295c58d
		primeLow, primeShift  = 0x13b, 24 // the prime is 2^88 + 0x13b
	)
	hi, lo := uint64(offsetHigh), uint64(offsetLow)
	for _, c := range data {
		lo ^= uint64(c)
		carry, low := bits.Mul64(primeLow, lo)
		hi = carry + lo<<primeShift + primeLow*hi
		lo = low
	}
	binary.BigEndian.PutUint64(sum[:8], hi)
	binary.BigEndian.PutUint64(sum[8:], lo)
	return sum
}

// Kept reports whether the body is in memory, so that [Body.HTML] and
// [Body.Text] render it without [Body.Read].
func (b Body) Kept() bool { return b.file == nil }

// Read returns the body in memory, reading it from fsys — the folder the
// article was read from, such as [Folder.FS] — when it is not kept.
// complete is false when the file no longer holds the bytes the article was
// parsed from (or cannot be read): the body returned is then the article's
// summary, which is worth rendering again later rather than keeping.
func (b Body) Read(fsys fs.FS) (body Body, complete bool) {
	if b.file == nil {
		return b, !b.stale
	}
	if fsys != nil {
		if kept, ok := b.file.load(fsys, b); ok {
			return kept, true
		}
	}
	return Body{format: FormatText, stale: true, kept: &keptBody{paras: nonEmpty(b.file.summary)}}, false
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// HTML renders the body as an HTML fragment. Links and image sources are left
// as written (possibly relative to the article's URL). A body that is not kept
// renders as its summary: see [Body.Read].
func (b Body) HTML() string {
	kept, _ := b.Read(nil)
	return kept.render()
}

func (b Body) render() string {
	k := b.kept
	if k == nil {
		return ""
	}
	switch b.format {
	case FormatMarkdown:
		var buf bytes.Buffer
		if err := markdownFor(b.unsafe).Convert([]byte(k.src), &buf); err != nil {
			// goldmark's HTML renderer writes to memory and does not fail;
			// keep the text readable if it ever does.
			return "<pre>" + html.EscapeString(k.src) + "</pre>\n"
		}
		// Character references decode to what a feed cannot carry: "&#0;"
		// and "&#xD800;" to U+FFFD, "&#11;" to a control character.
		return CleanText(buf.String())
	case FormatText:
		var s strings.Builder
		if k.caption != "" || k.image != "" {
			s.WriteString("<figure>")
			if k.image != "" {
				s.WriteString(`<img src="` + html.EscapeString(k.image) + `" alt="` + html.EscapeString(k.caption) + `">`)
			}
			if k.caption != "" {
				s.WriteString("<figcaption>" + html.EscapeString(k.caption) + "</figcaption>")
			}
			s.WriteString("</figure>\n")
		}
		for _, p := range k.paras {
			s.WriteString("<p>" + html.EscapeString(p) + "</p>\n")
		}
		if k.source != "" {
			s.WriteString(`<p class="source">Source: ` + html.EscapeString(k.source) + "</p>\n")
		}
		return s.String()
	}
	return ""
}

// Text returns the body as plain text: paragraphs separated by blank lines.
// For Markdown it is the source text. A body that is not kept is its
// article's summary: see [Body.Read].
func (b Body) Text() string {
	b, _ = b.Read(nil)
	k := b.kept
	if k == nil {
		return ""
	}
	if b.format == FormatMarkdown {
		return k.src
	}
	parts := make([]string, 0, len(k.paras)+2)
	if k.caption != "" {
		parts = append(parts, k.caption)
	}
	parts = append(parts, k.paras...)
	if k.source != "" {
		parts = append(parts, "Source: "+k.source)
	}
	return strings.Join(parts, "\n\n")
}

// load reads the body of b again from its file in fsys, as parsing kept
// it. ok is false when the file no longer holds the bytes b was parsed from.
func (f *bodyFile) load(fsys fs.FS, b Body) (kept Body, ok bool) {
	data, _, err := readArticle(fsys, f.path, f.limit, nil)
	if err != nil || fileSum(data) != f.sum {
		return Body{}, false
	}
	s, _, err := decodeText(f.path, data, true)
	if err != nil {
		return Body{}, false
	}
	switch b.format {
	case FormatMarkdown:
		_, _, body, _, err := splitFrontMatter(f.path, s)
		if err != nil || f.cut[1] > len(body) || f.cut[0] > f.cut[1] {
			return Body{}, false
		}
		if f.cut[1] > 0 {
			body = body[:f.cut[0]] + body[f.cut[1]:]
		}
		return Body{format: FormatMarkdown, unsafe: b.unsafe, kept: &keptBody{src: body}}, true
	case FormatText:
		_, kept, err := parseText(f.path, s)
		if err != nil {
			return Body{}, false
		}
		kept.kept.image = f.image
		return kept, true
	}
	return Body{}, false
}
