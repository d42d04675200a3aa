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
	"time"
)

// serve's memory budgets: what it should take resident while it serves
// (256 MiB), and at most while it starts or works through changes (352
// MiB; reading and parsing every file of a folder makes a lot of
// short-lived garbage). Each counts the Go runtime's memory (the heap,
// stacks and the runtime's own) and what is mapped beside it: the binary
// (about 15 MiB), and the state file while it is read or written, for which
// the start keeps 32 MiB of its budget.
const (
	servingBudget = 256 << 20
	startBudget   = 352 << 20
	mappedReserve = 24 << 20 // the binary's text and data, and a margin
)

// idleAfter is how long serve must have had no work before the serving
// budget applies again; busyGCGap is how close two collections the runtime
// started on its own must come for serve to count as busy (requests that
// allocate, a static folder being written).
const (
	idleAfter = time.Second
	busyGCGap = time.Second
)

// A soft memory limit makes the garbage collector keep the heap within a
// budget instead of letting it grow to twice what it found live (GOGC=100),
// and makes the runtime return the memory it freed above it to the system
// promptly instead of over minutes: after a start over 100,000 articles,
// the heap the start left behind was kept resident (675 MiB for a live
// heap of 247 MiB). But a limit the live heap comes near makes the
// collector run again and again for little (it gives it up to half the
// CPU): at 100,000 articles (a live heap of 200 MiB under a limit of 232
// MiB) a collection of the whole heap came every second or third change,
// and drop -> served went from p50 62 / p99 73 ms to 106 / 156 ms.
//
// So the budget depends on what serve is doing. While it works (a change,
// a rescan, a reload; collections coming often), the larger start budget
// applies, and a change's garbage (about 5 MB at 100,000 articles) is
// collected every ten changes or so, not every other one; the collection
// starts once a change is published (see Rest), not in the middle of the
// next one. Once serve has been idle for idleAfter, the serving budget
// applies again and a collection runs, after which the runtime returns
// the memory above the budget to the system (its scavenger, over a few
// seconds). The memory below the budget stays mapped: handed back, the
// next changes fault it in again page by page, and on this project's
// 2-core virtual machine that made a rebuild at 100,000 articles take 35
// ms instead of 10 for the first changes after each idle spell
// (debug.FreeOSMemory, tried at idle, did that). Either budget is applied
// only while the live heap leaves room in it (the heap the last collection
// found live at most seven eighths of a working budget, fifteen sixteenths
// of the idle one: an idle serve allocates little, and allocating makes it
// busy); past that the limit is lifted and GOGC alone paces the collector,
// as without one. The live heap is looked at after every collection (and
// Go collects at least every two minutes).
//
// MemLimit applies startBudget until serve is ready (the first build), then
// moves between the two. An operator's GOMEMLIMIT is left alone.
type MemLimit struct {
	log      *slog.Logger
	work     int64 // the budget while starting or busy
	rest     int64 // the budget while idle, once serving
	idleWait time.Duration
	serving  atomic.Bool
	stopped  atomic.Bool
	prev     int64 // the limit before, restored at stop

	mu        sync.Mutex
	limit     int64       // the limit set last
	busy      bool        // serve has had work within idleWait
	working   int         // work going on (see Working)
	busyUntil time.Time   // when it counts as idle, if nothing comes
	idle      *time.Timer // fires at busyUntil (or later)
	autoGCs   uint64      // collections the runtime started, at the last look
	autoAt    time.Time   // when their count last went up
	sample    []rtmetrics.Sample
	heap      []rtmetrics.Sample // allocated so far, the heap now, its goal, live (see Rest)
	stepFrom  uint64             // bytes allocated so far when the step began
	stopOnce  sync.Once

	collecting atomic.Bool // a collection Rest started is running

	// staleLive is set when the live heap the last collection found was
	// measured while serve was starting or working: it counts what the
	// work held then (the first write of a static folder, hundreds of MB
	// at 100,000 articles), not what serve keeps once idle.
	staleLive bool
}

