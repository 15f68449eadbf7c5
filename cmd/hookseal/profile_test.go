package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// HOOKSEAL_CPUPROFILE's developer aid writes a profile pprof reads (gzip),
// does nothing without a path, and only reports a path it cannot create.
func TestStartCPUProfile(t *testing.T) {
	var errw bytes.Buffer
	startCPUProfile("", &errw)()
	path := filepath.Join(t.TempDir(), "cpu.pprof")
	stop := startCPUProfile(path, &errw)
	for i := 0; i < 1e6; i++ {
		_ = strings.Repeat("x", i%7)
	}
	stop()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("profile is not gzip (pprof's format): % x", b[:min(len(b), 8)])
	}
	startCPUProfile(filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.pprof"), &errw)()
	if errw.Len() == 0 || !strings.Contains(errw.String(), "HOOKSEAL_CPUPROFILE") {
		t.Errorf("an uncreatable path: stderr %q, want it reported", errw.String())
	}
}
