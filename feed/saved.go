package feed

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dropfeed/dropfeed/content"
)

// Saved is what a [Builder] rendered, and when each document it serves last
// changed, in a form that a Builder of a later run can take back with
// [Builder.Restore]: so that a restart does not render again the feeds whose
// articles did not change, and so that Last-Modified never goes backwards
// across a restart. [WriteSaved] keeps it in a file (beside the state file)
// and [ReadSaved] reads it back.
type Saved struct {
	// Key names the program, the site and how the articles were parsed; a
	// Builder restores no rendered feeds and no page times saved under
	// another key.
	Key      string
	Sets     []SavedSet
	Index    SavedFile
	IndexKey string

	// Mods are when the feed and index files last changed, with the ETag of
	// the bytes each time dates; they hold whatever Key says, since an ETag
	// says whether the bytes are still the same.
	Mods []SavedMod
	// Pages are when the article pages last changed, with the version of
	// the article each was rendered from.
	Pages []SavedPage
	// Floor is the latest time (Unix seconds) of the documents whose records
	// were dropped: a document without a record is dated after it.
	Floor int64
	// Taken marks the record [ReadSaved] leaves in place of the one it read:
	// found at a start, it says that the run which read it stopped without
	// saving (it crashed), so what that run served is unknown.
	Taken bool
}

// SavedMod is when a feed or index file last changed (Unix seconds), and
// the ETag of its bytes then.
type SavedMod struct {
	Path, ETag string
	Mod        int64
}

// SavedPage is when the page of the article with a slug last changed (Unix
// seconds), and the version of the article then (an opaque hash).
type SavedPage struct {
	Slug, Version string
	Since         int64
	// Sizes are the bytes the article adds to a feed document in each
	// format, for the archive layout; zero when not measured.
	Sizes [3]int32
}

// SavedSet is one feed set's current files and the signature of what they
// were rendered from, and with archives, the layout of its archive
// documents.
type SavedSet struct {
	Prefix, Sig string
	Files       []SavedFile
	Archive     *SavedArchive
}

// SavedArchive is the layout of a feed set's archive documents: where the
// current documents start, counted from the oldest article, and each
// document, oldest first.
type SavedArchive struct {
	Base, Cur int
	TailSum   versionSum
	HeadKey   string
	Docs      []SavedDoc
}

// SavedDoc is one archive document: its articles [Lo, Hi) counted from the
// oldest, its name, the hash of its articles' versions, and in each format
// the hash of all it is made from and when its bytes last changed (Unix
// seconds).
type SavedDoc struct {
	Lo, Hi, Page, Part int
	Halved             bool
	Sum                versionSum
	Keys               [3]versionSum
	Mods               [3]int64
}

// SavedFile is one rendered file. Its time is in [Saved].Mods.
type SavedFile struct {
	Path, ContentType, Link, ETag, GzipETag string
	Body, Gzip                              []byte
}

// savedKey names what rendering depends on besides the articles: the
// program, the site settings and how the articles were parsed.
func (bl *Builder) savedKey() string {
	return fmt.Sprintf("v1 %s %#v %q", content.BuildStamp(), bl.site, bl.contentKey)
}

// SetContentKey names how the articles were parsed (as
// [content.CacheKey] does, from the options), which changes what they render
// to: what an earlier run saved under another is not restored. It is called
// before [Builder.Restore].
func (bl *Builder) SetContentKey(key string) { bl.contentKey = key }

