//go:build !race

package main

// raceEnabled says the tests run under the race detector; the churn test
// then runs a race-detecting daemon too.
const raceEnabled = false
