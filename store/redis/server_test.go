package redisstore_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tests run against a real redis-server started for them: one shared
// by most tests (started in TestMain), and private ones for the tests that
// stop, pause or restart theirs. Without redis-server those tests are
// skipped, except under CI=true, where they fail.

// shared is the server most tests use; nil when none could be started,
// with sharedErr saying why.
var (
	shared    *server
	sharedErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hookseal-redis-")
	if err != nil {
		sharedErr = err
	} else {
		shared, sharedErr = startServer(dir)
	}
	code := m.Run()
	if shared != nil {
		shared.kill()
	}
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// needRedis returns the shared server, or skips the test (fails it when
// CI=true) when there is none.
func needRedis(t testing.TB) *server {
	t.Helper()
	if shared == nil {
		unavailable(t, sharedErr)
	}
	return shared
}

// privateRedis starts a server for t alone, killed when t ends.
func privateRedis(t testing.TB) *server {
	t.Helper()
	needRedis(t)
	s, err := startServer(t.TempDir())
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(s.kill)
	return s
}

func unavailable(t testing.TB, err error) {
	t.Helper()
	msg := fmt.Sprintf("no redis-server to test against: %v (install it: apt-get install redis-server)", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// server is a redis-server process on a loopback port.
type server struct {
	bin, dir string
	port     int
	addr     string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	out    *bytes.Buffer // its output, for errors
}

// findServer looks for redis-server: $HOOKSEAL_REDIS_SERVER when set,
// else in PATH, /usr/bin and /usr/local/bin.
func findServer() (string, error) {
	if p := os.Getenv("HOOKSEAL_REDIS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("HOOKSEAL_REDIS_SERVER: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("redis-server not found in PATH, /usr/bin or /usr/local/bin")
}

// startServer starts redis-server on a free loopback port, keeping its
// (empty) working files in dir.
func startServer(dir string) (*server, error) {
	bin, err := findServer()
	if err != nil {
		return nil, err
	}
	var last error
	for range 3 { // another process may take the free port first
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &server{bin: bin, dir: dir, port: port, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
		if last = s.start(); last == nil {
			return s, nil
		}
	}
	return nil, last
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start runs the server on s.port and waits until it answers PING.
func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	cmd.SysProcAttr = procAttr() // killed with the test binary
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = lockedWriter(out), lockedWriter(out)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited, s.out = cmd, exited, out

	deadline := time.Now().Add(10 * time.Second)
	for {
		if err := ping(s.addr); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("redis-server on %s did not answer PING within 10s: %v; output:\n%s", s.addr, err, s.output())
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on %s exited at start; output:\n%s", s.addr, s.output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill stops the server at once (SIGKILL), as a crash or an outage would.
func (s *server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// restart starts the server again on the same port, empty.
func (s *server) restart(t testing.TB) {
	t.Helper()
	var err error
	for range 50 { // the port may linger briefly after the kill
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("restarting redis-server on %s: %v", s.addr, err)
}

func (s *server) output() string {
	outMu.Lock()
	defer outMu.Unlock()
	return s.out.String()
}

// ping sends PING over a fresh connection and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

var outMu sync.Mutex

type lockedBuffer struct{ b *bytes.Buffer }

func (w lockedBuffer) Write(p []byte) (int, error) {
	outMu.Lock()
	defer outMu.Unlock()
	return w.b.Write(p)
}

func lockedWriter(b *bytes.Buffer) lockedBuffer { return lockedBuffer{b} }

// newClient returns a client of addr with go-redis's default options,
// closed when t ends.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// uniquePrefix is a key prefix no other test or run uses.
func uniquePrefix(t testing.TB) string {
	return "hookseal-test:" + t.Name() + ":" + rand.Text()[:8] + ":"
}
