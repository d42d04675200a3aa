//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badInput is an article file that build and serve refuse: each is reported
// once as "path[:line]: reason", left out, and costs no other article.
type badInput struct {
	name   string // slash path in the content folder
	data   []byte
	loc    string // "path" or "path:line", as reported
	reason string // part of the message
}

// yamlBomb is front matter whose aliases would expand to 9^9 strings.
func yamlBomb() string {
	var s strings.Builder
	s.WriteString("---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&s, "%s: &%s [%s]\n", n, n, strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", "))
		prev = n
	}
	return s.String() // 10 lines; the next key is on line 11
}

func badInputs() []badInput {
	md := func(body string) []byte { return []byte("---\ntitle: T\ndate: 2026-01-01\n---\n" + body) } // body on line 5
	para := strings.Repeat("word ", 15) + "\n\n"
	return []badInput{
		{"nul.txt", []byte("Title\n\nText\x00more\n"), "nul.txt:3", "not a text file: NUL byte"},
		{"photo.md", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"), "photo.md:3", "not a text file: NUL byte"},
		{"neither.txt", []byte("Title\n\nbad \x81 byte\n"), "neither.txt:3", "neither UTF-8 nor Windows-1252 (byte 0x81)"},
		{"huge.txt", nil, "huge.txt", "file too large: 52428800 bytes, limit 2097152"}, // 50 MB, sparse
		{"one-line.md", bytes.Repeat([]byte("a"), 10<<20), "one-line.md", "file too large: 10485760 bytes, limit 2097152"},
		{"long.md", md(strings.Repeat(para, 600<<10/len(para))), "long.md:5", "Markdown body of"},
		{"bomb.md", []byte(yamlBomb() + "tags: *i\n---\nBody.\n"), "bomb.md:11", "bad front matter: tags: want a list of strings"},
		{"deep-list.md", md(strings.Repeat("1. ", 3000) + "x\n"), "deep-list.md:5", "nested 3000 deep"},
		{"deep-quote.md", md("ok\n\n" + strings.Repeat("> ", 5000) + "x\n"), "deep-quote.md:7", "nested 5000 deep"},
		{"links.md", md(strings.Repeat("[a](", 32<<10) + "\n"), "links.md:5", "too many unclosed links"},
		{"wrong-type.md", []byte("---\ntitle: [a, b]\ndate: 2026-01-01\n---\nx\n"), "wrong-type.md:2", "bad front matter: title: want a string"},
		{"wrong-draft.md", []byte("---\ntitle: T\ndraft: maybe\n---\nx\n"), "wrong-draft.md:3", "draft: want true or false"},
		{"impossible-date.txt", []byte("T\nDate: 2026-02-30\n\nx\n"), "impossible-date.txt:2", "bad date"},
		{"hour-25.md", []byte("---\ntitle: T\ndate: 2026-01-01T25:00:00Z\n---\nx\n"), "hour-25.md:3", "bad date"},
		{"unclosed.md", []byte("---\ntitle: x\n\nbody\n"), "unclosed.md:1", "front matter not closed"},
		{"escape.md", nil, "escape.md", "link points outside the content folder"}, // a symlink
		{"loop.md", nil, "loop.md", "too many levels of symbolic links"},          // a symlink to itself
	}
}

// badTree writes a content folder holding every bad input, special files
// (a FIFO, a socket, an empty file), files that are repaired with a warning,
// and good articles, some with awkward names. It returns the folder and the
// titles the feeds must hold.
func badTree(t *testing.T) (dir string, titles []string) {
	t.Helper()
	top := t.TempDir()
	dir = filepath.Join(top, "c")
	writeBytes(t, filepath.Join(top, "outside", "secret.md"), []byte("---\ntitle: SECRET-OUTSIDE\ndate: 2026-01-01\n---\nSECRET-OUTSIDE\n"))
	for _, b := range badInputs() {
		p := filepath.Join(dir, filepath.FromSlash(b.name))
		switch b.name {
		case "huge.txt":
			writeBytes(t, p, nil)
			if err := os.Truncate(p, 50<<20); err != nil {
				t.Fatal(err)
			}
		case "escape.md":
			if err := os.Symlink("../outside/secret.md", p); err != nil {
				t.Fatal(err)
			}
		case "loop.md":
			if err := os.Symlink("loop.md", p); err != nil {
				t.Fatal(err)
			}
		default:
			writeBytes(t, p, b.data)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.md"), 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	sock, err := net.Listen("unix", filepath.Join(dir, "sock.txt"))
	if err != nil {
		t.Fatalf("listen on a unix socket: %v", err)
	}
	t.Cleanup(func() { sock.Close() })
	writeBytes(t, filepath.Join(dir, "empty.md"), nil)

	good := map[string]string{
		"2026-01-01-good.md":       "---\ntitle: A good Markdown article\ndate: 2026-01-01\n---\nBody.\n",
		"news/2026-01-02-good.txt": "A good plain-text article\nDate: 2026-01-02\n\nBody.\n",
		"controls.txt":             "Control characters removed\nDate: 2026-01-03\n\nText \x01with\x02 controls.\n",
		"cp1252.txt":               "Caf\xe9 opens on Sundays\nDate: 2026-01-04\n\nText \x93quoted\x94.\n",
		"bomb-unused.md":           yamlBomb() + "title: A bomb never expanded\ndate: 2026-01-05\n---\nBody.\n",
		"stairs.md":                "---\ntitle: Lists 300 deep\ndate: 2026-01-06\n---\n" + indentedList(300),
	}
	titles = []string{"A good Markdown article", "A good plain-text article", "Control characters removed",
		"Café opens on Sundays", "A bomb never expanded", "Lists 300 deep"}
	names := []string{"a b.md", "new\nline.md", "a&b.md", "c#d.md", "50%.md", "q?x=1.md", "Zu\u0308rich.md", "caf\xe9.md"}
	for i, n := range names {
		good[n] = fmt.Sprintf("---\ntitle: Name %d\ndate: 2026-02-%02d\n---\nBody.\n", i, i+1)
		titles = append(titles, fmt.Sprintf("Name %d", i))
	}
	for name, data := range good {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			if name == "caf\xe9.md" { // macOS file systems refuse names that are not UTF-8
				titles = slices.DeleteFunc(titles, func(s string) bool { return s == fmt.Sprintf("Name %d", len(names)-1) })
				continue
			}
			t.Fatal(err)
		}
	}
	slices.Sort(titles)
	return dir, titles
}

// indentedList returns a Markdown list nested n deep, one level per line.
func indentedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- x\n")
	}
	return b.String()
}

