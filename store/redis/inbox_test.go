package redisstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/inbox"
	"github.com/hookseal/hookseal/inbox/inboxtest"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// The inbox contract suite against one redis-server, each subtest an
// inbox of its own name.
func TestInboxContract(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
		return newInbox(t, client, uniqueName(t), redisstore.WithMaxEntries(c.MaxEntries))
	})
}

// The suite against a Redis Cluster of three primaries: every script
// touches the one slot of its inbox's hash tag, and the inboxes of the
// subtests land on different nodes.
func TestInboxContractCluster(t *testing.T) {
	t.Parallel() // its own cluster: its start-up waits for gossip beside other tests
	cl := redistest.StartCluster(t, 3)
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs})
	t.Cleanup(func() { client.Close() })
	nodes := map[string]bool{}
	inboxtest.Run(t, func(t *testing.T, c inboxtest.Config) inbox.Inbox {
		name := uniqueName(t)
		if srv, err := cl.PrimaryFor("{" + name + "}"); err == nil {
			nodes[srv.Addr] = true
		}
		return newInbox(t, client, name, redisstore.WithMaxEntries(c.MaxEntries))
	})
	if len(nodes) < 2 {
		t.Errorf("the subtests' inboxes all landed on %v; want them spread over the nodes", nodes)
	}
}

func newInbox(t testing.TB, client redis.UniversalClient, name string, opts ...redisstore.InboxOption) *redisstore.Inbox {
	t.Helper()
	ib, err := redisstore.NewInbox(client, name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ib
}

// uniqueName is an inbox name no other test or run uses.
func uniqueName(t testing.TB) string {
	return strings.ReplaceAll(t.Name(), "/", ".") + "-" + rand.Text()[:8]
}

func TestNewInboxRejectsBadOptions(t *testing.T) {
	client := unreachable(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": client.Options().Addr}})
	t.Cleanup(func() { ring.Close() })
	for _, tc := range []struct {
		name   string
		client redis.UniversalClient
		inbox  string
		opts   []redisstore.InboxOption
		want   []string // each must appear in the error
	}{
		{"nil client", nil, "x", nil, []string{"client is nil"}},
		{"nil *redis.Client", (*redis.Client)(nil), "x", nil, []string{"client is nil"}},
		{"empty name", client, "", nil, []string{"inbox name", "non-empty"}},
		{"brace in name", client, "a{b", nil, []string{"inbox name", "hash tag"}},
		{"closing brace in name", client, "a}b", nil, []string{"inbox name", "'}'"}},
		{"empty prefix", client, "x", []redisstore.InboxOption{redisstore.WithInboxPrefix("")}, []string{"WithInboxPrefix"}},
		{"zero timeout", client, "x", []redisstore.InboxOption{redisstore.WithInboxTimeout(0)}, []string{"WithInboxTimeout", "got 0s"}},
		{"negative replicas", client, "x", []redisstore.InboxOption{redisstore.WithWaitReplicas(-1, time.Second)}, []string{"WithWaitReplicas"}},
		{"wait without timeout", client, "x", []redisstore.InboxOption{redisstore.WithWaitReplicas(1, 0)}, []string{"WithWaitReplicas", "positive timeout"}},
		{"wait on a ring", ring, "x", []redisstore.InboxOption{redisstore.WithWaitReplicas(1, time.Second)}, []string{"WithWaitReplicas", "*redis.Ring"}},
		{"every mistake at once", nil, "", []redisstore.InboxOption{redisstore.WithInboxPrefix(""), redisstore.WithInboxTimeout(-1)},
			[]string{"client is nil", "inbox name", "WithInboxPrefix", "WithInboxTimeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ib, err := redisstore.NewInbox(tc.client, tc.inbox, tc.opts...)
			if err == nil || ib != nil {
				t.Fatalf("NewInbox = %v, %v; want an error", ib, err)
			}
			if !strings.HasPrefix(err.Error(), "redisstore: ") {
				t.Errorf("error %q does not name the package", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// Operations against an unreachable Redis fail within the budget, naming
// the inbox and the operation; the consumer's default name is unique.
func TestInboxUnreachable(t *testing.T) {
	client := unreachable(t)
	ib := newInbox(t, client, "orders", redisstore.WithInboxTimeout(200*time.Millisecond))
	start := time.Now()
	_, _, err := ib.Append(t.Context(), inbox.Entry{Key: "k"})
	if err == nil || !strings.Contains(err.Error(), `inbox "orders": Append`) {
		t.Fatalf("Append to an unreachable Redis = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Append took %s with a 200ms budget", took)
	}
	other := newInbox(t, client, "orders")
	if ib.Consumer() == other.Consumer() || ib.Consumer() == "" {
		t.Errorf("consumers %q and %q: want two distinct names", ib.Consumer(), other.Consumer())
	}
	if c := newInbox(t, client, "orders", redisstore.WithConsumer("replica-7")).Consumer(); c != "replica-7" {
		t.Errorf("WithConsumer: consumer %q", c)
	}
	if _, err := ib.Lease(t.Context(), 0); !errors.Is(err, inbox.ErrInvalidDuration) {
		t.Errorf("Lease(0) = %v, want ErrInvalidDuration without contacting Redis", err)
	}
	if err := ib.Ack(t.Context(), inbox.Lease{Entry: inbox.Entry{ID: "1"}}); !errors.Is(err, inbox.ErrLeaseLost) {
		t.Errorf("Ack without a token = %v, want ErrLeaseLost without contacting Redis", err)
	}
}

// A Redis that stops answering (paused) bounds every call by the budget.
func TestInboxHungRedis(t *testing.T) {
	srv := redistest.Start(t)
	ib := newInbox(t, newClient(t, srv.Addr), "hung", redisstore.WithInboxTimeout(300*time.Millisecond))
	if _, _, err := ib.Append(t.Context(), inbox.Entry{Key: "warm"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	defer srv.Resume()
	start := time.Now()
	_, err := ib.Lease(t.Context(), time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "WithInboxTimeout") {
		t.Fatalf("Lease against a hung Redis = %v, want DeadlineExceeded naming WithInboxTimeout", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Lease took %s with a 300ms budget", took)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := ib.Stats(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Stats cancelled by its caller = %v, want context.Canceled", err)
	}
}
