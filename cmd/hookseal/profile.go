package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startCPUProfile is a developer aid, not a user-facing setting: with
// HOOKSEAL_CPUPROFILE=file in the environment, main writes a CPU profile
// of the whole command to file (go tool pprof reads it), from start until
// the command returns — for listen and proxy, until SIGINT or SIGTERM has
// shut the server down. internal/loadtest -cpuprofile uses it to compare
// listen with the floor server under load. An empty path does nothing; a
// profile that cannot be started is reported on errw and the command runs
// without one. The returned function stops the profile and closes the file.
func startCPUProfile(path string, errw io.Writer) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(errw, "hookseal: HOOKSEAL_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(errw, "hookseal: HOOKSEAL_CPUPROFILE: %v\n", err)
		_ = f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(errw, "hookseal: HOOKSEAL_CPUPROFILE: %v\n", err)
		}
	}
}
