//go:build unix

package redisstore_test

import "syscall"

// pause freezes the server (SIGSTOP): it keeps its port and accepts
// connections, but answers nothing, like a Redis stuck or cut off.
func (s *server) pause() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Signal(syscall.SIGSTOP)
}

// resume lets a paused server go on (SIGCONT).
func (s *server) resume() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Signal(syscall.SIGCONT)
}
