package diag

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the drawing goroutine and the test.
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

// TestProgress runs the bar on fake time: nothing for a quick build, a bar
// after a second, a clean line at the end, and nothing at all when disabled.
func TestProgress(t *testing.T) {
	tests := []struct {
		name     string
		enabled  bool
		run      time.Duration // how long the "build" takes
		diag     string        // a diagnostic written half-way, if any
		want     []string      // in the output, in order
		wantNone bool
	}{
		{name: "quick build shows nothing", enabled: true, run: 900 * time.Millisecond, wantNone: true},
		{name: "slow build shows a bar", enabled: true, run: 1500 * time.Millisecond,
			want: []string{"\r\x1b[Kparsing   [#########---------------] 4/10 files  1s", "\r\x1b[K"}},
		{name: "diagnostics erase the bar first", enabled: true, run: 3 * time.Second, diag: "a.md:3: error: bad\n",
			want: []string{"parsing", "\r\x1b[Ka.md:3: error: bad\n", "\r\x1b[Kparsing", "\r\x1b[K"}},
		{name: "not a terminal", enabled: false, run: 10 * time.Second, diag: "a.md:3: error: bad\n", want: []string{"a.md:3: error: bad\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out lockedBuffer
				p := StartProgress(&out, tc.enabled, ProgressDelay)
				p.SetPhase("parsing", 0)
				p.Read(4, 10)
				time.Sleep(tc.run / 2)
				if tc.diag != "" {
					io.WriteString(p, tc.diag)
				}
				time.Sleep(tc.run - tc.run/2)
				synctest.Wait()
				p.Finish()
				got := out.String()
				if tc.wantNone && got != "" {
					t.Fatalf("output = %q, want none", got)
				}
				rest := got
				for _, w := range tc.want {
					i := strings.Index(rest, w)
					if i < 0 {
						t.Fatalf("output %q lacks %q (in order)", got, w)
					}
					rest = rest[i+len(w):]
				}
				if tc.enabled && !tc.wantNone && !strings.HasSuffix(got, "\r\x1b[K") {
					t.Errorf("output %q does not end by erasing the bar", got)
				}
			})
		})
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name        string
		phase       string
		total, done int64
		want        string
	}{
		{"unknown total", "writing", 0, 0, "writing   … 2.5s"},
		{"half", "parsing", 8, 4, "parsing   [############------------] 4/8 files  2.5s"},
		{"overshoot is capped", "parsing", 2, 5, "parsing   [########################] 2/2 files  2.5s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := StartProgress(io.Discard, false, ProgressDelay)
				p.SetPhase(tc.phase, tc.total)
				p.done.Store(tc.done)
				time.Sleep(2500 * time.Millisecond)
				if got := p.line(); got != tc.want {
					t.Errorf("line() = %q, want %q", got, tc.want)
				}
			})
		})
	}
}

func TestIsTerminal(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tests := []struct {
		name string
		w    func(t *testing.T) io.Writer
		term string
		want bool
	}{
		{"buffer", func(*testing.T) io.Writer { return &bytes.Buffer{} }, "xterm", false},
		{"pipe", func(*testing.T) io.Writer { return pw }, "xterm", false},
		{"regular file", func(*testing.T) io.Writer { return file }, "xterm", false},
		{"pseudo-terminal", openPTY, "xterm", true},
		{"dumb terminal", openPTY, "dumb", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TERM", tc.term)
			if got := IsTerminal(tc.w(t)); got != tc.want {
				t.Errorf("IsTerminal(%s) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
