package watch

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fsnotify/fsnotify"
)

type step struct {
	at   time.Duration // since the script started
	op   fsnotify.Op
	path string
}

type sent struct {
	at    time.Duration
	batch string // formatBatch
}

func formatBatch(b Batch) string {
	if b.Rescan {
		if b.Paths != nil {
			return fmt.Sprintf("rescan+%v", b.Paths)
		}
		return "rescan"
	}
	return strings.Join(b.Paths, " ")
}

// every returns n Write events for path, gap apart, starting at start.
func every(start, gap time.Duration, n int, path string) []step {
	var s []step
	for i := range n {
		s = append(s, step{at: start + time.Duration(i)*gap, op: fsnotify.Write, path: path})
	}
	return s
}

func TestDebounce(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name   string
		quiet  time.Duration
		maxLat time.Duration
		steps  []step
		want   []sent
	}{
		{
			name:  "one event is sent after the quiet window",
			steps: []step{{0, fsnotify.Create, "a.md"}},
			want:  []sent{{50 * ms, "a.md"}},
		},
		{
			name: "a burst with short gaps is one sorted, deduplicated batch",
			steps: []step{
				{0, fsnotify.Create, "b.md"},
				{10 * ms, fsnotify.Write, "b.md"},
				{40 * ms, fsnotify.Create, "a.md"},
				{80 * ms, fsnotify.Write, "b.md"},
				{120 * ms, fsnotify.Chmod, "c.md"},
			},
			want: []sent{{170 * ms, "a.md b.md c.md"}},
		},
		{
			name: "a gap longer than the quiet window splits batches",
			steps: []step{
				{0, fsnotify.Write, "a.md"},
				{100 * ms, fsnotify.Write, "b.md"},
			},
			want: []sent{{50 * ms, "a.md"}, {150 * ms, "b.md"}},
		},
		{
			name:  "chmod-only events are reported",
			steps: []step{{0, fsnotify.Chmod, "a.md"}},
			want:  []sent{{50 * ms, "a.md"}},
		},
		{
			name:  "removes and renames are reported",
			steps: []step{{0, fsnotify.Remove, "a.md"}, {1 * ms, fsnotify.Rename, "b.md"}},
			want:  []sent{{51 * ms, "a.md b.md"}},
		},
		{
			name:  "the latency cap cuts an endless storm",
			steps: every(0, 30*ms, 80, "slow.md"), // 0 .. 2370ms
			want: []sent{
				{1000 * ms, "slow.md"},
				{2020 * ms, "slow.md"},
				{2420 * ms, "slow.md"},
			},
		},
		{
			name:   "custom quiet window and cap",
			quiet:  200 * ms,
			maxLat: 300 * ms,
			steps:  every(0, 110*ms, 5, "a.md"), // 0 .. 440ms
			want:   []sent{{300 * ms, "a.md"}, {630 * ms, "a.md"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := Config{Quiet: tc.quiet, MaxLatency: tc.maxLat, Rescan: -1}
				r := startRig(t, tempRoot(t), cfg, rigOptions{})
				start := time.Now()
				var got []sent
				stop, done := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(done)
					for {
						select {
						case b := <-r.out:
							got = append(got, sent{time.Since(start), formatBatch(b)})
						case <-stop:
							return
						}
					}
				}()
				for _, s := range tc.steps {
					time.Sleep(s.at - time.Since(start))
					r.send(s.op, s.path)
				}
				time.Sleep(5 * time.Second)
				close(stop)
				<-done
				if !slices.Equal(got, tc.want) {
					t.Errorf("batches = %v, want %v", got, tc.want)
				}
			})
		})
	}
}

