package feed

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/dropfeed/dropfeed/content"
)

// WriteOptions configure a [Publisher] and [WriteDir]. The zero value
// writes everything.
type WriteOptions struct {
	// NoPages skips the article pages and their media files (feeds and
	// index only). Pages written earlier are left as they are, neither
	// updated nor removed, until a publish with pages.
	NoPages bool
	// Workers renders pages and writes files in parallel; zero means
	// GOMAXPROCS.
	Workers int
}

// WriteStats counts what a publish did, in files as a folder holds them: a
// text file and its gzip copy count as two.
type WriteStats struct {
	Written, Unchanged, Removed int
	// Rendered counts the article pages rendered, to write them or to
	// compare them with what the store holds.
	Rendered int
}

// Publisher publishes bundles into a [Store], writing only what changed,
// in an order that keeps every link resolving at every moment:
//
//  1. the media files and pages of the articles added or changed (each
//     page after its media files);
//  2. the tag and section feeds, then the index, then the main feeds;
//  3. last, the removal of the files it wrote before that the bundle no
//     longer has (pages of articles gone, their media files, feeds of tags
//     gone). Files it did not write are never touched.
//
// Which pages to consider comes from the bundles' [Delta] since the last
// bundle published completely; the Publisher keeps the store's record (see
// [Entry]) in memory, loaded at the first publish, and commits to it only
// the entries that change. Before a file is created or replaced, its entry
// is committed as pending ([PendingID]); once written, its new entry. A
// publish cut short (a failure, a crash) so leaves no file the record does
// not list, and no entry that matches bytes the file does not hold; the
// next publish finishes the job.
//
// The first publish of a Publisher checks every file against the store
// ([Store.Intact]) and takes as they are the pages whose source key
// (the article's version and what pages are rendered with) matches the
// record, without rendering them: a restart over an unchanged folder and
// output renders no page and writes nothing. Later publishes trust the
// record, so a file changed by hand meanwhile is put right at the next
// start.
//
// A Publisher is not safe for concurrent use; [Background] runs one beside
// the rebuild loop.
type Publisher struct {
	store Store
	opts  WriteOptions

	rec     *Record             // the record; nil until the first publish loads it
	files   int                 // the files it covers, a text file with its copy as two
	feeds   map[string]bool     // recorded paths of feeds and the index
	owned   map[string][]string // page slug -> the media files recorded for it
	since   *deltaLink          // the last bundle published completely
	checked bool                // a publish completed, so the files were checked
	// redo holds the slugs of pages whose media files could not be read
	// when they were written; the next publish considers them again.
	redo map[string]bool
	// sets are the archive layouts published completely, by prefix: a
	// bundle that shares one has no archive document to write in it.
	sets    map[string]*archiveSet
	setsKey string // the page key they were published under
	// scanArchives is set while a publish that may have written archive
	// documents the record keeps is not complete: the next one looks
	// for stale ones in the whole record.
	scanArchives bool
	stats        WriteStats
}

// NewPublisher returns a Publisher into s.
func NewPublisher(s Store, opts WriteOptions) *Publisher {
	return &Publisher{store: s, opts: opts}
}

// Stats returns what the last publish did (as far as it got).
func (p *Publisher) Stats() WriteStats { return p.stats }

// Publish writes what changed in the store since the last bundle it
// published completely, so that the store holds b. It returns the first
// error; what it wrote until then stays (complete files, all listed in the
// record), and the next publish takes it up.
func (p *Publisher) Publish(ctx context.Context, b *Bundle) error {
	p.stats = WriteStats{}
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.rec == nil {
		rec, err := p.store.Load(ctx)
		if err != nil {
			return err
		}
		p.setRecord(rec)
	}
	w := &publish{p: p, b: b, ctx: ctx, delta: b.deltaSince(p.since), verify: !p.checked}
	err := w.write()
	if errors.Is(err, syscall.ENOSPC) {
		// A full disk: the files of the articles gone are removed first, so
		// that the room they take lets the new files fit. A feed still on
		// disk may then name a page that is gone until the new feeds are
		// written, which is better than a folder that can never recover.
		if perr := w.prune(); perr == nil {
			err = w.write()
		}
	}
	if err != nil {
		return err
	}
	if err := w.prune(); err != nil {
		return err
	}
	p.since, p.checked, p.scanArchives = b.link, true, false
	p.stats.Unchanged = max(0, p.files-p.stats.Written)
	return nil
}