// TestBadInputBuild runs the real build over a folder of bad inputs: each is
// reported at its path and line and skipped, the FIFO and the socket never
// block it, the link out of the folder is not followed, repaired files are
// warned about, and every good article is in every feed with a link to a
// page that exists, whatever its file name.
func TestBadInputBuild(t *testing.T) {
	t.Parallel()
	dir, titles := badTree(t)
	out := filepath.Join(t.TempDir(), "out")
	const base = "https://news.example.test/"
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, withState(t, []string{"build", "-content", dir, "-out", out, "-base-url", base})...)
	var stderrBuf bytes.Buffer
	cmd.Stderr = &stderrBuf
	err := cmd.Run()
	checkRace(t, cmd)
	stderr := stderrBuf.String()
	if ctx.Err() != nil {
		t.Fatalf("build did not finish within a minute (blocked on the FIFO or the socket?):\n%s", stderr)
	}
	if err != nil {
		t.Fatalf("build over bad inputs: %v, want exit 0 (bad files are skipped):\n%s", err, stderr)
	}
	lines := strings.Split(stderr, "\n")
	for _, b := range badInputs() {
		if n := countLines(lines, b.loc+": error: ", b.reason); n != 1 {
			t.Errorf("build reported %s %d times, want once as %q with %q", b.name, n, b.loc+": error: …", b.reason)
		}
	}
	for _, w := range []string{"controls.txt:4: warning: removed 2 control character(s)", "cp1252.txt:1: warning: not valid UTF-8; decoded as Windows-1252", "empty.md: warning: content: empty file"} {
		if countLines(lines, w, "") != 1 {
			t.Errorf("build stderr lacks the warning %q", w)
		}
	}
	for _, quiet := range []string{"pipe.md", "sock.txt"} {
		if strings.Contains(stderr, quiet) {
			t.Errorf("build reported %s, a FIFO or socket it must skip without opening", quiet)
		}
	}
	if want := fmt.Sprintf(", %d errors)", len(badInputs())); !strings.Contains(stderr, want) {
		t.Errorf("build summary lacks %q:\n%s", want, tail(stderr, 3))
	}

	files := visibleTree(t, out)
	for rel, data := range files {
		if bytes.Contains(data, []byte("SECRET-OUTSIDE")) {
			t.Errorf("%s holds the text of a file outside the content folder", rel)
		}
	}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		_, links, got, err := feedItems(name, files[name])
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, titles) {
			t.Errorf("%s titles = %q, want %q", name, got, titles)
		}
		for _, link := range links {
			rel, ok := strings.CutPrefix(link, base)
			p, err := url.PathUnescape(rel)
			if !ok || err != nil {
				t.Errorf("%s: link %q is not under %s", name, link, base)
				continue
			}
			if _, ok := files[p+"index.html"]; !ok {
				t.Errorf("%s: link %q: no file %q in the output", name, link, p+"index.html")
			}
		}
	}

	code, _, _ := runCLI(t, "build", "-content", dir, "-out", filepath.Join(t.TempDir(), "strict"), "-base-url", base, "-strict")
	if code != 1 {
		t.Errorf("build -strict over bad inputs = exit %d, want 1", code)
	}
}

