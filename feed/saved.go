package feed

import (
	"fmt"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// Saved is what a [Builder] rendered, in a form that a Builder of a later
// run can take back with [Builder.Restore], so that a restart does not
// render again the feeds whose articles did not change. It is meant to be
// encoded (encoding/gob) and kept beside the state file.
type Saved struct {
	// Key names the program and the site the files were rendered for; a
	// Builder restores nothing saved under another key.
	Key      string
	Sets     []SavedSet
	Index    SavedFile
	IndexKey string
}

// SavedSet is one feed set's files and the signature of what they were
// rendered from.
type SavedSet struct {
	Prefix, Sig string
	Files       []SavedFile
}

// SavedFile is one rendered file.
type SavedFile struct {
	Path, ContentType, Link, ETag, GzipETag string
	ModTime                                 time.Time
	Body, Gzip                              []byte
}

// savedKey names what rendering depends on besides the articles: the
// program and the site settings.
func (bl *Builder) savedKey() string {
	return fmt.Sprintf("v1 %s %#v", content.BuildStamp(), bl.site)
}

// Save returns what the last build rendered, or nil before a build.
func (bl *Builder) Save() *Saved {
	if !bl.primed || bl.index == nil {
		return nil
	}
	sv := &Saved{Key: bl.savedKey(), Index: saveFile(bl.index), IndexKey: bl.idxKey}
	for _, g := range bl.ordered() {
		if g.files == nil || g.partial {
			continue
		}
		set := SavedSet{Prefix: g.prefix, Sig: g.sig}
		for _, f := range g.files {
			set.Files = append(set.Files, saveFile(f))
		}
		sv.Sets = append(sv.Sets, set)
	}
	return sv
}

func saveFile(f *File) SavedFile {
	return SavedFile{Path: f.Path, ContentType: f.ContentType, Link: f.Link, ETag: f.ETag, GzipETag: f.GzipETag,
		ModTime: f.ModTime, Body: f.Body, Gzip: f.Gzip}
}

// Restore takes back what an earlier Builder saved, before this Builder's
// first build: the feed sets whose articles are the same (by signature) are
// not rendered again. It reports false, and restores nothing, when sv was
// saved by another program or for other site settings.
func (bl *Builder) Restore(sv *Saved) bool {
	if sv == nil || bl.primed || sv.Key != bl.savedKey() || len(sv.Index.Body) == 0 {
		return false
	}
	bl.restored = make(map[string]*group, len(sv.Sets))
	for _, set := range sv.Sets {
		g := &group{prefix: set.Prefix, sig: set.Sig}
		for _, sf := range set.Files {
			g.files = append(g.files, restoreFile(sf))
		}
		if len(g.files) != len(formats) {
			continue
		}
		bl.restored[set.Prefix] = g
	}
	bl.index, bl.idxKey = restoreFile(sv.Index), sv.IndexKey
	return true
}

func restoreFile(sf SavedFile) *File {
	return &File{Path: sf.Path, ContentType: sf.ContentType, Link: sf.Link, ETag: sf.ETag, GzipETag: sf.GzipETag,
		ModTime: sf.ModTime, Body: sf.Body, Gzip: sf.Gzip}
}
