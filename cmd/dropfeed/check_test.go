package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dropfeed/dropfeed/content"
	"github.com/dropfeed/dropfeed/content/diag"
)

var longPara = strings.TrimSpace(strings.Repeat("Many words in a long paragraph. ", 20)) // 639 characters

// lintSite is a content folder with one case of each reader-facing warning,
// and files that must not warn.
var lintSite = map[string]string{
	"long.md":               "---\ntitle: Long\ndate: 2026-01-01\n---\n\n# Not a paragraph\n\n" + longPara[:300] + "\n" + longPara[300:] + "\n\nShort.\n",
	"long-summary.md":       "---\ntitle: Long with summary\ndate: 2026-01-01\nsummary: Given.\n---\n\n" + longPara + "\n",
	"short.md":              "---\ntitle: Short\ndate: 2026-01-01\n---\n\nA short first paragraph.\n\n" + longPara + "\n",
	"long-text.txt":         "Long text\nDate: 2026-01-01\n\nWorkers lift the cobbles. (Photo/Desk)\n\n" + longPara + "\n\nSource: Desk\n",
	"long-summary-text.txt": "Long text with summary\nDate: 2026-01-01\nSummary: Given.\n\n" + longPara + "\n",
	"images.md":             "---\ntitle: Images\ndate: 2026-01-01\n---\n\nText.\n\nSee ![](a.png) and ![a bridge](b.png) and ![ ](c.png).\n\n```\n![](in-code.png)\n```\n\nAnd `![](code-span.png)`.\n",
	"image.txt":             "Image without caption\nDate: 2026-01-01\nImage: https://example.com/a.jpg\n\nText.\n",
	"image-caption.txt":     "Image with caption\nDate: 2026-01-01\nImage: https://example.com/a.jpg\n\nWorkers lift the cobbles. (Photo/Desk)\n\nText.\n",
	"dup-a.md":              "---\ntitle: First with the id\ndate: 2026-01-01\nid: urn:x:same\n---\n\nText.\n",
	"dup-b.md":              "---\ntitle: Second with the id\ndate: 2026-01-02\nid: urn:x:same\n---\n\nText.\n",
	"x.md":                  "---\ntitle: The URL x\ndate: 2026-01-01\n---\n\nText.\n",
	"z.md":                  "---\ntitle: Also the URL x\ndate: 2026-01-01\nslug: x\n---\n\nText.\n",
	"title.md":              "---\ntitle: " + strings.Repeat("Very long title ", 8) + "\ndate: 2026-01-01\n---\n\nText.\n",
}

func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		writeAtomic(t, filepath.Join(dir, filepath.FromSlash(name)), data)
	}
	return dir
}

