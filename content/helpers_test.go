package content_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/dropfeed/dropfeed/content"
	"golang.org/x/tools/txtar"
)

// mtime is the modification time every in-memory test file gets unless a
// test says otherwise.
var mtime = time.Date(2025, 3, 4, 5, 6, 7, 890, time.UTC)

// unavailable skips the test because something it needs is missing here (a
// kernel feature, a tool), saying what in msg, except under CI=true, where
// it fails: the CI machine provides everything the tests need, so something
// missing there is a broken gate, not a laptop.
func unavailable(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI must provide it", msg)
	}
	t.Skip(msg)
}

// testOptions returns the options the tests parse with: UTC, a fixed id
// authority and date.
func testOptions() content.Options {
	o := content.DefaultOptions()
	o.IDAuthority = "example.com"
	o.IDDate = "2024"
	return o
}

// treeFS turns a txtar archive into a MapFS whose files have modification
// time mod. A file named in the archive with a trailing "/" becomes an empty
// folder.
func treeFS(t testing.TB, archive string, mod time.Time) fstest.MapFS {
	t.Helper()
	ar := txtar.Parse([]byte(archive))
	if len(ar.Files) == 0 {
		t.Fatalf("treeFS: archive has no files:\n%s", archive)
	}
	fsys := fstest.MapFS{}
	for _, f := range ar.Files {
		if name, ok := strings.CutSuffix(f.Name, "/"); ok {
			fsys[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755, ModTime: mod}
			continue
		}
		if !fs.ValidPath(f.Name) {
			t.Fatalf("treeFS: %q is not a valid fs path", f.Name)
		}
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644, ModTime: mod}
	}
	return fsys
}

// mustParse parses src as the file p with the test options and fails the
// test on error.
func mustParse(t testing.TB, p, src string) *content.Article {
	t.Helper()
	return mustParseOpts(t, p, src, testOptions())
}

func mustParseOpts(t testing.TB, p, src string, opts content.Options) *content.Article {
	t.Helper()
	a, err := content.Parse(p, []byte(src), mtime, opts)
	if err != nil {
		t.Fatalf("Parse(%q) error: %v\nsource:\n%s", p, err, src)
	}
	checkInvariants(t, a)
	return a
}

// parseErr parses src as p and returns its *ParseError, failing the test when
// parsing succeeds or the error has another type.
func parseErr(t testing.TB, p, src string) *content.ParseError {
	t.Helper()
	a, err := content.Parse(p, []byte(src), mtime, testOptions())
	if err == nil {
		t.Fatalf("Parse(%q) = %+v, want an error\nsource:\n%s", p, a, src)
	}
	if a != nil {
		t.Errorf("Parse(%q) returned an article with error %v", p, err)
	}
	pe, ok := errors.AsType[*content.ParseError](err)
	if !ok {
		t.Fatalf("Parse(%q) error %v (%T), want a *content.ParseError", p, err, err)
	}
	if pe.Path != p {
		t.Errorf("Parse(%q) error path = %q, want %q", p, pe.Path, p)
	}
	return pe
}

// checkInvariants checks what every parsed article must satisfy.
func checkInvariants(t testing.TB, a *content.Article) {
	t.Helper()
	if err := articleInvariants(a); err != nil {
		t.Errorf("Parse(%q): %v", a.Path, err)
	}
}

// hasWarning reports whether one of the warnings contains substr.
func hasWarning(ws []content.Warning, substr string) bool {
	for _, w := range ws {
		if strings.Contains(w.Msg, substr) {
			return true
		}
	}
	return false
}

// crlf turns LF line endings into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

// articleInvariants returns what is wrong with a parsed article: every text
// field valid UTF-8 that a feed can carry, a title, an id, whole-second times.
func articleInvariants(a *content.Article) error {
	if a.Title == "" {
		return errors.New("empty Title")
	}
	if a.ID == "" {
		return errors.New("empty ID")
	}
	fields := map[string]string{
		"Title": a.Title, "Summary": a.Summary, "Image": a.Image, "Link": a.Link,
		"Source": a.Source, "ID": a.ID, "Body.HTML": a.Body.HTML(), "Body.Text": a.Body.Text(),
	}
	if utf8.ValidString(a.Path) {
		fields["Slug"] = a.Slug
	}
	for i, s := range a.Authors {
		fields[fmt.Sprintf("Authors[%d]", i)] = s
	}
	for i, s := range a.Tags {
		fields[fmt.Sprintf("Tags[%d]", i)] = s
	}
	for i, w := range a.Warnings {
		fields[fmt.Sprintf("Warnings[%d]", i)] = w.Msg
	}
	for _, l := range [][]string{a.Authors, a.Tags} {
		for _, s := range l {
			if strings.Join(strings.Fields(s), " ") != s || s == "" {
				return fmt.Errorf("author or tag %q: empty, or white space not collapsed", s)
			}
		}
	}
	for name, s := range fields {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%s = %q is not valid UTF-8", name, s)
		}
		if c := content.CleanText(s); c != s {
			return fmt.Errorf("%s = %q holds characters a feed cannot carry", name, s)
		}
	}
	if a.Published.IsZero() {
		return errors.New("zero Published")
	}
	if a.Published.Nanosecond() != 0 || a.Updated.Nanosecond() != 0 {
		return fmt.Errorf("Published %v, Updated %v: not whole seconds", a.Published, a.Updated)
	}
	if a.Updated.Before(a.Published) {
		return fmt.Errorf("Updated %v before Published %v", a.Updated, a.Published)
	}
	return nil
}

// readFile returns a fixture's contents.
func readFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
