package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hashSlots is how many hash slots a Redis Cluster has.
const hashSlots = 16384

// How long a cluster has to agree that every slot is served, and a replica
// to finish its first sync: far more than Redis needs on loopback (a
// second or two), so that only a broken setup fails.
const settleTimeout = 20 * time.Second

// A Cluster is a Redis Cluster of throw-away redis-server processes on
// loopback ports, with nothing saved to disk. Its primaries share the hash
// slots evenly: Servers[i] serves the i-th share.
//
// Clusters need Redis 7 or later (each node's bus port is chosen with
// --cluster-port, which Redis 7 introduced).
type Cluster struct {
	// Addrs are the primaries' addresses, as go-redis's
	// ClusterOptions.Addrs takes them.
	Addrs []string
	// Servers are the primaries, in the order of Addrs.
	Servers []*Server

	args     []string
	replicas []*Server
	bus      map[*Server]int // each node's cluster bus port
}

// StartCluster starts a Redis Cluster of n primaries (at least 1) for t
// alone, and kills it when t and its subtests have finished. args are
// further redis-server arguments for every node. It returns once every
// node agrees that every slot is served.
//
// When redis-server cannot be found or started, StartCluster skips t (or
// fails it under CI=true), as [Start] does.
func StartCluster(t testing.TB, n int, args ...string) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("redistest: StartCluster needs at least one primary, got %d", n)
	}
	c := &Cluster{args: args, bus: map[*Server]int{}}
	dirs := make([]string, n)
	for i := range dirs {
		dirs[i] = t.TempDir()
	}
	// Registered after the directories' cleanup, so it runs first: the
	// nodes are gone before their directories are removed.
	t.Cleanup(c.Kill)
	// The nodes start side by side: each waits for its own process.
	nodes := make([]*Server, n)
	buses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, dir := range dirs {
		wg.Go(func() { nodes[i], buses[i], errs[i] = startNode(dir, args) })
	}
	wg.Wait()
	for i, s := range nodes {
		if s != nil { // added before any error is reported, so Kill stops it
			c.bus[s] = buses[i]
			c.Servers = append(c.Servers, s)
			c.Addrs = append(c.Addrs, s.Addr)
		}
	}
	for _, err := range errs {
		if err != nil {
			Unavailable(t, err)
		}
	}
	if err := c.form(); err != nil {
		t.Fatal(err)
	}
	return c
}

// newNode starts a redis-server in cluster mode, running in dir, with a
// cluster bus port of its own.
func (c *Cluster) newNode(dir string) (*Server, error) {
	s, bus, err := startNode(dir, c.args)
	if err != nil {
		return nil, err
	}
	c.bus[s] = bus
	return s, nil
}

// startNode starts a redis-server in cluster mode, running in dir, with
// the further arguments args, and returns it and its cluster bus port.
//
// Like the client port (see NewServer), the bus port is only free when
// chosen: with tests starting servers in parallel, another may bind it
// first, and redis-server then exits ("bind: Address already in use" on
// the cluster port), however many client ports NewServer tries. So a few
// bus ports are tried too.
func startNode(dir string, args []string) (*Server, int, error) {
	var last error
	for range 3 {
		bus, err := freePort()
		if err != nil {
			return nil, 0, fmt.Errorf("redistest: choosing a cluster bus port: %w", err)
		}
		s, err := NewServer(dir, append([]string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", strconv.Itoa(bus), "--cluster-node-timeout", "5000",
		}, args...)...)
		if err == nil {
			return s, bus, nil
		}
		last = err
	}
	return nil, 0, last
}

// form gives each primary its share of the slots, introduces the nodes to
// each other and waits until every node sees a healthy cluster.
func (c *Cluster) form() error {
	n := len(c.Servers)
	for i, s := range c.Servers {
		lo, hi := i*hashSlots/n, (i+1)*hashSlots/n-1
		cmd := []string{"CLUSTER", "ADDSLOTS"}
		for slot := lo; slot <= hi; slot++ {
			cmd = append(cmd, strconv.Itoa(slot))
		}
		if _, err := do(s.Addr, cmd...); err != nil {
			return fmt.Errorf("redistest: assigning slots %d-%d to %s: %w", lo, hi, s.Addr, err)
		}
	}
	for _, s := range c.Servers[1:] {
		if err := c.meet(s); err != nil {
			return err
		}
	}
	return c.settle(c.Servers...)
}

// meet introduces s to the cluster's first node, which tells the others.
func (c *Cluster) meet(s *Server) error {
	if _, err := do(c.Servers[0].Addr, "CLUSTER", "MEET", "127.0.0.1", strconv.Itoa(s.port), strconv.Itoa(c.bus[s])); err != nil {
		return fmt.Errorf("redistest: introducing %s to the cluster: %w", s.Addr, err)
	}
	return nil
}

