//go:build race

package sandbox

// raceEnabled: the race detector's runtime cannot live within a worker's
// limits, so the crash tests say nothing under it.
const raceEnabled = true
