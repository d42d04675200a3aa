//go:build linux

package main

// Editors and save strategies, scenarios T12–T23 of docs/watching.md. Each
// editor's save is replayed as the sequence of file operations it performs (E1,
// E2, E2a, E2b, E7, E7a, E8, E8a, E19, E25 there), by the replayer below,
// against the real daemon; one real vim save runs in tmux. Every case samples
// the served feed during the save: the article must be present, and not empty,
// in every sample (no flicker, no half-read file), and end with the new text.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// step is one file operation of a save.
type step struct {
	op       string // see replayer.do
	path, to string // relative to the content folder
	data     string
	d        time.Duration
}

// replayer performs steps in the content folder. It holds at most one file
// open, for the truncate-then-write savers.
type replayer struct {
	t   *testing.T
	dir string
	f   *os.File
	// processed counts the batches the daemon has finished (e2e.processed),
	// for the "mark" and "processed" steps.
	processed func() int
	mark      int
}

func (r *replayer) abs(p string) string { return filepath.Join(r.dir, filepath.FromSlash(p)) }

func (r *replayer) run(steps []step) {
	r.t.Helper()
	for _, s := range steps {
		r.do(s)
	}
	if r.f != nil {
		r.t.Fatalf("replay left %s open", r.f.Name())
	}
}