// settle waits until each of nodes reports a healthy cluster that knows
// every node started so far.
func (c *Cluster) settle(nodes ...*Server) error {
	want := fmt.Sprintf("cluster_known_nodes:%d", len(c.Servers)+len(c.replicas))
	deadline := time.Now().Add(settleTimeout)
	for _, s := range nodes {
		for {
			info, err := do(s.Addr, "CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, want+"\r\n") {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("redistest: the cluster did not settle within %v: %s says %q, %v", settleTimeout, s.Addr, info, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// PrimaryFor returns the primary that serves key's hash slot.
func (c *Cluster) PrimaryFor(key string) (*Server, error) {
	reply, err := do(c.Servers[0].Addr, "CLUSTER", "KEYSLOT", key)
	if err != nil {
		return nil, fmt.Errorf("redistest: CLUSTER KEYSLOT: %w", err)
	}
	slot, err := strconv.Atoi(reply)
	if err != nil {
		return nil, fmt.Errorf("redistest: CLUSTER KEYSLOT answered %q", reply)
	}
	return c.Servers[slot*len(c.Servers)/hashSlots], nil
}

// keyOf returns a key that primary serves, for linkUp's write.
func (c *Cluster) keyOf(primary *Server) (string, error) {
	for i := 0; ; i++ {
		key := fmt.Sprintf("redistest:replica-ready:%d", i)
		p, err := c.PrimaryFor(key)
		if err != nil || p == primary {
			return key, err
		}
	}
}

// StartReplica adds a replica of primary, one of c.Servers, to the
// cluster for t alone, and returns once it has copied the primary's data
// and every node sees a healthy cluster that knows it. The cluster's Kill
// kills it too.
func (c *Cluster) StartReplica(t testing.TB, primary *Server) *Server {
	t.Helper()
	s, err := c.newNode(t.TempDir())
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(s.Kill) // before its directory is removed
	c.replicas = append(c.replicas, s)
	id, err := do(primary.Addr, "CLUSTER", "MYID")
	if err == nil {
		err = syncAtOnce(primary)
	}
	if err == nil {
		err = c.meet(s)
	}
	// The new node learns the primary's id by gossip, within moments of
	// the introduction: until then it refuses to replicate an unknown node.
	deadline := time.Now().Add(settleTimeout)
	for err == nil {
		if _, err = do(s.Addr, "CLUSTER", "REPLICATE", id); err == nil || time.Now().After(deadline) {
			break
		}
		err = nil
		time.Sleep(20 * time.Millisecond)
	}
	if err == nil {
		var key string
		if key, err = c.keyOf(primary); err == nil {
			err = linkUp(primary, s, key)
		}
	}
	if err == nil { // every node knows the replica, and the cluster is healthy again
		err = c.settle(append([]*Server{s}, c.Servers...)...)
	}
	if err != nil {
		t.Fatalf("redistest: adding a replica of %s: %v", primary.Addr, err)
	}
	return s
}

// Kill kills every node of the cluster, replicas included.
func (c *Cluster) Kill() {
	for _, s := range append(c.Servers, c.replicas...) {
		s.Kill()
	}
}

// StartReplica starts a redis-server replicating primary (a server that is
// not in a cluster) for t alone, and returns once it has copied the
// primary's data and a write on the primary reaches it, so that WAIT
// counts it. It is killed when t and its subtests have finished. Pausing
// it ([Server.Pause]) holds back its acknowledgements, as a replica cut
// off from its primary would.
func StartReplica(t testing.TB, primary *Server, args ...string) *Server {
	t.Helper()
	if err := syncAtOnce(primary); err != nil {
		t.Fatal(err)
	}
	s := Start(t, append([]string{"--replicaof", "127.0.0.1", strconv.Itoa(primary.port)}, args...)...)
	if err := linkUp(primary, s, "redistest:replica-ready"); err != nil {
		t.Fatal(err)
	}
	return s
}

// syncAtOnce makes primary start a replica's first sync at once: Redis 7
// otherwise waits 5 s (repl-diskless-sync-delay) for more replicas to
// share it.
func syncAtOnce(primary *Server) error {
	if _, err := do(primary.Addr, "CONFIG", "SET", "repl-diskless-sync-delay", "0"); err != nil {
		return fmt.Errorf("redistest: configuring %s for replication: %w", primary.Addr, err)
	}
	return nil
}

// linkUp waits until replica has finished its first sync and a write on
// primary reaches it, as WAIT sees it: only then does WAIT count the
// replica. (After a diskless sync the primary streams writes to a replica
// only from its first acknowledgement, up to a second later, though INFO
// already says it is online.) The write is to key, which must be
// primary's, and expires at once.
func linkUp(primary, replica *Server, key string) error {
	deadline := time.Now().Add(settleTimeout)
	for {
		info, err := do(replica.Addr, "INFO", "replication")
		if err == nil && strings.Contains(info, "master_link_status:up") && strings.Contains(info, "master_sync_in_progress:0") {
			info, err = doAll(primary.Addr, []string{"SET", key, "1", "PX", "100"}, []string{"WAIT", "1", "100"})
			if err == nil && info == "1" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: replica %s not in sync within %v: %q, %v", replica.Addr, settleTimeout, info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// do sends one command to addr over a fresh connection, in the Redis
// protocol, and returns its reply: a simple or bulk string, or an integer
// in decimal. An error reply is returned as an error. Arrays are not read:
// the commands this package sends do not answer with one.
func do(addr string, args ...string) (string, error) {
	return doAll(addr, args)
}

// doAll sends commands to addr over one fresh connection, as do sends
// one, and returns the last one's reply, or the first error.
func doAll(addr string, commands ...[]string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(conn)
	var reply string
	for _, args := range commands {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := io.WriteString(conn, b.String()); err != nil {
			return "", err
		}
		if reply, err = readReply(r); err != nil {
			return "", err
		}
	}
	return reply, nil
}

func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch body := line[1:]; line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return "", errors.New(body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return "", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	default:
		return "", fmt.Errorf("unexpected reply %q", line)
	}
}
