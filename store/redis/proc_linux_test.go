package redisstore_test

import "syscall"

// procAttr makes the kernel kill redis-server when the test binary dies,
// even when it dies without running its cleanups.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