// write writes the pages and media files of the articles added or changed,
// then the feeds.
func (w *publish) write() error {
	if !w.p.opts.NoPages {
		if err := w.pages(); err != nil {
			return err
		}
	}
	if err := w.archives(); err != nil {
		return err
	}
	return w.feeds()
}

// setRecord takes a loaded record and indexes it.
func (p *Publisher) setRecord(rec *Record) {
	p.rec, p.files = rec, 0
	p.feeds = make(map[string]bool)
	p.owned = make(map[string][]string)
	pages := make(map[string]bool)
	var media []string
	for rel := range rec.Paths() {
		k := kindOf(rel)
		p.files += k.files()
		switch k {
		case kindFeed:
			if !isArchivePath(rel) {
				p.feeds[rel] = true
			}
		case kindPage:
			pages[pageSlug(rel)] = true
		case kindMedia:
			media = append(media, rel)
		}
	}
	slices.Sort(media)
	for _, rel := range media {
		// The page a media file was copied for is the longest slug that
		// is a prefix of its path: "articles/<slug>/<ref>".
		rest := strings.TrimPrefix(rel, "articles/")
		for i := len(rest) - 1; i > 0; i-- {
			if rest[i] == '/' && pages[rest[:i]] {
				p.owned[rest[:i]] = append(p.owned[rest[:i]], rel)
				break
			}
		}
	}
}

// files is the number of files an entry of this kind stands for.
func (k fileKind) files() int {
	if k.isText() {
		return 2
	}
	return 1
}

// pageSlug returns the slug of a page path "articles/<slug>/index.html".
func pageSlug(rel string) string {
	return strings.TrimSuffix(strings.TrimPrefix(rel, "articles/"), "/"+IndexName)
}

// commit applies changes to the record in memory, then has the store
// record them. A failed commit leaves the store behind the memory; the
// store catches up at its next commit.
func (p *Publisher) commit(ctx context.Context, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	for _, c := range changes {
		k := kindOf(c.Path)
		had := p.rec.Has(c.Path)
		switch {
		case c.Removed && had:
			p.rec.Delete(c.Path)
			p.files -= k.files()
			delete(p.feeds, c.Path)
		case !c.Removed:
			if !had {
				p.files += k.files()
				if k == kindFeed && !isArchivePath(c.Path) {
					p.feeds[c.Path] = true
				}
			}
			p.rec.Set(c.Path, c.Entry)
		}
	}
	return p.store.Commit(ctx, changes, p.rec)
}

// publish is one Publish in progress.
type publish struct {
	p      *Publisher
	b      *Bundle
	ctx    context.Context
	delta  Delta
	verify bool // check files against the store, and skip unrendered pages only if intact
	gone   []string
	// orphans are media files no page of the bundle references any more.
	orphans []string
	written atomic.Int64
	// oldSets are the archive layouts published before this publish;
	// scanAll says a publish before did not complete, so stale archive
	// documents are looked for in the whole record.
	oldSets map[string]*archiveSet
	// sets are the bundle's layouts, every page cut, by prefix.
	sets    map[string]*archiveSet
	scanAll bool
}

// pageJob is what one article's page needs.
type pageJob struct {
	a      *content.Article
	rel    string
	src    string // the source key to record; "" when the body was not complete
	render bool   // false: the recorded page stands
	file   *File
	put    bool // write the page
	update bool // record a new entry for the page without writing it
	media  []mediaJob
}

// mediaJob is one media file a page references.
type mediaJob struct {
	as       Asset
	id       string
	size     int64
	put, new bool // write it; record a new entry for it
}

// pageChunk is how many pages are prepared, marked pending, written and
// recorded at a time: it bounds the rendered pages held in memory.
const pageChunk = 256

