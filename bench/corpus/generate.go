package corpus

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// File is one generated article.
type File struct {
	// Path is slash-separated and relative to the corpus root, for example
	// "2025/03/000042-slug.md", "business/2025/000043-slug.txt" or
	// "000044-slug.txt".
	Path string
	// Data is the whole file.
	Data []byte
	// ModTime is the modification time to give the file: the publication
	// time plus a small lag, in whole seconds, never after Options.Now.
	ModTime time.Time
	// Draft reports a "draft: true" front matter key or a "Draft: true"
	// header line.
	Draft bool
	// Future reports a declared date (front matter date or a Date header
	// line) after Options.Now.
	Future bool
}

// Size limits of every file, quirks included.
const (
	MinSize = 2100
	MaxSize = 8000
)

// minTarget is the low end of the log-uniform size target; files stop at
// the last whole block that fits, so they come out a little below it.
const minTarget = 2300

// Generate returns article i of the corpus that opt selects. The result
// depends only on i and opt (not on opt.N), so a corpus of N articles is the
// first N of any larger one. It panics if i is negative or opt is invalid
// (see [Options.Validate]).
func Generate(i int, opt Options) File {
	if i < 0 {
		panic("corpus: negative article index " + strconv.Itoa(i))
	}
	if err := opt.Validate(); err != nil {
		panic(err)
	}
	b := builders.Get().(*builder)
	defer builders.Put(b)
	f := b.article(i, opt.normalized())
	f.Data = bytes.Clone(f.Data)
	return f
}

// builders keeps Generate from growing fresh buffers for every article.
var builders = sync.Pool{New: func() any { return new(builder) }}

type language struct {
	code     string
	permille int // share of articles
	g        *grammar
	spaced   bool   // sentences are separated by a space (not Chinese or Japanese)
	stop     string // sentence end used after captions
}

var languages = sync.OnceValue(func() []language {
	ls := []language{
		{"en", 770, newGrammar(shared, english), true, "."},
		{"fr", 45, newGrammar(shared, french), true, "."},
		{"de", 45, newGrammar(shared, german), true, "."},
		{"es", 40, newGrammar(shared, spanish), true, "."},
		{"ru", 30, newGrammar(shared, russian), true, "."},
		{"zh", 25, newGrammar(shared, chinese), false, "。"},
		{"ja", 25, newGrammar(shared, japanese), false, "。"},
		{"ar", 20, newGrammar(shared, arabic), true, "."},
	}
	total := 0
	for _, l := range ls {
		total += l.permille
	}
	if total != 1000 {
		panic("corpus: language shares do not add up to 1000")
	}
	return ls
})

func pickLanguage(r *rng) *language {
	ls := languages()
	x := r.intn(1000)
	for k := range ls {
		if x < ls[k].permille {
			return &ls[k]
		}
		x -= ls[k].permille
	}
	return &ls[0]
}

// zones are the offsets of declared dates: whole hours and the odd ones
// (+05:45 Nepal, +12:45 Chatham, -09:30 Marquesas, -03:30 Newfoundland).
var zones = func() []*time.Location {
	var zs []*time.Location
	for _, min := range []int{0, 0, 0, 60, 120, 180, 330, 345, 480, 540, 570, 600, 765, 780,
		-180, -210, -240, -300, -420, -480, -570, -600} {
		zs = append(zs, time.FixedZone("", min*60))
	}
	return zs
}()

var sections = []string{"world", "business", "tech", "culture", "sport"}