// Save returns what the last build rendered and when each document changed,
// or nil when the Builder has neither built nor restored anything. A Builder
// that restored a record and did not build since returns that record.
func (bl *Builder) Save() *Saved {
	if bl.restoredFrom != nil {
		return bl.restoredFrom
	}
	if bl.bySlug.Len() == 0 && len(bl.mods) == 0 && bl.floor == 0 {
		return nil
	}
	sv := &Saved{Key: bl.savedKey(), Floor: bl.floor}
	for _, p := range slices.Sorted(maps.Keys(bl.mods)) {
		sv.Mods = append(sv.Mods, SavedMod{Path: p, ETag: bl.mods[p].etag, Mod: bl.mods[p].mod})
	}
	sv.Pages = make([]SavedPage, 0, bl.bySlug.Len())
	for a, since := range bl.bySlug.all() {
		sv.Pages = append(sv.Pages, SavedPage{Slug: a.Slug, Version: pageVersion(a), Since: since, Sizes: bl.sizes.sizeOf(a)})
	}
	if !bl.primed || bl.index == nil {
		return sv
	}
	sv.Index, sv.IndexKey = saveFile(bl.index), bl.idxKey
	for _, g := range bl.ordered() {
		arch := g.arch.cutSoFar(&bl.site, bl.src) // pages left whole are saved whole
		if g.files == nil || g.partial {
			if g.arch != nil {
				// Its layout is not saved: the times it holds are lost.
				for _, d := range g.arch.docs {
					sv.Floor = max(sv.Floor, d.mods[0], d.mods[1], d.mods[2])
				}
			}
			continue
		}
		set := SavedSet{Prefix: g.prefix, Sig: g.sig, Archive: saveArchive(arch)}
		for _, f := range g.files {
			set.Files = append(set.Files, saveFile(f))
		}
		sv.Sets = append(sv.Sets, set)
	}
	return sv
}

func saveFile(f *File) SavedFile {
	sf := SavedFile{Path: f.Path, ContentType: f.ContentType, Link: f.Link, ETag: f.ETag, Body: f.Body}
	if g := f.gzipDone(); g != nil { // else made when first asked for, as in this run
		sf.Gzip, sf.GzipETag = g.body, g.etag
	}
	return sf
}

// Restore takes back what an earlier Builder saved, before this Builder's
// first build: when each document last changed, so that its Last-Modified
// goes on from there, and the rendered feeds. The feed sets whose articles
// are the same (by signature) are not rendered again. It reports whether it
// restored rendered feeds: not when sv was saved by another program, for
// other site settings or from articles parsed otherwise (then every page is
// dated as changed), nor when sv is a record a run took and never replaced
// (then every document is: that run's times are lost).
func (bl *Builder) Restore(sv *Saved) bool {
	if sv == nil || bl.primed {
		return false
	}
	if sv.Taken {
		bl.forget(bl.clock().Unix())
		return false
	}
	bl.restoredFrom = sv
	bl.forget(sv.Floor)
	// The archive documents are dated after every time an earlier run gave
	// one, unless they are handed on unchanged: a simpler rule than one
	// record per path, and as safe.
	for _, set := range sv.Sets {
		if set.Archive != nil {
			for _, d := range set.Archive.Docs {
				bl.forget(max(d.Mods[0], d.Mods[1], d.Mods[2]))
			}
		}
	}
	for _, m := range sv.Mods {
		bl.mods[m.Path] = docMod{etag: m.ETag, mod: m.Mod}
	}
	if sv.Key != bl.savedKey() {
		for _, p := range sv.Pages {
			bl.forget(p.Since)
		}
		return false
	}
	bl.restoredPages = pagesBySlug(sv.Pages)
	if len(sv.Index.Body) == 0 {
		return false
	}
	bl.restored = make(map[string]*group, len(sv.Sets))
	for _, set := range sv.Sets {
		g := &group{prefix: set.Prefix, sig: set.Sig, arch: restoreArchive(set.Archive)}
		for _, sf := range set.Files {
			g.files = append(g.files, restoreFile(sf))
		}
		if len(g.files) == 0 || len(g.files)%len(formats) != 0 {
			continue
		}
		bl.restored[set.Prefix] = g
	}
	bl.index, bl.idxKey = restoreFile(sv.Index), sv.IndexKey
	return true
}

// Restored returns a bundle of what [Builder.Restore] took back, as the run
// that saved it served it: the current feeds of every feed set it saved and
// the index page, with their ETags and Last-Modified times. It is for
// serving while the first build runs (see [Server.Preload]), with the
// feeds' stylesheet; it has no articles, archive documents or discovery
// documents, and a [Server] answers 503 for those. It returns nil when
// Restore took no rendered feeds back (a record of another program or
// other settings, or of a run that crashed), or once the Builder built. It changes nothing in the Builder: the first
// build dates and renders as it would have.
func (bl *Builder) Restored() *Bundle {
	sv := bl.restoredFrom
	if sv == nil || bl.primed || bl.restored == nil || bl.index == nil {
		return nil
	}
	b := &Bundle{site: bl.site, files: make(map[string]*File, 3*len(bl.restored)+1), restored: true}
	b.base, b.baseEsc = basePaths(bl.site.BaseURL)
	// New files of the saved ones (their bytes shared): the first build
	// stamps the Builder's own with the times it decides.
	add := func(f *File) {
		if m, ok := bl.mods[f.Path]; ok && m.etag == f.ETag {
			f.ModTime = unixTime(m.mod)
		}
		b.files[f.Path] = f
		b.feeds = append(b.feeds, f)
	}
	for _, set := range sv.Sets {
		if _, ok := bl.restored[set.Prefix]; ok {
			for _, sf := range set.Files {
				add(restoreFile(sf))
			}
		}
	}
	add(styleFile())
	add(restoreFile(sv.Index))
	return b
}

