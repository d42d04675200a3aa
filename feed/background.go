package feed

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Background publishes bundles to an [Output] in a goroutine of its own
// ([Background.Run]), so that a slow output (a large folder, a remote
// bucket) never delays the rebuild loop or the next swap. [Background.Publish]
// only hands the bundle over; when the output falls behind, the bundles
// handed over meanwhile are coalesced: only the newest is published (an
// output that writes what changed takes the deltas of those it skipped from
// the bundles themselves, see [Bundle.DeltaSince]).
//
// Bundles are numbered in the order they are handed over, from 1; a caller
// that hands over every bundle it serves gets the numbers of its server's
// generations.
type Background struct {
	out Output
	cfg BackgroundConfig

	mu      sync.Mutex
	last    *Bundle // the newest bundle handed over
	latest  uint64  // its number
	taken   uint64  // the number of the newest bundle taken to publish
	closed  bool
	started bool
	cut     context.CancelFunc // cuts Run's attempt in progress short; nil between attempts
	wake    chan struct{}      // capacity 1: a bundle or Close is waiting
	done    chan struct{}      // closed when Run returns
	status  atomic.Pointer[OutputStatus]
}

// BackgroundConfig configures a [Background]. The zero value publishes
// again after a failure only when a new bundle comes.
type BackgroundConfig struct {
	// Retry, when positive, publishes the newest bundle again that long
	// after a failure, then after twice as long, up to MaxRetry (default
	// 8×Retry), without waiting for a new bundle.
	Retry, MaxRetry time.Duration
	// Report, when set, is called after each attempt, from the goroutine
	// that made it (the one of Run, or that of Close).
	Report func(Report)
	// Working, when set, is called as each attempt begins, and the function
	// it returns once the attempt is over (serve's memory budget counts the
	// writing of a folder as work: see httpd.MemLimit).
	Working func() (done func())
}

// Report says how one publish went.
type Report struct {
	// Generation is the number of the bundle published, and Skipped how
	// many bundles handed over since the last attempt were left out for it.
	Generation uint64
	Skipped    int
	Err        error
	Duration   time.Duration
	// Cut says the publish did not end because Close's context ended
	// first (see [Background.Close]); Err is then that context's error.
	Cut bool
}

// OutputStatus is what a [Background] reports of its output.
type OutputStatus struct {
	// Generation is the number of the newest bundle published completely
	// (0 before the first), and Latest that of the newest handed over: the
	// output is current when they are equal.
	Generation, Latest uint64
	// Err is the error of the last attempt, nil when it succeeded.
	Err error
	// Written is when the last publish completed (zero before the first).
	Written time.Time
}

// NewBackground returns a Background publishing to out; start it with Run.
func NewBackground(out Output, cfg BackgroundConfig) *Background {
	if cfg.Retry > 0 && cfg.MaxRetry < cfg.Retry {
		cfg.MaxRetry = 8 * cfg.Retry
	}
	bg := &Background{out: out, cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{})}
	bg.status.Store(&OutputStatus{})
	return bg
}

// Publish hands b over to be published and returns at once; it never
// fails. After Close it does nothing.
func (bg *Background) Publish(_ context.Context, b *Bundle) error {
	bg.mu.Lock()
	defer bg.mu.Unlock()
	if bg.closed {
		return nil
	}
	bg.latest++
	bg.last = b
	st := *bg.status.Load()
	st.Latest = bg.latest
	bg.status.Store(&st)
	select {
	case bg.wake <- struct{}{}:
	default:
	}
	return nil
}

// Status returns the output's status; safe to call from any goroutine.
func (bg *Background) Status() OutputStatus { return *bg.status.Load() }