var monthAbbr = []string{"Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}

// builder holds the buffers of one generator; Write keeps one per worker.
type builder struct {
	r     rng
	l     *language
	out   []byte // the file
	blk   []byte // the block being made, '\n' line ends
	tmp   []byte // blk after transform
	tail  []byte
	title []byte
	crlf  bool // write "\r\n" line ends
	curly bool // write ’ for '
}

// article makes article i into b.out and returns it as a File whose Data
// aliases b.out. opt must be valid and normalized.
func (b *builder) article(i int, opt Options) File {
	b.r = newRNG(opt.Seed, i)
	r := &b.r
	var md bool
	switch opt.Format {
	case "md":
		md = true
	case "text":
		md = false
	default:
		md = r.float() < opt.MDShare
	}
	b.l = pickLanguage(r)

	// Dates. Text articles without a header carry no date: their mtime is it.
	var hdr header
	if !md && r.odds(0.07) {
		hdr = b.drawHeader()
	}
	future := 0.012 // Markdown
	if !md {
		future = 0.06 // so that tests of the header format have some
		if !hdr.date {
			future = 0
		}
	}
	base := opt.Now.Truncate(time.Second)
	var f File
	pub := base.Add(-time.Duration(r.between(1, 730*86400)) * time.Second)
	if r.odds(future) {
		pub = base.Add(time.Duration(r.between(3600, 60*86400)) * time.Second)
		f.Future = true
	}
	lag := r.lag()
	if f.Future {
		f.ModTime = base.Add(-lag) // scheduled: written before it is due
	} else {
		f.ModTime = earlier(pub.Add(lag), base)
	}
	if r.odds(0.06) {
		pub = pub.Add(time.Duration(r.between(1, 999)) * time.Millisecond)
	}
	zone := zones[r.intn(len(zones))]

	b.title = upperFirst(b.l.g.gen(b.title[:0], r, "title"), 0)
	if md && r.odds(0.05) {
		b.title = b.l.g.gen(append(b.title, ' '), r, "emoji")
	}
	title := string(b.title)
	target := int(minTarget * math.Exp(r.float()*math.Log(float64(MaxSize)/minTarget)))

	// Path: 55% YYYY/MM/, 15% SECTION/YYYY/, 30% at the top.
	u := pub.UTC()
	var p []byte
	switch x := r.intn(100); {
	case x < 55:
		p = appendInt(p, u.Year(), 4)
		p = append(p, '/')
		p = appendInt(p, int(u.Month()), 2)
		p = append(p, '/')
	case x < 70:
		p = append(p, sections[r.intn(len(sections))]...)
		p = append(p, '/')
		p = appendInt(p, u.Year(), 4)
		p = append(p, '/')
	}
	p = appendInt(p, i, 6)
	p = append(p, '-')
	slugAt := len(p)
	p = appendSlug(p, title, b.l.code)
	slug := string(p[slugAt:])
	if md {
		p = append(p, ".md"...)
	} else {
		p = append(p, ".txt"...)
	}
	f.Path = string(p)

	d := dates{pub: pub.In(zone), base: base, future: f.Future}
	if md {
		f.Draft = b.markdown(opt, d, title, slug, target)
	} else {
		f.Draft = b.text(opt, hdr, d, title, slug, target)
	}
	f.Data = b.out
	return f
}

type dates struct {
	pub    time.Time // in the article's zone
	base   time.Time // Options.Now in whole seconds
	future bool
}

// lag returns how long after publication a file was last written:
// minutes mostly, sometimes a day or so, rarely weeks.
func (r *rng) lag() time.Duration {
	var s int
	switch x := r.intn(100); {
	case x < 68:
		s = r.between(1, 15*60)
	case x < 94:
		s = r.between(15*60, 36*3600)
	default:
		s = r.between(36*3600, 45*86400)
	}
	return time.Duration(s) * time.Second
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// appendInt appends n in decimal, zero-padded to width digits.
func appendInt(b []byte, n, width int) []byte {
	var a [20]byte
	s := strconv.AppendInt(a[:0], int64(n), 10)
	for k := len(s); k < width; k++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// transform returns blk with the article's line ends and apostrophes.
func (b *builder) transform(blk []byte) []byte {
	if !b.crlf && !b.curly {
		return blk
	}
	t := b.tmp[:0]
	for _, c := range blk {
		switch {
		case c == '\n' && b.crlf:
			t = append(t, '\r', '\n')
		case c == '\'' && b.curly:
			if n := len(t); n == 0 || t[n-1] == ' ' || t[n-1] == '\n' || t[n-1] == '(' {
				t = append(t, "‘"...) // opening
			} else {
				t = append(t, "’"...) // apostrophe or closing
			}
		default:
			t = append(t, c)
		}
	}
	b.tmp = t
	return t
}

// commit appends blk, transformed, to the file.
func (b *builder) commit(blk []byte) { b.out = append(b.out, b.transform(blk)...) }

func (b *builder) nl() int {
	if b.crlf {
		return 2
	}
	return 1
}

// sentence appends one sentence with its first letter upper-cased.
func (b *builder) sentence(blk []byte) []byte {
	from := len(blk)
	return upperFirst(b.l.g.gen(blk, &b.r, "sentence"), from)
}

// paragraph appends a paragraph of a few sentences; in Markdown some are
// emphasized and some paragraphs end with a link or an emoji.
func (b *builder) paragraph(blk []byte, md, rel bool) []byte {
	r, g := &b.r, b.l.g
	n := r.between(2, 5)
	if !b.l.spaced {
		n = r.between(3, 7)
	}
	for s := range n {
		if s > 0 && b.l.spaced {
			blk = append(blk, ' ')
		}
		var mark string
		if md {
			switch x := r.intn(100); {
			case x < 7:
				mark = "*"
			case x < 11:
				mark = "**"
			case x < 13:
				mark = "_"
			}
		}
		blk = append(blk, mark...)
		blk = b.sentence(blk)
		blk = append(blk, mark...)
	}
	sep := ""
	if b.l.spaced {
		sep = " "
	}
	if md && r.odds(0.25) {
		blk = g.gen(append(blk, sep...), r, "mdlink")
	}
	if rel {
		blk = g.gen(append(blk, sep...), r, "rellink")
	}
	if md && r.odds(0.08) {
		blk = g.gen(append(blk, ' '), r, "emoji")
	}
	return blk
}

// header is the set of header lines of a plain-text article.
type header struct {
	any, date, updated, author, tags, id, summary, image, link, draft bool
}

func (b *builder) drawHeader() header {
	r := &b.r
	h := header{
		date:    r.odds(0.88),
		updated: r.odds(0.12),
		author:  r.odds(0.65),
		tags:    r.odds(0.5),
		id:      r.odds(0.12),
		summary: r.odds(0.15),
		image:   r.odds(0.12),
		link:    r.odds(0.1),
		draft:   r.odds(0.08),
	}
	if !(h.updated || h.author || h.tags || h.id || h.summary || h.image || h.link || h.draft) {
		h.date = true
	}
	h.any = true
	return h
}

// key appends a header key, mostly as written in the spec, sometimes in
// lower or upper case (keys are case-insensitive).
func (b *builder) key(blk []byte, k string) []byte {
	switch x := b.r.intn(20); {
	case x == 0:
		blk = append(blk, strings.ToLower(k)...)
	case x == 1:
		blk = append(blk, strings.ToUpper(k)...)
	default:
		blk = append(blk, k...)
	}
	return append(blk, ": "...)
}

func appendDate(blk []byte, t time.Time) []byte {
	if t.Nanosecond() != 0 {
		return t.AppendFormat(blk, time.RFC3339Nano)
	}
	return t.AppendFormat(blk, time.RFC3339)
}

// text makes a plain-text article into b.out and reports whether it is a
// draft.
//
//	Title
//	Key: value            (optional header lines, no blank line above them)
//
//	Caption. (Photo/AGENCY)         (optional)
//
//	CITY, March 4 (AGENCY) — First paragraph ...
//
//	Source: AGENCY
func (b *builder) text(opt Options, h header, d dates, title, slug string, target int) bool {
	r, g := &b.r, b.l.g
	quirk := r.float()
	b.crlf = opt.Quirks && quirk < 0.02
	bom := opt.Quirks && quirk >= 0.02 && quirk < 0.03
	b.curly = b.l.code == "en" && r.odds(0.5)
	b.out = b.out[:0]
	if bom {
		b.out = append(b.out, "\uFEFF"...)
	}

	blk := append(b.blk[:0], title...)
	blk = append(blk, '\n')
	if h.any {
		blk = b.headerLines(blk, h, d, slug)
	}
	blk = append(blk, '\n')
	if r.odds(0.4) {
		from := len(blk)
		blk = upperFirst(g.gen(blk, r, "caption"), from)
		blk = append(blk, b.l.stop...)
		blk = g.gen(append(blk, " (Photo/"...), r, "agency")
		if r.odds(0.2) {
			blk = g.gen(append(blk, '/'), r, "person")
		}
		blk = append(blk, ")\n\n"...)
	}
	b.commit(blk)

	agency := g.str(r, "agency")
	adjacent := false
	tail := b.tail[:0]
	switch x := r.intn(100); {
	case x < 40:
		tail = append(tail, '\n') // two blank lines, as agency copy often has
	case x >= 97 && opt.Quirks:
		adjacent = true
	}
	tail = append(tail, "Source: "...)
	tail = append(tail, agency...)
	if !(opt.Quirks && r.odds(0.3)) {
		tail = append(tail, '\n')
	}
	b.tail = tail
	tailLen := len(b.transform(tail))
	if adjacent {
		tailLen -= b.nl()
	}

	for p := range 100 {
		blk = blk[:0]
		if p == 0 && b.l.code == "en" && r.odds(0.5) {
			blk = append(blk, strings.ToUpper(g.str(r, "place"))...)
			blk = append(blk, ", "...)
			blk = append(blk, monthAbbr[r.intn(12)]...)
			blk = append(blk, ' ')
			blk = strconv.AppendInt(blk, int64(r.between(1, 28)), 10)
			blk = append(blk, " ("...)
			blk = append(blk, agency...)
			if r.odds(0.5) {
				blk = append(blk, ") — "...)
			} else {
				blk = append(blk, ") -- "...)
			}
		}
		blk = b.paragraph(blk, false, false)
		blk = append(blk, "\n\n"...)
		t := b.transform(blk)
		if len(b.out)+len(t)+tailLen > target && len(b.out)+tailLen >= MinSize {
			break
		}
		b.out = append(b.out, t...)
	}
	b.blk = blk
	if adjacent {
		b.out = b.out[:len(b.out)-b.nl()]
	}
	b.commit(b.tail)
	return h.draft
}

func (b *builder) headerLines(blk []byte, h header, d dates, slug string) []byte {
	r, g := &b.r, b.l.g
	if h.date {
		blk = appendDate(b.key(blk, "Date"), d.pub)
		blk = append(blk, '\n')
	}
	if h.updated && !d.future {
		up := earlier(d.pub.Add(time.Duration(r.between(600, 3*86400))*time.Second), d.base)
		blk = appendDate(b.key(blk, "Updated"), up.In(d.pub.Location()))
		blk = append(blk, '\n')
	}
	if h.author {
		blk = g.gen(b.key(blk, "Author"), r, "person")
		blk = append(blk, '\n')
	}
	if h.tags {
		blk = b.key(blk, "Tags")
		for k, n := 0, r.between(1, 4); k < n; k++ {
			if k > 0 {
				blk = append(blk, ", "...)
			}
			blk = g.gen(blk, r, "tag")
		}
		blk = append(blk, '\n')
	}
	if h.id {
		blk = appendInt(append(b.key(blk, "ID"), "wire-"...), d.pub.Year(), 4)
		blk = appendInt(append(blk, '-'), r.intn(1000000), 6)
		blk = append(blk, '\n')
	}
	if h.summary {
		blk = b.sentence(b.key(blk, "Summary"))
		blk = append(blk, '\n')
	}
	if h.image {
		blk = b.imageURL(b.key(blk, "Image"), d, slug)
		blk = append(blk, '\n')
	}
	if h.link {
		u := d.pub.UTC()
		blk = append(b.key(blk, "Link"), "https://news.example.com/"...)
		blk = appendInt(blk, u.Year(), 4)
		blk = appendInt(append(blk, '/'), int(u.Month()), 2)
		blk = append(append(blk, '/'), slug...)
		blk = append(blk, '\n')
	}
	if h.draft {
		blk = append(b.key(blk, "Draft"), "true\n"...)
	}
	return blk
}

func (b *builder) imageURL(blk []byte, d dates, slug string) []byte {
	u := d.pub.UTC()
	blk = append(blk, "https://cdn.example.com/"...)
	blk = appendInt(blk, u.Year(), 4)
	blk = appendInt(append(blk, '/'), int(u.Month()), 2)
	blk = append(append(blk, '/'), slug...)
	blk = strconv.AppendInt(append(blk, '-'), int64(b.r.intn(100000)), 10)
	blk = append(blk, ".jpg"...)
	if b.r.odds(0.3) {
		blk = append(blk, "?w=1200&q=80"...)
	}
	return blk
}

// Kinds of Markdown blocks besides plain paragraphs.
const (
	blockPara = iota
	blockList
	blockCode
	blockQuote
	blockFigure
	blockRelFigure
)

// markdown makes a Markdown article into b.out and reports whether it is a
// draft.
func (b *builder) markdown(opt Options, d dates, title, slug string, target int) bool {
	r, g := &b.r, b.l.g
	quirk := r.float()
	b.crlf = opt.Quirks && quirk < 0.01
	bom := opt.Quirks && quirk >= 0.01 && quirk < 0.015
	noFinalNL := opt.Quirks && quirk >= 0.015 && quirk < 0.045
	b.curly = false
	rel := r.odds(0.05) // relative links and images
	bare := r.odds(0.025)
	b.out = b.out[:0]
	if bom {
		b.out = append(b.out, "\uFEFF"...)
	}

	blk := append(b.blk[:0], "---\ntitle: "...)
	blk = appendYAML(blk, r, title, false)
	blk = appendDate(append(blk, "\ndate: "...), d.pub)
	if !bare && r.odds(0.96) {
		blk = appendYAML(append(blk, "\nauthor: "...), r, g.str(r, "person"), false)
	}
	blk = b.tags(blk)
	if !bare && r.odds(0.96) {
		blk = appendYAML(append(blk, "\nsummary: "...), r, string(b.sentence(b.tmp[:0])), false)
	}
	switch {
	case rel && r.odds(0.4):
		blk = g.gen(append(blk, "\nimage: "...), r, "relimg")
	case r.odds(0.85):
		blk = b.imageURL(append(blk, "\nimage: "...), d, slug)
	}
	draft := r.odds(0.03)
	if draft {
		blk = append(blk, "\ndraft: true"...)
	}
	blk = append(blk, "\n---\n\n"...)
	b.commit(blk)

	// Optional blocks go to early positions; every fourth block is a heading
	// followed by a paragraph.
	var slots [12]int
	place := func(kind, at int) {
		for ; at < len(slots); at++ {
			if slots[at] == blockPara && at%4 != 3 {
				slots[at] = kind
				return
			}
		}
	}
	if r.odds(0.4) {
		place(blockList, 2)
	}
	if r.odds(0.05) || b.l.code == "en" && r.odds(0.22) {
		place(blockCode, r.between(4, 5))
	}
	if r.odds(0.15) {
		place(blockQuote, 1)
	}
	if r.odds(0.1) {
		place(blockFigure, r.between(1, 3))
	}
	if rel {
		place(blockRelFigure, 1)
	}

	trim := b.nl()
	if noFinalNL {
		trim *= 2
	}
	for p := range 100 {
		blk = blk[:0]
		kind := blockPara
		if p < len(slots) {
			kind = slots[p]
		}
		switch {
		case p%4 == 3:
			if r.odds(0.85) {
				blk = append(blk, "## "...)
			} else {
				blk = append(blk, "### "...)
			}
			blk = upperFirst(g.gen(blk, r, "heading"), len(blk))
			blk = append(blk, "\n\n"...)
			blk = b.paragraph(blk, true, false)
		case kind == blockList:
			ordered := r.odds(0.3)
			bullet := [...]string{"- ", "* ", "+ "}[r.intn(3)]
			for k, n := 0, r.between(2, 6); k < n; k++ {
				if k > 0 {
					blk = append(blk, '\n')
				}
				if ordered {
					blk = append(strconv.AppendInt(blk, int64(k+1), 10), ". "...)
				} else {
					blk = append(blk, bullet...)
				}
				blk = upperFirst(g.gen(blk, r, "item"), len(blk))
			}
		case kind == blockCode:
			blk = g.gen(blk, r, "code")
		case kind == blockQuote:
			blk = b.sentence(append(blk, "> "...))
			if r.odds(0.35) {
				blk = g.gen(append(blk, "\n>\n> — "...), r, "person")
			}
		case kind == blockFigure:
			blk = g.gen(blk, r, "figure")
		case kind == blockRelFigure:
			blk = g.gen(blk, r, "relfigure")
		default:
			blk = b.paragraph(blk, true, rel && p == 0)
		}
		blk = append(blk, "\n\n"...)
		t := b.transform(blk)
		if len(b.out)+len(t)-trim > target && len(b.out)-trim >= MinSize {
			break
		}
		b.out = append(b.out, t...)
	}
	b.blk = blk
	b.out = b.out[:len(b.out)-trim]
	return draft
}

// tags appends a tags key with 1-5 distinct tags, as a block or flow list.
func (b *builder) tags(blk []byte) []byte {
	r := &b.r
	en := &languages()[0]
	var buf [5]string
	tags := buf[:0]
	for n := r.between(1, 5); len(tags) < n; {
		var t string
		if r.intn(3) == 0 {
			t = en.g.str(r, "tag")
		} else {
			t = b.l.g.str(r, "tag")
		}
		dup := false
		for _, x := range tags {
			dup = dup || x == t
		}
		if !dup {
			tags = append(tags, t)
		} else if r.odds(0.5) {
			break // short lists are common
		}
	}
	if r.odds(0.65) {
		indent := "\n  - "
		if r.odds(0.3) {
			indent = "\n- "
		}
		blk = append(blk, "\ntags:"...)
		for _, t := range tags {
			blk = appendYAML(append(blk, indent...), r, t, false)
		}
		return blk
	}
	blk = append(blk, "\ntags: ["...)
	for k, t := range tags {
		if k > 0 {
			blk = append(blk, ", "...)
		}
		blk = appendYAML(blk, r, t, true)
	}
	return append(blk, ']')
}
