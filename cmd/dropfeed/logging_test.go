package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeJSONLogs: with -log-format json every line serve writes is one
// JSON record (the listening line and the start summary included).
func TestServeJSONLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "2026-01-02-a.md"), "---\ntitle: A\n---\n\nBody.\n")
	writeAtomic(t, filepath.Join(dir, "bad.md"), "---\ntitle: [x\n---\n")
	d := proc{}.serve(t, "-addr", "127.0.0.1:0", "-log-format", "json", "-state", filepath.Join(t.TempDir(), "state.db"), "-content", dir)
	d.waitReady()
	waitFor(t, 10*time.Second, "the ready record", func() bool { return strings.Contains(d.Logs(), `"msg":"ready"`) })
	if code := d.stop(); code != 0 {
		t.Fatalf("exit code = %d, want 0", code)
	}
	<-d.done
	msgs := map[string]map[string]any{}
	var diagnostic map[string]any // the bad file's error
	for line := range strings.SplitSeq(strings.TrimSpace(d.Logs()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON record: %q", line)
			continue
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("record without %q: %s", k, line)
			}
		}
		msgs[rec["msg"].(string)] = rec
		if rec["level"] == "ERROR" && rec["path"] == "bad.md" {
			diagnostic = rec
		}
	}
	if line, _ := diagnostic["line"].(float64); line < 1 {
		t.Errorf("the bad file's error record = %v, want level ERROR, path bad.md and its line", diagnostic)
	}
	ready := msgs["ready"]
	if ready == nil {
		t.Fatalf("no ready record in:\n%s", d.Logs())
	}
	if ready["count"] != 1.0 || ready["errors"] != 1.0 || ready["path"] != dir {
		t.Errorf("ready record = %v, want count 1, errors 1, path %s", ready, dir)
	}
	if feeds, _ := ready["feeds"].([]any); len(feeds) != 3 {
		t.Errorf("ready record feeds = %v, want three URLs", ready["feeds"])
	}
	for _, m := range []string{"listening", "rebuild", "stopped"} {
		if msgs[m] == nil {
			t.Errorf("no %q record", m)
		}
	}
}

// TestServeStartSummary: the text start summary names the folder, the
// article count and the URLs people open.
func TestServeStartSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeAtomic(t, filepath.Join(dir, "2026-01-02-a.md"), "---\ntitle: A\n---\n\nBody.\n")
	writeAtomic(t, filepath.Join(dir, "2026-01-03-b.txt"), "B\nDate: 2026-01-03\n\nBody.\n")
	d := startServe(t, "-content", dir)
	d.waitReady()
	waitFor(t, 10*time.Second, "the start summary", func() bool { return strings.Contains(d.Logs(), "watching for changes") })
	logs := d.Logs()
	for _, want := range []string{
		"serving 2 article(s) from " + dir,
		"open     " + d.base,
		"feeds    " + d.base + "rss.xml",
		d.base + "atom.xml",
		d.base + "feed.json",
		"metrics  " + d.base + "metrics",
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("start summary lacks %q:\n%s", want, logs)
		}
	}
}

func TestLogFlagsUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"serve", []string{"serve", "-log-format", "xml", "-addr", "127.0.0.1:0"}},
		{"build", []string{"build", "-log-format", "xml", "-out", "x", "-base-url", "https://a.example/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "-content", t.TempDir())
			code, _, stderr := runCLI(t, args...)
			if code != exitUsage || !strings.Contains(stderr, "-log-format") {
				t.Errorf("dropfeed %v = exit %d, stderr %q; want 2 naming -log-format", args, code, stderr)
			}
		})
	}
}

// TestBuildJSONLogs: build -log-format json reports bad files and its
// summary as JSON records.
func TestBuildJSONLogs(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "public")
	code, _, stderr := runCLI(t, "build", "-log-format", "json", "-content", filepath.Join("testdata", "bad"), "-out", out, "-base-url", "https://news.example.com/")
	if code != 0 {
		t.Fatalf("build = exit %d:\n%s", code, stderr)
	}
	var sawError, sawBuilt bool
	for line := range strings.SplitSeq(strings.TrimSpace(stderr), "\n") {
		var rec struct {
			Level, Msg, Path string
			Line             int
			Count            *int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON record: %q", line)
		}
		if rec.Level == "ERROR" && rec.Path == "wrong-type.md" && rec.Line == 4 {
			sawError = true
		}
		if rec.Msg == "built" && rec.Count != nil && *rec.Count >= 1 {
			sawBuilt = true
		}
	}
	if !sawError || !sawBuilt {
		t.Errorf("build JSON log: error record for wrong-type.md:4 %v, built record %v:\n%s", sawError, sawBuilt, stderr)
	}
}
