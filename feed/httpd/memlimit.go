package httpd

import (
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"sync"
	"sync/atomic"
)

// serve's memory budgets: what it should take resident while it serves
// (256 MiB), and at most while it starts (384 MiB; reading and parsing
// every file of a folder makes a lot of short-lived garbage). Each counts
// the Go runtime's memory (the heap, stacks and the runtime's own) and what
// is mapped beside it: the binary (about 15 MiB), and the state file while
// it is read or written, for which the start keeps 32 MiB of its budget.
const (
	servingBudget = 256 << 20
	startBudget   = 352 << 20
	mappedReserve = 24 << 20 // the binary's text and data, and a margin
)

// A soft memory limit makes the garbage collector keep the heap within a
// budget instead of letting it grow to twice what it found live (GOGC=100),
// and makes the runtime return the memory it freed above it to the system
// promptly instead of over minutes: after a start over 100,000 articles,
// the heap the start left behind was kept resident (675 MiB for a live
// heap of 247 MiB). But a limit the live heap comes near makes the
// collector run again and again for little (it gives it up to half the
// CPU), so a budget is applied only while the live heap leaves room in it:
// while the heap the last collection found live is at most seven eighths
// of the limit, so that a collection comes after at least a seventh of the
// live heap was allocated again (GOGC=100 waits for as much as the live
// heap). serve allocates little once started: its most, a full rescan of
// 100,000 files that changed nothing, allocates about 65 MB
// (BenchmarkRescanUnchanged), two collections' worth over a live heap of
// 190 MiB under a limit of 232 MiB. Past that the limit is lifted,
// and GOGC alone paces the collector, as without one; when the heap
// shrinks back, it is applied again. The live heap is looked at after
// every collection (and Go collects at least every two minutes).
//
// MemLimit applies startBudget until serve is ready (the first build), then
// servingBudget. An operator's GOMEMLIMIT is left alone.
type MemLimit struct {
	log      *slog.Logger
	next     int64        // the serving budget
	budget   atomic.Int64 // the budget in force, process memory
	stopped  atomic.Bool
	prev     int64 // the limit before, restored at stop
	mu       sync.Mutex
	limit    int64 // the limit set last
	sample   []rtmetrics.Sample
	stopOnce sync.Once
}

// memLimitOn keeps one MemLimit per process: the limit is process-wide
// (tests run several serves in one process).
var memLimitOn atomic.Bool

// StartMemLimit begins keeping the memory limit, with the start budget; it
// returns the MemLimit (nil when GOMEMLIMIT is set, or one runs already),
// whose methods are safe on nil.
func StartMemLimit(log *slog.Logger) *MemLimit { return newMemLimit(log, startBudget, servingBudget) }

// newMemLimit is StartMemLimit with budgets of its own.
func newMemLimit(log *slog.Logger, start, serving int64) *MemLimit {
	if os.Getenv("GOMEMLIMIT") != "" || !memLimitOn.CompareAndSwap(false, true) {
		return nil
	}
	m := &MemLimit{log: log, next: serving, prev: debug.SetMemoryLimit(-1), limit: -1,
		sample: []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	m.budget.Store(start)
	m.adjust()
	m.arm()
	return m
}

// Serving moves to the serving budget, once serve is ready, and collects
// once: the last collection of the start saw the garbage of its last steps
// as live, and the budget applies once a collection has found the heap the
// start left behind (otherwise the next one may be two minutes away).
func (m *MemLimit) Serving() {
	if m == nil || m.budget.Swap(m.next) == m.next {
		return
	}
	m.adjust()
	runtime.GC()
}

// Stop restores the limit there was before, and stops looking.
func (m *MemLimit) Stop() {
	if m == nil {
		return
	}
	m.stopOnce.Do(func() {
		m.stopped.Store(true)
		m.mu.Lock()
		debug.SetMemoryLimit(m.prev)
		m.mu.Unlock()
		memLimitOn.Store(false)
	})
}

// gcTick is an object made only to be collected: its cleanup runs after the
// collection that found it unreachable. (It holds a pointer, so that it is
// never batched with other small objects, whose cleanups may not run.)
type gcTick struct{ _ *byte }

// arm has adjust run after the next collection, and arm again then.
func (m *MemLimit) arm() {
	runtime.AddCleanup(&gcTick{}, func(m *MemLimit) {
		if !m.stopped.Load() {
			m.adjust()
			m.arm()
		}
	}, m)
}

// adjust applies the budget in force when the live heap leaves room in it,
// and lifts the limit when it does not.
func (m *MemLimit) adjust() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped.Load() {
		return
	}
	rtmetrics.Read(m.sample)
	var live int64
	if v := m.sample[0].Value; v.Kind() == rtmetrics.KindUint64 {
		live = int64(v.Uint64())
	}
	limit := m.budget.Load() - mappedReserve
	if live > limit/8*7 {
		limit = math.MaxInt64
	}
	if limit == m.limit {
		return
	}
	debug.SetMemoryLimit(limit)
	m.limit = limit
	if limit == math.MaxInt64 {
		m.log.Debug("memory limit lifted: the live heap leaves no room in the budget", "live", live, "budget", m.budget.Load())
	} else {
		m.log.Debug("memory limit", "limit", limit, "live", live)
	}
}
