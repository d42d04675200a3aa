package httpd

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"testing"
	"time"
)

// sink keeps the garbage the tests make from being optimized away.
var sink []byte

// TestMemLimit: the start budget applies until serve is ready; then the
// serving budget while idle, the working one from a Busy (or from two
// collections the runtime started close together) until serve has been
// idle for the wait; a budget
// the live heap leaves no room in is lifted, and applied again once the heap
// shrinks; stop restores the limit there was; an operator's GOMEMLIMIT is
// left alone.
func TestMemLimit(t *testing.T) {
	before := limitNow()
	log := slog.New(slog.DiscardHandler)
	const wait = 50 * time.Millisecond
	work, rest := int64(3<<30-mappedReserve), int64(2<<30-mappedReserve)

	m := newMemLimit(log, 3<<30, 2<<30, wait)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	if got := limitNow(); got != work {
		t.Errorf("limit while starting = %d, want %d", got, work)
	}
	if again := newMemLimit(log, 1<<30, 1<<30, wait); again != nil {
		t.Error("a second MemLimit in the process was started")
	}
	m.Busy() // a change while starting: the start budget is the working one
	if got := limitNow(); got != work {
		t.Errorf("limit busy while starting = %d, want %d", got, work)
	}
	m.Serving()
	waitLimit(t, func(l int64) bool { return l == rest }, "the serving budget once serving and idle")

	// Busy: the working budget at once, for as long as work keeps coming.
	m.Busy()
	if got := limitNow(); got != work {
		t.Errorf("limit after Busy = %d, want %d", got, work)
	}
	last := time.Now()
	for range 10 {
		time.Sleep(wait / 5)
		// Judged only when the sleep did not overrun: the wait is short.
		if time.Since(last) < wait*3/4 {
			if got := limitNow(); got != work {
				t.Fatalf("limit %v after the last Busy = %d, want %d", time.Since(last), got, work)
			}
		}
		m.Busy()
		last = time.Now()
	}

	waitLimit(t, func(l int64) bool { return l == rest }, "the serving budget once work stopped coming")

	// Work that lasts: the working budget until it is done, then idle.
	done := m.Working()
	if got := limitNow(); got != work {
		t.Errorf("limit once Working = %d, want %d", got, work)
	}
	time.Sleep(6 * wait)
	if got := limitNow(); got != work {
		t.Errorf("limit while working, %v after the last Busy = %d, want %d", 6*wait, got, work)
	}
	done()
	done() // once only
	waitIdle(t, func(l int64) bool { return l == rest }, "the serving budget once the work was done")

	// Collections the runtime starts one after the other: busy.
	for i := 0; i < 4096 && limitNow() != work; i++ {
		sink = make([]byte, 256<<10)
	}
	sink = nil
	if got := limitNow(); got != work {
		t.Errorf("limit after 1 GiB allocated = %d, want the working budget %d", got, work)
	}
	waitLimit(t, func(l int64) bool { return l == rest }, "the serving budget once the allocations stopped")
	m.Stop()
	if got := limitNow(); got != before {
		t.Errorf("limit after stop = %d, want the one before, %d", got, before)
	}

	// A budget the live heap fills: lifted after the next collection.
	m = newMemLimit(log, mappedReserve+24<<20, mappedReserve+24<<20, wait)
	m.Serving()
	ballast := make([][]byte, 0, 64)
	for range 64 {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	waitLimit(t, func(l int64) bool { return l == math.MaxInt64 }, "lifted with a live heap over the budget")
	// Work, then idle, with the limit lifted throughout by a live heap of
	// more than twice the budget: no collection at idle, which could
	// return nothing.
	m.Busy()
	forced := forcedGCs()
	time.Sleep(6 * wait)
	if got := forcedGCs(); got != forced {
		t.Errorf("%d collections forced at idle with the limit lifted, want none", got-forced)
	}
	runtime.KeepAlive(ballast)
	ballast = nil
	waitLimit(t, func(l int64) bool { return l == 24<<20 }, "applied again once the heap shrank")
	m.Stop()

	t.Setenv("GOMEMLIMIT", "1GiB")
	if m := newMemLimit(log, 1<<30, 1<<30, wait); m != nil {
		m.Stop()
		t.Error("newMemLimit with GOMEMLIMIT set started")
	}
}

// TestMemLimitIdle: once serve is idle after work, the serving budget
// applies again, and the heap the work grew is collected and returned to
// the system down to that budget.
func TestMemLimitIdle(t *testing.T) {
	const rest = 48 << 20
	m := newMemLimit(slog.New(slog.DiscardHandler), 3<<30, mappedReserve+rest, 50*time.Millisecond)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	defer m.Stop()
	m.Serving()
	waitLimit(t, func(l int64) bool { return l == rest }, "the serving budget once serving")
	// With GOGC off, only the limit makes the runtime collect, and only the
	// limit makes it return memory.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	m.Busy()
	garbage := make([][]byte, 0, 96)
	for range 96 {
		garbage = append(garbage, make([]byte, 1<<20))
	}
	garbage[95][0] = 1
	garbage = nil
	if got := mappedNow(); got < 96<<20 {
		t.Fatalf("mapped after 96 MiB allocated while busy = %d bytes", got)
	}
	m.Busy() // again: the allocation may have outlasted the wait
	forced := forcedGCs()
	waitIdle(t, func(l int64) bool { return l == rest }, "the serving budget once idle")
	for deadline := time.Now().Add(10 * time.Second); forcedGCs() == forced && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if forcedGCs() == forced {
		t.Error("no collection once idle: an idle serve that allocates nothing would keep the garbage of its work")
	}
	returned := false
	for deadline := time.Now().Add(10 * time.Second); !returned && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		returned = mappedNow() <= rest
	}
	if !returned {
		t.Errorf("memory mapped once idle = %d bytes, want it down to the serving budget, %d", mappedNow(), rest)
	}
}

