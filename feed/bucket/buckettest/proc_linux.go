package buckettest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill the server when the test process dies
// without stopping it (a panic, a timeout, a kill).
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
