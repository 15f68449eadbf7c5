package redisstore_test

import (
	"errors"
	"io"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
)

// These tests check what the contract suite cannot see from outside: that
// a lease is judged by the deadline in the value on the server's clock
// (not by the key's TTL), and that fences grow across takeovers, lost
// replies, a hung server and one that lost its data.

// A claim whose deadline passed on the server's clock is taken over with a
// larger fence, while its key still exists (the TTL is lease + retention):
// the holder that lapsed can then renew, commit or release nothing.
func TestLapsedClaimTakenOverWithLargerFence(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	a := newStore(t, client, redisstore.WithPrefix(prefix))
	b := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(prefix))
	ctx := t.Context()
	key := prefix + "dedupe:k"

	c1, err := a.Claim(ctx, "k", 100*time.Millisecond)
	if err != nil || c1.State != store.Claimed {
		t.Fatalf("Claim = %+v, %v", c1, err)
	}
	v, _ := client.Get(ctx, key).Result()
	deadline := claimDeadline(t, v, c1.Token, c1.Fence)
	waitServerPast(t, client, deadline)
	if ttl, _ := client.PTTL(ctx, key).Result(); ttl < 59*time.Minute {
		t.Fatalf("PTTL after the lease = %v, want the retention (about an hour) left", ttl)
	}

	c2, err := b.Claim(ctx, "k", time.Minute)
	if err != nil || c2.State != store.Claimed {
		t.Fatalf("Claim after the deadline = %+v, %v; want claimed", c2, err)
	}
	if c2.Fence <= c1.Fence {
		t.Fatalf("fence after a takeover = %d, want more than %d", c2.Fence, c1.Fence)
	}
	if err := a.Renew(ctx, c1, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Renew of the lapsed claim = %v, want ErrClaimLost", err)
	}
	if err := a.Commit(ctx, c1, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Commit of the lapsed claim = %v, want ErrClaimLost", err)
	}
	if err := a.Release(ctx, c1); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Release of the lapsed claim = %v, want ErrClaimLost", err)
	}
	v, _ = client.Get(ctx, key).Result()
	claimDeadline(t, v, c2.Token, c2.Fence) // still the new holder's
	if err := b.Commit(ctx, c2, time.Minute); err != nil {
		t.Fatal(err)
	}
}

