package ctcompare_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/hookseal/hookseal/tools/ctcompare"
)

// Package a holds every early-returning comparison the pass must report,
// each marked with its expected diagnostic, and the comparisons it must
// leave alone: hmac.Equal, crypto/subtle, a test for the zero value, a
// string comparison, and a line that opts out.
func TestAnalyzer(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), ctcompare.Analyzer, "a")
}
