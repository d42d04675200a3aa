package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binPath is the dropfeed binary built once for the end-to-end tests. When
// the tests run with -race it is built with -race too, so that every
// scenario's daemon is checked for data races, not only the test process.
var binPath string

// raceDir is where the race-instrumented binaries write their reports
// (GORACE log_path), one file per process, report.<pid>; "" without -race.
var raceDir string

// raceExit is the exit status of a binary stopped by a data race.
const raceExit = 66

// Bounds of the harness's waits. They only bound a failing test, so they are
// generous: the race-instrumented binary is several times slower than the
// plain one (ten times for a large build), and a CI machine may be loaded.
const (
	runLimit   = 10 * time.Minute // a one-shot command (runCLI, proc.run)
	readyLimit = 3 * time.Minute  // a daemon's first build
)

// The tests that run the binary call t.Parallel: each has folders, a state
// file and ports of its own, and most of their time is spent waiting for a
// daemon. The disk-full tests stay serial, as they fill the one small tmpfs
// they share, and so does the churn test, which compares the daemon's
// resources before and after a load; the in-process unit tests stay serial
// as they cost nothing.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dropfeed-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "dropfeed")
	build := []string{"build", "-o", binPath}
	if raceEnabled {
		build = append(build, "-race")
		if err := setupRaceReports(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	out, err := exec.Command("go", append(build, ".")...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build dropfeed: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	if err := bucketServer.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop SeaweedFS:", err)
		code = 1
	}
	// A report no test claimed (a process whose output no test read) still
	// fails the run.
	if left := leftRaceReports(); left != "" {
		fmt.Fprintf(os.Stderr, "FAIL: a dropfeed process run by the tests reported a data race:\n%s", left)
		code = 1
	}
	os.RemoveAll(dir)
	if raceDir != "" {
		os.RemoveAll(raceDir)
	}
	os.Exit(code)
}

// setupRaceReports makes every race-instrumented dropfeed the tests start
// (they inherit the environment) stop at its first data race with status
// raceExit and write the report into raceDir, where the harness looks for
// it by process id. The folder is open to all, since some tests run the
// daemon as nobody.
func setupRaceReports() error {
	d, err := os.MkdirTemp("", "dropfeed-race-")
	if err != nil {
		return err
	}
	if err := os.Chmod(d, 0o1777); err != nil {
		return err
	}
	raceDir = d
	return os.Setenv("GORACE", fmt.Sprintf("halt_on_error=1 exitcode=%d log_path=%s", raceExit, filepath.Join(d, "report")))
}

// raceReport returns the data race report process pid wrote, and removes
// it, so that each report fails one test only; "" when there is none.
func raceReport(pid int) string {
	if raceDir == "" {
		return ""
	}
	p := filepath.Join(raceDir, fmt.Sprintf("report.%d", pid))
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	os.Remove(p)
	return string(b)
}

// checkRace fails the test if the process cmd ran reported a data race.
func checkRace(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if cmd.Process == nil {
		return
	}
	if r := raceReport(cmd.Process.Pid); r != "" {
		t.Errorf("%s (pid %d) reported a data race:\n%s", filepath.Base(cmd.Path), cmd.Process.Pid, r)
	}
}

// leftRaceReports returns the reports in raceDir that no test claimed.
func leftRaceReports() string {
	if raceDir == "" {
		return ""
	}
	ents, _ := os.ReadDir(raceDir)
	var b strings.Builder
	for _, e := range ents {
		data, _ := os.ReadFile(filepath.Join(raceDir, e.Name()))
		fmt.Fprintf(&b, "%s:\n%s\n", e.Name(), data)
	}
	return b.String()
}

// runCLI runs the real binary to completion, with a state file of the
// test's own (see withState), and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return proc{}.run(t, withState(t, args)...)
}

// withState gives build, serve and check a state file in the test's temp
// folder (unless the test names one), so tests never write into the repo.
func withState(t *testing.T, args []string) []string {
	t.Helper()
	if len(args) == 0 || !slices.Contains([]string{"build", "serve", "check"}, args[0]) || slices.Contains(args, "-state") {
		return args
	}
	out := []string{args[0], "-state", filepath.Join(t.TempDir(), "state.db")}
	return append(out, args[1:]...)
}

// daemonProc is a running "dropfeed serve".
type daemonProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT/
	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

var listenRE = regexp.MustCompile(`^listening on (http://\S+/)$`)

// startServe starts the real binary's serve command on 127.0.0.1:0 and
// returns once it has printed its listening line.
func startServe(t *testing.T, args ...string) *daemonProc {
	t.Helper()
	args = append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)
	return startServeCmd(t, proc{}.command(context.Background(), withState(t, args)...))
}