// pagesBySlug returns the saved pages in slug order, one per slug (the last
// saved, as a map by slug would keep it), never nil: the first build walks
// them beside its articles in slug order (see carrySince), instead of
// looking each up in a map of 100,000 made for the purpose. Save writes them
// in that order, so pages itself is returned but for a file made otherwise.
func pagesBySlug(pages []SavedPage) []SavedPage {
	strict := true
	for i := 1; i < len(pages) && strict; i++ {
		strict = pages[i-1].Slug < pages[i].Slug
	}
	if strict {
		if pages == nil {
			return []SavedPage{}
		}
		return pages
	}
	out := slices.Clone(pages)
	slices.SortStableFunc(out, func(a, b SavedPage) int { return strings.Compare(a.Slug, b.Slug) })
	w := 0
	for i := range out {
		if i+1 < len(out) && out[i+1].Slug == out[i].Slug {
			continue // a later one of the same slug
		}
		out[w] = out[i]
		w++
	}
	return out[:w]
}

// saveArchive returns the saved form of a layout (nil for none).
func saveArchive(set *archiveSet) *SavedArchive {
	if set == nil {
		return nil
	}
	sa := &SavedArchive{Base: set.base, Cur: set.cur, TailSum: set.tailSum, HeadKey: set.headKey}
	for _, d := range set.docs {
		sa.Docs = append(sa.Docs, SavedDoc{Lo: d.lo, Hi: d.hi, Page: d.page, Part: d.part, Halved: d.halved,
			Sum: d.sum, Keys: d.keys, Mods: d.mods})
	}
	return sa
}

// restoreArchive makes a layout of a saved one, without its articles: the
// first build lays the feed set out again, handing on the documents whose
// articles are the same (by hash).
func restoreArchive(sa *SavedArchive) *archiveSet {
	if sa == nil {
		return nil
	}
	set := &archiveSet{base: sa.Base, cur: sa.Cur, tailSum: sa.TailSum, headKey: sa.HeadKey}
	for _, d := range sa.Docs {
		set.docs = append(set.docs, archDoc{span: span{lo: d.Lo, hi: d.Hi, page: d.Page, part: d.Part, halved: d.Halved},
			sum: d.Sum, keys: d.Keys, mods: d.Mods})
	}
	return set
}

// restoreFile makes a file of a saved one, without its time: the first build
// dates it from the saved times (Saved.Mods).
func restoreFile(sf SavedFile) *File {
	f := &File{Path: sf.Path, ContentType: sf.ContentType, Link: sf.Link, ETag: sf.ETag, Body: sf.Body}
	if sf.Gzip != nil && sf.GzipETag != "" {
		f.gz.Store(&gzipped{body: sf.Gzip, etag: sf.GzipETag})
	}
	return f
}

// ReadSaved reads what [WriteSaved] saved at path, and leaves in its place a
// record marked Taken, so that a run which stops without saving (a crash)
// does not hand the next one times it has since gone past. It returns nil
// when there is no file, and a record marked Taken when the file is such a
// record, cannot be read, or cannot be marked: times nobody can vouch for.
// What the file holds is otherwise only a cache.
func ReadSaved(path string) *Saved {
	removeStaleSaved(path)
	sv, err := readSaved(path)
	return takeSaved(path, sv, err)
}

// removeStaleSaved removes the temporary file a run killed while it saved
// left.
func removeStaleSaved(path string) {
	if stale, _ := filepath.Glob(filepath.Join(filepath.Dir(path), savedTempPattern(path))); len(stale) > 0 {
		for _, p := range stale {
			os.Remove(p)
		}
	}
}

