package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hookseal/hookseal/store"
	redisstore "github.com/hookseal/hookseal/store/redis"
	"github.com/hookseal/hookseal/store/redis/redistest"
	"github.com/hookseal/hookseal/store/storetest"
)

// The shared contract suite, each subtest under a prefix of its own.
func TestContract(t *testing.T) {
	srv := needRedis(t)
	client := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{srv.Addr}})
	t.Cleanup(func() { client.Close() })
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, client, redisstore.WithPrefix(uniquePrefix(t)))
	})
}

func newStore(t testing.TB, client redis.UniversalClient, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(client, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// unreachable is a client of a loopback port nobody listens on.
func unreachable(t *testing.T) *redis.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return newClient(t, addr)
}

func TestNewRejectsBadOptions(t *testing.T) {
	client := unreachable(t)
	for _, tc := range []struct {
		name   string
		client redis.UniversalClient
		opts   []redisstore.Option
		want   []string // each must appear in the error
	}{
		{"nil client", nil, nil, []string{"client is nil"}},
		{"nil *redis.Client", (*redis.Client)(nil), nil, []string{"client is nil"}},
		{"nil *redis.ClusterClient", (*redis.ClusterClient)(nil), nil, []string{"client is nil"}},
		{"empty prefix", client, []redisstore.Option{redisstore.WithPrefix("")}, []string{"WithPrefix", "must not be empty"}},
		{"zero timeout", client, []redisstore.Option{redisstore.WithTimeout(0)}, []string{"WithTimeout", "must be positive", "got 0s"}},
		{"negative timeout", client, []redisstore.Option{redisstore.WithTimeout(-time.Second)}, []string{"WithTimeout", "got -1s"}},
		{"every mistake at once", nil, []redisstore.Option{redisstore.WithPrefix(""), redisstore.WithTimeout(0)},
			[]string{"client is nil", "WithPrefix", "WithTimeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.New(tc.client, tc.opts...)
			if err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
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

// New does not contact Redis, and nil options are ignored.
func TestNewWithoutRedis(t *testing.T) {
	s, err := redisstore.New(unreachable(t), nil, redisstore.WithTimeout(time.Millisecond), redisstore.WithPrefix("x:"))
	if err != nil || s == nil {
		t.Fatalf("New = %v, %v", s, err)
	}
}

// Non-positive durations and done contexts fail before any call to Redis:
// these run against an address nobody listens on, and must not wait for
// the timeout to say so.
func TestBadInputsNeedNoRedis(t *testing.T) {
	s := newStore(t, unreachable(t), redisstore.WithTimeout(time.Hour))
	ctx := t.Context()
	c := store.Claim{Key: "k", Token: "t", State: store.Claimed}
	at := time.Now()

	for _, d := range []time.Duration{0, -time.Nanosecond, -time.Hour} {
		if _, err := s.Claim(ctx, "k", d); !errors.Is(err, store.ErrInvalidDuration) {
			t.Errorf("Claim lease %v: %v, want ErrInvalidDuration", d, err)
		}
		if err := s.Renew(ctx, c, d); !errors.Is(err, store.ErrInvalidDuration) {
			t.Errorf("Renew lease %v: %v, want ErrInvalidDuration", d, err)
		}
		if err := s.Commit(ctx, c, d); !errors.Is(err, store.ErrInvalidDuration) {
			t.Errorf("Commit window %v: %v, want ErrInvalidDuration", d, err)
		}
		if _, err := s.Advance(ctx, "r", at, d); !errors.Is(err, store.ErrInvalidDuration) {
			t.Errorf("Advance ttl %v: %v, want ErrInvalidDuration", d, err)
		}
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	for _, dead := range []context.Context{cancelled, expired} {
		want := dead.Err()
		if _, err := s.Claim(dead, "k", time.Minute); !errors.Is(err, want) {
			t.Errorf("Claim: %v, want %v", err, want)
		}
		if err := s.Renew(dead, c, time.Minute); !errors.Is(err, want) {
			t.Errorf("Renew: %v, want %v", err, want)
		}
		if err := s.Commit(dead, c, time.Minute); !errors.Is(err, want) {
			t.Errorf("Commit: %v, want %v", err, want)
		}
		if err := s.Release(dead, c); !errors.Is(err, want) {
			t.Errorf("Release: %v, want %v", err, want)
		}
		if _, err := s.Advance(dead, "r", at, time.Minute); !errors.Is(err, want) {
			t.Errorf("Advance: %v, want %v", err, want)
		}
	}

	// A result that owns nothing is refused without asking Redis.
	for _, c := range []store.Claim{
		{Key: "k", State: store.Claimed},
		{Key: "k", Token: "t", State: store.InFlight},
		{Key: "k", Token: "t", State: store.Done},
		{Key: "k", Token: "t"},
	} {
		if err := s.Renew(ctx, c, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Renew(%+v) = %v, want ErrClaimLost", c, err)
		}
		if err := s.Commit(ctx, c, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Commit(%+v) = %v, want ErrClaimLost", c, err)
		}
		if err := s.Release(ctx, c); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Release(%+v) = %v, want ErrClaimLost", c, err)
		}
	}
}

// An unreachable Redis is an error that says what to check, within the
// timeout, and is not mistaken for a lost claim.
func TestUnreachableRedis(t *testing.T) {
	s := newStore(t, unreachable(t), redisstore.WithTimeout(300*time.Millisecond))
	ctx := t.Context()
	start := time.Now()
	_, err := s.Claim(ctx, "k", time.Minute)
	if err == nil {
		t.Fatal("Claim against an unreachable Redis succeeded")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Claim took %v with a 300ms timeout", took)
	}
	if errors.Is(err, store.ErrClaimLost) || errors.Is(err, store.ErrInvalidDuration) {
		t.Errorf("Claim error %v is mistaken for a contract error", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "redisstore: Claim \"hookseal:dedupe:k\"") {
		t.Errorf("error %q does not name the operation and key", msg)
	}
	t.Logf("unreachable Redis: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
	if _, err := s.Advance(ctx, "r", time.Now(), time.Minute); err == nil {
		t.Error("Advance against an unreachable Redis succeeded")
	}
	if err := s.Commit(ctx, store.Claim{Key: "k", Token: "t", State: store.Claimed}, time.Minute); err == nil || errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Commit against an unreachable Redis = %v, want a connection error", err)
	}
}

func TestWrongTokenIsClaimLost(t *testing.T) {
	srv := needRedis(t)
	s := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(uniquePrefix(t)))
	ctx := t.Context()
	c, err := s.Claim(ctx, "k", time.Minute)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim = %+v, %v", c, err)
	}
	other, err := s.Claim(ctx, "other", time.Minute)
	if err != nil || other.State != store.Claimed {
		t.Fatalf("Claim = %+v, %v", other, err)
	}
	fence := strconv.FormatUint(c.Fence, 10)
	for _, tok := range []string{"", "forged", c.Token[1:], c.Token + "x", strings.ToLower(c.Token), other.Token, "c:" + c.Token, "d:",
		c.Token + ":" + fence, c.Token + ":", ":" + c.Token, "[^:]+", ".*", c.Token + ":" + fence + ":%d+"} {
		bad := store.Claim{Key: "k", Token: tok, State: store.Claimed}
		if err := s.Renew(ctx, bad, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Renew with token %q = %v, want ErrClaimLost", tok, err)
		}
		if err := s.Commit(ctx, bad, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Commit with token %q = %v, want ErrClaimLost", tok, err)
		}
		if err := s.Release(ctx, bad); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Release with token %q = %v, want ErrClaimLost", tok, err)
		}
	}
	// The right token on another key owns nothing there.
	if err := s.Release(ctx, store.Claim{Key: "other", Token: c.Token, State: store.Claimed}); !errors.Is(err, store.ErrClaimLost) {
		t.Errorf("Release of another key = %v, want ErrClaimLost", err)
	}
	// Nothing above changed the claims.
	if got, _ := s.Claim(ctx, "k", time.Minute); got.State != store.InFlight {
		t.Fatalf("after forged calls, Claim = %v, want in_flight", got.State)
	}
	if err := s.Commit(ctx, c, time.Minute); err != nil {
		t.Fatalf("Commit with the right token: %v", err)
	}
	if err := s.Release(ctx, other); err != nil {
		t.Fatalf("Release with the right token: %v", err)
	}
	// A committed key cannot be renewed, committed or released with any
	// token.
	for _, tok := range []string{c.Token, "", "d:"} {
		cl := store.Claim{Key: "k", Token: tok, State: store.Claimed}
		if err := s.Renew(ctx, cl, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Renew of a committed key with %q = %v, want ErrClaimLost", tok, err)
		}
		if err := s.Commit(ctx, cl, time.Minute); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Commit of a committed key with %q = %v, want ErrClaimLost", tok, err)
		}
		if err := s.Release(ctx, cl); !errors.Is(err, store.ErrClaimLost) {
			t.Errorf("Release of a committed key with %q = %v, want ErrClaimLost", tok, err)
		}
	}
	if got, _ := s.Claim(ctx, "k", time.Minute); got.State != store.Done {
		t.Fatalf("Claim = %v, want done", got.State)
	}
}

// The keys, values and TTLs are the ones the package documentation shows.
func TestKeyLayout(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.WithPrefix(prefix))
	ctx := t.Context()

	before := serverMillis(t, client)
	c, err := s.Claim(ctx, "checkly:abc", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Token) != 26 || strings.Trim(c.Token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("token %q is not 128 random bits in base32", c.Token)
	}
	// A first claim's fence is the server's clock in ms; its deadline is
	// the lease later on the same clock. The key outlives the lease by the
	// retention: an hour, more than 10 leases of 30 s.
	if after := serverMillis(t, client); c.Fence < uint64(before) || c.Fence > uint64(after) {
		t.Errorf("first fence %d, want the server's time in ms, within [%d, %d]", c.Fence, before, after)
	}
	key := prefix + "dedupe:checkly:abc"
	fence := strconv.FormatUint(c.Fence, 10)
	expectKey(t, client, key, "c:"+c.Token+":"+fence+":"+strconv.FormatUint(c.Fence+30_000, 10), time.Hour+30*time.Second)

	// Renewing moves the deadline and the TTL.
	if err := s.Renew(ctx, c, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	v := expectKey(t, client, key, "", time.Hour+2*time.Minute)
	deadline := claimDeadline(t, v, c.Token, c.Fence)
	if now := serverMillis(t, client); deadline < now+110_000 || deadline > now+120_000 {
		t.Errorf("deadline after Renew(2m) = %d, want about %d (server time + 2m)", deadline, now+120_000)
	}

	if err := s.Commit(ctx, c, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	v = expectKey(t, client, key, "", 2*time.Minute)
	nonce, ok := strings.CutSuffix(strings.TrimPrefix(v, "d:"), ":"+fence)
	if !strings.HasPrefix(v, "d:") || !ok || len(nonce) != 26 || strings.Contains(v, c.Token) {
		t.Errorf("committed value %q, want d:, a nonce and the fence %s", v, fence)
	}

	at := time.Date(2026, 3, 1, 12, 0, 0, 999_999_999, time.UTC)
	if ok, err := s.Advance(ctx, "checkly:abc", at, time.Hour); err != nil || !ok {
		t.Fatalf("Advance = %v, %v", ok, err)
	}
	expectKey(t, client, prefix+"order:checkly:abc", strconv.FormatInt(at.UnixMilli(), 10), time.Hour)

	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Errorf("keys under %q: %q, want exactly the delivery and the resource", prefix, keys)
	}

	// A long lease is retained for 10 leases after it ends.
	long, err := s.Claim(ctx, "long", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	expectKey(t, client, prefix+"dedupe:long", "", 110*time.Minute)

	// A released key keeps the claim's fence for an hour, so the next
	// claim's fence is larger.
	if err := s.Release(ctx, long); err != nil {
		t.Fatal(err)
	}
	expectKey(t, client, prefix+"dedupe:long", "r:"+strconv.FormatUint(long.Fence, 10), time.Hour)
}

// serverMillis is the Redis server's clock (TIME) in ms since the epoch.
func serverMillis(t *testing.T, client redis.UniversalClient) uint64 {
	t.Helper()
	now, err := client.Time(t.Context()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return uint64(now.UnixMilli())
}

// claimDeadline checks that v is the claim of token with fence, and
// returns its deadline.
func claimDeadline(t *testing.T, v, token string, fence uint64) uint64 {
	t.Helper()
	rest, ok := strings.CutPrefix(v, "c:"+token+":"+strconv.FormatUint(fence, 10)+":")
	d, err := strconv.ParseUint(rest, 10, 64)
	if !ok || err != nil {
		t.Fatalf("value %q, want c:%s:%d:<deadline>", v, token, fence)
	}
	return d
}

// expectKey checks key's value (unless want is "") and that its TTL is at
// most ttl and not far below; it returns the value.
func expectKey(t *testing.T, client *redis.Client, key, want string, ttl time.Duration) string {
	t.Helper()
	ctx := t.Context()
	got, err := client.Get(ctx, key).Result()
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	if want != "" && got != want {
		t.Errorf("GET %s = %q, want %q", key, got, want)
	}
	pttl, err := client.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if pttl > ttl || pttl < ttl-10*time.Second {
		t.Errorf("PTTL %s = %v, want about %v", key, pttl, ttl)
	}
	return got
}

func TestDefaultPrefixAndIsolation(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	ctx := t.Context()
	key := "isolation-" + uniquePrefix(t)
	def := newStore(t, client)
	a := newStore(t, client, redisstore.WithPrefix("app-a:"))
	b := newStore(t, client, redisstore.WithPrefix("app-b:"))
	t.Cleanup(func() {
		client.Del(context.Background(), "hookseal:dedupe:"+key, "app-a:dedupe:"+key, "app-b:dedupe:"+key)
	})
	for name, s := range map[string]*redisstore.Store{"default": def, "a": a, "b": b} {
		if c, err := s.Claim(ctx, key, time.Minute); err != nil || c.State != store.Claimed {
			t.Fatalf("%s: Claim = %+v, %v; want each prefix to have its own keys", name, c, err)
		}
	}
	if n, _ := client.Exists(ctx, "hookseal:dedupe:"+key).Result(); n != 1 {
		t.Errorf("default prefix: key hookseal:dedupe:%s not found", key)
	}
	// Two stores with one prefix share their state: they are replicas.
	a2 := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix("app-a:"))
	if c, _ := a2.Claim(ctx, key, time.Minute); c.State != store.InFlight {
		t.Errorf("second store on the same prefix: Claim = %v, want in_flight", c.State)
	}
}

// Data hookseal did not write under its prefix is an error that says so,
// not a silent misreading.
func TestForeignValues(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	prefix := uniquePrefix(t)
	s := newStore(t, client, redisstore.WithPrefix(prefix))
	ctx := t.Context()
	client.Set(ctx, prefix+"dedupe:plain", "some other program's value", time.Minute)
	client.Set(ctx, prefix+"order:plain", "not a number", time.Minute)
	client.HSet(ctx, prefix+"dedupe:hash", "field", "value")
	client.Expire(ctx, prefix+"dedupe:hash", time.Minute)

	if _, err := s.Claim(ctx, "plain", time.Minute); err == nil || !strings.Contains(err.Error(), "WithPrefix") {
		t.Errorf("Claim over a foreign value = %v, want an error pointing at WithPrefix", err)
	}
	if _, err := s.Advance(ctx, "plain", time.Now(), time.Minute); err == nil || !strings.Contains(err.Error(), "WithPrefix") {
		t.Errorf("Advance over a foreign value = %v, want an error pointing at WithPrefix", err)
	}
	if _, err := s.Claim(ctx, "hash", time.Minute); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("Claim over a hash = %v, want Redis's WRONGTYPE error", err)
	}
	if v, _ := client.Get(ctx, prefix+"dedupe:plain").Result(); v != "some other program's value" {
		t.Errorf("Claim overwrote a foreign value with %q", v)
	}
}

// The scripts are sent with EVALSHA; when Redis has forgotten them (a
// restart, SCRIPT FLUSH) they are sent again.
func TestScriptCacheFlushed(t *testing.T) {
	srv := redistest.Start(t) // SCRIPT FLUSH affects the whole server
	client := newClient(t, srv.Addr)
	s := newStore(t, client)
	ctx := t.Context()
	for i := range 3 {
		if err := client.ScriptFlush(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		k := "k" + strconv.Itoa(i)
		c, err := s.Claim(ctx, k, time.Minute)
		if err != nil || c.State != store.Claimed {
			t.Fatalf("Claim after SCRIPT FLUSH = %+v, %v", c, err)
		}
		client.ScriptFlush(ctx)
		if err := s.Renew(ctx, c, time.Minute); err != nil {
			t.Fatalf("Renew after SCRIPT FLUSH: %v", err)
		}
		client.ScriptFlush(ctx)
		if err := s.Commit(ctx, c, time.Minute); err != nil {
			t.Fatalf("Commit after SCRIPT FLUSH: %v", err)
		}
		client.ScriptFlush(ctx)
		if ok, err := s.Advance(ctx, k, time.Now(), time.Minute); err != nil || !ok {
			t.Fatalf("Advance after SCRIPT FLUSH = %v, %v", ok, err)
		}
		c2, _ := s.Claim(ctx, k+"r", time.Minute)
		client.ScriptFlush(ctx)
		if err := s.Release(ctx, c2); err != nil {
			t.Fatalf("Release after SCRIPT FLUSH: %v", err)
		}
	}
}

// Durations under a millisecond round up (PX 0 is an error in Redis).
func TestSubMillisecondDurations(t *testing.T) {
	srv := needRedis(t)
	s := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(uniquePrefix(t)))
	ctx := t.Context()
	c, err := s.Claim(ctx, "k", time.Nanosecond)
	if err != nil || c.State != store.Claimed {
		t.Fatalf("Claim with a 1ns lease = %+v, %v", c, err)
	}
	if _, err := s.Advance(ctx, "r", time.Now(), 500*time.Microsecond); err != nil {
		t.Fatalf("Advance with a 0.5ms ttl: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := s.Claim(ctx, "k", time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if c.State == store.Claimed {
			if err := s.Commit(ctx, c, time.Microsecond); err != nil {
				t.Fatalf("Commit with a 1µs window: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a 1ns lease did not expire")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// Times are kept in milliseconds; times beyond what a Lua number holds
// exactly (±2^53 ms, about ±285,000 years) are clamped, so they still order
// against ordinary times.
func TestAdvanceTimeRange(t *testing.T) {
	srv := needRedis(t)
	s := newStore(t, newClient(t, srv.Addr), redisstore.WithPrefix(uniquePrefix(t)))
	ctx := t.Context()
	step := func(r string, at time.Time, want bool) {
		t.Helper()
		ok, err := s.Advance(ctx, r, at, time.Minute)
		if err != nil || ok != want {
			t.Fatalf("Advance(%s, %v) = %v, %v; want %v", r, at, ok, err, want)
		}
	}
	now := time.Now()
	farFuture := time.Unix(1<<62, 0)
	farPast := time.Unix(-1<<62, 0)

	step("a", time.Time{}, true) // year 1
	step("a", farPast, false)
	step("a", time.Unix(-1, 999_999_999), true) // just before the epoch
	step("a", time.Unix(-1, 0), false)
	step("a", time.Unix(0, 0), true)
	step("a", now, true)
	step("a", farFuture, true)
	step("a", now, false)
	step("a", farFuture.Add(time.Hour), true) // clamped: counts as equal

	// Within a millisecond, times are equal; a millisecond apart, they
	// are not.
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step("b", base.Add(1500*time.Microsecond), true)
	step("b", base.Add(1000*time.Microsecond), true)
	step("b", base.Add(999*time.Microsecond), false)
}

// go-redis retries a command whose reply was lost, so a script may run
// twice for one call. Claim and Commit recognise their own earlier run;
// Renew runs again harmlessly.
func TestRetriedCallsAreIdempotent(t *testing.T) {
	srv := needRedis(t)
	client := newClient(t, srv.Addr)
	ctx := t.Context()
	key := uniquePrefix(t) + "dedupe:k"
	run := func(script *redis.Script, want string, args ...any) {
		t.Helper()
		v, err := script.Run(ctx, client, []string{key}, args...).Result()
		if got := fmt.Sprint(v); err != nil || got != want {
			t.Fatalf("script %v = %s, %v; want %s", args, got, err, want)
		}
	}
	claim, renew, commit := redisstore.ClaimScriptForTest, redisstore.RenewScriptForTest, redisstore.CommitScriptForTest
	v, err := claim.Run(ctx, client, []string{key}, "TOKEN", 60_000, 120_000).Int64Slice()
	if err != nil || len(v) != 2 || v[0] != 1 || v[1] <= 0 {
		t.Fatalf("claim = %v, %v; want [1 <fence>]", v, err)
	}
	claimed := fmt.Sprint(v) // [1 <fence>]
	fence := strconv.FormatInt(v[1], 10)
	run(claim, claimed, "TOKEN", 60_000, 120_000) // the same call, retried: still claimed, same fence
	run(claim, "[2 0]", "OTHER", 60_000, 120_000) // another call: in flight
	run(renew, "1", "TOKEN", 60_000, 120_000)
	run(renew, "1", "TOKEN", 60_000, 120_000) // the same Renew, retried
	run(renew, "0", "OTHER", 60_000, 120_000)
	run(commit, "1", "TOKEN", "NONCE1", 60_000)
	run(commit, "1", "TOKEN", "NONCE1", 60_000)   // the same Commit, retried
	run(commit, "0", "TOKEN", "NONCE2", 60_000)   // a second Commit of the claim
	run(renew, "0", "TOKEN", 60_000, 120_000)     // a committed claim is not held
	run(claim, "[3 0]", "TOKEN", 60_000, 120_000) // done, even for its old token
	if v, _ := client.Get(ctx, key).Result(); v != "d:NONCE1:"+fence {
		t.Fatalf("value = %q, want the first commit's marker and the claim's fence %s", v, fence)
	}
}
