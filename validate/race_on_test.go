//go:build race

package validate

// raceSlowdown scales the time bounds of the hostile-input tests: the race
// detector makes reading about ten times slower.
const raceSlowdown = 10
