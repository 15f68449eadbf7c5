//go:build unix

package redistest

import "syscall"

// The signals behind Pause and Resume. SIGSTOP cannot be caught or
// ignored, so the server freezes whatever it is doing.
var (
	sigStop = syscall.SIGSTOP
	sigCont = syscall.SIGCONT
)