// pages publishes the pages of the articles the delta names (all, for
// Delta.All).
func (w *publish) pages() error {
	p, b := w.p, w.b
	var arts []*content.Article
	if w.delta.all {
		arts = b.bySlug.articles()
	} else {
		slugs := w.delta.sortedSlugs()
		if len(p.redo) > 0 {
			slugs = slices.AppendSeq(slugs, maps.Keys(p.redo))
			slices.Sort(slugs)
			slugs = slices.Compact(slugs)
		}
		for _, slug := range slugs {
			if a, ok := b.article(slug); ok {
				arts = append(arts, a)
			} else {
				w.gone = append(w.gone, slug)
				delete(p.redo, slug)
			}
		}
	}
	for start := 0; start < len(arts); start += pageChunk {
		chunk := arts[start:min(start+pageChunk, len(arts))]
		jobs := make([]pageJob, len(chunk))
		var rendered atomic.Int64
		err := w.parallel(len(chunk), func(i int) error {
			jobs[i] = w.prepare(chunk[i])
			if jobs[i].render {
				rendered.Add(1)
			}
			return nil
		})
		p.stats.Rendered += int(rendered.Load())
		if err != nil {
			return err
		}
		if err := w.writeChunk(jobs); err != nil {
			return err
		}
	}
	return nil
}

// prepare decides what an article's page needs, rendering it unless the
// record says the page on file was rendered from the same source.
func (w *publish) prepare(a *content.Article) pageJob {
	p, b := w.p, w.b
	job := pageJob{a: a, rel: PagePath(a)}
	e, ok := p.rec.Get(job.rel)
	sk := b.sourceKey(a)
	if ok && e.ID != PendingID && e.Source == sk && !p.redo[a.Slug] && (!w.verify || p.store.Intact(job.rel, e)) {
		if w.verify {
			job.media = w.recheckMedia(a.Slug)
		}
		return job
	}
	job.render = true
	read, complete := a.Body.Read(b.src)
	body := read.HTML()
	it := newItemFrom(&b.site, a, b.src, body)
	job.file = newFile(job.rel, TypeHTML, renderArticle(&b.site, it), it.updated)
	if complete {
		job.src = sk
	}
	want := textEntry(job.file, job.src)
	job.put = !ok || !sameText(e, job.file) || !p.store.Intact(job.rel, want)
	job.update = !job.put && e != want
	for _, as := range b.assetsFrom(a, body) {
		fi, err := fs.Stat(b.src, as.File)
		if err != nil {
			continue // gone since the build: the page keeps a dead link until the next one
		}
		mj := mediaJob{as: as, id: mediaID(fi), size: fi.Size()}
		me, ok := p.rec.Get(as.URLPath)
		mj.put = !ok || me.ID != mj.id || !p.store.Intact(as.URLPath, Entry{Size: mj.size, GzipSize: -1})
		mj.new = mj.put || me.Source != as.File || me.Size != mj.size
		job.media = append(job.media, mj)
	}
	return job
}

// recheckMedia returns the media files of a page that is not rendered
// again whose source file changed, or whose copy did not stay as recorded.
func (w *publish) recheckMedia(slug string) []mediaJob {
	var out []mediaJob
	for _, rel := range w.p.owned[slug] {
		me, _ := w.p.rec.Get(rel)
		if me.Source == "" || w.b.src == nil {
			continue // recorded by an earlier version, which did not say its source
		}
		fi, err := fs.Stat(w.b.src, me.Source)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		mj := mediaJob{as: Asset{URLPath: rel, File: me.Source, Type: MediaType(rel), Size: fi.Size()}, id: mediaID(fi), size: fi.Size()}
		if me.ID != mj.id || !w.p.store.Intact(rel, Entry{Size: mj.size, GzipSize: -1}) {
			mj.put, mj.new = true, true
			out = append(out, mj)
		}
	}
	return out
}

