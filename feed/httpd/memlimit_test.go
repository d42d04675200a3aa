package httpd

import (
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

// TestMemLimit: the start budget applies until serve is ready, then the
// Serving one; a budget the live heap leaves no room in is lifted, and
// applied again once the heap shrinks; stop restores the limit there was;
// an operator's GOMEMLIMIT is left alone.
func TestMemLimit(t *testing.T) {
	limit := func() int64 { return debug.SetMemoryLimit(-1) }
	before := limit()
	log := slog.New(slog.DiscardHandler)

	m := newMemLimit(log, 3<<30, 2<<30)
	if m == nil {
		t.Fatal("newMemLimit = nil without GOMEMLIMIT")
	}
	if got, want := limit(), int64(3<<30-mappedReserve); got != want {
		t.Errorf("limit while starting = %d, want %d", got, want)
	}
	if again := newMemLimit(log, 1<<30, 1<<30); again != nil {
		t.Error("a second MemLimit in the process was started")
	}
	m.Serving()
	if got, want := limit(), int64(2<<30-mappedReserve); got != want {
		t.Errorf("limit once serving = %d, want %d", got, want)
	}

	// A budget the live heap fills: lifted after the next collection.
	m.next = mappedReserve + 64<<20
	m.budget.Store(0)
	m.Serving()
	ballast := make([][]byte, 0, 64)
	for range 64 {
		ballast = append(ballast, make([]byte, 1<<20))
	}
	waitLimit(t, func(l int64) bool { return l == math.MaxInt64 }, "lifted with a live heap over 7/8 of the budget")
	runtime.KeepAlive(ballast)
	ballast = nil
	waitLimit(t, func(l int64) bool { return l == 64<<20 }, "applied again once the heap shrank")

	m.Stop()
	if got := limit(); got != before {
		t.Errorf("limit after stop = %d, want the one before, %d", got, before)
	}
	t.Setenv("GOMEMLIMIT", "1GiB")
	if m := newMemLimit(log, 1<<30, 1<<30); m != nil {
		m.Stop()
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