// TestCheckLint runs check over lintSite: each warning on its file, line
// and (for images) column, none on the files that are fine, and warnings
// alone exit 0 unless -strict.
func TestCheckLint(t *testing.T) {
	t.Parallel()
	dir := writeSite(t, lintSite)
	code, stdout, stderr := runCLI(t, "check", "-content", dir)
	if code != 0 {
		t.Fatalf("check = exit %d, want 0 (warnings only):\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	want := []string{
		"dup-b.md:4: warning: duplicate id urn:x:same (also dup-a.md); left out",
		"image.txt:3: warning: the image has no alt text: start the body with a photo caption paragraph, e.g. \"Workers on the bridge. (Photo/Desk)\"",
		"images.md:8:5: warning: image without alt text: describe it between the brackets of ![...](...) for readers who cannot see it",
		"images.md:8:43: warning: image without alt text: describe it between the brackets of ![...](...) for readers who cannot see it",
		"long-text.txt:6: warning: the first paragraph is 639 characters long and there is no summary: feed readers show it cut off after about 300; add a Summary: header or a shorter first paragraph",
		"long.md:8: warning: the first paragraph is 640 characters long and there is no summary: feed readers show it cut off after about 300; add summary: in the front matter or a shorter first paragraph",
		"title.md:2: warning: the title is 127 characters long; feed readers cut titles longer than about 110",
		"z.md:4: warning: duplicate URL path articles/x/ (also x.md); left out",
		"13 files, 13 articles, 0 errors, 8 warnings",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("check output:\n%s\nwant:\n%s", stdout, strings.Join(want, "\n"))
	}

	code, _, _ = runCLI(t, "check", "-strict", "-content", dir)
	if code != exitFail {
		t.Errorf("check -strict with warnings = exit %d, want 1", code)
	}
}

// TestCheckJSON: -format json gives the counts and every diagnostic, with
// the same positions as the text lines.
func TestCheckJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		content  string
		wantCode int
		wantErr  int
		wantWarn int
		wantDiag diag.Diagnostic
	}{
		{"errors", filepath.Join("testdata", "bad"), exitFail, 3, 0,
			diag.Diagnostic{Path: "wrong-type.md", Line: 4, Severity: diag.Error}},
		{"warnings", "", 0, 0, 8,
			diag.Diagnostic{Path: "images.md", Line: 8, Column: 43, Severity: diag.Warning}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.content
			if dir == "" {
				dir = writeSite(t, lintSite)
			}
			code, stdout, stderr := runCLI(t, "check", "-format", "json", "-content", dir)
			if code != tc.wantCode {
				t.Fatalf("check -format json = exit %d, want %d:\n%s", code, tc.wantCode, stderr)
			}
			var r diag.Document
			if err := json.Unmarshal([]byte(stdout), &r); err != nil {
				t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
			}
			if r.Errors != tc.wantErr || r.Warnings != tc.wantWarn || len(r.Diagnostics) != tc.wantErr+tc.wantWarn {
				t.Errorf("counts: %d errors, %d warnings, %d diagnostics; want %d, %d", r.Errors, r.Warnings, len(r.Diagnostics), tc.wantErr, tc.wantWarn)
			}
			if !slices.ContainsFunc(r.Diagnostics, func(d diag.Diagnostic) bool {
				return d.Path == tc.wantDiag.Path && d.Line == tc.wantDiag.Line && d.Column == tc.wantDiag.Column && d.Severity == tc.wantDiag.Severity && d.Message != ""
			}) {
				t.Errorf("no diagnostic like %+v in %+v", tc.wantDiag, r.Diagnostics)
			}
			if abs, _ := filepath.Abs(dir); r.Content != abs {
				t.Errorf("content = %q, want %q", r.Content, abs)
			}
		})
	}
	code, _, stderr := runCLI(t, "check", "-format", "xml", "-content", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "-format") {
		t.Errorf("check -format xml = exit %d, stderr %q; want 2", code, stderr)
	}
}

// TestExampleSiteIsClean keeps the example site free of warnings, so a new
// user's first "check" says nothing bad about it.
func TestExampleSiteIsClean(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(filepath.Join("..", "..", "example", "articles")); err != nil {
		unavailable(t, "no example site in ../../example")
	}
	code, stdout, _ := runCLI(t, "check", "-config", filepath.Join("..", "..", "example", "dropfeed.yaml"))
	if code != 0 {
		t.Errorf("check on the example site = exit %d:\n%s", code, stdout)
	}
}

// undatedSite is a content folder with n plain-text files without a date,
// one file with an error, and one file with a different warning.
func undatedSite(t *testing.T, n int) string {
	t.Helper()
	files := map[string]string{
		"bad.md":      "---\ntitle: [not, a, string]\n---\n\nText.\n",
		"controls.md": "---\ntitle: Controls\ndate: 2026-01-01\n---\n\nA\x01b.\n",
	}
	for i := range n {
		files[fmt.Sprintf("news/%04d.txt", i)] = fmt.Sprintf("Undated %d\n\nText of the article.\n", i)
	}
	return writeSite(t, files)
}