func (r *replayer) do(s step) {
	r.t.Helper()
	var err error
	switch s.op {
	case "write": // open(O_CREAT|O_TRUNC), write, close
		err = os.WriteFile(r.abs(s.path), []byte(s.data), 0o644)
	case "create": // open(O_CREAT|O_EXCL) and keep it open, empty
		r.f, err = os.OpenFile(r.abs(s.path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	case "trunc": // open(O_WRONLY|O_TRUNC) an existing file and keep it open
		r.f, err = os.OpenFile(r.abs(s.path), os.O_WRONLY|os.O_TRUNC, 0)
	case "fdwrite": // write to the open file
		_, err = r.f.WriteString(s.data)
	case "close":
		err = r.f.Close()
		r.f = nil
	case "rename":
		err = os.Rename(r.abs(s.path), r.abs(s.to))
	case "remove":
		err = os.Remove(r.abs(s.path))
	case "chmod":
		err = os.Chmod(r.abs(s.path), 0o644)
	case "symlink": // s.to is the link's target
		err = os.Symlink(s.to, r.abs(s.path))
	case "sleep":
		time.Sleep(s.d)
	case "mark": // remember how many batches the daemon has finished
		r.mark = r.processed()
	case "processed": // wait until it has finished one more since the mark
		waitFor(r.t, settleLimit, "the daemon to look at the folder", func() bool { return r.processed() > r.mark })
	default:
		r.t.Fatalf("unknown step %q", s.op)
	}
	if err != nil {
		r.t.Fatalf("replay %s %s: %v", s.op, s.path, err)
	}
}

// swapStart is vim's swap file dance when it opens a.md (E1 and after).
func swapStart() []step {
	swp := strings.Repeat("\x00", 4096)
	return []step{
		{op: "write", path: ".a.md.swp", data: swp},
		{op: "write", path: ".a.md.swx", data: ""},
		{op: "remove", path: ".a.md.swx"},
		{op: "remove", path: ".a.md.swp"},
		{op: "write", path: ".a.md.swp", data: swp},
		{op: "chmod", path: ".a.md.swp"},
		{op: "sleep", d: 50 * time.Millisecond}, // typing
		{op: "write", path: ".a.md.swp", data: swp + swp},
	}
}

// newA is a.md after the edit.
var newA = mdText("Alpha", "a", "Old\nNew line")

// editorCases are the replays, each with the text a must end with.
func editorCases() []struct {
	name  string
	steps []step
	want  string
	after func(e *e2e)
} {
	type c = struct {
		name  string
		steps []step
		want  string
		after func(e *e2e)
	}
	vimSave := func(keepBackup bool, emptyCreate bool) []step {
		s := swapStart()
		s = append(s,
			step{op: "create", path: "4913"}, step{op: "close"}, step{op: "chmod", path: "4913"}, step{op: "remove", path: "4913"},
			step{op: "rename", path: "a.md", to: "a.md~"},
			step{op: "create", path: "a.md"})
		if emptyCreate {
			s = append(s, step{op: "sleep", d: 2 * time.Millisecond}) // E2b: CREATE seen at size 0
		}
		s = append(s,
			step{op: "fdwrite", data: newA[:20]}, step{op: "fdwrite", data: newA[20:]}, step{op: "close"},
			step{op: "chmod", path: "a.md"},
			step{op: "write", path: ".a.md.swp", data: "x"})
		if !keepBackup {
			s = append(s, step{op: "remove", path: "a.md~"})
		}
		return append(s, step{op: "remove", path: ".a.md.swp"})
	}
	inPlace := func(gap time.Duration, data string) []step {
		return []step{{op: "trunc", path: "a.md"}, {op: "sleep", d: gap}, {op: "fdwrite", data: data}, {op: "close"}}
	}
	return []c{
		{name: "T12 vim default (E1): rename to a.md~, new a.md", steps: vimSave(false, false), want: "New line"},
		{name: "T12a vim under /tmp (E1a): in place", steps: append(append(swapStart(), inPlace(0, newA)...),
			step{op: "chmod", path: "a.md"}, step{op: "remove", path: ".a.md.swp"}), want: "New line"},
		{name: "T13 vim backupcopy=yes (E2): copy, truncate, write", steps: append(append(append(swapStart(),
			step{op: "write", path: "a.md~", data: mdText("Alpha", "a", "Old")}, step{op: "chmod", path: "a.md~"}),
			inPlace(3*time.Millisecond, newA)...),
			step{op: "chmod", path: "a.md"}, step{op: "remove", path: "a.md~"}, step{op: "remove", path: ".a.md.swp"}), want: "New line"},
		{name: "T14 vim nowritebackup nobackup (E2a): in place", steps: append(append(swapStart(), inPlace(time.Millisecond, newA)...),
			step{op: "chmod", path: "a.md"}, step{op: "remove", path: ".a.md.swp"}), want: "New line"},
		{name: "T15 vim backup (E2b): a.md~ stays", steps: vimSave(true, true), want: "New line", after: func(e *e2e) {
			if _, err := os.Stat(e.c("a.md~")); err != nil {
				e.t.Fatalf("a.md~ should stay on disk: %v", err)
			}
		}},
		{name: "T16 emacs, two saves (E7)", steps: []step{
			{op: "symlink", path: ".#a.md", to: "user@host.13218"},
			{op: "sleep", d: 30 * time.Millisecond},
			{op: "rename", path: "a.md", to: "a.md~"},
			{op: "write", path: "a.md", data: mdText("Alpha", "a", "Old first")},
			{op: "remove", path: ".#a.md"},
			{op: "chmod", path: "a.md"},
			{op: "sleep", d: 500 * time.Millisecond},
			{op: "symlink", path: ".#a.md", to: "user@host.13218"},
			{op: "sleep", d: 300 * time.Millisecond},
			{op: "trunc", path: "a.md"}, {op: "fdwrite", data: mdText("Alpha", "a", "Old first second")}, {op: "close"},
			{op: "remove", path: ".#a.md"},
		}, want: "first second", after: func(e *e2e) {
			if n := e.count(".#a.md"); n > 0 {
				e.t.Errorf("the emacs lock link was logged %d times, want silence", n)
			}
		}},
		{name: "T17 nano (E7a)", steps: append([]step{
			{op: "write", path: ".a.md.swp", data: strings.Repeat("n", 1024)},
			{op: "remove", path: ".a.md.swp"},
			{op: "write", path: ".a.md.swp", data: strings.Repeat("n", 1024)},
			{op: "sleep", d: 50 * time.Millisecond},
		}, append(inPlace(0, mdText("Alpha", "a", "edited Old")), step{op: "remove", path: ".a.md.swp"})...), want: "edited Old"},
		{name: "T18 atomic temp and rename (E8a)", steps: []step{
			{op: "write", path: ".a.md.tmp123", data: mdText("Alpha", "a", "New")},
			{op: "rename", path: ".a.md.tmp123", to: "a.md"},
		}, want: "New"},
		{name: "T19 JetBrains safe write (E8)", steps: []step{
			{op: "write", path: "a.md___jb_tmp___", data: mdText("Alpha", "a", "New")},
			{op: "sleep", d: 12 * time.Millisecond},
			{op: "rename", path: "a.md", to: "a.md___jb_old___"},
			{op: "sleep", d: 12 * time.Millisecond},
			{op: "rename", path: "a.md___jb_tmp___", to: "a.md"},
			{op: "sleep", d: 12 * time.Millisecond},
			{op: "remove", path: "a.md___jb_old___"},
		}, want: "New"},
		// The writer pauses until the daemon has looked at the empty file,
		// however long the quiet window: it must wait for the writer.
		{name: "T20 truncate, write after the daemon looked (VS Code)", steps: []step{
			{op: "mark"}, {op: "trunc", path: "a.md"}, {op: "processed"},
			{op: "fdwrite", data: mdText("Alpha", "a", "New")}, {op: "close"},
		}, want: "New"},
		{name: "T21 sed -i, replayed (E19)", steps: []step{
			{op: "create", path: "sedxEP4JV"}, {op: "close"},
			{op: "chmod", path: "sedxEP4JV"}, {op: "chmod", path: "sedxEP4JV"},
			{op: "write", path: "sedxEP4JV", data: mdText("Alpha", "a", "New")},
			{op: "rename", path: "sedxEP4JV", to: "a.md"},
		}, want: "New"},
		{name: "T22 shell redirect (E25)", steps: inPlace(0, mdText("Alpha", "a", "New")), want: "New"},
	}
}

// editorQuiet is the daemon's quiet window in the editor scenarios. A save
// is several file operations (a rename away and a new file, say), and the
// feed must not change in the middle of one, which the daemon knows only
// from the pause after it: the window is ten times the default, so that a
// loaded machine, which stretches the gaps inside a save, cannot make
// these tests fail. What must hold whatever the window (a file being
// written is never published half-written or empty) is tested by making
// the writer wait for the daemon (T20).
const editorQuiet = 500 * time.Millisecond

// TestEditors replays each editor's save (T12–T22, docs/watching.md), one
// at a time.
func TestEditors(t *testing.T) {
	t.Parallel()
	for _, tc := range editorCases() {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t)
			withA(e)
			e.start("-quiet", editorQuiet.String())
			smp := e.sampleHTTP()
			(&replayer{t: t, dir: e.C, processed: e.processed}).run(tc.steps)
			e.waitServed("a with "+tc.want, func(s snapshot) bool { return strings.Contains(s.body("a"), tc.want) })
			presentInAll(t, smp.stop(), "a")
			if tc.after != nil {
				tc.after(e)
			}
			e.settle()
		})
	}
}

