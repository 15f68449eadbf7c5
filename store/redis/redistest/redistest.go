// Package redistest starts throw-away redis-server processes for tests, as
// net/http/httptest starts HTTP servers: each on a free loopback port, with
// nothing saved to disk, gone when the test ends.
//
// A test that needs Redis of its own calls [Start]:
//
//	func TestCache(t *testing.T) {
//		srv := redistest.Start(t) // skipped without redis-server
//		client := redis.NewClient(&redis.Options{Addr: srv.Addr})
//		...
//	}
//
// Tests that can share one server start it once in TestMain with
// [NewServer], and call [Unavailable] where it could not be started:
//
//	var shared *redistest.Server
//	var sharedErr error
//
//	func TestMain(m *testing.M) {
//		dir, _ := os.MkdirTemp("", "redis-")
//		shared, sharedErr = redistest.NewServer(dir)
//		code := m.Run()
//		if shared != nil {
//			shared.Kill()
//		}
//		os.RemoveAll(dir)
//		os.Exit(code)
//	}
//
//	func TestSomething(t *testing.T) {
//		if shared == nil {
//			redistest.Unavailable(t, sharedErr)
//		}
//		...
//	}
//
// A [Server] can also be killed, restarted, paused and resumed, to test how
// its clients behave through an outage or a hung server. [StartCluster]
// starts a Redis Cluster (with replicas, [Cluster.StartReplica], and a
// failover, [Cluster.KillPrimary]); [StartSentinel] a primary, a replica
// and a sentinel ([Sentinel.WaitFailover]); [StartDelayProxy] a proxy that
// adds latency in front of any of them.
//
// # Finding redis-server
//
// The binary is $HOOKSEAL_REDIS_SERVER when that is set, else
// redis-server found in PATH, /usr/bin or /usr/local/bin (the last two
// because test environments often run with a minimal PATH).
//
// Where it cannot be found or started, the tests that need it are skipped,
// so that "go test ./..." passes on a machine without Redis. Under CI=true
// they fail instead: a CI job that lost its redis-server must not pass by
// skipping every Redis test.
//
// The package uses the standard library only, so it adds nothing to a
// module's dependencies.
package redistest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvServer names the environment variable that, when set, is the path of
// the redis-server binary to run, instead of one looked up in PATH,
// /usr/bin and /usr/local/bin.
const EnvServer = "HOOKSEAL_REDIS_SERVER"

// How long a starting server has to become ready: far more than Redis needs
// (milliseconds), so that only a broken server, not a loaded machine, fails.
const startTimeout = 10 * time.Second

// How long Restart keeps trying to bind the old port again: a killed
// server's port can stay busy for a moment after it died.
const restartTimeout = 5 * time.Second

// A Server is a redis-server process on a loopback port, with an empty
// database that is never saved to disk.
//
// Its methods are safe for concurrent use.
type Server struct {
	// Addr is the server's address, "127.0.0.1:<port>", as go-redis's
	// Options.Addr takes it. It stays the same across Restart.
	Addr string

	bin, dir string
	port     int
	args     []string // further redis-server arguments

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil when not running
	exited chan struct{} // closed when cmd has exited
}

// URL returns the server's URL, "redis://127.0.0.1:<port>/0", as
// go-redis's ParseURL and most Redis clients take it.
func (s *Server) URL() string {
	return "redis://" + s.Addr + "/0"
}

// Start starts a redis-server for t alone, and kills it when t and its
// subtests have finished. Its working directory is a t.TempDir. args are
// further redis-server arguments, such as "--requirepass", "pw"; they hold
// for every start, Restart included.
//
// When redis-server cannot be found or started, Start skips t, saying why
// and how to install it, or fails t when the environment has CI=true; see
// [Unavailable].
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	s, err := NewServer(t.TempDir(), args...)
	if err != nil {
		Unavailable(t, err)
	}
	// Registered after t.TempDir's own cleanup, so it runs first: the
	// server is gone before its directory is removed.
	t.Cleanup(s.Kill)
	return s
}

// NewServer starts a redis-server on a free loopback port, running in dir,
// with the further arguments args (as [Start] takes them), and returns once
// it is ready. It is for servers that outlive a single
// test, such as one started in TestMain and shared by a package's tests;
// in a test, [Start] is simpler.
//
// dir must exist and outlive the server; the caller removes it. With
// nothing saved, Redis normally writes nothing there.
//
// The caller must call [Server.Kill] when done. On Linux the server is
// also killed if the calling process dies without doing so.
//
// The error says why redis-server could not be found or started, quoting
// its output if it ran.
func NewServer(dir string, args ...string) (*Server, error) {
	if dir == "" {
		// Redis would run in the current directory, where a stray SAVE
		// from a test would leave a dump.rdb.
		return nil, errors.New("redistest: NewServer needs a directory")
	}
	bin, err := findServer()
	if err != nil {
		return nil, err
	}
	var last error
	// A free port is only free when chosen: another process may bind it
	// before redis-server does, so a few ports are tried.
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, fmt.Errorf("redistest: choosing a port: %w", err)
		}
		s := &Server{
			Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			bin:  bin, dir: dir, port: port, args: args,
		}
		if last = s.start(); last == nil {
			return s, nil
		}
	}
	return nil, last
}

