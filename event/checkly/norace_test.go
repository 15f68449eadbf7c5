//go:build !race

package checkly

const raceEnabled = false
