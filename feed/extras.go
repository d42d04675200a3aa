package feed

// extras are the documents of a bundle besides the feeds, the index and the
// article pages: what browsers, search engines and feed readers look for
// at a site's top. The Builder keeps the files made for one build, so that
// a document whose bytes do not change keeps its File (and its time).
type extras struct {
	style *File
}

// addExtras makes the extra documents of a bundle, adds them to its files
// and returns them in the order they are written (before the index and the
// main feeds).
func (bl *Builder) addExtras(b *Bundle) []*File {
	x := &bl.extras
	if x.style == nil {
		x.style = styleFile()
	}
	out := []*File{x.style}
	for _, f := range out {
		bl.stamp(f)
		b.files[f.Path] = f
	}
	return out
}