// TestBusyConsumer checks that Run keeps reading events while nobody takes
// its batches, and hands over everything at once afterwards.
func TestBusyConsumer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, tempRoot(t), Config{Rescan: -1}, rigOptions{})
		const n = 900
		for i := range n {
			// Each send completes only if Run receives it: Run must not
			// block on the consumer, whatever is ready.
			r.send(fsnotify.Write, fmt.Sprintf("f%03d.md", i))
			if i%100 == 0 {
				time.Sleep(200 * time.Millisecond) // let batches become ready
			}
		}
		time.Sleep(time.Second)
		b := r.expect()
		if b.Rescan || len(b.Paths) != n {
			t.Fatalf("batch has Rescan=%v and %d paths, want %d paths", b.Rescan, len(b.Paths), n)
		}
		if !slices.IsSorted(b.Paths) {
			t.Errorf("batch paths are not sorted")
		}
		time.Sleep(time.Second)
		r.expectNone()
	})
}

// TestReadyNotDelayed checks that a ready batch is taken as it is, while
// later events wait for their own quiet window.
func TestReadyNotDelayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, tempRoot(t), Config{Rescan: -1}, rigOptions{})
		r.send(fsnotify.Write, "a.md")
		time.Sleep(60 * time.Millisecond) // a.md is ready, nobody takes it
		r.send(fsnotify.Write, "b.md")
		if got := formatBatch(r.expect()); got != "a.md" {
			t.Errorf("first batch = %q, want %q", got, "a.md")
		}
		time.Sleep(60 * time.Millisecond)
		if got := formatBatch(r.expect()); got != "b.md" {
			t.Errorf("second batch = %q, want %q", got, "b.md")
		}
	})
}

func TestHugeBatchBecomesRescan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := startRig(t, tempRoot(t), Config{Rescan: -1}, rigOptions{})
		for i := range maxBatchPaths + 1 {
			r.send(fsnotify.Create, fmt.Sprintf("d/f%04d.md", i))
		}
		time.Sleep(time.Second)
		if b := r.expect(); !b.Rescan || b.Paths != nil {
			t.Errorf("batch = Rescan %v with %d paths, want Rescan with nil Paths", b.Rescan, len(b.Paths))
		}
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		rescan  bool
		wantLog string
	}{
		{"overflow rescans", fsnotify.ErrEventOverflow, true, "fs.inotify.max_queued_events"},
		{"other errors are logged", fmt.Errorf("read: %w", context.DeadlineExceeded), false, "inotify error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := startRig(t, tempRoot(t), Config{Rescan: -1}, rigOptions{})
				r.src.errs <- tc.err
				time.Sleep(time.Second)
				if tc.rescan {
					if b := r.expect(); !b.Rescan {
						t.Errorf("batch = %+v, want Rescan", b)
					}
				} else {
					r.expectNone()
				}
				if !strings.Contains(r.logs.String(), tc.wantLog) {
					t.Errorf("log = %q, want it to contain %q", r.logs.String(), tc.wantLog)
				}
			})
		})
	}
}

// BenchmarkDebounce measures the hot path: events for 500 distinct files
// in a known directory turned into one sorted batch.
func BenchmarkDebounce(b *testing.B) {
	root := b.TempDir()
	w, err := New(Config{Root: root})
	if err != nil {
		b.Fatal(err)
	}
	l := &loop{
		w:       w,
		log:     w.log,
		b:       batcher{quiet: w.cfg.Quiet, maxLatency: w.cfg.MaxLatency},
		watched: make(map[string]bool),
		src:     newFakeSource(),
	}
	l.real, l.prefix = root, root+"/"
	events := make([]fsnotify.Event, 0, 1500)
	for i := range 500 {
		name := fmt.Sprintf("%s/f%03d.md", root, i)
		// Create, Write, Chmod: the fast path takes the last two.
		events = append(events,
			fsnotify.Event{Name: name, Op: fsnotify.Create},
			fsnotify.Event{Name: name, Op: fsnotify.Write},
			fsnotify.Event{Name: name, Op: fsnotify.Chmod})
	}
	for b.Loop() {
		for _, ev := range events {
			l.handleEvent(ev)
		}
		l.b.flush()
		if len(l.b.next.Paths) != 500 {
			b.Fatalf("batch has %d paths, want 500", len(l.b.next.Paths))
		}
		l.b.sent()
	}
	l.stop()
}
