package content

import (
	"errors"
	"fmt"
)

// Sentinel errors wrapped by [ParseError]. Callers test for them with [errors.Is].
var (
	// ErrEmpty means the file has no bytes (or only white space); it may be mid-write.
	ErrEmpty = errors.New("content: empty file")
	// ErrNoTitle means no title could be found.
	ErrNoTitle = errors.New("content: no title")
	// ErrBinary means the file holds NUL bytes or is otherwise not text.
	ErrBinary = errors.New("content: not a text file")
	// ErrTooLarge means the file is larger than [Options.MaxSize].
	ErrTooLarge = errors.New("content: file too large")
	// ErrTooComplex means Markdown whose structure would take the renderer
	// far longer than its size suggests (see [Options.MaxMarkdownSize]).
	ErrTooComplex = errors.New("content: Markdown too complex")
	// ErrFrontMatter means the YAML front matter is malformed or has a key of the wrong type.
	ErrFrontMatter = errors.New("content: bad front matter")
	// ErrUnclosedFrontMatter means a front matter block opened with "---" is never closed.
	ErrUnclosedFrontMatter = errors.New("content: front matter not closed")
	// ErrBadDate means a date could not be parsed.
	ErrBadDate = errors.New("content: bad date")
	// ErrNotRegular means the path is not a regular file (a FIFO, socket, device or directory).
	ErrNotRegular = errors.New("content: not a regular file")
	// ErrOutsideRoot means a symbolic link points outside the content folder.
	ErrOutsideRoot = errors.New("content: link points outside the content folder")
	// ErrUnsupported means the file name does not have an article extension.
	ErrUnsupported = errors.New("content: not an article file")
)

// ParseError reports a file that could not become an article.
type ParseError struct {
	Path string // slash-separated, relative to the content root
	Line int    // 1-based; 0 when no line applies
	Err  error
}

// Error formats the error as "path:line: message" (or "path: message").
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Warning is a problem that does not keep an article out of the feeds.
type Warning struct {
	Path   string // slash-separated, relative to the content root
	Line   int    // 1-based; 0 when no line applies
	Column int    // 1-based byte column in the line of the UTF-8 text; 0 when none applies
	// Code is the kind of problem: one of the Warn constants. Unlike Msg,
	// which holds numbers and names, it is the same for every warning of
	// its kind, so reporters group on it and tools may filter on it.
	Code string
	Msg  string
}

// The codes of [Warning.Code].
const (
	// WarnNoDate: a plain-text file has no Date: header, so its publication
	// date follows the file's modification time.
	WarnNoDate = "no-date"
	// WarnNotUTF8: the file is not valid UTF-8 and was decoded as Windows-1252.
	WarnNotUTF8 = "not-utf8"
	// WarnControlChars: control characters a feed cannot carry were removed.
	WarnControlChars = "control-characters"
	// WarnEmpty: an empty file was skipped (a [*ParseError] wrapping
	// [ErrEmpty], which [IsWarning] reports as a warning).
	WarnEmpty = "empty-file"
	// WarnDuplicateID: [Select] left an article out because another has its id.
	WarnDuplicateID = "duplicate-id"
	// WarnDuplicateURL: [Select] left an article out because another has its URL path.
	WarnDuplicateURL = "duplicate-url"
	// WarnLongTitle ([Lint]): a title longer than feed readers show in their lists.
	WarnLongTitle = "long-title"
	// WarnLongParagraph ([Lint]): a long first paragraph and no summary, so
	// feed readers show the paragraph cut off.
	WarnLongParagraph = "long-first-paragraph"
	// WarnNoAltText ([Lint]): an image without alt text.
	WarnNoAltText = "image-without-alt"
)

// String formats the warning as "path:line:column: message", leaving out
// the column and line when they are 0.
func (w Warning) String() string {
	switch {
	case w.Line > 0 && w.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", w.Path, w.Line, w.Column, w.Msg)
	case w.Line > 0:
		return fmt.Sprintf("%s:%d: %s", w.Path, w.Line, w.Msg)
	}
	return fmt.Sprintf("%s: %s", w.Path, w.Msg)
}

// IsWarning reports whether err (a [*ParseError] or a join of them) describes
// a file that was skipped for a reason that is only worth a warning: an empty
// file, which may still be being written.
func IsWarning(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		// A join is only a warning when every error in it is.
		errs := j.Unwrap()
		for _, e := range errs {
			if !IsWarning(e) {
				return false
			}
		}
		return len(errs) > 0
	}
	return errors.Is(err, ErrEmpty)
}

func errAt(path string, line int, err error) *ParseError {
	return &ParseError{Path: path, Line: line, Err: err}
}
