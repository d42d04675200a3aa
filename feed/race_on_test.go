//go:build race

package feed

// raceEnabled says the tests run under the race detector.
const raceEnabled = true
