//go:build dropfeed_racecheck

package main

// This file is compiled only with the dropfeed_racecheck build tag, by the
// test that proves the end-to-end tests' data race check can fire
// (TestRaceCheckFires): it gives every run of the binary a data race at
// start-up. No release build uses the tag.

// racecheckCounter is written by two goroutines with nothing ordering the
// writes.
var racecheckCounter int

func init() {
	done := make(chan struct{})
	go func() {
		racecheckCounter++
		close(done)
	}()
	racecheckCounter++
	<-done
}
