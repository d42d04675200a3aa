package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// unitFile is a parsed systemd unit: each key's values in order.
type unitFile map[string][]string

func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not KEY=VALUE: %q", path, line)
		}
		u[k] = append(u[k], v)
	}
	return u
}

func (u unitFile) last(k string) string {
	if v := u[k]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// TestSystemdUnit checks docs/dropfeed.service: hardened as documented,
// every DROPFEED_* variable it sets is a real flag of serve, the paths it
// writes are the ones it may write, and serve starts with its environment
// (paths and addresses moved into the test's temp folder and loopback).
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "docs", "dropfeed.service")
	u := readUnit(t, path)

	t.Run("hardening", func(t *testing.T) {
		for _, tc := range []struct{ key, want string }{
			{"NoNewPrivileges", "yes"},
			{"ProtectSystem", "strict"},
			{"ProtectHome", "yes"},
			{"PrivateTmp", "yes"},
			{"PrivateDevices", "yes"},
			{"RestrictSUIDSGID", "yes"},
			{"CapabilityBoundingSet", ""},
			{"MemoryDenyWriteExecute", "yes"},
		} {
			if v, ok := u[tc.key]; !ok || u.last(tc.key) != tc.want {
				t.Errorf("%s = %q (set %v), want %q", tc.key, v, ok, tc.want)
			}
		}
		if u.last("DynamicUser") != "yes" && (u.last("User") == "" || u.last("User") == "root") {
			t.Errorf("neither DynamicUser=yes nor a dedicated User=")
		}
		if !strings.HasSuffix(strings.Fields(u.last("ExecStart"))[0], "/dropfeed") || !strings.Contains(u.last("ExecStart"), " serve") {
			t.Errorf("ExecStart = %q, want dropfeed serve", u.last("ExecStart"))
		}
	})

	env := map[string]string{}
	for _, e := range u["Environment"] {
		k, v, _ := strings.Cut(strings.Trim(e, `"`), "=")
		env[k] = v
	}
	t.Run("variables are flags", func(t *testing.T) {
		_, help, _ := proc{}.run(t, "serve", "-h")
		flags := map[string]bool{}
		for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(help, -1) {
			flags[envName(m[1])] = true
		}
		if len(flags) < 10 {
			t.Fatalf("found %d flags in serve -h:\n%s", len(flags), help)
		}
		for k := range env {
			if !flags[k] {
				t.Errorf("the unit sets %s, which is no flag of serve", k)
			}
		}
	})

	t.Run("writes only where it may", func(t *testing.T) {
		rw := strings.Fields(strings.Join(u["ReadWritePaths"], " "))
		if out := env["DROPFEED_OUT"]; !slices.Contains(rw, out) {
			t.Errorf("DROPFEED_OUT=%s is not in ReadWritePaths %v", out, rw)
		}
		stateDir := "/var/lib/" + u.last("StateDirectory")
		if st := env["DROPFEED_STATE"]; filepath.Dir(st) != stateDir {
			t.Errorf("DROPFEED_STATE=%s is not in the StateDirectory %s", st, stateDir)
		}
	})

	t.Run("serve starts with the unit's environment", func(t *testing.T) {
		tmp := t.TempDir()
		src := filepath.Join(tmp, "content")
		writeAtomic(t, filepath.Join(src, "2026-01-02-a.md"), "---\ntitle: A\n---\n\nBody.\n")
		cfg := filepath.Join(tmp, "dropfeed.yaml")
		if err := os.WriteFile(cfg, []byte("title: Test\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		moved := map[string]string{
			"DROPFEED_CONFIG": cfg, "DROPFEED_CONTENT": src, "DROPFEED_OUT": filepath.Join(tmp, "public"),
			"DROPFEED_STATE": filepath.Join(tmp, "state", "state.db"), "DROPFEED_ADDR": "127.0.0.1:0", "DROPFEED_ADMIN_ADDR": "127.0.0.1:0",
		}
		var vars []string
		for k, v := range env {
			if m, ok := moved[k]; ok {
				v = m
			}
			vars = append(vars, k+"="+v)
		}
		d := proc{dir: tmp, env: vars}.serve(t)
		d.waitReady()
		fams := scrape(t, d.adminURL()+"metrics")
		if v, _ := sample(fams, "dropfeed_articles", nil); v != 1 {
			t.Errorf("dropfeed_articles = %v, want 1", v)
		}
		d.waitOut() // serve is ready when it serves; the folder follows
		if _, err := os.Stat(filepath.Join(tmp, "public", "rss.xml")); err != nil {
			t.Errorf("no static output: %v", err)
		}
		if code := d.stop(); code != 0 {
			t.Errorf("exit code = %d, want 0", code)
		}
	})

	t.Run("systemd-analyze verify", func(t *testing.T) {
		analyze, err := exec.LookPath("systemd-analyze")
		if err != nil {
			unavailable(t, "systemd-analyze is not installed (Debian: apt-get install systemd); the unit's keys were checked above")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// verify wants ExecStart to be executable: point it at the test binary.
		unit := strings.ReplaceAll(string(data), "/usr/local/bin/dropfeed", binPath)
		copyPath := filepath.Join(t.TempDir(), "dropfeed.service")
		if err := os.WriteFile(copyPath, []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.CommandContext(t.Context(), analyze, "verify", copyPath).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	})
}
