package redistest

import "syscall"

// procAttr has the kernel kill redis-server when the process that started
// it dies, even when it dies without running its cleanups (a test binary
// killed by go test's -timeout, a crash, ^C): otherwise each such run would
// leave servers behind, holding ports.
//
// Strictly, Pdeathsig fires when the OS thread that started the server
// exits. Go only ends a thread when a goroutine exits while locked to it
// (runtime.LockOSThread), which tests rarely do; the trade is worth it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
