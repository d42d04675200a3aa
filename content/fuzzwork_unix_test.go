//go:build unix

package content_test

import (
	"syscall"
	"time"
)

// workOf runs f and returns the CPU time the process spent meanwhile. Unlike
// time on the wall clock, it does not grow when other programs load the
// machine: it measures the work f did (and the garbage collection it
// caused), so a bound on it fails for a parse that does too much work, not
// for a busy machine.
func workOf(f func()) time.Duration {
	before := cpuTime()
	f()
	return cpuTime() - before
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err) // EFAULT or EINVAL: cannot happen with these arguments
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
