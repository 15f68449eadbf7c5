//go:build !linux

package redistest

import "syscall"

// procAttr: only Linux can tie a child's life to its parent's (Pdeathsig);
// elsewhere a server outlives a test binary that dies without cleaning up.
func procAttr() *syscall.SysProcAttr { return nil }
