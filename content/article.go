package content

import (
	"fmt"
	"path"
	"time"
)

// Format is an article file format.
type Format int

// The article formats.
const (
	FormatText     Format = iota + 1 // plain-text news (.txt)
	FormatMarkdown                   // Markdown with optional YAML front matter (.md, .markdown)
)

// String returns "text" or "markdown".
func (f Format) String() string {
	switch f {
	case FormatText:
		return "text"
	case FormatMarkdown:
		return "markdown"
	}
	return "unknown"
}

// Article is one parsed article file: the normalized form both formats share.
// An Article is never modified after it is returned, so it may be shared
// between goroutines.
//
// # Clean text
//
// Every text field (Title, ID, Authors, Tags, Summary, Image, Link, Source)
// and the body holds only characters XML 1.0 can carry: [CleanText] leaves
// it as it is, so a feed may write it without cleaning it again. Authors and
// Tags have their white space collapsed to single spaces. Path and Slug are
// file names, which may hold any byte: whoever writes them into a URL or an
// id escapes them ([EscapePath], [Article.EscapedSlug]).
type Article struct {
	// Path is the file's path relative to the content root, slash-separated.
	Path string
	// Slug is the article's path used in its URL and derived id: Path without
	// its extension, NFC-normalized, or with its last element replaced by the
	// front matter "slug". It is not escaped; see [Article.EscapedSlug].
	Slug string
	// ID is the article's permanent identifier: the explicit id, else a tag URI.
	ID string
	// ExplicitID reports whether ID came from the file.
	ExplicitID bool

	Title   string
	Authors []string // display names; may be empty
	Tags    []string // in file order, duplicates removed
	// Summary is plain text: given in the file, else the first paragraph
	// (captions excluded) cut at a word boundary near 300 characters.
	Summary string
	// Image is the article image as written (a URL, absolute or relative to the article).
	Image string
	// Link is an external link the article is about; the article keeps its own permalink.
	Link string
	// Source is the plain-text source credit ("Source: NAME"), if any.
	Source string
	Draft  bool
	// FullContent, when not nil, overrides the site's choice between full
	// content and summary-only feeds for this article (full_content:).
	FullContent *bool

	// Published is the publication time, whole seconds: the date in the file,
	// else the date prefix of the file name, else the file's first-seen time.
	Published time.Time
	// Updated is the last significant change: an explicit updated date, else Published.
	Updated time.Time
	// Dated reports whether Published came from the file's content or name
	// rather than from its modification time.
	Dated bool

	Format Format
	// Body renders the article's full HTML. It is rendered on demand, since
	// only the articles that appear in a feed or page need it.
	Body Body
	// Hash is a hash of the file's bytes (FNV-1a 128, hex).
	Hash string
	// ModTime is the file's modification time when it was read.
	ModTime time.Time
	// Size is the file's size in bytes.
	Size int64
	// Media lists the media files of the content folder (slash paths
	// relative to its root) that the article may reference by a relative
	// URL — its image, images, audio and video in its body — whether they
	// exist or not: a superset, found in the file's text.
	Media []string
	// MediaStamp identifies the state on disk of the Media files (which
	// exist, their sizes and modification times), so that an article whose
	// media changed counts as a new version of it; zero when none exists or
	// nobody looked. [Parse] leaves it zero: whoever watches the folder sets
	// it (see package catalog).
	MediaStamp uint64

	Warnings []Warning
}

// Options control how files are parsed. The zero value is usable; see
// [DefaultOptions] for the documented defaults.
type Options struct {
	// Location interprets dates written without an offset. Nil means UTC.
	Location *time.Location
	// IDAuthority and IDDate make the tag URI of derived ids:
	// tag:<IDAuthority>,<IDDate>:<slug>. Both must be set before publishing
	// and never changed afterwards.
	IDAuthority string
	IDDate      string
	// UnsafeHTML lets raw HTML in Markdown through to the output.
	UnsafeHTML bool
	// Ignore holds glob patterns (path.Match syntax) of files and folders to
	// skip, matched against the slash path relative to the root and against
	// the base name.
	Ignore []string
	// MaxSize is the largest file read, in bytes; zero means 2 MB.
	MaxSize int64
	// MaxMarkdownSize is the largest Markdown body (what follows the front
	// matter), in bytes; zero means [DefaultMaxMarkdownSize]. It is smaller
	// than MaxSize because the Markdown renderer slows down more than
	// linearly on some inputs; Markdown that would make it work far more
	// than its size suggests fails with [ErrTooComplex].
	MaxMarkdownSize int64
	// Workers is the number of files parsed at once by Load; zero means GOMAXPROCS.
	Workers int
}

// DefaultIDDate is the id date used when none is configured.
const DefaultIDDate = "2024"

// DefaultMaxSize is the default largest article file, in bytes.
const DefaultMaxSize = 2 << 20

// DefaultOptions returns the options used when nothing is configured.
func DefaultOptions() Options {
	return Options{Location: time.UTC, IDAuthority: "localhost", IDDate: DefaultIDDate, MaxSize: DefaultMaxSize}
}

// Validate reports the first option that cannot work, named by its config
// key: an id_date that is not YYYY, YYYY-MM or YYYY-MM-DD (a tag URI's date),
// an ignore pattern that is not a valid glob, a negative size.
func (o *Options) Validate() error {
	if o.IDDate != "" {
		ok := false
		for _, layout := range []string{"2006-01-02", "2006-01", "2006"} {
			if _, err := time.Parse(layout, o.IDDate); err == nil {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("id_date: %q is not YYYY, YYYY-MM or YYYY-MM-DD", o.IDDate)
		}
	}
	for _, g := range o.Ignore {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("ignore: %q: %v", g, err)
		}
	}
	if o.MaxSize < 0 || o.MaxMarkdownSize < 0 {
		return fmt.Errorf("max_file_size and max_markdown_size must not be negative")
	}
	return nil
}

func (o *Options) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o *Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}