// writeChunk marks the files a chunk of pages puts as pending, writes them
// (media files before their page) and records them.
func (w *publish) writeChunk(jobs []pageJob) error {
	p := w.p
	var pending []Change
	for _, job := range jobs {
		for _, mj := range job.media {
			if mj.put {
				pending = append(pending, pendingChange(mj.as.URLPath))
			}
		}
		if job.put {
			pending = append(pending, pendingChange(job.rel))
		}
	}
	if err := p.commit(w.ctx, pending); err != nil {
		return err
	}
	err := w.parallel(len(jobs), func(i int) error {
		job := &jobs[i]
		for j := range job.media {
			mj := &job.media[j]
			if !mj.put {
				continue
			}
			if err := w.copyMedia(mj); err != nil {
				return err
			}
		}
		if job.put {
			return w.put(job.rel, job.file)
		}
		return nil
	})
	p.stats.Written = int(w.written.Load())
	if err != nil {
		return err
	}
	var done []Change
	for _, job := range jobs {
		delete(p.redo, job.a.Slug)
		for _, mj := range job.media {
			if mj.put && mj.id == "" {
				if p.redo == nil {
					p.redo = make(map[string]bool)
				}
				p.redo[job.a.Slug] = true // its entry stays pending
			}
			if mj.new && mj.id != "" {
				done = append(done, Change{Path: mj.as.URLPath, Entry: Entry{ID: mj.id, Size: mj.size, GzipSize: -1, Source: mj.as.File}})
			}
		}
		if job.put || job.update {
			done = append(done, Change{Path: job.rel, Entry: textEntry(job.file, job.src)})
		}
		if !job.render {
			continue
		}
		// The media files the page references now; those it referenced
		// before and no longer does go.
		slug := job.a.Slug
		now := make([]string, 0, len(job.media))
		for _, mj := range job.media {
			now = append(now, mj.as.URLPath)
		}
		for _, rel := range p.owned[slug] {
			if !slices.Contains(now, rel) {
				w.orphans = append(w.orphans, rel)
			}
		}
		if len(now) > 0 {
			p.owned[slug] = now
		} else {
			delete(p.owned, slug)
		}
	}
	return p.commit(w.ctx, done)
}

// copyMedia copies a media file from the content folder. A file gone since
// the build is skipped: the page keeps a dead link until the next build.
func (w *publish) copyMedia(mj *mediaJob) error {
	src, err := w.b.OpenAsset(mj.as)
	if err != nil {
		mj.id = "" // its entry stays pending
		return nil
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		mj.id = ""
		return nil
	}
	mj.id, mj.size = mediaID(fi), fi.Size()
	if err := w.p.store.Copy(w.ctx, mj.as.URLPath, src, fi.Size()); err != nil {
		return err
	}
	w.written.Add(1)
	return nil
}

// feeds publishes the feed files and the index whose bytes changed, in the
// bundle's order (the main feeds last).
func (w *publish) feeds() error {
	p := w.p
	// A file whose entry records its bytes in the current form is as
	// recorded: its gzip copy is not needed. Each other file's entry needs
	// the size of its gzip copy: the copies are made on every core, the
	// largest (the sitemap, the main feeds) first, for detached copies of
	// the files (see detached). They are written one after the other, in
	// order, so that a write that fails stops the rest.
	feeds := w.b.Feeds()
	copies := make([]*File, len(feeds))
	var zip []*File
	for i, f := range feeds {
		if e, ok := p.rec.Get(f.Path); ok && recordsText(e, f, "") && (!w.verify || p.store.Intact(f.Path, e)) {
			continue
		}
		copies[i] = f.detached()
		zip = append(zip, copies[i])
	}
	slices.SortStableFunc(zip, func(x, y *File) int { return cmp.Compare(len(y.Body), len(x.Body)) })
	if err := w.parallel(len(zip), func(n int) error { zip[n].Gzip(); return nil }); err != nil {
		return err
	}
	var todo []*File
	var done []Change
	for _, f := range copies {
		if f == nil {
			continue
		}
		e, ok := p.rec.Get(f.Path)
		want := textEntry(f, "")
		if ok && sameText(e, f) && (!w.verify || p.store.Intact(f.Path, want)) {
			done = append(done, Change{Path: f.Path, Entry: want}) // recorded by an earlier version
			continue
		}
		todo = append(todo, f)
	}
	pending := make([]Change, 0, len(todo))
	for _, f := range todo {
		pending = append(pending, pendingChange(f.Path))
	}
	if err := p.commit(w.ctx, pending); err != nil {
		return err
	}
	for _, f := range todo {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if err := p.store.Put(w.ctx, f.Path, f); err != nil {
			return err
		}
		p.stats.Written += 2
		done = append(done, Change{Path: f.Path, Entry: textEntry(f, "")})
	}
	return p.commit(w.ctx, done)
}

