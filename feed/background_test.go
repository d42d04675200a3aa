package feed

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// fakeOutput records the bundles published to it; each publish takes its
// time and fails while fail says so.
type fakeOutput struct {
	mu    sync.Mutex
	got   []*Bundle
	at    []time.Time
	take  time.Duration
	fails int // the next this many publishes fail
}

var errFake = errors.New("fake output failure")

func (o *fakeOutput) Publish(ctx context.Context, b *Bundle) error {
	select {
	case <-time.After(o.take):
	case <-ctx.Done():
		return ctx.Err() // cut short: nothing more written
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, b)
	o.at = append(o.at, time.Now())
	if o.fails > 0 {
		o.fails--
		return errFake
	}
	return nil
}

func (o *fakeOutput) published() []*Bundle {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*Bundle(nil), o.got...)
}

// startBackground runs a Background over out until the test ends.
func startBackground(t *testing.T, out Output, cfg BackgroundConfig) *Background {
	t.Helper()
	bg := NewBackground(out, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		bg.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return bg
}

// runBackground runs bg until cancel is called (as a daemon's loop stops);
// done is closed when Run returns.
func runBackground(t *testing.T, bg *Background) (cancel context.CancelFunc, done <-chan struct{}) {
	ctx, cancel := context.WithCancel(t.Context())
	d := make(chan struct{})
	go func() {
		defer close(d)
		bg.Run(ctx)
	}()
	return cancel, d
}

// TestBackgroundCoalesces: Publish hands over at once while the output is
// busy; the bundles handed over meanwhile are coalesced into the newest.
func TestBackgroundCoalesces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{take: time.Second}
		var reports []Report
		bg := startBackground(t, out, BackgroundConfig{Report: func(r Report) { reports = append(reports, r) }})
		b := []*Bundle{{}, {}, {}, {}}
		start := time.Now()
		bg.Publish(t.Context(), b[0])
		synctest.Wait() // the first publish is under way
		for _, x := range b[1:] {
			bg.Publish(t.Context(), x)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("Publish took %v while the output was busy, want no time", d)
		}
		if st := bg.Status(); st.Generation != 0 || st.Latest != 4 {
			t.Errorf("Status() while the first is written = %+v, want Generation 0, Latest 4", st)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		got := out.published()
		if len(got) != 2 || got[0] != b[0] || got[1] != b[3] {
			t.Fatalf("published %d bundles, want the first and the newest", len(got))
		}
		if st := bg.Status(); st.Generation != 4 || st.Latest != 4 || st.Err != nil {
			t.Errorf("Status() after = %+v, want Generation 4 = Latest, no error", st)
		}
		if len(reports) != 2 || reports[1].Generation != 4 || reports[1].Skipped != 2 {
			t.Errorf("reports = %+v, want the second for bundle 4 with 2 skipped", reports)
		}
	})
}

// TestBackgroundWorking: Working is called as each attempt begins, and
// what it returns once the attempt is over.
func TestBackgroundWorking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{take: time.Second}
		var begun, ended atomic.Int32 // written by Run's goroutine, read here
		bg := startBackground(t, out, BackgroundConfig{Working: func() func() {
			begun.Add(1)
			return func() { ended.Add(1) }
		}})
		bg.Publish(t.Context(), &Bundle{})
		time.Sleep(time.Second / 2)
		synctest.Wait()
		if b, e := begun.Load(), ended.Load(); b != 1 || e != 0 {
			t.Errorf("during the attempt: %d begun, %d ended; want 1 and 0", b, e)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if b, e := begun.Load(), ended.Load(); b != 1 || e != 1 {
			t.Errorf("after the attempt: %d begun, %d ended; want 1 and 1", b, e)
		}
	})
}

// TestBackgroundRetry: with Retry, a failed publish is tried again after
// Retry, then twice as long; without it, only when a new bundle comes.
func TestBackgroundRetry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{fails: 3}
		bg := startBackground(t, out, BackgroundConfig{Retry: time.Second})
		start := time.Now()
		bg.Publish(t.Context(), &Bundle{})
		synctest.Wait()
		if st := bg.Status(); !errors.Is(st.Err, errFake) || st.Generation != 0 {
			t.Errorf("Status() after a failure = %+v, want the error", st)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		var gaps []time.Duration
		for _, at := range out.at {
			gaps = append(gaps, at.Sub(start))
		}
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second}
		if len(gaps) != len(want) {
			t.Fatalf("attempts at %v, want %v", gaps, want)
		}
		for i := range want {
			if gaps[i] != want[i] {
				t.Errorf("attempts at %v, want %v", gaps, want)
				break
			}
		}
		if st := bg.Status(); st.Err != nil || st.Generation != 1 {
			t.Errorf("Status() after the retries = %+v, want Generation 1, no error", st)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{fails: 1}
		bg := startBackground(t, out, BackgroundConfig{})
		bg.Publish(t.Context(), &Bundle{})
		time.Sleep(time.Hour)
		synctest.Wait()
		if n := len(out.published()); n != 1 {
			t.Errorf("without Retry, %d attempts in an hour, want 1", n)
		}
		bg.Publish(t.Context(), &Bundle{})
		synctest.Wait()
		if st := bg.Status(); len(out.published()) != 2 || st.Err != nil || st.Generation != 2 {
			t.Errorf("after a new bundle: %d attempts, %+v; want 2, Generation 2", len(out.published()), st)
		}
	})
}

