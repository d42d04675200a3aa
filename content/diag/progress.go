package diag

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// ProgressDelay is how long a build runs before a progress bar appears: quick
// builds print nothing but their summary line.
const ProgressDelay = time.Second

// progressTick is how often the bar is redrawn.
const progressTick = 100 * time.Millisecond

// IsTerminal reports whether w is a terminal that can redraw a line: an
// *os.File on a terminal, with TERM not "dumb".
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return term.IsTerminal(int(f.Fd()))
}

// Progress draws one self-overwriting status line on a terminal while a long
// build runs: nothing for the first delay, then the phase, a bar when the
// total is known, and the time so far. Finish erases the line. A progress
// that is not enabled draws nothing; all methods are safe on it.
type Progress struct {
	w       io.Writer
	Enabled bool
	start   time.Time
	done    atomic.Int64
	total   atomic.Int64
	phase   atomic.Pointer[string]

	stopOnce sync.Once
	stop     chan struct{}
	exited   chan struct{}
	mu       sync.Mutex // serializes writes to w
	drawn    bool       // the status line is on the screen; guarded by mu
}

// StartProgress starts the drawing goroutine when enabled.
func StartProgress(w io.Writer, enabled bool, delay time.Duration) *Progress {
	p := &Progress{w: w, Enabled: enabled, start: time.Now(), stop: make(chan struct{}), exited: make(chan struct{})}
	p.SetPhase("starting", 0)
	if !enabled {
		close(p.exited)
		return p
	}
	go p.loop(delay)
	return p
}

func (p *Progress) loop(delay time.Duration) {
	defer close(p.exited)
	wait := time.NewTimer(delay)
	defer wait.Stop()
	select {
	case <-p.stop:
		return
	case <-wait.C:
	}
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	for {
		p.draw()
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
	}
}

// SetPhase names what the build does now; total is the number of steps it
// has (0 when unknown), counted with add.
func (p *Progress) SetPhase(name string, total int64) {
	p.total.Store(total)
	p.done.Store(0)
	p.phase.Store(&name)
}

// Read is told how reading goes (see content.Index.OnRead): done files of
// total. It is called from several goroutines at once.
func (p *Progress) Read(done, total int) {
	p.total.Store(int64(total))
	if d := int64(done); d > p.done.Load() {
		p.done.Store(d)
	}
}

// line renders the status line, without control characters.
func (p *Progress) line() string {
	const width = 24
	phase := *p.phase.Load()
	took := time.Since(p.start).Truncate(100 * time.Millisecond)
	total, done := p.total.Load(), p.done.Load()
	if total <= 0 {
		return fmt.Sprintf("%-9s … %s", phase, took)
	}
	done = min(done, total)
	full := int(done * width / total)
	return fmt.Sprintf("%-9s [%s%s] %d/%d files  %s", phase, strings.Repeat("#", full), strings.Repeat("-", width-full), done, total, took)
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K"+p.line())
	p.drawn = true
}

// erase removes the status line; p.mu is held.
func (p *Progress) erase() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

// Write writes diagnostics while the bar runs: it erases the status line
// first, and the next tick draws it again below what was written.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	return p.w.Write(b)
}

// Finish stops drawing and erases the line, so the summary that follows
// starts on a clean line.
func (p *Progress) Finish() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.exited
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
}
