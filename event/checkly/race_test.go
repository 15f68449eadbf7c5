//go:build race

package checkly

// raceEnabled says the race detector is on: it allocates where a plain
// build does not, so allocation counts are not checked under it.
const raceEnabled = true