// Run publishes the bundles handed over until ctx is done or Close is
// called; a publish in progress is finished first (ctx does not cancel it:
// every file it began is written, and the record says so), unless Close's
// context ends before it does. It returns nil.
func (bg *Background) Run(ctx context.Context) error {
	bg.mu.Lock()
	if bg.closed {
		bg.mu.Unlock()
		return nil
	}
	bg.started = true
	bg.mu.Unlock()
	defer close(bg.done)
	var retry <-chan time.Time
	var timer *time.Timer
	backoff := bg.cfg.Retry
	for {
		again := false
		select {
		case <-ctx.Done():
			return nil
		case <-bg.wake:
		case <-retry:
			retry, again = nil, true
		}
		bg.mu.Lock()
		if bg.closed {
			bg.mu.Unlock()
			return nil
		}
		b, gen, skipped := bg.take()
		if b == nil && again {
			b, gen = bg.last, bg.latest // nothing newer came: the same one again
		}
		if b == nil {
			bg.mu.Unlock()
			continue
		}
		actx, cut := context.WithCancel(context.WithoutCancel(ctx))
		bg.cut = cut
		bg.mu.Unlock()
		err := bg.attempt(actx, b, gen, skipped)
		bg.mu.Lock()
		bg.cut = nil
		bg.mu.Unlock()
		cut()
		if err == nil || bg.cfg.Retry <= 0 {
			backoff, retry = bg.cfg.Retry, nil
			continue
		}
		if timer == nil {
			timer = time.NewTimer(backoff)
			defer timer.Stop()
		} else {
			timer.Reset(backoff)
		}
		retry = timer.C
		backoff = min(2*backoff, bg.cfg.MaxRetry)
	}
}

// take returns the waiting bundle, its number and how many bundles it
// replaced since the last take. The caller holds mu.
func (bg *Background) take() (*Bundle, uint64, int) {
	if bg.taken == bg.latest {
		return nil, 0, 0
	}
	skipped := int(bg.latest - bg.taken - 1)
	bg.taken = bg.latest
	return bg.last, bg.latest, skipped
}

// attempt publishes one bundle and records the outcome.
func (bg *Background) attempt(ctx context.Context, b *Bundle, gen uint64, skipped int) error {
	start := time.Now()
	if bg.cfg.Working != nil {
		defer bg.cfg.Working()()
	}
	err := bg.out.Publish(ctx, b)
	bg.mu.Lock()
	st := *bg.status.Load()
	st.Err = err
	if err == nil {
		st.Generation, st.Written = gen, time.Now()
	}
	bg.status.Store(&st)
	bg.mu.Unlock()
	if bg.cfg.Report != nil {
		bg.cfg.Report(Report{Generation: gen, Skipped: skipped, Err: err, Duration: time.Since(start), Cut: err != nil && ctx.Err() != nil})
	}
	return err
}

// Close stops Run after the publish in progress, then publishes the newest
// bundle handed over that was not published yet (on the caller's
// goroutine), so that the output ends as current as the last bundle served.
// It returns that publish's error. Bundles handed over after Close are
// ignored.
//
// ctx bounds the whole: when it ends first, the publish in progress is cut
// short (between two files: what it wrote stays, recorded, and the next
// publish, such as a restart's, takes it up) and reported with
// context.Canceled, and the newest bundle's publish fails at once with ctx's
// error (reported too, and returned). A daemon stops so within its deadline
// even during the first write of a large folder.
func (bg *Background) Close(ctx context.Context) error {
	bg.mu.Lock()
	if bg.closed {
		bg.mu.Unlock()
		return nil
	}
	bg.closed = true
	started := bg.started
	select {
	case bg.wake <- struct{}{}:
	default:
	}
	bg.mu.Unlock()
	if started {
		select {
		case <-bg.done:
		case <-ctx.Done():
			bg.mu.Lock()
			if bg.cut != nil {
				bg.cut()
			}
			bg.mu.Unlock()
			<-bg.done
		}
	}
	bg.mu.Lock()
	b, gen, skipped := bg.take()
	if st := bg.status.Load(); b == nil && st.Err != nil && st.Generation < bg.latest {
		// The last attempt failed and nothing newer came: try it once more.
		b, gen = bg.last, bg.latest
	}
	bg.mu.Unlock()
	if b == nil {
		return nil
	}
	return bg.attempt(ctx, b, gen, skipped)
}