// memLimitOn keeps one MemLimit per process: the limit is process-wide
// (tests run several serves in one process).
var memLimitOn atomic.Bool

// StartMemLimit begins keeping the memory limit, with the start budget; it
// returns the MemLimit (nil when GOMEMLIMIT is set, or one runs already),
// whose methods are safe on nil.
func StartMemLimit(log *slog.Logger) *MemLimit {
	return newMemLimit(log, startBudget, servingBudget, idleAfter)
}

// newMemLimit is StartMemLimit with budgets and an idle wait of its own.
func newMemLimit(log *slog.Logger, work, rest int64, idleWait time.Duration) *MemLimit {
	if os.Getenv("GOMEMLIMIT") != "" || !memLimitOn.CompareAndSwap(false, true) {
		return nil
	}
	m := &MemLimit{log: log, work: work, rest: rest, idleWait: idleWait, prev: debug.SetMemoryLimit(-1), limit: -1,
		sample: []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/automatic:gc-cycles"}},
		heap:   []rtmetrics.Sample{{Name: "/gc/heap/allocs:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}}
	m.idle = time.AfterFunc(time.Hour, m.checkIdle)
	m.idle.Stop()
	m.mu.Lock()
	m.adjustLocked()
	m.mu.Unlock()
	m.arm()
	return m
}

// Serving moves to the serving budgets, once serve is ready: unless work
// came meanwhile, the idle one applies and the heap the start left behind
// is collected (the last collection of the start saw the garbage of its
// last steps as live).
func (m *MemLimit) Serving() {
	if m == nil || m.serving.Swap(true) {
		return
	}
	m.mu.Lock()
	busy := m.busy
	m.adjustLocked()
	m.mu.Unlock()
	if !busy {
		runtime.GC()
	}
}

// Busy tells that serve begins a step of work (a change to rebuild): the
// working budget applies until it has been idle for idleWait.
func (m *MemLimit) Busy() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.busyLocked(time.Now())
	rtmetrics.Read(m.heap[:1])
	m.stepFrom = m.heap[0].Value.Uint64()
	m.mu.Unlock()
}

// Rest tells that the step Busy began is over (its result published), and
// that the next one waits for files to change and for the quiet window
// after them: when the heap may reach the point where the runtime starts a
// collection within the next two steps like it, the collection starts now,
// beside that wait, rather than in the middle of the next rebuild (where,
// at 100,000 articles, it made a 10 ms rebuild take 20-40 ms). The runtime
// starts a collection once the heap has grown from the live heap by 70% to
// 95% of the way to its goal (the pacer's bounds); Rest takes the earliest.
func (m *MemLimit) Rest() {
	if m == nil {
		return
	}
	m.mu.Lock()
	rtmetrics.Read(m.heap)
	step := m.heap[0].Value.Uint64() - m.stepFrom
	heap, goal, live := m.heap[1].Value.Uint64(), m.heap[2].Value.Uint64(), m.heap[3].Value.Uint64()
	m.mu.Unlock()
	trigger := live + (goal-min(goal, live))/10*7
	if heap+2*step < trigger || !m.collecting.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer m.collecting.Store(false)
		runtime.GC()
	}()
}

// Working tells that serve begins work that may last (writing a static
// folder: minutes at a first start over 100,000 articles): the working
// budget applies until idleWait after the returned function is called.
func (m *MemLimit) Working() (done func()) {
	if m == nil {
		return func() {}
	}
	m.mu.Lock()
	m.working++
	m.busyLocked(time.Now())
	m.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			m.working--
			m.busyUntil = time.Now().Add(m.idleWait)
			m.mu.Unlock()
		})
	}
}

// busyLocked marks serve busy until idleWait after now.
func (m *MemLimit) busyLocked(now time.Time) {
	m.busyUntil = now.Add(m.idleWait)
	if m.busy {
		return // the timer, armed, looks at busyUntil when it fires
	}
	m.busy = true
	m.idle.Reset(m.idleWait)
	m.adjustLocked()
}

