package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEnvName(t *testing.T) {
	tests := []struct{ flag, want string }{
		{"content", "DROPFEED_CONTENT"},
		{"base-url", "DROPFEED_BASE_URL"},
		{"max-items", "DROPFEED_MAX_ITEMS"},
		{"log-format", "DROPFEED_LOG_FORMAT"},
		{"admin-addr", "DROPFEED_ADMIN_ADDR"},
		{"v", "DROPFEED_V"},
	}
	for _, tc := range tests {
		t.Run(tc.flag, func(t *testing.T) {
			if got := envName(tc.flag); got != tc.want {
				t.Errorf("envName(%q) = %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantItems int
		wantURL   string
		wantErr   string
	}{
		{name: "nothing set", wantItems: 0, wantURL: ""},
		{name: "from the environment", env: map[string]string{"DROPFEED_MAX_ITEMS": "7", "DROPFEED_BASE_URL": "https://a.example/"}, wantItems: 7, wantURL: "https://a.example/"},
		{name: "the flag wins", args: []string{"-max-items", "3"}, env: map[string]string{"DROPFEED_MAX_ITEMS": "7"}, wantItems: 3},
		{name: "empty counts as unset", env: map[string]string{"DROPFEED_MAX_ITEMS": ""}, wantItems: 0},
		{name: "other variables ignored", env: map[string]string{"MAX_ITEMS": "9", "DROPFEED_max_items": "9"}, wantItems: 0},
		{name: "bad value names the variable", env: map[string]string{"DROPFEED_MAX_ITEMS": "many"}, wantErr: `DROPFEED_MAX_ITEMS="many"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			items := fs.Int("max-items", 0, "")
			base := fs.String("base-url", "", "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			err := applyEnv(fs, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("applyEnv = %v, want an error containing %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("applyEnv = %v", err)
			}
			if *items != tc.wantItems || *base != tc.wantURL {
				t.Errorf("after applyEnv: max-items %d, base-url %q; want %d, %q", *items, *base, tc.wantItems, tc.wantURL)
			}
		})
	}
}

// TestEnvPrecedence runs the real binary: flag > environment > config file > default.
func TestEnvPrecedence(t *testing.T) {
	t.Parallel()
	site := t.TempDir()
	src := filepath.Join(site, "content")
	for i, name := range []string{"2026-01-01-a.md", "2026-01-02-b.md", "2026-01-03-c.md", "2026-01-04-d.md", "2026-01-05-e.md"} {
		writeAtomic(t, filepath.Join(src, name), "---\ntitle: Article "+string(rune('A'+i))+"\n---\n\nBody.\n")
	}
	cfgFile := filepath.Join(site, "dropfeed.yaml")
	if err := os.WriteFile(cfgFile, []byte("base_url: https://config.example/\nmax_items: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       []string
		flags     []string
		wantItems int
		wantHost  string
	}{
		{name: "config file", wantItems: 1, wantHost: "config.example"},
		{name: "environment over config", env: []string{"DROPFEED_MAX_ITEMS=2", "DROPFEED_BASE_URL=https://env.example/"}, wantItems: 2, wantHost: "env.example"},
		{name: "flag over environment", env: []string{"DROPFEED_MAX_ITEMS=2", "DROPFEED_BASE_URL=https://env.example/"}, flags: []string{"-max-items", "3", "-base-url", "https://flag.example/"}, wantItems: 3, wantHost: "flag.example"},
		{name: "config file named by the environment", env: []string{"DROPFEED_CONFIG=" + cfgFile}, wantItems: 1, wantHost: "config.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			p := proc{dir: site, env: append([]string{"DROPFEED_OUT=" + out, "DROPFEED_STATE=" + filepath.Join(t.TempDir(), "state.db")}, tc.env...)}
			if tc.name == "config file named by the environment" {
				p.dir = t.TempDir() // not found in the working directory
			}
			code, _, stderr := p.run(t, append([]string{"build"}, tc.flags...)...)
			if code != 0 {
				t.Fatalf("build = exit %d:\n%s", code, stderr)
			}
			rss, err := os.ReadFile(filepath.Join(out, "rss.xml"))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(rss), "<item>"); n != tc.wantItems {
				t.Errorf("items in rss.xml = %d, want %d", n, tc.wantItems)
			}
			if !strings.Contains(string(rss), "https://"+tc.wantHost+"/") {
				t.Errorf("rss.xml does not link to %s", tc.wantHost)
			}
		})
	}
	t.Run("bad value is a usage error", func(t *testing.T) {
		p := proc{dir: site, env: []string{"DROPFEED_MAX_ITEMS=lots", "DROPFEED_STATE=" + filepath.Join(t.TempDir(), "state.db")}}
		code, _, stderr := p.run(t, "check")
		if code != exitUsage || !strings.Contains(stderr, "DROPFEED_MAX_ITEMS") {
			t.Errorf("check with DROPFEED_MAX_ITEMS=lots = exit %d, stderr %q; want 2 naming the variable", code, stderr)
		}
	})
}