// takeSaved leaves a record marked Taken at path in place of the one read
// (sv, or err), and returns what ReadSaved returns.
func takeSaved(path string, sv *Saved, err error) *Saved {
	if errors.Is(err, fs.ErrNotExist) {
		sv, err = nil, nil
	}
	if werr := WriteSaved(path, &Saved{Taken: true}); werr != nil {
		if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return &Saved{Taken: true}
		}
	}
	if err != nil {
		return &Saved{Taken: true}
	}
	return sv
}

// ReadSavedHead is [ReadSaved] in two steps, for serving the saved feeds
// before the list of article pages is decoded (the longest part of the
// file: a million entries at a million articles): head is the record
// without its pages (nil when ReadSaved would return nil or a record marked
// Taken), checked against the file's checksum first; rest decodes the
// pages into it and returns what ReadSaved would, leaving the record marked
// Taken in the file's place as ReadSaved does. rest must be called once,
// after the caller is done reading head without it (rest fills its Pages).
func ReadSavedHead(path string) (head *Saved, rest func() *Saved) {
	done := func(sv *Saved) func() *Saved {
		return func() *Saved {
			return takeSaved(path, sv, nil)
		}
	}
	removeStaleSaved(path)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, done(nil)
		}
		return nil, done(&Saved{Taken: true})
	}
	sv, sr, err := readSavedHead(f, path)
	switch {
	case err != nil:
		f.Close()
		return nil, done(&Saved{Taken: true})
	case sv.Taken:
		f.Close()
		return nil, done(sv)
	case sr == nil: // an earlier version's gob stream, read whole
		f.Close()
		return sv, done(sv)
	}
	return sv, func() *Saved {
		defer f.Close()
		sv, err := sr.rest()
		return takeSaved(path, sv, err)
	}
}

// readSavedHead reads the head of the record in f and checks the whole
// file's checksum; sr decodes the rest, nil for a gob stream (sv is then
// the whole record).
func readSavedHead(f *os.File, path string) (sv *Saved, sr *savedRest, err error) {
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	magic := make([]byte, len(savedMagic))
	if n, _ := io.ReadFull(f, magic); n != len(magic) || string(magic) != savedMagic {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, nil, err
		}
		sv, err := readSavedGob(f, path)
		return sv, nil, err
	}
	size := st.Size() - int64(len(magic))
	if !checkSaved(bufio.NewReaderSize(f, 1<<20), size) {
		return nil, nil, fmt.Errorf("read %s: %w: checksum mismatch", path, errSavedCorrupt)
	}
	if _, err := f.Seek(int64(len(magic)), io.SeekStart); err != nil {
		return nil, nil, err
	}
	sr, err = decodeSavedHead(f, size)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return sr.sv, sr, nil
}

// readSaved decodes the file WriteSaved wrote, or the gob stream of an
// earlier version.
func readSaved(path string) (*Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sv, sr, err := readSavedHead(f, path)
	if err != nil || sr == nil {
		return sv, err
	}
	if sv, err = sr.rest(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return sv, nil
}

// readSavedGob decodes the gob stream versions before the current format
// wrote: a header, then each feed set as a message of its own.
func readSavedGob(f io.Reader, path string) (*Saved, error) {
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var sv Saved
	var n int
	if err := dec.Decode(&sv); err != nil {
		return nil, err
	}
	if err := dec.Decode(&n); err != nil {
		return nil, err
	}
	if n < 0 || n > 1<<20 {
		return nil, fmt.Errorf("read %s: %d feed sets", path, n)
	}
	for range n {
		var set SavedSet
		if err := dec.Decode(&set); err != nil {
			return nil, err
		}
		sv.Sets = append(sv.Sets, set)
	}
	return &sv, nil
}

// WriteSaved saves sv at path for the next run (a temporary file, then a
// rename); nil removes what an earlier run saved.
func WriteSaved(path string, sv *Saved) error {
	if sv == nil {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), savedTempPattern(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = encodeSaved(tmp, sv)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// savedTempPattern names the temporary files WriteSaved makes for path.
func savedTempPattern(path string) string { return "." + filepath.Base(path) + "-*.tmp" }