// TestBackgroundClose: Close lets the publish in progress finish, then
// publishes the newest bundle handed over; later bundles are ignored.
func TestBackgroundClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{take: time.Second}
		bg := NewBackground(out, BackgroundConfig{})
		cancel, done := runBackground(t, bg)
		b1, b2, b3 := &Bundle{}, &Bundle{}, &Bundle{}
		bg.Publish(t.Context(), b1)
		synctest.Wait()
		bg.Publish(t.Context(), b2)
		cancel() // the daemon stops: Run returns after b1
		if err := bg.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		<-done
		bg.Publish(t.Context(), b3)
		synctest.Wait()
		if got := out.published(); len(got) != 2 || got[0] != b1 || got[1] != b2 {
			t.Errorf("published %d bundles, want b1 then b2", len(got))
		}
		if st := bg.Status(); st.Generation != 2 {
			t.Errorf("Status() after Close = %+v, want Generation 2", st)
		}
	})
}

// TestBackgroundCloseCuts: a Close whose context ends during a long publish
// cuts that publish short (reported as canceled, the status keeping the last
// generation published), publishes nothing more (the newest bundle's attempt
// fails at once, reported with the deadline's error), and returns by the
// deadline, not after the publish would have ended. With time to spare,
// Close waits for the publish as before.
func TestBackgroundCloseCuts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{take: time.Minute}
		var reports []Report
		bg := NewBackground(out, BackgroundConfig{Report: func(r Report) { reports = append(reports, r) }})
		cancel, done := runBackground(t, bg)
		bg.Publish(t.Context(), &Bundle{})
		synctest.Wait() // the long publish is under way
		bg.Publish(t.Context(), &Bundle{})
		cancel() // the daemon stops
		start := time.Now()
		cctx, ccancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer ccancel()
		err := bg.Close(cctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Close = %v, want the deadline's error", err)
		}
		if d := time.Since(start); d != 10*time.Second {
			t.Errorf("Close returned after %v, want the 10 s of its deadline", d)
		}
		<-done
		if got := out.published(); len(got) != 0 {
			t.Errorf("%d bundles published, want none (the first cut short, the second not begun)", len(got))
		}
		if len(reports) != 2 || !errors.Is(reports[0].Err, context.Canceled) || reports[0].Generation != 1 || !reports[0].Cut ||
			!errors.Is(reports[1].Err, context.DeadlineExceeded) || reports[1].Generation != 2 || !reports[1].Cut {
			t.Errorf("reports = %+v, want bundle 1 cut short (context.Canceled), then bundle 2 not begun (the deadline's error), both Cut", reports)
		}
		if st := bg.Status(); st.Generation != 0 || !errors.Is(st.Err, context.DeadlineExceeded) {
			t.Errorf("Status() = %+v, want nothing published and the deadline's error", st)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		out := &fakeOutput{take: time.Second, fails: 1}
		var reports []Report
		bg := NewBackground(out, BackgroundConfig{Report: func(r Report) { reports = append(reports, r) }})
		cancel, done := runBackground(t, bg)
		bg.Publish(t.Context(), &Bundle{})
		synctest.Wait()
		bg.Publish(t.Context(), &Bundle{})
		cancel()
		cctx, ccancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer ccancel()
		if err := bg.Close(cctx); err != nil {
			t.Errorf("Close with time to spare = %v", err)
		}
		<-done
		if got := out.published(); len(got) != 2 {
			t.Errorf("%d bundles published, want both (the one under way finished, the newest after)", len(got))
		}
		if len(reports) != 2 || !errors.Is(reports[0].Err, errFake) || reports[0].Cut || reports[1].Err != nil || reports[1].Cut {
			t.Errorf("reports = %+v, want the first failed on its own (not Cut), the second published", reports)
		}
	})
}
