package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A Sentinel is a primary, a replica and a sentinel watching them, all
// throw-away processes on loopback ports: the smallest Redis Sentinel
// deployment in which a failover can happen. One sentinel, with a quorum
// of 1, decides alone (production runs three or more, so that one
// sentinel cut off cannot fail a healthy primary over); it judges the
// primary down after 1 s without an answer (down-after-milliseconds), so
// a failover completes within a few seconds.
type Sentinel struct {
	// Name is the name the sentinel monitors the primary under.
	Name string
	// Addr is the sentinel's address, as go-redis's
	// FailoverOptions.SentinelAddrs takes it.
	Addr string
	// Primary and Replica are the data servers at start; after a
	// failover, Replica is the primary.
	Primary, Replica *Server

	sentinel *Server
}

// URL returns the deployment's URL in the form redisstore.ParseURL
// reads: redis+sentinel://<sentinel>/<name>/0.
func (s *Sentinel) URL() string {
	return "redis+sentinel://" + s.Addr + "/" + s.Name + "/0"
}

// StartSentinel starts a primary, a replica of it and a sentinel
// monitoring them as name, for t alone, and kills them all when t and its
// subtests have finished. args are further redis-server arguments for the
// primary and the replica. It returns once the sentinel knows the primary
// and its replica.
//
// When redis-server cannot be found or started, StartSentinel skips t (or
// fails it under CI=true), as [Start] does.
func StartSentinel(t testing.TB, name string, args ...string) *Sentinel {
	t.Helper()
	primary := Start(t, args...)
	replica := StartReplica(t, primary, args...)
	dir := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\n"+
		"sentinel down-after-milliseconds %s 1000\n"+
		"sentinel failover-timeout %s 5000\n"+
		"sentinel parallel-syncs %s 1\n", port, dir, name, primary.port, name, name, name)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), bin: primary.bin, dir: dir, port: port}
	if err := s.startSentinel(conf); err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(s.Kill)
	st := &Sentinel{Name: name, Addr: s.Addr, Primary: primary, Replica: replica, sentinel: s}
	deadline := time.Now().Add(settleTimeout)
	for {
		reply, err := doArray(s.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", name)
		if err == nil && len(reply) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: the sentinel does not know %s within %v: %v", name, settleTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return st
}

// startSentinel runs redis-server in sentinel mode with conf, which it
// rewrites as it learns the deployment, and waits until it answers PING.
func (s *Server) startSentinel(conf string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin, conf, "--sentinel", "--logfile", "", "--loglevel", "notice")
	cmd.SysProcAttr = procAttr()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting %s --sentinel: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited = cmd, exited
	deadline := time.Now().Add(startTimeout)
	for {
		err := ping(s.Addr)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("redistest: the sentinel on %s was not ready within %v: %v; its output:\n%s", s.Addr, startTimeout, err, out)
		}
		select {
		case <-exited:
			s.cmd = nil
			return fmt.Errorf("redistest: the sentinel on %s exited at start; its output:\n%s", s.Addr, out)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitFailover waits, up to timeout, until the sentinel names Replica as
// the primary (after Primary was killed or paused), and returns when it
// saw that.
func (s *Sentinel) WaitFailover(timeout time.Duration) (time.Time, error) {
	want := strconv.Itoa(s.Replica.port)
	deadline := time.Now().Add(timeout)
	for {
		reply, err := doArray(s.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.Name)
		if err == nil && len(reply) == 2 && reply[1] == want {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("redistest: no failover to %s within %v: %v %v", s.Replica.Addr, timeout, reply, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// KillPrimary kills c's primary that serves key (SIGKILL, as a crash),
// and waits, up to timeout, until its replica (started with
// [Cluster.StartReplica]) has been promoted and reports the cluster
// healthy. It returns the replica and when it saw the promotion.
func (c *Cluster) KillPrimary(primary, replica *Server, timeout time.Duration) (time.Time, error) {
	primary.Kill()
	deadline := time.Now().Add(timeout)
	for {
		role, err := do(replica.Addr, "INFO", "replication")
		if err == nil && strings.Contains(role, "role:master") {
			info, ierr := do(replica.Addr, "CLUSTER", "INFO")
			if ierr == nil && strings.Contains(info, "cluster_state:ok") {
				return time.Now(), nil
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("redistest: %s was not promoted within %v: %v", replica.Addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// doArray sends one command to addr over a fresh connection and reads an
// array of bulk or simple strings in reply (nil for a null array).
func doArray(addr string, args ...string) ([]string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		if strings.HasPrefix(line, "-") {
			return nil, errors.New(line[1:])
		}
		return nil, fmt.Errorf("unexpected reply %q", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n < 0 {
		return nil, err
	}
	out := make([]string, n)
	for i := range out {
		if out[i], err = readReply(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