// startServeCmd starts cmd, a "dropfeed serve" possibly run through a
// wrapper (unshare) or as another user, and returns once it has printed its
// listening line (plain, or the JSON record of -log-format json).
func startServeCmd(t *testing.T, cmd *exec.Cmd) *daemonProc {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dropfeed serve: %v", err)
	}
	d := &daemonProc{t: t, cmd: cmd, done: make(chan struct{})}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.logs.WriteString(line + "\n")
			d.mu.Unlock()
			u := ""
			if m := listenRE.FindStringSubmatch(line); m != nil {
				u = m[1]
			}
			// With -log-format json the line is a record {"msg":"listening","url":...}.
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				u = rec.URL
			}
			if u != "" {
				select {
				case urls <- u:
				default:
				}
			}
		}
		close(d.done)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		checkRace(t, cmd)
		if t.Failed() {
			t.Logf("dropfeed serve log:\n%s", d.Logs())
		}
	})
	select {
	case d.base = <-urls:
	case <-d.done:
		t.Fatalf("dropfeed serve exited before listening:\n%s", d.Logs())
	case <-time.After(readyLimit):
		t.Fatalf("dropfeed serve printed no listening line in %v:\n%s", readyLimit, d.Logs())
	}
	return d
}

// Logs returns what the daemon printed to stderr so far.
func (d *daemonProc) Logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

// get fetches a path relative to the base URL.
func (d *daemonProc) get(path string) (*http.Response, []byte, error) {
	resp, err := http.Get(d.base + path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// health returns the decoded /healthz answer.
func (d *daemonProc) health() (ready bool, gen uint64) {
	resp, body, err := d.get("healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		return false, 0
	}
	var st struct {
		Ready      bool   `json:"ready"`
		Generation uint64 `json:"generation"`
	}
	if json.Unmarshal(body, &st) != nil {
		return false, 0
	}
	return st.Ready, st.Generation
}

// outCurrent reports whether serve is ready and its static output (-out)
// holds the bundle it serves, as /healthz says.
func (d *daemonProc) outCurrent() bool {
	resp, body, err := d.get("healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	var st struct {
		Ready      bool   `json:"ready"`
		Generation uint64 `json:"generation"`
		Outputs    map[string]struct {
			Generation uint64 `json:"generation"`
			Current    bool   `json:"current"`
		} `json:"outputs"`
	}
	if json.Unmarshal(body, &st) != nil {
		return false
	}
	out, ok := st.Outputs["out"]
	return st.Ready && ok && out.Current && out.Generation == st.Generation
}

// waitOut waits until the static output holds what serve serves: serve is
// ready once it serves, and writes the folder beside that.
func (d *daemonProc) waitOut() {
	d.t.Helper()
	waitFor(d.t, 60*time.Second, "the static output to be current", d.outCurrent)
}

// waitReady waits for the first successful build.
func (d *daemonProc) waitReady() uint64 {
	d.t.Helper()
	var gen uint64
	waitFor(d.t, readyLimit, "the first build", func() bool {
		var ok bool
		ok, gen = d.health()
		return ok
	})
	return gen
}

// waitFeeds polls the three feeds until cond holds for each body.
func (d *daemonProc) waitFeeds(what string, cond func(body string) bool) {
	d.t.Helper()
	waitFor(d.t, time.Minute, what, func() bool {
		for _, p := range []string{"rss.xml", "atom.xml", "feed.json"} {
			resp, body, err := d.get(p)
			if err != nil || resp.StatusCode != http.StatusOK || !cond(string(body)) {
				return false
			}
		}
		return true
	})
}

// stop sends SIGTERM and returns the exit code.
func (d *daemonProc) stop() int {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		d.t.Fatalf("signal dropfeed: %v", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- d.cmd.Wait() }()
	select {
	case err := <-errc:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			d.t.Fatalf("wait for dropfeed: %v", err)
		}
		return 0
	case <-time.After(15 * time.Second):
		d.t.Fatalf("dropfeed did not exit within 15s of SIGTERM")
		return -1
	}
}

// waitFor polls cond until it holds or the deadline passes. The deadline is
// generous: it only bounds a failing test, it is not a timing assertion.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeAtomic writes a file the way users are told to: a temp file, then a rename.
func writeAtomic(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// copyTree copies a folder of regular files, keeping modification times.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// readTree returns every file under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	return files
}

// lockedBuffer is a bytes.Buffer safe for a writing goroutine and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
