//go:build !unix

package content_test

import "time"

// workOf runs f and returns how long it took: without getrusage, time on
// the wall clock stands in for the work f did.
func workOf(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}
