// Command ctcompare runs the ctcompare pass (see the package) over the
// packages named on its command line, like go vet:
//
//	go run ./tools/ctcompare/cmd/ctcompare ./verify/...
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/hookseal/hookseal/tools/ctcompare"
)

func main() { singlechecker.Main(ctcompare.Analyzer) }
