//go:build !linux

package buckettest

import "os/exec"

// setDeathSignal does nothing where the kernel has no parent-death signal:
// a server whose test process died must be stopped by hand.
func setDeathSignal(*exec.Cmd) {}