// The deadline and fence in the value decide, whatever the key's TTL:
// values written by hand, judged against the server's clock (TIME).
func TestDeadlineAndFenceInTheValue(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.WithPrefix(prefix))
	ctx := t.Context()
	key := prefix + "dedupe:k"
	set := func(v string) {
		t.Helper()
		if err := client.Set(ctx, key, v, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(want store.State) store.Claim {
		t.Helper()
		c, err := s.Claim(ctx, "k", time.Minute)
		if err != nil || c.State != want {
			t.Fatalf("Claim = %+v, %v; want %v", c, err, want)
		}
		return c
	}
	ms := func(n uint64) string { return strconv.FormatUint(n, 10) }
	now := serverMillis(t, client)
	ahead := now + 1_000_000_000 // a fence ahead of the clock, as after a burst

	set("c:OTHER:41:" + ms(now+60_000)) // a minute left
	claim(store.InFlight)
	if v, _ := client.Get(ctx, key).Result(); v != "c:OTHER:41:"+ms(now+60_000) {
		t.Fatalf("an InFlight Claim changed the value to %q", v)
	}

	set("c:OTHER:" + ms(ahead) + ":" + ms(now-1)) // lapsed a moment ago
	if c := claim(store.Claimed); c.Fence != ahead+1 {
		t.Errorf("fence taking over from fence %d = %d, want %d", ahead, c.Fence, ahead+1)
	}

	set("r:" + ms(ahead+5))
	if c := claim(store.Claimed); c.Fence != ahead+6 {
		t.Errorf("fence after a release with fence %d = %d, want %d", ahead+5, c.Fence, ahead+6)
	}

	// A fence behind the clock gives way to the clock.
	set("c:OTHER:41:" + ms(now-1))
	if c := claim(store.Claimed); c.Fence < now {
		t.Errorf("fence taking over from fence 41 = %d, want at least the server's time %d", c.Fence, now)
	}
	client.Del(ctx, key)
	if c := claim(store.Claimed); c.Fence < now {
		t.Errorf("fence of a key Redis forgot = %d, want at least the server's time %d", c.Fence, now)
	}

	// Values of earlier versions, without fence: a claim is in flight
	// while its key lives (its TTL was the lease), a commit is done.
	set("c:OLDTOKEN")
	claim(store.InFlight)
	set("d:OLDNONCE")
	claim(store.Done)

	// Anything else is not hookseal's.
	for _, v := range []string{"r:", "r:x", "c:a:b:c", "c:a:1", "c:a:1:2:3", "x:1", "c:", "plain"} {
		set(v)
		if _, err := s.Claim(ctx, "k", time.Minute); err == nil || !strings.Contains(err.Error(), "WithPrefix") {
			t.Errorf("Claim over %q = %v, want an error pointing at WithPrefix", v, err)
		}
		if got, _ := client.Get(ctx, key).Result(); got != v {
			t.Errorf("Claim over %q changed it to %q", v, got)
		}
	}
}

// A renewed claim stays held past its first deadline, with its fence; a
// claim whose deadline passed and that nobody took over may be renewed.
func TestRenewExtendsPastTheDeadline(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	a := newStore(t, client, redisstore.WithPrefix(prefix))
	b := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(prefix))
	ctx := t.Context()
	key := prefix + "dedupe:k"

	c, err := a.Claim(ctx, "k", 200*time.Millisecond)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim = %+v, %v", c, err)
	}
	v, _ := client.Get(ctx, key).Result()
	first := claimDeadline(t, v, c.Token, c.Fence)
	if err := a.Renew(ctx, c, time.Minute); err != nil {
		t.Fatal(err)
	}
	v, _ = client.Get(ctx, key).Result()
	if d := claimDeadline(t, v, c.Token, c.Fence); d < first+50_000 {
		t.Fatalf("deadline after Renew(1m) = %d, want about a minute after %d", d, first)
	}
	waitServerPast(t, client, first+50)
	if got, err := b.Claim(ctx, "k", time.Minute); err != nil || got.State != store.InFlight {
		t.Fatalf("Claim after the first deadline of a renewed claim = %+v, %v; want in flight", got, err)
	}

	// Lapsed, nobody took over: renewing holds the key again.
	if err := a.Renew(ctx, c, 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	v, _ = client.Get(ctx, key).Result()
	waitServerPast(t, client, claimDeadline(t, v, c.Token, c.Fence))
	if err := a.Renew(ctx, c, time.Minute); err != nil {
		t.Fatalf("Renew of a lapsed claim nobody took over = %v, want nil", err)
	}
	if got, err := b.Claim(ctx, "k", time.Minute); err != nil || got.State != store.InFlight {
		t.Fatalf("Claim after renewing a lapsed claim = %+v, %v; want in flight", got, err)
	}
	if err := a.Commit(ctx, c, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, _ := client.Get(ctx, key).Result(); !strings.HasSuffix(v, ":"+strconv.FormatUint(c.Fence, 10)) {
		t.Fatalf("committed value %q does not keep the fence %d", v, c.Fence)
	}
}

// A reply lost on the way back makes go-redis send the script again: a
// retried Claim is still claimed with the same token and fence, a retried
// Renew still renews, a retried Commit still succeeds.
func TestLostRepliesAreRetried(t *testing.T) {
	srv := needRedis(t)
	p := startDropProxy(t, srv.Addr)
	client := newClient(t, p.addr())
	direct := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.WithPrefix(prefix))
	ctx := t.Context()
	key := prefix + "dedupe:k"

	// Warm up: a pooled connection and every script cached, so the reply
	// dropped below is the script's own.
	warm, err := s.Claim(ctx, "warm", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Renew(ctx, warm, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, warm, time.Minute); err != nil {
		t.Fatal(err)
	}

	p.dropNext()
	c, err := s.Claim(ctx, "k", time.Minute)
	p.expectDropped(t, "Claim", "*")
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim whose reply was lost = %+v, %v; want claimed", c, err)
	}
	v, _ := direct.Get(ctx, key).Result()
	claimDeadline(t, v, c.Token, c.Fence) // the fence the first run wrote

	p.dropNext()
	err = s.Renew(ctx, c, 2*time.Minute)
	p.expectDropped(t, "Renew", ":1")
	if err != nil {
		t.Fatalf("Renew whose reply was lost = %v", err)
	}

	p.dropNext()
	err = s.Commit(ctx, c, time.Minute)
	p.expectDropped(t, "Commit", ":1")
	if err != nil {
		t.Fatalf("Commit whose reply was lost = %v", err)
	}
	if got, err := s.Claim(ctx, "k", time.Minute); err != nil || got.State != store.Done {
		t.Fatalf("Claim = %+v, %v; want done", got, err)
	}
}