// TestBuildSummarizesWarnings: build over many undated plain-text files
// prints every error but only the first three warnings of that kind, then
// one line counting the rest; check lists every one at its position.
func TestBuildSummarizesWarnings(t *testing.T) {
	t.Parallel()
	const n = 300
	dir := undatedSite(t, n)
	const undatedMsg = ": warning: no Date: header; the publication date follows the file's modification time"
	code, _, stderr := runCLI(t, "build", "-content", dir, "-out", t.TempDir(), "-base-url", "https://news.example.com/")
	if code != 0 {
		t.Fatalf("build = exit %d:\n%s", code, stderr)
	}
	want := []string{
		"bad.md:2: error: content: bad front matter: title: want a string",
		"controls.md:6: warning: removed 1 control character(s)",
		"news/0000.txt:1" + undatedMsg,
		"news/0001.txt:1" + undatedMsg,
		"news/0002.txt:1" + undatedMsg,
		fmt.Sprintf("warning: %d more like this; dropfeed check lists them all", n-3),
	}
	got := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(got) != len(want)+1 || !slices.Equal(got[:len(want)], want) || !strings.HasPrefix(got[len(want)], fmt.Sprintf("built %d articles", n+1)) {
		t.Errorf("build stderr:\n%s\nwant:\n%s\nand the built line", stderr, strings.Join(want, "\n"))
	}

	code, _, stderr = runCLI(t, "build", "-log-format", "json", "-content", dir, "-out", t.TempDir(), "-base-url", "https://news.example.com/")
	if code != 0 {
		t.Fatalf("build -log-format json = exit %d:\n%s", code, stderr)
	}
	var warns, more int
	for line := range strings.SplitSeq(strings.TrimSpace(stderr), "\n") {
		var rec struct {
			Level, Msg, Code string
			Count            int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		switch {
		case rec.Code == content.WarnNoDate && strings.HasPrefix(rec.Msg, "no Date:"):
			warns++
		case rec.Code == content.WarnNoDate && rec.Msg == "more like this; dropfeed check lists them all" && rec.Count == n-3:
			more++
		}
	}
	if warns != 3 || more != 1 {
		t.Errorf("build -log-format json: %d undated records and %d summary records, want 3 and 1:\n%s", warns, more, tail(stderr, 2000))
	}

	code, stdout, _ := runCLI(t, "check", "-content", dir)
	if code != exitFail {
		t.Fatalf("check = exit %d, want 1 (an error)", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != n+3 || lines[len(lines)-1] != fmt.Sprintf("%d files, %d articles, 1 errors, %d warnings", n+2, n+1, n+1) {
		t.Fatalf("check printed %d lines, want %d; tail:\n%s", len(lines), n+3, tail(stdout, 300))
	}
	for i := range n {
		if want := fmt.Sprintf("news/%04d.txt:1%s", i, undatedMsg); lines[2+i] != want {
			t.Fatalf("check line %d = %q, want %q", 2+i, lines[2+i], want)
		}
	}
}

// TestCheckNewsSitemapNote: check says when the Google News sitemap is not
// written for want of a language, and only then.
func TestCheckNewsSitemapNote(t *testing.T) {
	t.Parallel()
	dir := writeSite(t, map[string]string{"a.md": "---\ntitle: A\ndate: 2026-01-01\n---\n\nText.\n"})
	for _, tc := range []struct {
		name, config string
		note         bool
	}{
		{"no language", "title: T\n", true},
		{"language", "title: T\nlanguage: en\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "dropfeed.yaml")
			if err := os.WriteFile(cfg, []byte(tc.config), 0o644); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "check", "-config", cfg, "-content", dir)
			if code != 0 {
				t.Fatalf("check = exit %d:\n%s%s", code, stdout, stderr)
			}
			if got := strings.Contains(stderr, "no sitemap-news.xml is written: the Google News sitemap needs the language setting"); got != tc.note {
				t.Errorf("check with %q: stderr %q, want the note %v", tc.config, stderr, tc.note)
			}
		})
	}
}
