// Package diag reports diagnostics: the errors and warnings about article
// files and about the site as a whole, in the shapes dropfeed's commands
// print them.
//
// It takes what package content gives — a [*content.ParseError], a join of
// them, a [content.Warning] — and plain messages about the site, as
// [Diagnostic] values. A [Reporter] prints batches of them as text lines,
//
//	PATH:LINE[:COLUMN]: error|warning: MESSAGE
//
// (the path relative to the content folder; none for the site as a whole),
// or as [log/slog] records, summarizing repeated warnings when asked to. A
// [Document] is everything "dropfeed check" found, written as text or as
// one JSON object.
//
// Package diag imports content and the standard library only.
package diag

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/dropfeed/dropfeed/content"
)

// Severity says whether a diagnostic is an error or a warning. The zero
// value is Error.
type Severity uint8

// The severities.
const (
	// Error: the file is not published (or, site-wide, something failed).
	Error Severity = iota
	// Warning: published, but worth fixing.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText writes the severity as [Severity.String] does.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads "error" or "warning".
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("diag: severity %q is not error or warning", b)
	}
	return nil
}

func (s Severity) level() slog.Level {
	if s == Warning {
		return slog.LevelWarn
	}
	return slog.LevelError
}

// Diagnostic is one problem, in the shape editors and CI read.
type Diagnostic struct {
	// Path is the file's slash path relative to the content folder; ""
	// for the site as a whole.
	Path string `json:"path,omitempty"`
	// Line is 1-based; 0 when no line applies.
	Line int `json:"line,omitempty"`
	// Column is the 1-based byte column in the line; 0 when unknown.
	Column   int      `json:"column,omitempty"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Code is the kind of problem (a content.Warn... code, or "" when it
	// has none): what a [Reporter] summarizes warnings by.
	Code string `json:"-"`
}

// String formats the diagnostic as PATH:LINE[:COLUMN]: SEVERITY: MESSAGE,
// leaving out what is unknown.
func (d Diagnostic) String() string {
	var b strings.Builder
	d.appendText(&b)
	return b.String()
}

func (d Diagnostic) appendText(b *strings.Builder) {
	if d.Path != "" {
		b.WriteString(d.Path)
		if d.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(d.Line))
			if d.Column > 0 {
				b.WriteByte(':')
				b.WriteString(strconv.Itoa(d.Column))
			}
		}
		b.WriteString(": ")
	}
	b.WriteString(d.Severity.String())
	b.WriteString(": ")
	b.WriteString(d.Message)
}

// attrs returns the record attributes of the diagnostic: path, line and
// column where known, and its code.
func (d Diagnostic) attrs() []slog.Attr {
	attrs := make([]slog.Attr, 0, 4)
	if d.Path != "" {
		attrs = append(attrs, slog.String("path", d.Path))
	}
	if d.Line > 0 {
		attrs = append(attrs, slog.Int("line", d.Line))
	}
	if d.Column > 0 {
		attrs = append(attrs, slog.Int("column", d.Column))
	}
	if d.Code != "" {
		attrs = append(attrs, slog.String("code", d.Code))
	}
	return attrs
}

// compare orders diagnostics by path, line and column; the site's (no
// path) come first.
func compare(a, b Diagnostic) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

// Sort sorts diagnostics by path, line and column, keeping the order of
// those at the same place.
func Sort(ds []Diagnostic) { slices.SortStableFunc(ds, compare) }

// FromErrors returns the diagnostics of per-file errors, as
// content.Changes.Errors holds them; see [FromError].
func FromErrors(errs []error) []Diagnostic {
	var out []Diagnostic
	for _, err := range errs {
		out = appendError(out, err)
	}
	return out
}

// FromError returns the diagnostics of err: one for each [*content.ParseError]
// in it (err may be a join of them, as content.Load returns), at its path
// and line, with the message of the error it wraps. A file skipped because
// it is empty is a warning ([content.WarnEmpty]); any other error is an
// error, without a path when it is not about a file.
func FromError(err error) []Diagnostic { return appendError(nil, err) }

func appendError(out []Diagnostic, err error) []Diagnostic {
	if err == nil {
		return out
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = appendError(out, e)
		}
		return out
	}
	d := Diagnostic{Message: err.Error()}
	if pe, ok := errors.AsType[*content.ParseError](err); ok {
		d.Path, d.Line = pe.Path, pe.Line
		if pe.Err != nil {
			d.Message = pe.Err.Error()
		}
	}
	if content.IsWarning(err) {
		d.Severity, d.Code = Warning, content.WarnEmpty
	}
	return append(out, d)
}

// FromWarnings returns the diagnostics of warnings.
func FromWarnings(ws []content.Warning) []Diagnostic {
	out := make([]Diagnostic, 0, len(ws))
	for _, w := range ws {
		out = append(out, Diagnostic{Path: w.Path, Line: w.Line, Column: w.Column, Severity: Warning, Message: w.Msg, Code: w.Code})
	}
	return out
}

// Site returns a diagnostic about the site as a whole (a state file set
// aside, say): no path, no code.
func Site(sev Severity, msg string) Diagnostic {
	return Diagnostic{Severity: sev, Message: msg}
}
