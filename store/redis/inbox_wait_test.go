package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// With WithWaitReplicas, Append returns once the replica has the entry;
// with the replica cut off (paused), it fails with ErrNotReplicated after
// the timeout, the entry stored on the primary; the sender's retry, once
// the replica is back, is accepted, waiting for the entry again.
func TestInboxWaitReplicas(t *testing.T) {
	primary := redistest.Start(t)
	replica := redistest.StartReplica(t, primary)
	name := uniqueName(t)
	client := newClient(t, primary.Addr)
	opt := redisstore.WithWaitReplicas(1, 300*time.Millisecond)
	ib, other := newInbox(t, client, name, opt), newInbox(t, newClient(t, primary.Addr), name, opt)
	checkWait(t, ib, other, newClient(t, replica.Addr), replica, name)
}

// The same on a Redis Cluster: WAIT must run on the primary that serves
// the inbox's slot, on the connection that wrote, or it would count
// another primary's replicas (here: none).
func TestInboxWaitReplicasCluster(t *testing.T) {
	t.Parallel() // its own cluster: its start-up waits for gossip beside other tests
	cl := redistest.StartCluster(t, 3)
	name := uniqueName(t)
	primary, err := cl.PrimaryFor("{" + name + "}")
	if err != nil {
		t.Fatal(err)
	}
	replica := cl.StartReplica(t, primary)
	var ibs [2]*redisstore.Inbox
	for i := range ibs {
		client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
		t.Cleanup(func() { client.Close() })
		ibs[i] = newInbox(t, client, name, redisstore.WithWaitReplicas(1, 300*time.Millisecond))
	}
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr, OnConnect: func(ctx context.Context, c *redis.Conn) error {
		return c.ReadOnly(ctx).Err() // a cluster replica serves reads only when asked
	}})
	t.Cleanup(func() { rc.Close() })
	checkWait(t, ibs[0], ibs[1], rc, replica, name)
}

// checkWait appends through ib, and retries through other, another
// replica's inbox of the same name (a sender's retry may land on any).
func checkWait(t *testing.T, ib, other *redisstore.Inbox, replicaClient *redis.Client, replica *redistest.Server, name string) {
	t.Helper()
	ctx := t.Context()
	onReplica := func(id string) bool {
		n, err := replicaClient.Exists(ctx, redisstore.DefaultPrefix+"inbox:{"+name+"}:e:"+id).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	id, added, err := ib.Append(ctx, inbox.Entry{Key: "k1", Route: "r"})
	if err != nil || !added {
		t.Fatalf("Append with the replica up: %v, %v", added, err)
	}
	if !onReplica(id) {
		t.Fatal("Append returned before the replica had the entry")
	}
	// Warm the clients up while every node answers: go-redis's cluster
	// client reads COMMAND from a random node, maybe the replica about to
	// be paused, on its first routed call (Append's WAIT went to the
	// primary's own client).
	for _, ib := range []*redisstore.Inbox{ib, other} {
		if _, err := ib.Stats(ctx); err != nil {
			t.Fatal(err)
		}
	}

	if err := replica.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	resumed := false
	t.Cleanup(func() {
		if !resumed {
			replica.Resume()
		}
	})
	start := time.Now()
	id2, _, err := ib.Append(ctx, inbox.Entry{Key: "k2", Route: "r"})
	if !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Append with the replica cut off = %v, want ErrNotReplicated", err)
	}
	if took := time.Since(start); took < 250*time.Millisecond || took > 3*time.Second {
		t.Errorf("Append failed after %s, want about the 300ms WAIT timeout", took)
	}
	t.Logf("replica cut off: %v", err)
	if _, err := ib.Get(ctx, id2); err != nil {
		t.Fatalf("the entry is not on the primary: %v", err)
	}
	// The sender's retry, on another replica, meets the held entry, and
	// waits for it again (though that replica's connection did not write
	// it): with the replica still cut off, that fails too.
	if _, _, err := other.Append(ctx, inbox.Entry{Key: "k2", Route: "r"}); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("a retry with the replica cut off = %v, want ErrNotReplicated", err)
	}

	if err := replica.Resume(); err != nil {
		t.Fatal(err)
	}
	resumed = true
	again, added, err := other.Append(ctx, inbox.Entry{Key: "k2", Route: "r"})
	if err != nil || added || again != id2 {
		t.Fatalf("the retry with the replica back = %q, %v, %v; want %q, not added, no error", again, added, err, id2)
	}
	if !onReplica(id2) {
		t.Fatal("the retry was accepted before the replica had the entry")
	}
}

// A primary without replicas never satisfies WithWaitReplicas.
func TestInboxWaitWithoutReplicas(t *testing.T) {
	ib := newInbox(t, newClient(t, redistest.Start(t).Addr), uniqueName(t), redisstore.WithWaitReplicas(1, 100*time.Millisecond))
	if _, _, err := ib.Append(t.Context(), inbox.Entry{Key: "k"}); !errors.Is(err, redisstore.ErrNotReplicated) {
		t.Fatalf("Append = %v, want ErrNotReplicated", err)
	}
}