// TestEditorsTools runs the savers that are real programs here: sed -i
// (E19), cp over a file (E25) and 50 rapid saves (T23), with the quiet
// window of TestEditors.
func TestEditorsTools(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		op   func(e *e2e)
		want string
	}{
		{"T21 sed -i", func(e *e2e) { e.run(e.C, needTool(e.t, "sed"), "-i", "s/Old/New/", "a.md") }, "New"},
		{"cp over a file", func(e *e2e) {
			mustDo(e.t, os.WriteFile(e.x("a.md"), []byte(mdText("Alpha", "a", "Copied")), 0o644))
			e.run(e.W, "cp", e.x("a.md"), e.c("a.md"))
		}, "Copied"},
		{"T23 50 rapid saves", func(e *e2e) {
			e.caughtUp()
			rebuilt := e.rebuilds()
			for i := 1; i <= 50; i++ {
				e.md(e.c("a.md"), "Alpha", "a", "v"+strconv.Itoa(i))
				time.Sleep(20 * time.Millisecond)
			}
			e.waitServed("v50", func(s snapshot) bool { return strings.Contains(s.body("a"), "v50") })
			waitFor(e.t, settleLimit, "the last rebuild logged", func() bool { return e.rebuilds() > rebuilt })
			if n := e.rebuilds() - rebuilt; n >= 25 {
				e.t.Errorf("%d rebuilds for 50 saves 20ms apart, want far fewer (debounced)", n)
			}
		}, "v50"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t)
			withA(e)
			e.start("-quiet", editorQuiet.String())
			smp := e.sampleHTTP()
			tc.op(e)
			e.waitServed("a with "+tc.want, func(s snapshot) bool { return strings.Contains(s.body("a"), tc.want) })
			presentInAll(t, smp.stop(), "a")
			e.settle()
		})
	}
}

// TestEditorsRealVim is T12 with a real vim (or Debian's vim.tiny) in tmux:
// open a.md, append a line, :wq, with vim's default save (writebackup,
// backupcopy=auto; backupskip cleared, since the test folder is under /tmp,
// where vim would otherwise write in place, E1a).
func TestEditorsRealVim(t *testing.T) {
	t.Parallel()
	tmux := needTool(t, "tmux")
	vim := needTool(t, "vim", "vim.tiny")
	e := newE2E(t)
	withA(e)
	e.start("-quiet", editorQuiet.String())
	sock := filepath.Join(e.W, "tmux.sock")
	tm := func(args ...string) (string, error) {
		cmd := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
		cmd.Dir = e.C
		cmd.Env = append(os.Environ(), "HOME="+e.W, "TERM=xterm")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { _, _ = tm("kill-server") }) // our private server only
	if out, err := tm("new-session", "-d", "-s", "v", "-x", "120", "-y", "40",
		vim+" -u NONE -N -i NONE --cmd 'set backupskip=' a.md"); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	waitFor(t, settleLimit, "vim to show a.md", func() bool {
		out, _ := tm("capture-pane", "-p", "-t", "v")
		return strings.Contains(out, "Old")
	})
	smp := e.sampleHTTP()
	if out, err := tm("send-keys", "-t", "v", "G", "o", "New line", "Escape", ":wq", "Enter"); err != nil {
		t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
	waitFor(t, settleLimit, "vim to exit", func() bool {
		_, err := tm("has-session", "-t", "v")
		return err != nil
	})
	e.waitServed("a with the new line", func(s snapshot) bool { return strings.Contains(s.body("a"), "New line") })
	presentInAll(t, smp.stop(), "a")
	data, err := os.ReadFile(e.c("a.md"))
	mustDo(t, err)
	if !strings.Contains(string(data), "New line") {
		t.Fatalf("vim did not save: a.md is %q", data)
	}
	for _, left := range []string{"a.md~", ".a.md.swp", "4913"} {
		if _, err := os.Lstat(e.c(left)); err == nil {
			t.Errorf("vim left %s behind", left)
		}
	}
	e.settle()
}