// TestBadInputServe runs the real serve over the same folder: every bad
// input is logged with its path, line and reason,
// every good article is in every feed, and every item link answers 200.
func TestBadInputServe(t *testing.T) {
	t.Parallel()
	dir, titles := badTree(t)
	d := startServe(t, "-content", dir)
	d.waitReady()
	// The empty file and the unclosed front matter look like files being
	// written: serve waits for them (up to 10 s) before it reports them.
	waitFor(t, 30*time.Second, "every bad input in the log", func() bool {
		lines := strings.Split(d.Logs(), "\n")
		for _, b := range badInputs() {
			if countLines(lines, logLoc(b.loc), b.reason) == 0 {
				return false
			}
		}
		return countLines(lines, `msg="content: empty file" path=empty.md`, "level=WARN") > 0
	})
	lines := strings.Split(d.Logs(), "\n")
	for _, w := range [][2]string{{"removed 2 control character(s)", "path=controls.txt line=4"}, {"decoded as Windows-1252", "path=cp1252.txt line=1"}} {
		if countLines(lines, w[0], w[1]) == 0 {
			t.Errorf("serve log lacks the warning %q (%s)", w[0], w[1])
		}
	}
	if strings.Contains(d.Logs(), "pipe.md") || strings.Contains(d.Logs(), "sock.txt") {
		t.Errorf("serve reported the FIFO or the socket, which it must skip without opening")
	}
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		resp, body, err := d.get(name)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %v, %v", name, resp, err)
		}
		if bytes.Contains(body, []byte("SECRET-OUTSIDE")) {
			t.Errorf("%s holds the text of a file outside the content folder", name)
		}
		_, links, got, err := feedItems(name, body)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		if !slices.Equal(got, titles) {
			t.Errorf("%s titles = %q, want %q", name, got, titles)
		}
		for _, link := range links {
			resp, err := http.Get(link)
			if err != nil {
				t.Errorf("GET %s (from %s): %v", link, name, err)
				continue
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
				t.Errorf("GET %s (from %s) = %s %q, want 200 and a page", link, name, resp.Status, resp.Header.Get("Content-Type"))
			}
		}
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("serve exit code after SIGTERM = %d, want 0", code)
	}
}

// logLoc turns a location "path:line" (or "path") into the attributes of
// a log record: "path=P line=L " (or "path=P ").
func logLoc(loc string) string {
	if p, line, ok := strings.Cut(loc, ":"); ok {
		return "path=" + p + " line=" + line + " "
	}
	return "path=" + loc + " "
}

// countLines counts the lines holding both a and b ("" matches any line).
func countLines(lines []string, a, b string) int {
	n := 0
	for _, l := range lines {
		l += " " // so that an attribute at the end of a record ends in a space too
		if strings.Contains(l, a) && strings.Contains(l, b) {
			n++
		}
	}
	return n
}

// TestBadInputConfiguredLimits: max_file_size and max_markdown_size from the
// config file are the limits build applies.
func TestBadInputConfiguredLimits(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	writeBytes(t, filepath.Join(site, "dropfeed.yaml"), []byte("content: c\nmax_file_size: 1000\nmax_markdown_size: 200\n"))
	writeBytes(t, filepath.Join(site, "c", "big.txt"), []byte("Big\n\n"+strings.Repeat("x", 1495)))
	writeBytes(t, filepath.Join(site, "c", "long.md"), []byte("---\ntitle: Long\n---\n"+strings.Repeat("y", 300)+"\n"))
	writeBytes(t, filepath.Join(site, "c", "ok.md"), []byte("---\ntitle: Small enough\ndate: 2026-01-01\n---\nBody.\n"))
	code, _, stderr := runCLI(t, "build", "-config", filepath.Join(site, "dropfeed.yaml"), "-out", filepath.Join(site, "out"), "-base-url", "https://news.example.test/")
	if code != 0 {
		t.Fatalf("build = exit %d:\n%s", code, stderr)
	}
	for _, want := range []string{"big.txt: error: content: file too large: 1500 bytes, limit 1000", "long.md:4: error: content: file too large: Markdown body of 301 bytes, limit 200"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("build stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stderr, "built 1 articles") {
		t.Errorf("build did not publish the one small article:\n%s", stderr)
	}
}