// archiveItems bounds the items a publish keeps to render the archive
// documents (about 5–10 KB each with full content).
const archiveItems = 4096

// archiveJob is one archive document to publish, in the formats whose
// file is not as recorded.
type archiveJob struct {
	set  *archiveSet
	i    int
	todo [3]bool   // by format: publish it
	src  [3]string // the source keys to record; "" when a body was not complete
}

// archives publishes the archive documents whose source key is not the
// one recorded (at the first publish, or whose file is not intact), before
// the current feeds that link them. Layouts published completely before
// are skipped whole.
func (w *publish) archives() error {
	p, b := w.p, w.b
	w.oldSets = p.sets
	if p.setsKey != b.pageKey {
		w.oldSets = nil // published under another page key: every source differs
	}
	w.scanAll, p.scanArchives = p.scanArchives, true // until this publish completes
	var jobs []archiveJob
	sets := b.archiveSets()
	w.sets = make(map[string]*archiveSet, len(sets))
	for _, set := range sets {
		w.sets[set.prefix()] = set
	}
	for _, set := range sets {
		old := w.oldSets[set.prefix()]
		if w.verify {
			old = nil
		}
		if old == set {
			continue
		}
		same := sameDocs(old, set)
		for i := range set.docs {
			if same[i] {
				continue // as published, with the same sources
			}
			j := archiveJob{set: set, i: i}
			need := false
			for k := range formats {
				rel := set.path(i, k)
				j.src[k] = set.sourceKey(b.pageKey, i, k)
				e, ok := p.rec.Get(rel)
				j.todo[k] = !ok || e.ID == PendingID || e.Source != j.src[k] || w.verify && !p.store.Intact(rel, e)
				need = need || j.todo[k]
			}
			if need {
				jobs = append(jobs, j)
			}
		}
	}
	// In the order of their newest articles, so that the documents of the
	// main chain and of the tags that share articles come close together
	// and the items cache makes each article once.
	slices.SortStableFunc(jobs, func(x, y archiveJob) int {
		return content.CompareNewest(x.set.newest(x.i), y.set.newest(y.i))
	})
	items := newItemCache(archiveItems)
	partial := make(map[string]bool)
	for start := 0; start < len(jobs); start += pageChunk / 4 {
		chunk := jobs[start:min(start+pageChunk/4, len(jobs))]
		if err := w.putArchives(chunk, items); err != nil {
			return err
		}
		for n := range chunk {
			if chunk[n].src[0] == "" && chunk[n].todo[0] || chunk[n].src[1] == "" && chunk[n].todo[1] || chunk[n].src[2] == "" && chunk[n].todo[2] {
				partial[chunk[n].set.prefix()] = true
			}
		}
	}
	p.sets, p.setsKey = maps.Clone(w.sets), b.pageKey
	for prefix := range partial {
		delete(p.sets, prefix) // a stand-in written: considered again next time
	}
	return nil
}

// put writes a text file and counts it with its gzip copy.
func (w *publish) put(rel string, f *File) error {
	if err := w.p.store.Put(w.ctx, rel, f); err != nil {
		return err
	}
	w.written.Add(2)
	return nil
}

