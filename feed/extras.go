package feed

// extras are the documents of a bundle besides the feeds, the index and the
// article pages: what browsers, search engines and feed readers look for
// at a site's top. The Builder keeps the files made for one build, so that
// a document whose bytes do not change keeps its File (and its time).
type extras struct {
	style    *File
	files    map[string]*File        // the discovery documents, by path
	sitemaps map[string]*sitemapPart // the sitemaps last rendered, by path
}

// addExtras makes the extra documents of a bundle over its main feed set
// and the others (tags, then sections), adds them to its files and returns
// them in the order they are written (before the index and the main feeds).
func (bl *Builder) addExtras(b *Bundle, main *feedSpec, more []*feedSpec, sitemaps []*File) ([]*File, error) {
	x := &bl.extras
	if x.style == nil {
		x.style = styleFile()
	}
	disc, err := bl.discoveryFiles(b, main, more, sitemaps)
	if err != nil {
		return nil, err
	}
	out := append([]*File{x.style}, disc...)
	for _, f := range out {
		bl.stamp(f)
		b.files[f.Path] = f
	}
	return out, nil
}
