package catalog

import (
	"encoding/binary"
	"hash/fnv"
	"io/fs"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dropfeed/dropfeed/content"
)

// The media files articles reference (content.Article.Media) are part of
// what a feed publishes: an image is an enclosure with a length and a type,
// and a file beside the article's page. So a media file that appears,
// changes or goes makes a new version of each article that references it:
// a copy with another content.Article.MediaStamp, which the feeds, the pages
// and the static output treat as a changed article. A restart sees the
// stamps of the media as they are, so feeds saved by the last run whose
// media changed meanwhile are rendered again.

// media tracks the media files the articles reference.
type media struct {
	refs  map[string][]string   // media file -> the paths of the articles that reference it, sorted
	state map[string]mediaState // media file -> how it was when last looked at
}

// mediaState is what is known of a media file on disk.
type mediaState struct {
	exists bool
	size   int64
	mtime  int64
	mode   fs.FileMode
}

func newMedia() *media {
	return &media{refs: make(map[string][]string), state: make(map[string]mediaState)}
}

// look stats a media file and records how it is; changed reports whether
// that differs from what was recorded before.
func (m *media) look(fsys fs.FS, p string) (st mediaState, changed bool) {
	st = statMedia(fsys, p)
	old, known := m.state[p]
	m.state[p] = st
	return st, !known || old != st
}

// statMedia stats a media file.
func statMedia(fsys fs.FS, p string) (st mediaState) {
	if fi, err := fs.Stat(fsys, p); err == nil && fi.Mode().IsRegular() {
		st = mediaState{exists: true, size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}
	}
	return st
}

// lookAll looks at the media files that the articles reference and that
// were not looked at yet, on every core: a start stats each of them, and a
// stat through the root walks the path (a fifth of a second at 100,000
// articles, one after the other).
func (m *media) lookAll(fsys fs.FS, arts []*content.Article) {
	var paths []string
	seen := make(map[string]bool)
	for _, a := range arts {
		for _, p := range a.Media {
			if _, ok := m.state[p]; !ok && !seen[p] {
				seen[p] = true
				paths = append(paths, p)
			}
		}
	}
	states := make([]mediaState, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)/64+1) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(paths); i = int(next.Add(1)) - 1 {
				states[i] = statMedia(fsys, paths[i])
			}
		})
	}
	wg.Wait()
	for i, p := range paths {
		m.state[p] = states[i]
	}
}

// stamp returns the media stamp of an article: a hash of the state of the
// media files it references that exist, or 0 when none does. Files not
// looked at yet are looked at.
func (m *media) stamp(fsys fs.FS, a *content.Article) uint64 {
	if len(a.Media) == 0 {
		return 0
	}
	h := fnv.New64a()
	var buf [8 * 3]byte
	n := 0
	for _, p := range a.Media {
		st, ok := m.state[p]
		if !ok {
			st, _ = m.look(fsys, p)
		}
		if !st.exists {
			continue
		}
		n++
		h.Write([]byte(p))
		binary.LittleEndian.PutUint64(buf[0:], uint64(st.size))
		binary.LittleEndian.PutUint64(buf[8:], uint64(st.mtime))
		binary.LittleEndian.PutUint64(buf[16:], uint64(st.mode))
		h.Write(buf[:])
	}
	if n == 0 {
		return 0
	}
	return h.Sum64() | 1 // never 0, which means "none"
}

// withStamp returns a, or a copy of it with its media stamp when that differs.
func (m *media) withStamp(fsys fs.FS, a *content.Article) *content.Article {
	s := m.stamp(fsys, a)
	if s == a.MediaStamp {
		return a
	}
	b := *a
	b.MediaStamp = s
	return &b
}

// track records the references of an article's new version (nil: none, as
// when it is gone) in place of those of its old version (nil: none).
func (m *media) track(path string, old, cur *content.Article) {
	if old != nil {
		for _, f := range old.Media {
			ps := m.refs[f]
			if i, ok := slices.BinarySearch(ps, path); ok {
				ps = slices.Delete(ps, i, i+1)
			}
			if len(ps) == 0 {
				delete(m.refs, f)
				delete(m.state, f)
			} else {
				m.refs[f] = ps
			}
		}
	}
	if cur != nil {
		for _, f := range cur.Media {
			ps := m.refs[f]
			if i, ok := slices.BinarySearch(ps, path); !ok {
				m.refs[f] = slices.Insert(ps, i, path)
			}
		}
	}
}

// touched returns the tracked media files that paths name: the files
// themselves, and those under the paths that may be folders (neither an
// article nor a media file name). all looks at every tracked file.
func (m *media) touched(paths []string, all bool) []string {
	var out []string
	if all {
		for f := range m.refs {
			out = append(out, f)
		}
		slices.Sort(out)
		return out
	}
	for _, p := range paths {
		if _, ok := m.refs[p]; ok {
			out = append(out, p)
			continue
		}
		if content.FormatOf(p) != 0 || content.MediaType(p) != "" {
			continue
		}
		prefix := p + "/"
		if p == "." {
			prefix = ""
		}
		for f := range m.refs {
			if strings.HasPrefix(f, prefix) {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// changedMedia looks at the tracked media files that paths touch (all of
// them with all) and returns the paths of the articles whose media changed.
func (m *media) changedMedia(fsys fs.FS, paths []string, all bool) []string {
	var arts []string
	for _, f := range m.touched(paths, all) {
		if _, changed := m.look(fsys, f); changed {
			arts = append(arts, m.refs[f]...)
		}
	}
	slices.Sort(arts)
	return slices.Compact(arts)
}
