package diag_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/diag"
)

func TestDiagnosticString(t *testing.T) {
	tests := []struct {
		d    diag.Diagnostic
		want string
	}{
		{diag.Diagnostic{Path: "a.md", Line: 3, Column: 7, Severity: diag.Warning, Message: "m"}, "a.md:3:7: warning: m"},
		{diag.Diagnostic{Path: "a.md", Line: 3, Severity: diag.Error, Message: "m"}, "a.md:3: error: m"},
		{diag.Diagnostic{Path: "a.md", Column: 7, Severity: diag.Warning, Message: "m"}, "a.md: warning: m"},
		{diag.Diagnostic{Path: "a.md", Severity: diag.Warning, Message: "m"}, "a.md: warning: m"},
		{diag.Diagnostic{Severity: diag.Warning, Message: "state reset"}, "warning: state reset"},
		{diag.Diagnostic{Message: "zero severity"}, "error: zero severity"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.d.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFromError(t *testing.T) {
	bad := &content.ParseError{Path: "a.md", Line: 4, Err: fmt.Errorf("%w: title: want a string", content.ErrFrontMatter)}
	empty := &content.ParseError{Path: "e.md", Err: content.ErrEmpty}
	tests := []struct {
		name string
		err  error
		want []diag.Diagnostic
	}{
		{"nil", nil, nil},
		{"parse error", bad, []diag.Diagnostic{{Path: "a.md", Line: 4, Message: "content: bad front matter: title: want a string"}}},
		{"empty file", empty, []diag.Diagnostic{{Path: "e.md", Severity: diag.Warning, Message: "content: empty file", Code: content.WarnEmpty}}},
		{"join", errors.Join(bad, empty), []diag.Diagnostic{
			{Path: "a.md", Line: 4, Message: "content: bad front matter: title: want a string"},
			{Path: "e.md", Severity: diag.Warning, Message: "content: empty file", Code: content.WarnEmpty}}},
		{"nested join", errors.Join(errors.Join(bad), errors.Join(empty)), []diag.Diagnostic{
			{Path: "a.md", Line: 4, Message: "content: bad front matter: title: want a string"},
			{Path: "e.md", Severity: diag.Warning, Message: "content: empty file", Code: content.WarnEmpty}}},
		{"wrapped", fmt.Errorf("reparse: %w", bad), []diag.Diagnostic{{Path: "a.md", Line: 4, Message: "content: bad front matter: title: want a string"}}},
		{"not about a file", errors.New("read content folder: permission denied"), []diag.Diagnostic{{Message: "read content folder: permission denied"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := diag.FromError(tc.err); !slices.Equal(got, tc.want) {
				t.Errorf("FromError(%v) = %+v, want %+v", tc.err, got, tc.want)
			}
		})
	}
	if got := diag.FromErrors([]error{bad, empty}); len(got) != 2 || got[1].Severity != diag.Warning {
		t.Errorf("FromErrors = %+v, want an error and a warning", got)
	}
}

func TestFromWarnings(t *testing.T) {
	ws := []content.Warning{{Path: "a.md", Line: 8, Column: 5, Code: content.WarnNoAltText, Msg: "m"}}
	want := []diag.Diagnostic{{Path: "a.md", Line: 8, Column: 5, Severity: diag.Warning, Message: "m", Code: content.WarnNoAltText}}
	if got := diag.FromWarnings(ws); !slices.Equal(got, want) {
		t.Errorf("FromWarnings = %+v, want %+v", got, want)
	}
}

// undated returns n warnings of one kind, about files n-1 down to 0.
func undated(n int) []diag.Diagnostic {
	var out []diag.Diagnostic
	for i := n - 1; i >= 0; i-- {
		out = append(out, diag.Diagnostic{Path: fmt.Sprintf("news/%03d.txt", i), Line: 1, Severity: diag.Warning, Message: "no Date: header", Code: content.WarnNoDate})
	}
	return out
}

func TestReportText(t *testing.T) {
	errA := diag.Diagnostic{Path: "b.md", Line: 4, Severity: diag.Error, Message: "bad"}
	dupes := []diag.Diagnostic{
		{Path: "z.md", Line: 4, Severity: diag.Warning, Message: "duplicate id x (also a.md)", Code: content.WarnDuplicateID},
		{Path: "y.md", Line: 2, Severity: diag.Warning, Message: "duplicate id x (also a.md)", Code: content.WarnDuplicateID},
	}
	site := diag.Site(diag.Warning, "state file set aside")
	tests := []struct {
		name  string
		limit int
		batch []diag.Diagnostic
		want  []string
		count diag.Counts
	}{
		{"empty", 3, nil, nil, diag.Counts{}},
		{"check lists everything, sorted", 0, slices.Concat(undated(5), []diag.Diagnostic{errA, site}), []string{
			"warning: state file set aside",
			"b.md:4: error: bad",
			"news/000.txt:1: warning: no Date: header",
			"news/001.txt:1: warning: no Date: header",
			"news/002.txt:1: warning: no Date: header",
			"news/003.txt:1: warning: no Date: header",
			"news/004.txt:1: warning: no Date: header",
		}, diag.Counts{Errors: 1, Warnings: 6}},
		{"at the limit nothing is summarized", 3, undated(3), []string{
			"news/000.txt:1: warning: no Date: header",
			"news/001.txt:1: warning: no Date: header",
			"news/002.txt:1: warning: no Date: header",
		}, diag.Counts{Warnings: 3}},
		{"over the limit", 3, undated(1000), []string{
			"news/000.txt:1: warning: no Date: header",
			"news/001.txt:1: warning: no Date: header",
			"news/002.txt:1: warning: no Date: header",
			"warning: 997 more like this; dropfeed check lists them all",
		}, diag.Counts{Warnings: 1000}},
		{"each kind has its limit; errors and site messages are all printed", 1,
			slices.Concat(undated(3), dupes, []diag.Diagnostic{errA, errA, site, site}), []string{
				"warning: state file set aside",
				"warning: state file set aside",
				"b.md:4: error: bad",
				"b.md:4: error: bad",
				"news/000.txt:1: warning: no Date: header",
				"warning: 2 more like this; dropfeed check lists them all",
				"y.md:2: warning: duplicate id x (also a.md)",
				"warning: 1 more like this; dropfeed check lists them all",
			}, diag.Counts{Errors: 2, Warnings: 7}},
		{"columns order one line", 0, []diag.Diagnostic{
			{Path: "a.md", Line: 8, Column: 43, Severity: diag.Warning, Message: "second"},
			{Path: "a.md", Line: 8, Column: 5, Severity: diag.Warning, Message: "first"},
			{Path: "a.md", Line: 2, Severity: diag.Warning, Message: "title"},
			{Path: "a.md", Severity: diag.Warning, Message: "no line"},
		}, []string{"a.md: warning: no line", "a.md:2: warning: title", "a.md:8:5: warning: first", "a.md:8:43: warning: second"},
			diag.Counts{Warnings: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			before := slices.Clone(tc.batch)
			c := diag.NewText(&buf, tc.limit).Report(tc.batch)
			got := lines(buf.String())
			if !slices.Equal(got, tc.want) {
				t.Errorf("Report printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if c != tc.count {
				t.Errorf("Report counts = %+v, want %+v", c, tc.count)
			}
			if !slices.Equal(tc.batch, before) {
				t.Errorf("Report changed its batch")
			}
		})
	}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// TestReportBatches: the limit counts per batch, so a later batch (a
// daemon's next rebuild) shows its warnings again.
func TestReportBatches(t *testing.T) {
	var buf bytes.Buffer
	r := diag.NewText(&buf, 2)
	r.Report(undated(10))
	r.Report(undated(1))
	want := []string{
		"news/000.txt:1: warning: no Date: header",
		"news/001.txt:1: warning: no Date: header",
		"warning: 8 more like this; dropfeed check lists them all",
		"news/000.txt:1: warning: no Date: header",
	}
	if got := lines(buf.String()); !slices.Equal(got, want) {
		t.Errorf("two batches printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// record is what the tests read of a JSON log record.
type record struct {
	Level, Msg, Path, Code string
	Line, Column, Count    int
}

func TestReportLog(t *testing.T) {
	var buf bytes.Buffer
	r := diag.NewLog(slog.New(slog.NewJSONHandler(&buf, nil)), 2)
	batch := slices.Concat(undated(5), []diag.Diagnostic{
		{Path: "a.md", Line: 8, Column: 5, Severity: diag.Warning, Message: "image without alt text", Code: content.WarnNoAltText},
		{Path: "b.md", Line: 4, Message: "bad"},
		diag.Site(diag.Warning, "state file set aside"),
	})
	if c := r.Report(batch); c != (diag.Counts{Errors: 1, Warnings: 7}) {
		t.Errorf("counts = %+v", c)
	}
	var got []record
	for _, l := range lines(buf.String()) {
		var rec record
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", l)
		}
		got = append(got, rec)
	}
	want := []record{
		{Level: "WARN", Msg: "state file set aside"},
		{Level: "WARN", Msg: "image without alt text", Path: "a.md", Line: 8, Column: 5, Code: content.WarnNoAltText},
		{Level: "ERROR", Msg: "bad", Path: "b.md", Line: 4},
		{Level: "WARN", Msg: "no Date: header", Path: "news/000.txt", Line: 1, Code: content.WarnNoDate},
		{Level: "WARN", Msg: "no Date: header", Path: "news/001.txt", Line: 1, Code: content.WarnNoDate},
		{Level: "WARN", Msg: "more like this; dropfeed check lists them all", Code: content.WarnNoDate, Count: 3},
	}
	if !slices.Equal(got, want) {
		t.Errorf("records\n%+v\nwant\n%+v", got, want)
	}
}

// writeLog records each Write.
type writeLog struct {
	mu     sync.Mutex
	writes []string
}

func (w *writeLog) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes = append(w.writes, string(b))
	return len(b), nil
}

// TestReportWholeLines: every write holds whole lines, large batches
// included, and batches reported at once do not interleave.
func TestReportWholeLines(t *testing.T) {
	w := &writeLog{}
	r := diag.NewText(w, 0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { r.Report(undated(2000)) })
	}
	wg.Wait()
	if len(w.writes) < 8 {
		t.Errorf("%d writes for 8,000 lines: want them in several chunks", len(w.writes))
	}
	all := strings.Join(w.writes, "")
	for i, s := range w.writes {
		if !strings.HasSuffix(s, "\n") {
			t.Fatalf("write %d does not end a line: %q", i, s[max(0, len(s)-40):])
		}
	}
	// The lines of each batch come in order: 000 to 1999, four times.
	want := strings.Repeat(strings.Join(lines(textOf(undated(2000))), "\n")+"\n", 4)
	if all != want {
		t.Errorf("the batches interleaved")
	}
}

func textOf(ds []diag.Diagnostic) string {
	var buf bytes.Buffer
	diag.NewText(&buf, 0).Report(ds)
	return buf.String()
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestDocument(t *testing.T) {
	var d diag.Document
	d.Content, d.Files, d.Articles = "/site/content", 3, 2
	d.Add(diag.FromWarnings([]content.Warning{{Path: "b.md", Line: 8, Column: 43, Code: content.WarnNoAltText, Msg: "image"}})...)
	d.Add(diag.Diagnostic{Path: "a.md", Line: 4, Message: "bad"})
	if d.Errors != 1 || d.Warnings != 1 {
		t.Fatalf("counts %d errors, %d warnings; want 1, 1", d.Errors, d.Warnings)
	}

	var text bytes.Buffer
	if err := d.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "a.md:4: error: bad\nb.md:8:43: warning: image\n3 files, 2 articles, 1 errors, 1 warnings\n"
	if text.String() != want {
		t.Errorf("WriteText =\n%s\nwant\n%s", text.String(), want)
	}
	if err := d.WriteText(failWriter{}); err == nil {
		t.Errorf("WriteText to a failing writer = nil error")
	}

	var js bytes.Buffer
	if err := d.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("WriteJSON wrote no JSON object: %v\n%s", err, js.String())
	}
	wantJSON := map[string]any{
		"content": "/site/content", "files": 3.0, "articles": 2.0, "errors": 1.0, "warnings": 1.0,
		"diagnostics": []any{
			map[string]any{"path": "a.md", "line": 4.0, "severity": "error", "message": "bad"},
			map[string]any{"path": "b.md", "line": 8.0, "column": 43.0, "severity": "warning", "message": "image"},
		},
	}
	if fmt.Sprint(back) != fmt.Sprint(wantJSON) {
		t.Errorf("WriteJSON =\n%v\nwant\n%v", back, wantJSON)
	}
	var doc diag.Document
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Diagnostics) != 2 || doc.Diagnostics[1].Severity != diag.Warning {
		t.Errorf("reading the JSON back = %+v, %v", doc, err)
	}

	js.Reset()
	if err := (&diag.Document{}).WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"diagnostics": []`) {
		t.Errorf("an empty document's JSON = %s, %v; want an empty diagnostics list", js.String(), err)
	}
}

func TestSeverityText(t *testing.T) {
	for _, s := range []diag.Severity{diag.Error, diag.Warning} {
		b, _ := s.MarshalText()
		var back diag.Severity
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%v: text %q reads back as %v, %v", s, b, back, err)
		}
	}
	var s diag.Severity
	if err := s.UnmarshalText([]byte("fatal")); err == nil {
		t.Errorf("UnmarshalText(fatal) = nil error")
	}
}

func ExampleReporter() {
	var batch []diag.Diagnostic
	batch = append(batch, diag.FromErrors([]error{&content.ParseError{Path: "b.md", Line: 4, Err: content.ErrBadDate}})...)
	for _, p := range []string{"n1.txt", "n2.txt", "n3.txt", "n4.txt", "n5.txt"} {
		batch = append(batch, diag.FromWarnings([]content.Warning{{Path: p, Line: 1, Code: content.WarnNoDate, Msg: "no Date: header"}})...)
	}
	c := diag.NewText(os.Stdout, 2).Report(batch)
	fmt.Println(c.Errors, "errors,", c.Warnings, "warnings")
	// Output:
	// b.md:4: error: content: bad date
	// n1.txt:1: warning: no Date: header
	// n2.txt:1: warning: no Date: header
	// warning: 3 more like this; dropfeed check lists them all
	// 1 errors, 5 warnings
}