// TestMemLimitStaleLive: a live heap measured while working, too large
// for either budget, lifts the limit; once serve is idle, a collection
// finds what is live without the work's memory, and the serving budget
// applies again (a static folder's first write left serve at 650 MiB
// resident for a live heap of 220 MiB).
func TestMemLimitStaleLive(t *testing.T) {
	const rest, work = 48 << 20, 64 << 20
	m := newMemLimit(slog.New(slog.DiscardHandler), mappedReserve+work, mappedReserve+rest, 50*time.Millisecond)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	defer m.Stop()
	m.Serving()
	waitLimit(t, func(l int64) bool { return l == rest }, "the serving budget once serving")
	done := m.Working()
	held := make([][]byte, 0, 72)
	for range 72 {
		held = append(held, make([]byte, 1<<20))
	}
	runtime.GC() // while working: 72 MiB live
	// The look after a collection runs beside it (a cleanup): wait for it.
	waitIdle(t, func(l int64) bool { return l == math.MaxInt64 }, "lifted with 72 MiB live while working")
	runtime.KeepAlive(held)
	held = nil
	forced := forcedGCs()
	done()
	waitIdle(t, func(l int64) bool { return l == rest }, "the serving budget once idle after the work")
	if forcedGCs() == forced {
		t.Error("no collection once idle after work that left the limit lifted")
	}
}

// TestMemLimitRest: once a step of work is over, a collection starts when
// the heap may reach the point where the runtime would start one within the
// next two steps like it, and not otherwise.
func TestMemLimitRest(t *testing.T) {
	m := newMemLimit(slog.New(slog.DiscardHandler), 3<<30, 3<<30, time.Minute)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	defer m.Stop()
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	ballast := make([][]byte, 32)
	for i := range ballast {
		ballast[i] = make([]byte, 1<<20)
	}
	step := func(mib int) bool {
		runtime.GC() // the live heap: the ballast; the goal: twice that
		m.Busy()
		for range mib {
			sink = make([]byte, 1<<20)
		}
		sink = nil
		before := forcedGCs()
		m.Rest()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if forcedGCs() != before {
				return true
			}
			if !m.collecting.Load() {
				return false
			}
		}
		return forcedGCs() != before
	}
	if step(1) {
		t.Error("a step of 1 MiB over a live heap of 32 MiB (goal 64 MiB) made Rest collect")
	}
	if !step(8) {
		t.Error("a step of 8 MiB over a live heap of 32 MiB (goal 64 MiB) did not make Rest collect")
	}
	runtime.KeepAlive(ballast)
}

// mappedNow returns the memory the runtime has mapped and not returned.
func mappedNow() int64 {
	s := []rtmetrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	rtmetrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}

// forcedGCs returns the number of collections forced so far.
func forcedGCs() uint64 {
	s := []rtmetrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	rtmetrics.Read(s)
	return s[0].Value.Uint64()
}

// limitNow returns the memory limit in force.
func limitNow() int64 { return debug.SetMemoryLimit(-1) }

// waitLimit collects garbage until the memory limit satisfies ok, for at
// most 10 seconds.
func waitLimit(t *testing.T, ok func(int64) bool, what string) {
	t.Helper()
	waitFor(t, true, ok, what)
}

// waitIdle waits, collecting nothing, until the memory limit satisfies ok,
// for at most 10 seconds.
func waitIdle(t *testing.T, ok func(int64) bool, what string) {
	t.Helper()
	waitFor(t, false, ok, what)
}

// waitFor is waitLimit, with or without collections.
func waitFor(t *testing.T, collect bool, ok func(int64) bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if collect {
			runtime.GC()
		}
		time.Sleep(5 * time.Millisecond)
		if ok(limitNow()) {
			return
		}
	}
	t.Errorf("memory limit %d: not %s", limitNow(), what)
}
