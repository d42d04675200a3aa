package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/content"
)

// TestInitNewServe follows the README as a new user: init, serve in the
// folder with no flags, new, and the new article is served.
func TestInitNewServe(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	code, stdout, stderr := proc{dir: parent}.run(t, "init", "news")
	if code != 0 {
		t.Fatalf("init = exit %d:\n%s%s", code, stdout, stderr)
	}
	site := filepath.Join(parent, "news")
	for _, want := range []string{"dropfeed.yaml", ".gitignore", "cd news", "dropfeed serve"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("init output lacks %q:\n%s", want, stdout)
		}
	}
	if cfg, err := os.ReadFile(filepath.Join(site, "dropfeed.yaml")); err != nil || !strings.Contains(string(cfg), "\ntitle: \"news\"\n") || strings.Contains(string(cfg), "YEAR") {
		t.Errorf("init's config file lacks the title of its folder, or keeps a placeholder (%v):\n%s", err, cfg)
	}
	arts, err := filepath.Glob(filepath.Join(site, "content", "*"))
	if err != nil || len(arts) != 2 {
		t.Fatalf("init wrote %v articles, want one .md and one .txt", arts)
	}

	// A fresh site is clean: check has nothing to say.
	p := proc{dir: site, env: []string{"DROPFEED_STATE=" + filepath.Join(t.TempDir(), "state.db")}}
	if code, out, errOut := p.run(t, "check", "-strict"); code != 0 || !strings.Contains(out, "0 errors, 0 warnings") {
		t.Errorf("check -strict on a new site = exit %d:\n%s%s", code, out, errOut)
	}

	// serve with no flags: the config file is found in the working directory.
	// Only the port comes from the environment, so tests never fight over 8080.
	serveEnv := append([]string{"DROPFEED_ADDR=127.0.0.1:0"}, p.env...)
	d := proc{dir: site, env: serveEnv}.serve(t)
	d.waitReady()
	d.waitFeeds("both articles of init", func(b string) bool {
		return strings.Contains(b, "Welcome to dropfeed") && strings.Contains(b, "Plain-text articles work too")
	})

	for _, tc := range []struct{ args []string }{
		{[]string{"new", "Hello from the test"}},
		{[]string{"new", "-format", "txt", "Plain hello"}},
	} {
		code, out, errOut := p.run(t, tc.args...)
		if code != 0 {
			t.Fatalf("dropfeed %v = exit %d:\n%s", tc.args, code, errOut)
		}
		if !strings.HasPrefix(strings.TrimSpace(out), "content"+string(filepath.Separator)) {
			t.Errorf("dropfeed %v printed %q, want a path in content/", tc.args, out)
		}
	}
	d.waitFeeds("the new articles", func(b string) bool {
		return strings.Contains(b, "Hello from the test") && strings.Contains(b, "Plain hello")
	})
	// check works beside a running serve, which keeps the state file.
	if code, out, errOut := p.run(t, "check"); code != 0 || !strings.Contains(out, "4 articles, 0 errors") {
		t.Errorf("check while serve runs = exit %d:\n%s%s", code, out, errOut)
	}
	if code := d.stop(); code != 0 {
		t.Errorf("serve exit code = %d, want 0", code)
	}
	if _, err := os.Stat(filepath.Join(site, "public", "rss.xml")); err != nil {
		t.Errorf("serve did not keep public/ current (out: public in the new config): %v", err)
	}
}

func TestInitRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string)
		args     []string
		wantCode int
		wantErr  string
	}{
		{"existing config", func(t *testing.T, dir string) { writeAtomic(t, filepath.Join(dir, "dropfeed.yaml"), "title: Mine\n") },
			[]string{"init", "."}, exitFail, "already has a dropfeed.yaml"},
		{"two folders", func(*testing.T, string) {}, []string{"init", "a", "b"}, exitUsage, "unexpected argument"},
		{"unknown flag", func(*testing.T, string) {}, []string{"init", "-force"}, exitUsage, "-force"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			code, _, stderr := proc{dir: dir}.run(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("dropfeed %v = exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.wantCode, tc.wantErr)
			}
			if tc.name == "existing config" {
				if b, _ := os.ReadFile(filepath.Join(dir, "dropfeed.yaml")); string(b) != "title: Mine\n" {
					t.Errorf("init changed an existing config file: %q", b)
				}
			}
		})
	}
}

