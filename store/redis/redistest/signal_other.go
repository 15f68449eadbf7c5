//go:build !unix

package redistest

import "os"

// Without Unix signals a process cannot be frozen and thawed: nil makes
// Pause and Resume report errors.ErrUnsupported.
var sigStop, sigCont os.Signal