// Unavailable ends t because there is no redis-server to test against,
// err saying why: it skips t, with a message saying how to install
// redis-server, or, when the environment has CI=true, fails it, so that a
// CI job without redis-server does not pass by skipping its Redis tests.
//
// [Start] calls it itself. It is exported for tests that use a server
// shared through [NewServer], which report its error here.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		err = errors.New("no server was started")
	}
	msg := fmt.Sprintf("no redis-server to test against: %v "+
		"(install it: apt-get install redis-server, or set %s to its path)", err, EnvServer)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so the Redis tests must run")
	}
	t.Skip(msg)
}

// Kill stops the server at once (SIGKILL), as a crash or an outage would,
// and waits for it to exit. Its data is lost. Kill does nothing on a server
// that is not running; it also ends a paused one.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// Restart starts the server again on the same Addr, with an empty
// database, killing it first if it is running: clients see a server that
// went away and came back having lost everything. It keeps trying for a
// few seconds while the old port is still busy.
func (s *Server) Restart() error {
	s.Kill()
	deadline := time.Now().Add(restartTimeout)
	for {
		err := s.start()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: restarting: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Pause freezes the server (SIGSTOP) until [Server.Resume]: it keeps its
// port, and the kernel still accepts connections to it, but it answers
// nothing, like a Redis that is stuck or cut off by the network. Clients
// then see timeouts rather than refused connections.
//
// Pause needs Unix signals: elsewhere it returns an error wrapping
// [errors.ErrUnsupported], and a test can skip.
func (s *Server) Pause() error {
	return s.signal(sigStop)
}

// Resume lets a server paused by [Server.Pause] go on (SIGCONT). Requests
// sent to it meanwhile are then answered.
func (s *Server) Resume() error {
	return s.signal(sigCont)
}

func (s *Server) signal(sig os.Signal) error {
	if sig == nil {
		return fmt.Errorf("redistest: Pause and Resume need Unix signals, which %s lacks: %w",
			runtime.GOOS, errors.ErrUnsupported)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return fmt.Errorf("redistest: redis-server on %s is not running", s.Addr)
	}
	return s.cmd.Process.Signal(sig)
}

// readyLine is what redis-server logs once it listens.
const readyLine = "Ready to accept connections"

// start runs redis-server on s.port and waits until it is ready: it has
// logged readyLine and its port answers like a Redis. Both are needed. The
// port alone could be answered by another test's server that took the
// port first (ours would then fail to bind and exit); the log line alone
// could come from a process that does not serve that port.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	args := append([]string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		// Nothing on disk: each start is empty, and nothing is left behind.
		"--save", "", "--appendonly", "no", "--dir", s.dir,
	}, s.args...)
	// Last, so that args cannot hide the line start waits for.
	args = append(args, "--logfile", "", "--loglevel", "notice")
	cmd := exec.Command(s.bin, args...)
	cmd.SysProcAttr = procAttr()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited

	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(s.Addr)
		if err == nil && !strings.Contains(out.String(), readyLine) {
			err = errors.New("the port answers, but this server has not logged " + readyLine)
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("redistest: redis-server on %s was not ready within %v: %v; its output:\n%s",
				s.Addr, startTimeout, err, out)
		}
		select {
		case <-exited:
			// Typically the port was taken meanwhile, or a bad binary.
			s.cmd = nil
			return fmt.Errorf("redistest: redis-server on %s exited at start; its output:\n%s", s.Addr, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// findServer returns the redis-server to run: $HOOKSEAL_REDIS_SERVER when
// set, else the first found in PATH, /usr/bin and /usr/local/bin.
func findServer() (string, error) {
	if p := os.Getenv(EnvServer); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("redistest: %s: %w", EnvServer, err)
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
	return "", errors.New("redistest: redis-server not found in PATH, /usr/bin or /usr/local/bin")
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping sends PING over a fresh connection and expects +PONG, or -NOAUTH
// from a server started with --requirepass: either is a Redis serving. It speaks
// the inline form of the Redis protocol, which is all a PING needs, so
// that the package needs no Redis client.
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
	if got := strings.TrimSpace(line); got != "+PONG" && !strings.HasPrefix(got, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", got)
	}
	return nil
}

// syncBuffer collects a server's stdout and stderr, which exec copies from
// two goroutines, while start may read it for an error.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
