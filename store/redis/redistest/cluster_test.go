package redistest_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hookseal/hookseal/store/redis/redistest"
)

func TestStartCluster(t *testing.T) {
	t.Parallel() // its own cluster: its start-up waits for gossip beside the other
	var addrs []string
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t, 3)
		addrs = c.Addrs
		if len(c.Addrs) != 3 || len(c.Servers) != 3 {
			t.Fatalf("Addrs %v, %d servers; want 3 primaries", c.Addrs, len(c.Servers))
		}
		for _, s := range c.Servers {
			if got, err := send(s.Addr, "CLUSTER INFO", 2*time.Second); err != nil || !strings.HasPrefix(got, "$") {
				t.Fatalf("CLUSTER INFO to %s = %q, %v", s.Addr, got, err)
			}
		}
		// Each key is served by the primary PrimaryFor names, and only there.
		seen := map[string]bool{}
		for _, key := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
			p, err := c.PrimaryFor(key)
			if err != nil {
				t.Fatal(err)
			}
			seen[p.Addr] = true
			want(t, p.Addr, "SET "+key+" v", "+OK")
			for _, s := range c.Servers {
				if s != p {
					if got, _ := send(s.Addr, "GET "+key, 2*time.Second); !strings.HasPrefix(got, "-MOVED") {
						t.Errorf("GET %s on %s, not its primary = %q, want -MOVED", key, s.Addr, got)
					}
				}
			}
		}
		if len(seen) < 2 {
			t.Errorf("eight keys all on %v", seen)
		}
	})
	for _, addr := range addrs {
		if got, err := send(addr, "PING", time.Second); err == nil {
			t.Fatalf("PING to %s after the test ended = %q, want no answer", addr, got)
		}
	}
}

func TestClusterStartReplica(t *testing.T) {
	t.Parallel() // its own cluster: its start-up waits for gossip beside the other
	c := redistest.StartCluster(t, 2)
	p, err := c.PrimaryFor("k")
	if err != nil {
		t.Fatal(err)
	}
	r := c.StartReplica(t, p)
	want(t, p.Addr, "SET k v", "+OK")
	replicated(t, r.Addr, "k")
	if got, err := send(r.Addr, "ROLE", 2*time.Second); err != nil || got != "*5" {
		t.Fatalf("ROLE of the replica = %q, %v; want a replica's five-element answer", got, err)
	}
}

func TestStartReplica(t *testing.T) {
	p := redistest.Start(t)
	r := redistest.StartReplica(t, p)
	want(t, p.Addr, "SET k v", "+OK")
	replicated(t, r.Addr, "k")
	if got, _ := send(r.Addr, "SET k w", 2*time.Second); !strings.HasPrefix(got, "-READONLY") {
		t.Errorf("SET on the replica = %q, want -READONLY", got)
	}
}

// replicated waits until the replica at addr has key. (WAIT would need the
// connection that wrote it; send opens one per command.)
func replicated(t *testing.T, addr, key string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// READONLY first: a cluster replica serves reads only when asked.
		got, err := sendAll(addr, 2*time.Second, "READONLY", "EXISTS "+key)
		if err == nil && got == ":1" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica %s does not have %s: %q, %v", addr, key, got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// sendAll sends inline commands to addr over one connection and returns
// the first line of the last reply; every reply but the last must be one
// line.
func sendAll(addr string, timeout time.Duration, commands ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReader(c)
	var line string
	for _, cmd := range commands {
		if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
			return "", err
		}
		if line, err = r.ReadString('\n'); err != nil {
			return "", err
		}
	}
	return strings.TrimSpace(line), nil
}
