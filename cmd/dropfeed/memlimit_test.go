package main

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestMemLimit: the start budget applies until serve is ready, with GOGC
// off, then the serving one, with GOGC as it was; a budget the live heap
// leaves no room in is lifted, and applied again once the heap shrinks;
// stop restores the limit there was; an operator's GOMEMLIMIT is left
// alone.
func TestMemLimit(t *testing.T) {
	if memLimitOn.Load() {
		t.Fatal("a serve of another test still keeps the memory limit")
	}
	t.Setenv("GOGC", "") // as when it is not set
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	gcPercent := func() int {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		return p
	}
	before, beforeGC := limit(), gcPercent()
	log := slog.New(slog.DiscardHandler)

	m := newMemLimit(log, 3<<30, 2<<30)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	if got, want := limit(), int64(3<<30-mappedReserve); got != want {
		t.Errorf("limit while starting = %d, want %d", got, want)
	}
	if got := gcPercent(); got != -1 {
		t.Errorf("GOGC while starting under a limit = %d, want off (-1)", got)
	}
	if again := newMemLimit(log, 1<<30, 1<<30); again != nil {
		t.Error("a second memLimit in the process was started")
	}
	m.serving()
	if got, want := limit(), int64(2<<30-mappedReserve); got != want {
		t.Errorf("limit once serving = %d, want %d", got, want)
	}
	if got := gcPercent(); got != beforeGC {
		t.Errorf("GOGC once serving = %d, want %d as before", got, beforeGC)
	}

	// A budget the live heap fills: lifted after the next collection.
	// (serving moves to the serving budget once only: set it here.)
	m.budget.Store(mappedReserve + 64<<20)
	m.serving()
	if got := gcPercent(); got != beforeGC {
		t.Errorf("GOGC after a second serving = %d, want %d", got, beforeGC)
	}
	ballast := make([][]byte, 0, 64)
	for range 64 {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	waitLimit(t, func(l int64) bool { return l == math.MaxInt64 }, "lifted with a live heap over 7/8 of the budget")
	runtime.KeepAlive(ballast)
	ballast = nil
	waitLimit(t, func(l int64) bool { return l == 64<<20 }, "applied again once the heap shrank")

	m.stop()
	if got := limit(); got != before {
		t.Errorf("limit after stop = %d, want the one before, %d", got, before)
	}

	// A start whose live heap fills the budget: GOGC back on with the
	// limit lifted, and back as it was after stop.
	m = newMemLimit(log, mappedReserve+64<<20, mappedReserve+64<<20)
	ballast = make([][]byte, 0, 64)
	for range 64 {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	waitLimit(t, func(l int64) bool { return l == math.MaxInt64 }, "lifted while starting")
	if got := gcPercent(); got != beforeGC {
		t.Errorf("GOGC with the start budget lifted = %d, want %d", got, beforeGC)
	}
	runtime.KeepAlive(ballast)
	m.stop()
	if got := gcPercent(); got != beforeGC {
		t.Errorf("GOGC after stop = %d, want %d", got, beforeGC)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if m := newMemLimit(log, 1<<30, 1<<30); m != nil {
		m.stop()
		t.Error("newMemLimit with GOMEMLIMIT set started")
	}
}

// waitLimit collects garbage until the memory limit satisfies ok, for at
// most 100 collections.
func waitLimit(t *testing.T, ok func(int64) bool, what string) {
	t.Helper()
	for range 100 {
		runtime.GC()
		runtime.Gosched()
		if l := debug.SetMemoryLimit(-1); ok(l) {
			return
		}
	}
	t.Errorf("memory limit %d: not %s", debug.SetMemoryLimit(-1), what)
}