// TestNew checks the file new writes: its name, title, date with the local
// offset (in a zone with an unusual one), not a draft, and that it parses.
func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format, title, wantSlug string
	}{
		{"markdown", "md", "Bridge closes for repairs", "bridge-closes-for-repairs"},
		{"plain text", "txt", "Bridge closes for repairs", "bridge-closes-for-repairs"},
		{"quotes and colons", "md", `He said: "it's done" \ #1`, "he-said-it-s-done-1"},
		{"accents", "md", "Café in Zürich öffnet", "cafe-in-zurich-offnet"},
		{"other scripts", "txt", "Новости дня", "новости-дня"},
		{"no letters", "md", "!!!", "article"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "content")
			if err := os.Mkdir(src, 0o755); err != nil {
				t.Fatal(err)
			}
			p := proc{dir: dir, env: []string{"TZ=Asia/Kathmandu"}}
			code, stdout, stderr := p.run(t, "new", "-format", tc.format, tc.title)
			if code != 0 {
				t.Fatalf("new = exit %d: %s", code, stderr)
			}
			rel := strings.TrimSpace(stdout)
			nameRE := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}-` + regexp.QuoteMeta(tc.wantSlug) + `\.` + tc.format + `$`)
			if !nameRE.MatchString(filepath.Base(rel)) {
				t.Errorf("new wrote %s, want a name like YYYY-MM-DD-%s.%s", rel, tc.wantSlug, tc.format)
			}
			data, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), "+05:45\n") {
				t.Errorf("the date is not written with the local offset +05:45:\n%s", data)
			}
			if tc.format == "txt" && !regexp.MustCompile(`(?m)^Date: \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:45$`).Match(data) {
				t.Errorf("no RFC 3339 Date: header:\n%s", data)
			}
			a, err := content.ParseFile(os.DirFS(src), filepath.Base(rel), content.DefaultOptions())
			if err != nil {
				t.Fatalf("the new file does not parse: %v", err)
			}
			if a.Title != strings.Join(strings.Fields(tc.title), " ") || a.Draft || !a.Dated {
				t.Errorf("parsed: title %q, draft %v, dated %v; want %q, false, true", a.Title, a.Draft, a.Dated, tc.title)
			}
			if age := time.Since(a.Published); age < 0 || age > time.Hour {
				t.Errorf("published %v, want about now", a.Published)
			}
			if !strings.HasPrefix(filepath.Base(rel), a.Published.In(mustZone(t, "Asia/Kathmandu")).Format("2006-01-02")) {
				t.Errorf("file name %s does not start with the local date of %v", rel, a.Published)
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestNewNeverCollides: the same title twice, in either format, gives two
// files with two URLs.
func TestNewNeverCollides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "content"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := proc{dir: dir}
	var names []string
	for _, f := range []string{"md", "txt", "md"} {
		code, out, errOut := p.run(t, "new", "-format", f, "Same title")
		if code != 0 {
			t.Fatalf("new = exit %d: %s", code, errOut)
		}
		names = append(names, filepath.Base(strings.TrimSpace(out)))
	}
	for i, suffix := range []string{"same-title.md", "same-title-2.txt", "same-title-3.md"} {
		if !strings.HasSuffix(names[i], suffix) {
			t.Errorf("file %d = %s, want …%s", i+1, names[i], suffix)
		}
	}
	state := filepath.Join(t.TempDir(), "state.db")
	if code, out, _ := p.run(t, "check", "-strict", "-state", state); code != 0 {
		t.Errorf("check -strict after three news = exit %d:\n%s", code, out)
	}
}

func TestNewUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		mkdir    bool
		wantCode int
		wantErr  string
	}{
		{"no title", []string{"new"}, true, exitUsage, "give the article's title"},
		{"bad format", []string{"new", "-format", "html", "T"}, true, exitUsage, "-format"},
		{"no content folder", []string{"new", "T"}, false, exitFail, "dropfeed init"},
		{"flag after the title", []string{"new", "T", "-format", "rst"}, true, exitUsage, "-format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.mkdir {
				if err := os.Mkdir(filepath.Join(dir, "content"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			code, _, stderr := proc{dir: dir}.run(t, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("dropfeed %v = exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.wantCode, tc.wantErr)
			}
		})
	}
}
