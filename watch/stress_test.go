//go:build stress

package watch

import (
	"fmt"
	"testing"
)

// TestStressBurst creates 20,000 files in 200 new directories as fast as
// it can. Every file must be reported by path, or a Rescan must cover it
// (a batch of more than a thousand paths becomes one). Run it with
// go test -tags stress -run Stress ./watch/.
func TestStressBurst(t *testing.T) {
	c := startReal(t, Config{Rescan: -1})
	since := c.mark()
	var all []string
	for d := range 200 {
		for f := range 100 {
			all = append(all, fmt.Sprintf("d%03d/f%03d.md", d, f))
		}
	}
	mkfiles(t, c.root, all...)
	c.waitFor("every file reported or rescanned", func() bool {
		if c.rescans(since) > 0 {
			return true
		}
		got := c.paths(since)
		for _, p := range all {
			if !got[p] {
				return false
			}
		}
		return true
	})
	// Run is still alive and reporting: a new file shows up by path, or in
	// a Rescan made after it was created.
	after := c.mark()
	mkfiles(t, c.root, "after.md")
	c.waitFor("after.md reported", func() bool { return c.paths(after)["after.md"] || c.rescans(after) > 0 })
}