// checkIdle runs when the idle timer fires: serve is idle if no work came
// since it was armed and none is going on; then the idle budget applies,
// and when that lowered the limit, a collection makes the runtime return
// what the work's heap took above it (its scavenger, paced, over seconds).
// The memory below it stays mapped: released, the next change's garbage
// would fault it in again, page by page, at a cost measured at 25 ms per
// rebuild at 100,000 articles.
func (m *MemLimit) checkIdle() {
	m.mu.Lock()
	if left := time.Until(m.busyUntil); (left > 0 || m.working > 0) && !m.stopped.Load() {
		m.idle.Reset(max(left, m.idleWait))
		m.mu.Unlock()
		return
	}
	m.busy = false
	before := m.limit
	m.adjustLocked()
	// Collected when the limit came down, and when the serving budget does
	// not apply because of a live heap measured while working that may fit
	// in it once the work's own memory is gone (within twice the budget):
	// without that collection, the limit stayed lifted and serve kept the
	// 650 MiB of a static folder's first write resident at 100,000
	// articles. Not otherwise: with a heap too large for the serving
	// budget (1,000,000 articles), a collection would return nothing, and
	// take seconds of both cores that a change may need.
	rest := m.rest - mappedReserve
	collect := m.serving.Load() && !m.stopped.Load() &&
		(m.limit < before || m.limit != rest && m.staleLive && m.liveLocked() <= 2*rest)
	m.mu.Unlock()
	if collect {
		runtime.GC()
	}
}

// Stop restores the limit there was before, and stops looking.
func (m *MemLimit) Stop() {
	if m == nil {
		return
	}
	m.stopOnce.Do(func() {
		m.stopped.Store(true)
		m.mu.Lock()
		m.idle.Stop()
		debug.SetMemoryLimit(m.prev)
		m.mu.Unlock()
		memLimitOn.Store(false)
	})
}

// gcTick is an object made only to be collected: its cleanup runs after the
// collection that found it unreachable. (It holds a pointer, so that it is
// never batched with other small objects, whose cleanups may not run.)
type gcTick struct{ _ *byte }

// arm has afterGC run after the next collection, and arm again then.
func (m *MemLimit) arm() {
	runtime.AddCleanup(&gcTick{}, func(m *MemLimit) {
		if !m.stopped.Load() {
			m.afterGC()
			m.arm()
		}
	}, m)
}

// afterGC looks at the live heap after a collection, and counts serve busy
// when the runtime started two collections within busyGCGap.
func (m *MemLimit) afterGC() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.adjustLocked() // reads the sample
	m.staleLive = m.busy || !m.serving.Load()
	now := time.Now()
	if v := m.sample[1].Value; v.Kind() == rtmetrics.KindUint64 && v.Uint64() > m.autoGCs {
		if m.autoGCs > 0 && now.Sub(m.autoAt) < busyGCGap && m.serving.Load() {
			m.busyLocked(now)
		}
		m.autoGCs, m.autoAt = v.Uint64(), now
	}
}

// liveLocked returns the live heap in the sample read last.
func (m *MemLimit) liveLocked() int64 {
	if v := m.sample[0].Value; v.Kind() == rtmetrics.KindUint64 {
		return int64(v.Uint64())
	}
	return 0
}

// adjustLocked applies the budget in force when the live heap leaves room
// in it, and lifts the limit when it does not.
func (m *MemLimit) adjustLocked() {
	if m.stopped.Load() {
		return
	}
	rtmetrics.Read(m.sample)
	live := m.liveLocked()
	limit := int64(math.MaxInt64)
	if rest := m.rest - mappedReserve; m.serving.Load() && !m.busy && live <= rest/16*15 {
		limit = rest
	} else if work := m.work - mappedReserve; live <= work/8*7 {
		limit = work
	}
	if limit == m.limit {
		return
	}
	debug.SetMemoryLimit(limit)
	m.limit = limit
	if limit == math.MaxInt64 {
		m.log.Debug("memory limit lifted: the live heap leaves no room in the budget", "live", live)
	} else {
		m.log.Debug("memory limit", "limit", limit, "live", live, "busy", m.busy)
	}
}
