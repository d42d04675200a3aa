package diag

import (
	"encoding/json"
	"fmt"
	"io"
)

// Document is everything "dropfeed check" found, with the counts it
// prints. As JSON ("check -format json") it is one object:
//
//	{"content": "/abs/folder", "files": 13, "articles": 13, "errors": 0, "warnings": 1,
//	 "diagnostics": [{"path": "a.md", "line": 8, "column": 5, "severity": "warning", "message": "..."}]}
//
// with path, line and column left out where unknown.
type Document struct {
	Content     string       `json:"content"` // the content folder
	Files       int          `json:"files"`
	Articles    int          `json:"articles"`
	Errors      int          `json:"errors"`
	Warnings    int          `json:"warnings"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// Add adds diagnostics to the document, counting them.
func (d *Document) Add(ds ...Diagnostic) {
	for _, x := range ds {
		if x.Severity == Warning {
			d.Warnings++
		} else {
			d.Errors++
		}
	}
	d.Diagnostics = append(d.Diagnostics, ds...)
}

// WriteText writes every diagnostic, sorted by path, line and column, one
// line each, then the line "F files, A articles, E errors, W warnings".
func (d *Document) WriteText(w io.Writer) error {
	if _, err := NewText(w, 0).report(d.Diagnostics); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d files, %d articles, %d errors, %d warnings\n", d.Files, d.Articles, d.Errors, d.Warnings)
	return err
}

// WriteJSON writes the document as one indented JSON object, its
// diagnostics sorted by path, line and column (an empty list, not null,
// when there are none).
func (d *Document) WriteJSON(w io.Writer) error {
	out := *d
	out.Diagnostics = append(make([]Diagnostic, 0, len(d.Diagnostics)), d.Diagnostics...)
	Sort(out.Diagnostics)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
