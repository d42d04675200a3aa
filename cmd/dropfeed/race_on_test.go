//go:build race

package main

import (
	"context"
	"debug/buildinfo"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// raceEnabled says the tests run under the race detector; the binary the
// end-to-end tests run is then built with it too (TestMain).
const raceEnabled = true

// TestRaceCheckFires proves that the end-to-end tests' data race check can
// fire: the binary they run is race-instrumented, and a dropfeed with a
// data race (the dropfeed_racecheck build tag adds one at start-up) stops
// at once with status raceExit and leaves its report where the harness
// (checkRace, checkAlive, TestMain) looks for it.
func TestRaceCheckFires(t *testing.T) {
	t.Parallel()
	info, err := buildinfo.ReadFile(binPath)
	if err != nil {
		t.Fatal(err)
	}
	instrumented := false
	for _, s := range info.Settings {
		instrumented = instrumented || (s.Key == "-race" && s.Value == "true")
	}
	if !instrumented {
		t.Errorf("the end-to-end tests' binary %s was built without -race: %v", binPath, info.Settings)
	}

	racy := filepath.Join(t.TempDir(), "dropfeed-racy")
	if out, err := exec.Command("go", "build", "-race", "-tags", "dropfeed_racecheck", "-o", racy, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags dropfeed_racecheck: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	// serve runs until it is stopped: only the race detector ends it here.
	cmd := exec.CommandContext(ctx, racy, "serve", "-addr", "127.0.0.1:0", "-content", t.TempDir(),
		"-state", filepath.Join(t.TempDir(), "state.db"))
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("the racy dropfeed did not stop at its data race (GORACE halt_on_error):\n%s", out)
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != raceExit {
		t.Errorf("the racy dropfeed ended with %v, want exit status %d:\n%s", err, raceExit, out)
	}
	r := raceReport(cmd.Process.Pid)
	if !strings.Contains(r, "WARNING: DATA RACE") || !strings.Contains(r, "racecheck.go") {
		t.Fatalf("no data race report for the racy dropfeed (pid %d) in %s; got %q", cmd.Process.Pid, raceDir, r)
	}
}
