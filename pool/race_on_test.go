//go:build race

package pool

// raceEnabled: under the race detector sync.Pool drops a quarter of what is
// put into it, so the per-CPU cache's order is not observable.
const raceEnabled = true