// A server that hangs past a claim's lease (paused, as by a long GC or a
// stalled VM) still judges the lease by its own clock when it resumes: a
// claim queued meanwhile takes over with a larger fence, and the first
// holder has lost. A server that restarts empty (no persistence) gives a
// larger fence still, since fences never fall below its clock.
func TestPausedOrRestartedServerKeepsFencesGrowing(t *testing.T) {
	srv := redistest.Start(t)
	prefix := uniquePrefix(t)
	a := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(prefix), redisstore.WithTimeout(10*time.Second))
	b := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(prefix), redisstore.WithTimeout(10*time.Second))
	ctx := t.Context()

	c1, err := a.Claim(ctx, "k", 200*time.Millisecond)
	if err != nil || c1.State != store.Claimed {
		t.Fatalf("Claim = %+v, %v", c1, err)
	}
	if _, err := b.Claim(ctx, "warm", time.Minute); err != nil { // b's connection and scripts
		t.Fatal(err)
	}

	if err := srv.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("cannot pause redis-server here: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			srv.Resume()
		}
	}()
	type claimed struct {
		c   store.Claim
		err error
	}
	queued := make(chan claimed, 1)
	go func() {
		c, err := b.Claim(ctx, "k", time.Minute)
		queued <- claimed{c, err}
	}()
	time.Sleep(600 * time.Millisecond) // past c1's lease, server hung
	resumed = true
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	r := <-queued
	if r.err != nil || r.c.State != store.Claimed {
		t.Fatalf("Claim queued while the server hung = %+v, %v; want claimed once it resumed", r.c, r.err)
	}
	c2 := r.c
	if c2.Fence <= c1.Fence {
		t.Fatalf("fence after the pause = %d, want more than %d", c2.Fence, c1.Fence)
	}
	if err := a.Renew(ctx, c1, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Renew by the holder that lapsed during the pause = %v, want ErrClaimLost", err)
	}
	if err := a.Commit(ctx, c1, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Commit by the holder that lapsed during the pause = %v, want ErrClaimLost", err)
	}

	// A crash that loses every key: the next claim's fence is still larger.
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var c3 store.Claim
	deadline := time.Now().Add(10 * time.Second)
	for {
		c3, err = b.Claim(ctx, "k", time.Minute)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // go-redis reconnecting
	}
	if err != nil || c3.State != store.Claimed {
		t.Fatalf("Claim after a restart = %+v, %v; want claimed (the restart lost the old claim)", c3, err)
	}
	if c3.Fence <= c2.Fence {
		t.Fatalf("fence after a restart that lost the data = %d, want more than %d", c3.Fence, c2.Fence)
	}
	if err := b.Commit(ctx, c2, time.Minute); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Commit of a claim the restart lost = %v, want ErrClaimLost", err)
	}
}

// waitServerPast waits until the server's clock is past ms (since the
// epoch).
func waitServerPast(t *testing.T, client redis.UniversalClient, ms uint64) {
	t.Helper()
	limit := time.Now().Add(10 * time.Second)
	for serverMillis(t, client) <= ms {
		if time.Now().After(limit) {
			t.Fatalf("the server's clock did not pass %d within 10s", ms)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dropProxy relays connections to a Redis server and, when armed, drops
// the next reply from the server and closes that connection: the command
// ran, but the client never hears so, and retries.
type dropProxy struct {
	l      net.Listener
	target string
	armed  atomic.Bool

	mu      sync.Mutex
	dropped []string // the replies dropped, in order
	conns   []net.Conn
}

func startDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{l: l, target: target}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			wg.Go(func() { io.Copy(s, c); s.Close() })
			wg.Go(func() { p.relay(c, s) })
		}
	})
	return p
}

func (p *dropProxy) addr() string { return p.l.Addr().String() }

// dropNext arms the proxy for the next reply.
func (p *dropProxy) dropNext() { p.armed.Store(true) }

// relay copies the server's replies to the client, but drops the first
// one read while armed and cuts the connection.
func (p *dropProxy) relay(c, s net.Conn) {
	defer c.Close()
	defer s.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 && p.armed.CompareAndSwap(true, false) {
			p.mu.Lock()
			p.dropped = append(p.dropped, string(buf[:n]))
			p.mu.Unlock()
			return
		}
		if n > 0 {
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// expectDropped checks that exactly one reply was dropped since the last
// call, and that it starts with prefix: the reply of op's script, which
// therefore ran before go-redis retried it.
func (p *dropProxy) expectDropped(t *testing.T, op, prefix string) {
	t.Helper()
	p.mu.Lock()
	dropped := p.dropped
	p.dropped = nil
	p.mu.Unlock()
	if len(dropped) != 1 || !strings.HasPrefix(dropped[0], prefix) {
		t.Fatalf("%s: replies dropped = %q, want one starting with %q (the script's reply)", op, dropped, prefix)
	}
}

// The longest leases and windows still make valid deadlines and TTLs.
func TestHugeDurations(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.WithPrefix(prefix))
	ctx := t.Context()
	const huge = time.Duration(math.MaxInt64)
	c, err := s.Claim(ctx, "k", huge)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim with lease %v = %+v, %v", huge, c, err)
	}
	v, _ := client.Get(ctx, prefix+"dedupe:k").Result()
	if d := claimDeadline(t, v, c.Token, c.Fence); d != c.Fence+uint64(huge/time.Millisecond)+1 {
		t.Errorf("deadline %d, want the fence %d plus the lease in ms", d, c.Fence)
	}
	if err := s.Renew(ctx, c, huge); err != nil {
		t.Fatalf("Renew with lease %v: %v", huge, err)
	}
	if got, err := s.Claim(ctx, "k", time.Minute); err != nil || got.State != store.InFlight {
		t.Fatalf("Claim = %+v, %v; want in flight", got, err)
	}
	if err := s.Commit(ctx, c, huge); err != nil {
		t.Fatalf("Commit with window %v: %v", huge, err)
	}
	if got, err := s.Claim(ctx, "k", huge); err != nil || got.State != store.Done {
		t.Fatalf("Claim = %+v, %v; want done", got, err)
	}
}