// putArchives publishes the documents of a chunk of jobs: it marks every
// file of the chunk to publish as pending, then renders the documents on
// every core and writes each file whose bytes the record does not hold as
// soon as it is rendered, and records every file's entry. A worker holds
// one document's files at a time: rendering the chunk first and writing it
// after held some 50 MB of documents at 100,000 articles, at the peak of a
// first start's write.
func (w *publish) putArchives(jobs []archiveJob, items *itemCache) error {
	p, b := w.p, w.b
	type files struct {
		old   [3]Entry // the entry before this publish
		had   [3]bool
		entry [3]Entry // the entry of the file published
	}
	rec := make([]files, len(jobs))
	var pending []Change
	for n, j := range jobs {
		for k := range formats {
			if j.todo[k] {
				rel := j.set.path(j.i, k)
				rec[n].old[k], rec[n].had[k] = p.rec.Get(rel)
				pending = append(pending, pendingChange(rel))
			}
		}
	}
	if err := p.commit(w.ctx, pending); err != nil {
		return err
	}
	err := w.parallel(len(jobs), func(n int) error {
		j, fn := &jobs[n], &rec[n]
		sp, part := j.set.spec(&b.site, b.src, j.i, items)
		for k := range formats {
			if !j.todo[k] {
				continue
			}
			f, err := renderFormat(&b.site, sp, k)
			if err != nil {
				return err
			}
			rel := j.set.path(j.i, k)
			if part {
				j.src[k] = ""
			} else {
				f.ModTime = unixTime(j.set.docs[j.i].mods[k])
			}
			fn.entry[k] = textEntry(f, j.src[k])
			if e := fn.old[k]; !fn.had[k] || !sameText(e, f) || !p.store.Intact(rel, fn.entry[k]) {
				if err := w.put(rel, f); err != nil {
					return err
				}
			}
		}
		return nil
	})
	p.stats.Written = int(w.written.Load())
	if err != nil {
		return err
	}
	var done []Change
	for n, j := range jobs {
		for k := range formats {
			if j.todo[k] {
				done = append(done, Change{Path: j.set.path(j.i, k), Entry: rec[n].entry[k]})
			}
		}
	}
	return p.commit(w.ctx, done)
}

// prune removes the files the record lists that the bundle no longer has:
// feeds it does not make, pages of articles gone and the media files no
// page references.
func (w *publish) prune() error {
	p, b := w.p, w.b
	var stale []string
	for rel := range p.feeds {
		if _, ok := b.files[rel]; !ok {
			stale = append(stale, rel)
		}
	}
	stale = append(stale, w.staleArchives()...)
	if !p.opts.NoPages {
		for _, slug := range w.gone {
			stale = append(stale, pagePathOf(slug))
			stale = append(stale, p.owned[slug]...)
		}
		stale = append(stale, w.orphans...)
		if w.delta.all {
			wanted := make(map[string]bool)
			for rel := range p.rec.Paths() {
				switch kindOf(rel) {
				case kindPage:
					if slug := pageSlug(rel); !b.HasArticle(slug) {
						stale = append(stale, rel)
					} else {
						for _, m := range p.owned[slug] {
							wanted[m] = true
						}
					}
				}
			}
			for rel := range p.rec.Paths() {
				if kindOf(rel) == kindMedia && !wanted[rel] {
					stale = append(stale, rel)
				}
			}
		}
	}
	slices.Sort(stale)
	stale = slices.Compact(stale)
	var done []Change
	var err error
	for _, rel := range stale {
		if err = w.ctx.Err(); err != nil {
			break
		}
		if !p.rec.Has(rel) {
			continue
		}
		var n int
		n, err = p.store.Remove(w.ctx, rel)
		p.stats.Removed += n
		if err != nil {
			break
		}
		done = append(done, Change{Path: rel, Removed: true})
		if kindOf(rel) == kindPage {
			delete(p.owned, pageSlug(rel))
		}
	}
	return errors.Join(err, p.commit(w.ctx, done))
}

