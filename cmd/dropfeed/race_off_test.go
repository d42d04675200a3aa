//go:build !race

package main

// raceEnabled says the tests run under the race detector; the binary the
// end-to-end tests run is then built with it too (TestMain).
const raceEnabled = false
