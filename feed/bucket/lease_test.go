package bucket_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dropfeed/dropfeed/feed/bucket"
)

// fixedClock is a clock that stands still at a time a test can move.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestLeaseHeldRenewedReleased: a lease held by one publisher is refused to
// a second until the first releases it; after a takeover the first can
// neither renew nor release.
func TestLeaseHeldRenewedReleased(t *testing.T) {
	srv := server(t)
	clock := &fixedClock{t: time.Now()}
	a, b := clockedStore(t, srv, srv.Writer, prefix(t), clock.now), clockedStore(t, srv, srv.Writer, prefix(t), clock.now)
	ctx := t.Context()

	la, err := a.AcquireLease(ctx, "host-a:1", time.Minute)
	if err != nil {
		t.Fatalf("A AcquireLease = %v", err)
	}
	if want := clock.now().Add(time.Minute).UTC(); !la.Expires.Equal(want) || la.Holder != "host-a:1" {
		t.Errorf("lease = %+v, want host-a:1 until %v", la, want)
	}
	_, err = b.AcquireLease(ctx, "host-b:2", time.Minute)
	if !errors.Is(err, bucket.ErrLeaseHeld) || !strings.Contains(err.Error(), `"host-a:1"`) {
		t.Fatalf("B AcquireLease while A holds it = %v; want ErrLeaseHeld naming host-a:1", err)
	}

	clock.add(50 * time.Second)
	if err := a.RenewLease(ctx, la, time.Minute); err != nil {
		t.Fatalf("A RenewLease = %v", err)
	}
	clock.add(50 * time.Second) // past the first expiry, within the renewed one
	if _, err := b.AcquireLease(ctx, "host-b:2", time.Minute); !errors.Is(err, bucket.ErrLeaseHeld) {
		t.Fatalf("B AcquireLease after A renewed = %v; want ErrLeaseHeld", err)
	}

	if err := a.ReleaseLease(ctx, la); err != nil {
		t.Fatalf("A ReleaseLease = %v", err)
	}
	lb, err := b.AcquireLease(ctx, "host-b:2", time.Minute)
	if err != nil {
		t.Fatalf("B AcquireLease after A released = %v", err)
	}
	if err := a.RenewLease(ctx, la, time.Minute); !errors.Is(err, bucket.ErrLeaseLost) {
		t.Errorf("A RenewLease after release and takeover = %v; want ErrLeaseLost", err)
	}
	if err := b.RenewLease(ctx, lb, time.Minute); err != nil {
		t.Errorf("B RenewLease = %v", err)
	}
}

// TestLeaseTakeoverAfterExpiry: a publisher that stopped renewing loses the
// lease to the next one once it expired, and learns so on its next renewal.
func TestLeaseTakeoverAfterExpiry(t *testing.T) {
	srv := server(t)
	clock := &fixedClock{t: time.Now()}
	a, b := clockedStore(t, srv, srv.Writer, prefix(t), clock.now), clockedStore(t, srv, srv.Writer, prefix(t), clock.now)
	ctx := t.Context()

	la, err := a.AcquireLease(ctx, "host-a:1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	clock.add(59 * time.Second)
	if _, err := b.AcquireLease(ctx, "host-b:2", time.Minute); !errors.Is(err, bucket.ErrLeaseHeld) {
		t.Fatalf("B AcquireLease before expiry = %v; want ErrLeaseHeld", err)
	}
	clock.add(2 * time.Second)
	lb, err := b.AcquireLease(ctx, "host-b:2", time.Minute)
	if err != nil {
		t.Fatalf("B AcquireLease after expiry = %v", err)
	}
	if err := a.RenewLease(ctx, la, time.Minute); !errors.Is(err, bucket.ErrLeaseLost) {
		t.Errorf("A RenewLease after B took over = %v; want ErrLeaseLost", err)
	}
	if err := a.ReleaseLease(ctx, la); !errors.Is(err, bucket.ErrLeaseLost) {
		t.Errorf("A ReleaseLease after B took over = %v; want ErrLeaseLost", err)
	}
	// A's failed attempts left B's lease alone.
	if err := b.RenewLease(ctx, lb, time.Minute); err != nil {
		t.Errorf("B RenewLease = %v", err)
	}
}

// TestLeaseRace: publishers racing for a free lease, and then for an
// expired one, get it exactly once; this holds only if the store applies
// If-None-Match and If-Match atomically.
func TestLeaseRace(t *testing.T) {
	srv := server(t)
	clock := &fixedClock{t: time.Now()}
	const n = 8
	stores := make([]*bucket.Store, n)
	for i := range stores {
		stores[i] = clockedStore(t, srv, srv.Writer, prefix(t), clock.now)
	}
	race := func() (won int, errs []error) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Go(func() {
				_, err := s.AcquireLease(t.Context(), "racer-"+string(rune('a'+i)), time.Minute)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					won++
				} else if !errors.Is(err, bucket.ErrLeaseHeld) {
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		return won, errs
	}
	for _, round := range []string{"free lease", "expired lease"} {
		won, errs := race()
		if won != 1 || len(errs) > 0 {
			t.Errorf("%s: %d of %d racers won, other errors %v; want exactly 1 and only ErrLeaseHeld", round, won, n, errs)
		}
		clock.add(2 * time.Minute)
	}
}