// staleArchives returns the archive documents the record lists that the
// bundle no longer has: of every layout at the first publish, else of the
// layouts replaced since the last.
func (w *publish) staleArchives() []string {
	p, b := w.p, w.b
	var stale []string
	if w.verify || w.delta.all || w.scanAll {
		for rel := range p.rec.Paths() {
			if isArchivePath(rel) && !b.has(rel) {
				stale = append(stale, rel)
			}
		}
		return stale
	}
	for prefix, old := range w.oldSets {
		set := w.sets[prefix]
		if set == old {
			continue
		}
		kept := sameNames(set, old)
		for i := range old.docs {
			if kept[i] {
				continue
			}
			for k := range formats {
				stale = append(stale, old.path(i, k))
			}
		}
	}
	return stale
}

// sameDocs reports, for each document of set, whether old has a document
// of the same name from the same sources in every format.
func sameDocs(old, set *archiveSet) []bool {
	out := make([]bool, len(set.docs))
	if old == nil || old.headKey != set.headKey {
		return out
	}
	for i, j := range matchNames(set, old) {
		out[i] = j >= 0 && old.docs[j].keys == set.docs[i].keys
	}
	return out
}

// sameNames reports, for each document of old, whether set (nil: none) has
// a document of the same name.
func sameNames(set, old *archiveSet) []bool {
	out := make([]bool, len(old.docs))
	if set == nil {
		return out
	}
	for _, j := range matchNames(set, old) {
		if j >= 0 {
			out[j] = true
		}
	}
	return out
}

// matchNames returns, for each document of a, the index of the document of
// b with the same name, or -1. Both lists are sorted by page and part.
func matchNames(a, b *archiveSet) []int {
	out := make([]int, len(a.docs))
	j := 0
	for i, d := range a.docs {
		for j < len(b.docs) && (b.docs[j].page < d.page || b.docs[j].page == d.page && b.docs[j].part < d.part) {
			j++
		}
		out[i] = -1
		if j < len(b.docs) && b.docs[j].page == d.page && b.docs[j].part == d.part {
			out[i] = j
		}
	}
	return out
}

// parallel calls fn for 0..n-1 on the Publisher's workers and returns the
// first error; after one, or once ctx is done, no further call starts.
func (w *publish) parallel(n int, fn func(i int) error) error {
	workers := w.p.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	var next atomic.Int64
	var failed atomic.Bool
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			for !failed.Load() && w.ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if errs[k] = fn(i); errs[k] != nil {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return w.ctx.Err()
}

// sortedSlugs returns the slugs a delta names, sorted.
func (d Delta) sortedSlugs() []string { return slices.Sorted(maps.Keys(d.slugs)) }

// textEntry is the entry of a text file made from src.
func textEntry(f *File, src string) Entry {
	gz, _ := f.Gzip()
	return Entry{ID: fileID(f), Size: int64(len(f.Body)), GzipSize: int64(len(gz)), Source: src}
}

// recordsText reports whether e records f's bytes, made from src, in the
// current form of an entry: f's gzip copy would not change it.
func recordsText(e Entry, f *File, src string) bool {
	return e.ID == fileID(f) && e.Size == int64(len(f.Body)) && e.GzipSize >= 0 && e.Source == src
}

// fileID identifies a text file's bytes: its ETag, unquoted.
func fileID(f *File) string { return strings.Trim(f.ETag, `"`) }

// sameText reports whether the entry records f's bytes. Entries of the
// first form of the record hold a SHA-256 in hex.
func sameText(e Entry, f *File) bool {
	switch {
	case e.ID == PendingID:
		return false
	case e.ID == fileID(f):
		return e.Size < 0 || e.Size == int64(len(f.Body))
	case len(e.ID) == sha256.Size*2:
		sum := sha256.Sum256(f.Body)
		return e.ID == hex.EncodeToString(sum[:])
	}
	return false
}

// mediaID identifies a media file by the size and modification time of
// the file it is copied from, so that an unchanged file is not read again.
func mediaID(fi fs.FileInfo) string {
	return fmt.Sprintf("media-%d-%d", fi.Size(), fi.ModTime().UnixNano())
}

func pendingChange(rel string) Change {
	return Change{Path: rel, Entry: Entry{ID: PendingID, Size: -1, GzipSize: -1}}
}
